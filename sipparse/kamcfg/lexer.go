package kamcfg

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// maxDepth bounds include nesting and define expansion.
const maxDepth = 16

// maxTokens bounds the tokens of one cfg (with includes and expansions),
// so that a define bomb cannot exhaust memory.
const maxTokens = 1 << 19

type tokKind uint8

const (
	tIdent tokKind = iota
	tNumber
	tString
	tPVar
	tPunct
)

type token struct {
	kind tokKind
	text string // identifier, digits, string contents (unescaped), pvar, punctuation
	file string
	line int
}

// raw renders a token as it would appear in the cfg.
func (t token) raw() string {
	if t.kind == tString {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(t.text) + `"`
	}
	return t.text
}

type subst struct {
	re     *regexp.Regexp
	repl   string
	global bool
}

type ifFrame struct {
	active   bool // this branch is being read
	parent   bool // the enclosing branch is being read
	seenElse bool
	file     string
	line     int
}

// lexer runs the preprocessor and tokenises, collecting tokens of the
// active branches of the main file and its includes.
type lexer struct {
	opts     Options
	defines  map[string]string
	substs   []subst
	ifs      []ifFrame
	toks     []token
	warnings []string
	tooMany  bool
	read     int // bytes of cfg text over all files, for MaxTotalSize
}

func newLexer(opts Options) *lexer {
	return &lexer{opts: opts, defines: map[string]string{}}
}

func (lx *lexer) warnf(file string, line int, format string, args ...any) {
	if len(lx.warnings) < 1000 {
		lx.warnings = append(lx.warnings, fmt.Sprintf("%s:%d: ", file, line)+fmt.Sprintf(format, args...))
	}
}

func (lx *lexer) active() bool { return len(lx.ifs) == 0 || lx.ifs[len(lx.ifs)-1].active }

func (lx *lexer) emit(t token) {
	if len(lx.toks) >= maxTokens {
		lx.tooMany = true
		return
	}
	lx.toks = append(lx.toks, t)
}

// file lexes one file (the main cfg or an include) into lx.toks.
func (lx *lexer) file(src []byte, name string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: include depth over %d at %s", ErrTooDeep, maxDepth, name)
	}
	if len(src) > MaxFileSize {
		return fmt.Errorf("%w: %s: more than %d bytes (the bound of one cfg file)", ErrInput, name, MaxFileSize)
	}
	if lx.read += len(src); lx.read > MaxTotalSize {
		return fmt.Errorf("%w: %s: the cfg and its includes pass %d bytes", ErrInput, name, MaxTotalSize)
	}
	if err := checkText(src, name); err != nil {
		return err
	}
	ifBase := len(lx.ifs)
	s := &scanner{src: src, line: 1, name: name}
	pendingInclude := "" // "include_file" or "import_file" waiting for its path
	includeLine := 0
	pendingLoad := false // loadmodule waiting for its module name
	for !s.eof() {
		if s.atLineStart() && (s.hasPrefixAfterSpace("#!") || s.hasPrefixAfterSpace("!!")) {
			line := s.line
			text := s.directiveLine()
			if err := lx.directive(text, name, line, depth); err != nil {
				return err
			}
			continue
		}
		if !lx.active() {
			s.skipLine()
			continue
		}
		t, ok := s.next()
		if !ok {
			continue
		}
		if pendingInclude != "" {
			if t.kind == tString {
				if err := lx.include(pendingInclude, t.text, name, includeLine, depth); err != nil {
					return err
				}
				pendingInclude = ""
				continue
			}
			lx.warnf(name, includeLine, "%s without a quoted file name", pendingInclude)
			pendingInclude = ""
		}
		if pendingLoad {
			pendingLoad = false
			if t.kind == tString {
				// Kamailio defines MOD_<name> for every loaded module.
				lx.defines["MOD_"+moduleName(lx.applySubst(t.text))] = ""
			}
		}
		if t.kind == tIdent && t.text == "loadmodule" {
			pendingLoad = true
		}
		if t.kind == tIdent && (t.text == "include_file" || t.text == "import_file") {
			pendingInclude, includeLine = t.text, t.line
			continue
		}
		if t.kind == tString {
			t.text = lx.applySubst(t.text)
		}
		if t.kind == tIdent {
			if err := lx.expand(t, 0); err != nil {
				return err
			}
			continue
		}
		lx.emit(t)
	}
	for len(lx.ifs) > ifBase {
		f := lx.ifs[len(lx.ifs)-1]
		lx.warnf(f.file, f.line, "#!ifdef/#!ifndef without #!endif")
		lx.ifs = lx.ifs[:len(lx.ifs)-1]
	}
	if lx.tooMany {
		return fmt.Errorf("%w: more than %d tokens (define expansion loop?) in %s", ErrTooDeep, maxTokens, name)
	}
	return nil
}

// expand emits an identifier, replaced by its define value if it has one.
// Kamailio pushes a define's value back into its lexer, so values are
// lexed again and may use other defines.
func (lx *lexer) expand(t token, depth int) error {
	v, ok := lx.defines[t.text]
	if !ok {
		lx.emit(t)
		return nil
	}
	if depth > maxDepth {
		return fmt.Errorf("%w: define %s expands more than %d levels (%s:%d)", ErrTooDeep, t.text, maxDepth, t.file, t.line)
	}
	s := &scanner{src: []byte(v), line: t.line, name: t.file}
	for !s.eof() {
		u, ok := s.next()
		if !ok {
			continue
		}
		u.line, u.file = t.line, t.file
		switch u.kind {
		case tIdent:
			if err := lx.expand(u, depth+1); err != nil {
				return err
			}
		case tString:
			u.text = lx.applySubst(u.text)
			lx.emit(u)
		default:
			lx.emit(u)
		}
		if lx.tooMany {
			return fmt.Errorf("%w: more than %d tokens (define expansion loop?)", ErrTooDeep, maxTokens)
		}
	}
	return nil
}

func (lx *lexer) applySubst(s string) string {
	for _, sb := range lx.substs {
		if sb.global {
			s = sb.re.ReplaceAllString(s, sb.repl)
		} else if loc := sb.re.FindStringSubmatchIndex(s); loc != nil {
			var dst []byte
			dst = sb.re.ExpandString(dst, sb.repl, s, loc)
			s = s[:loc[0]] + string(dst) + s[loc[1]:]
		}
	}
	return s
}

func (lx *lexer) include(kind, path, from string, line, depth int) error {
	if lx.opts.NoIncludes {
		lx.warnf(from, line, "%s %q not followed", kind, path)
		return nil
	}
	full := resolveInclude(from, path)
	b, err := lx.opts.ReadFile(full)
	if err != nil {
		if kind == "import_file" && os.IsNotExist(err) {
			return nil // import_file ignores a missing file, like Kamailio
		}
		lx.warnf(from, line, "%s %q: %v", kind, path, err)
		return nil
	}
	return lx.file(b, full, depth+1)
}

// directive handles one #! line (continuations joined).
func (lx *lexer) directive(text, file string, line, depth int) error {
	text = strings.TrimSpace(text)[2:] // drop #! or !!
	name, rest, _ := strings.Cut(text, " ")
	if i := strings.IndexAny(name, "\t"); i >= 0 {
		name, rest = name[:i], name[i+1:]+" "+rest
	}
	rest = strings.TrimSpace(rest)
	active := lx.active()
	switch name {
	case "ifdef", "ifndef":
		id := firstWord(rest)
		_, def := lx.defines[id]
		cond := def == (name == "ifdef")
		lx.ifs = append(lx.ifs, ifFrame{active: active && cond, parent: active, file: file, line: line})
		return nil
	case "ifexp":
		lx.warnf(file, line, "#!ifexp not evaluated; its first branch is skipped")
		lx.ifs = append(lx.ifs, ifFrame{active: false, parent: active, file: file, line: line})
		return nil
	case "else":
		if len(lx.ifs) == 0 {
			lx.warnf(file, line, "#!else without #!ifdef")
			return nil
		}
		f := &lx.ifs[len(lx.ifs)-1]
		if f.seenElse {
			lx.warnf(file, line, "second #!else")
		}
		f.seenElse = true
		f.active = f.parent && !f.active
		return nil
	case "endif":
		if len(lx.ifs) == 0 {
			lx.warnf(file, line, "#!endif without #!ifdef")
			return nil
		}
		lx.ifs = lx.ifs[:len(lx.ifs)-1]
		return nil
	}
	if !active {
		return nil
	}
	switch name {
	case "define", "trydef", "redefine":
		id, val := splitDefine(rest)
		if !isIdent(id) {
			lx.warnf(file, line, "#!%s %q: not a plain identifier (parameterised defines are not supported)", name, id)
			return nil
		}
		_, exists := lx.defines[id]
		switch {
		case name == "trydef" && exists:
		case name == "define" && exists:
			lx.warnf(file, line, "#!define %s: already defined (Kamailio refuses to start); keeping the first value", id)
		default:
			lx.defines[id] = val
		}
	case "undef":
		delete(lx.defines, firstWord(rest))
	case "subst", "substdef", "substdefs":
		lx.substDirective(name, rest, file, line)
	case "defenv", "defenvs", "trydefenv", "trydefenvs":
		id, env, ok := strings.Cut(firstWord(rest), "=")
		if !ok {
			env = id
		}
		if !isIdent(id) {
			lx.warnf(file, line, "#!%s %q: bad name", name, rest)
			return nil
		}
		if _, exists := lx.defines[id]; exists && strings.HasPrefix(name, "try") {
			return nil
		}
		v := os.Getenv(env)
		if strings.HasSuffix(name, "s") {
			v = `"` + v + `"`
		}
		lx.defines[id] = v
	case "include_file", "import_file":
		path := strings.Trim(rest, `"' `)
		return lx.include(name, path, file, line, depth)
	case "KAMAILIO", "SER", "OPENSER", "ALL", "MAXCOMPAT":
		// cfg compatibility mode header
	default:
		lx.warnf(file, line, "preprocessor directive #!%s not understood", name)
	}
	return nil
}

// substDirective parses "/match/replace/flags" (any delimiter) of #!subst,
// #!substdef and #!substdefs.
func (lx *lexer) substDirective(name, rest, file string, line int) {
	arg := strings.TrimSpace(rest)
	if len(arg) >= 2 && (arg[0] == '"' || arg[0] == '\'') && arg[len(arg)-1] == arg[0] {
		arg = arg[1 : len(arg)-1]
	}
	if len(arg) < 3 {
		lx.warnf(file, line, "#!%s %q: expected /match/replacement/flags", name, rest)
		return
	}
	d := arg[:1]
	parts := strings.Split(arg[1:], d)
	if len(parts) != 3 {
		lx.warnf(file, line, "#!%s %q: expected %smatch%sreplacement%sflags", name, rest, d, d, d)
		return
	}
	match, repl, flags := parts[0], parts[1], parts[2]
	if name != "subst" {
		if !isIdent(match) {
			lx.warnf(file, line, "#!%s: %q is not an identifier", name, match)
			return
		}
		v := repl
		if name == "substdefs" {
			v = `"` + repl + `"`
		}
		if _, exists := lx.defines[match]; exists {
			lx.warnf(file, line, "#!%s %s: already defined; keeping the first value", name, match)
		} else {
			lx.defines[match] = v
		}
		match = regexp.QuoteMeta(match)
	}
	expr := match
	if strings.Contains(flags, "i") {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		lx.warnf(file, line, "#!%s: %v", name, err)
		return
	}
	// Kamailio's replacement uses \1 for groups; Go's uses ${1}.
	repl = regexp.MustCompile(`\\([0-9])`).ReplaceAllString(strings.ReplaceAll(repl, "$", "$$"), "$${$1}")
	lx.substs = append(lx.substs, subst{re: re, repl: repl, global: strings.Contains(flags, "g")})
}

// splitDefine splits "NAME value..." of a define line.
func splitDefine(rest string) (id, val string) {
	i := strings.IndexAny(rest, " \t")
	if i < 0 {
		return rest, ""
	}
	return rest[:i], strings.TrimSpace(rest[i+1:])
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
