package kamcfg

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// routeKeywords open top-level route blocks.
var routeKeywords = map[string]bool{
	"request_route": true, "route": true, "reply_route": true, "onreply_route": true,
	"failure_route": true, "branch_route": true, "event_route": true, "onsend_route": true,
	"error_route": true, "branch_failure_route": true,
}

// intParams are the sanity modparams of type int.
var intParams = map[string]bool{"default_checks": true, "uri_checks": true, "autodrop": true, "noreply": true}

// extract walks the preprocessed tokens for loadmodule, modparam and
// sanity_check, tracking the top-level block each sits in.
func extract(toks []token, cfg *Config) {
	depth := 0
	route := ""
	calls := map[string][]string{} // block -> route[NAME] blocks it calls
	blocks := map[string]bool{}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case depth > 0 && t.kind == tIdent && t.text == "route" && i+3 < len(toks) &&
			toks[i+1].text == "(" && toks[i+3].text == ")" && (toks[i+2].kind == tIdent || toks[i+2].kind == tString):
			calls[route] = append(calls[route], "route["+toks[i+2].text+"]")
			i += 3
		case t.kind == tPunct && t.text == "{":
			depth++
		case t.kind == tPunct && t.text == "}":
			if depth > 0 {
				depth--
			}
			if depth == 0 {
				route = ""
			}
		case depth == 0 && t.kind == tIdent && routeKeywords[t.text]:
			name, next, ok := routeHeader(toks, i)
			if ok {
				route = name
				blocks[name] = true
				i = next - 1 // the '{' is counted by the next iteration
			}
		case depth == 0 && t.kind == tIdent && t.text == "loadmodule":
			if i+1 < len(toks) && toks[i+1].kind == tString && moduleName(toks[i+1].text) == "sanity" {
				cfg.Loaded = true
			}
		case t.kind == tIdent && t.text == "modparam":
			args, next, ok := callArgs(toks, i+1)
			if ok {
				modparam(cfg, t, args)
				i = next - 1
			}
		case t.kind == tIdent && t.text == "sanity_check":
			args, next, ok := callArgs(toks, i+1)
			if !ok {
				cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d: sanity_check without a closed argument list", t.file, t.line))
				continue
			}
			cfg.Calls = append(cfg.Calls, sanityCall(cfg, t, route, args))
			i = next - 1
		}
	}
	reach := reachability(blocks, calls)
	for k := range cfg.Calls {
		cfg.Calls[k].Entries = reach[cfg.Calls[k].Route]
	}
}

// isEntry tells blocks Kamailio runs by itself from route[NAME] blocks,
// which run only when called.
func isEntry(block string) bool { return !strings.HasPrefix(block, "route[") }

// reachability maps every block to the sorted entry blocks that reach it
// through route(NAME) calls.
func reachability(blocks map[string]bool, calls map[string][]string) map[string][]string {
	out := map[string][]string{}
	var entries []string
	for b := range blocks {
		if isEntry(b) {
			entries = append(entries, b)
		}
	}
	sort.Strings(entries)
	for _, e := range entries {
		seen := map[string]bool{e: true}
		queue := []string{e}
		for len(queue) > 0 {
			b := queue[0]
			queue = queue[1:]
			out[b] = append(out[b], e)
			for _, c := range calls[b] {
				if !seen[c] {
					seen[c] = true
					queue = append(queue, c)
				}
			}
		}
	}
	return out
}

// routeHeader reads `kw [ '[' name ']' ] '{'` at toks[i]; it returns the
// route's name, the index of '{' and whether the header is well formed.
func routeHeader(toks []token, i int) (string, int, bool) {
	kw := toks[i].text
	j := i + 1
	name := kw
	if j < len(toks) && toks[j].kind == tPunct && toks[j].text == "[" {
		var b strings.Builder
		j++
		for j < len(toks) && !(toks[j].kind == tPunct && toks[j].text == "]") {
			b.WriteString(toks[j].text)
			j++
		}
		if j >= len(toks) {
			return "", 0, false
		}
		j++
		name = kw + "[" + b.String() + "]"
	}
	if j < len(toks) && toks[j].kind == tPunct && toks[j].text == "{" {
		return name, j, true
	}
	return "", 0, false
}

// callArgs reads a parenthesised, comma-separated argument list starting
// at toks[i] == '('. It returns the arguments' tokens and the index after
// ')'.
func callArgs(toks []token, i int) ([][]token, int, bool) {
	if i >= len(toks) || toks[i].kind != tPunct || toks[i].text != "(" {
		return nil, 0, false
	}
	var args [][]token
	var cur []token
	depth := 0
	for j := i + 1; j < len(toks); j++ {
		t := toks[j]
		if t.kind == tPunct {
			switch t.text {
			case "(":
				depth++
			case ")":
				if depth == 0 {
					if len(cur) > 0 || len(args) > 0 {
						args = append(args, cur)
					}
					return args, j + 1, true
				}
				depth--
			case ",":
				if depth == 0 {
					args = append(args, cur)
					cur = nil
					continue
				}
			case "{", "}", ";":
				return nil, 0, false // a statement boundary: the call was not closed
			}
		}
		cur = append(cur, t)
	}
	return nil, 0, false
}

func rawArgs(args [][]token) string {
	parts := make([]string, len(args))
	for i, a := range args {
		var b strings.Builder
		for _, t := range a {
			b.WriteString(t.raw())
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, ", ")
}

// sanityCall resolves a sanity_check() call's arguments.
func sanityCall(cfg *Config, t token, route string, args [][]token) Call {
	c := Call{Route: route, File: t.file, Line: t.line, MsgChecks: Default, URIChecks: Default,
		Raw: "sanity_check(" + rawArgs(args) + ")"}
	if route == "" {
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d: %s outside any route block", t.file, t.line, c.Raw))
	}
	if len(args) > 2 {
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d: %s: Kamailio takes at most 2 arguments", t.file, t.line, c.Raw))
	}
	vals := []*int{&c.MsgChecks, &c.URIChecks}
	for k := 0; k < len(args) && k < 2; k++ {
		v, why := intArg(args[k])
		*vals[k] = v
		if why != "" {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d: %s: argument %d %s", t.file, t.line, c.Raw, k+1, why))
		}
	}
	return c
}

// intArg evaluates a sanity_check argument: an integer, a quoted integer
// (Kamailio's fixup_igp converts it), or anything else (Variable).
func intArg(a []token) (int, string) {
	neg := false
	if len(a) == 2 && a[0].kind == tPunct && (a[0].text == "-" || a[0].text == "+") && a[1].kind == tNumber {
		neg, a = a[0].text == "-", a[1:]
	}
	if len(a) != 1 {
		return Variable, "is an expression; treated as not constant"
	}
	switch a[0].kind {
	case tNumber:
		n, err := strconv.ParseInt(a[0].text, 0, 64)
		if err != nil || n > 1<<31-1 {
			return Variable, fmt.Sprintf("%q is not a valid integer", a[0].text)
		}
		if neg {
			n = -n
		}
		return int(n), ""
	case tString:
		s := strings.TrimSpace(a[0].text)
		if strings.Contains(s, "$") {
			return Variable, "" // a string with pseudo-variables: evaluated per message
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > 1<<31-1 || n < -1<<31 {
			return Variable, fmt.Sprintf("%q is not an integer", a[0].text)
		}
		return int(n), ""
	case tPVar:
		return Variable, ""
	case tIdent:
		return Variable, fmt.Sprintf("%s is not defined", a[0].text)
	}
	return Variable, fmt.Sprintf("%q not understood", a[0].text)
}

// modparam records modparam("sanity", name, value).
func modparam(cfg *Config, t token, args [][]token) {
	if len(args) != 3 || len(args[0]) != 1 || args[0][0].kind != tString {
		return
	}
	if !moduleMatches(args[0][0].text, "sanity") {
		return
	}
	where := fmt.Sprintf("%s:%d", t.file, t.line)
	if len(args[1]) != 1 || args[1][0].kind != tString {
		cfg.Warnings = append(cfg.Warnings, where+": modparam(\"sanity\", ...) with a parameter name that is not a string")
		return
	}
	name := args[1][0].text
	p := Param{Name: name, File: t.file, Line: t.line}
	val := args[2]
	isStr := len(val) == 1 && val[0].kind == tString
	if isStr {
		p.Value = val[0].text
	} else {
		var b strings.Builder
		for _, v := range val {
			b.WriteString(v.text)
		}
		p.Value = b.String()
	}
	switch {
	case intParams[name]:
		n, why := intArg(val)
		if n == Variable {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s: modparam sanity %s: value %s", where, name, why))
			cfg.Params = append(cfg.Params, p)
			return
		}
		if isStr {
			// Kamailio 5.6: "parameter <default_checks> of type <1:string>
			// not found in module <sanity>" and it does not start.
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s: modparam sanity %s is an int parameter given as a string: Kamailio refuses to start; value ignored", where, name))
			cfg.Params = append(cfg.Params, p)
			return
		}
		p.Int = n
		switch name {
		case "default_checks":
			cfg.DefaultChecks = n
		case "uri_checks":
			cfg.URIChecks = n
		case "autodrop":
			cfg.Autodrop = n
		case "noreply":
			cfg.Noreply = n
		}
	case name == "proxy_require":
		if !isStr {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s: modparam sanity proxy_require is a string parameter; got %s: Kamailio refuses to start; value ignored", where, p.Value))
			cfg.Params = append(cfg.Params, p)
			return
		}
		cfg.ProxyRequire = p.Value
	default:
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s: modparam sanity %q is not a parameter of the 5.x sanity module", where, name))
	}
	cfg.Params = append(cfg.Params, p)
}

// moduleMatches applies modparam's module-name matching: Kamailio treats
// the name as a regular expression matched against whole module names.
func moduleMatches(pattern, module string) bool {
	if pattern == module {
		return true
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	return err == nil && re.MatchString(module)
}

// moduleName turns a loadmodule argument ("sanity.so", "/path/sanity.so",
// "sanity") into the module name.
func moduleName(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSuffix(s, ".so")
}
