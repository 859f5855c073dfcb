package kamcfg

import "strings"

// scanner reads tokens from one source text, skipping whitespace and
// comments (#, //, /* */) and tracking line numbers.
type scanner struct {
	src  []byte
	pos  int
	line int
	name string
}

func (s *scanner) eof() bool { return s.pos >= len(s.src) }

// atLineStart reports whether only spaces or tabs precede pos on its line.
func (s *scanner) atLineStart() bool {
	for i := s.pos - 1; i >= 0; i-- {
		switch s.src[i] {
		case ' ', '\t', '\r':
		case '\n':
			return true
		default:
			return false
		}
	}
	return true
}

func (s *scanner) hasPrefixAfterSpace(p string) bool {
	i := s.pos
	for i < len(s.src) && (s.src[i] == ' ' || s.src[i] == '\t') {
		i++
	}
	return strings.HasPrefix(string(s.src[i:min(len(s.src), i+len(p))]), p)
}

// directiveLine returns a preprocessor line, joining lines that end in a
// backslash, and moves past it.
func (s *scanner) directiveLine() string {
	var b strings.Builder
	for !s.eof() {
		end := s.pos
		for end < len(s.src) && s.src[end] != '\n' {
			end++
		}
		l := strings.TrimRight(string(s.src[s.pos:end]), "\r")
		s.pos = end
		if !s.eof() {
			s.pos++
			s.line++
		}
		if strings.HasSuffix(l, `\`) {
			b.WriteString(l[:len(l)-1])
			b.WriteByte(' ')
			continue
		}
		b.WriteString(l)
		break
	}
	return b.String()
}

// skipLine moves past the rest of the current line (inactive #!ifdef
// branches: Kamailio looks only for directives there).
func (s *scanner) skipLine() {
	for !s.eof() && s.src[s.pos] != '\n' {
		s.pos++
	}
	if !s.eof() {
		s.pos++
		s.line++
	}
}

// next returns the next token; ok is false when only whitespace or a
// comment was consumed (or the text ended).
func (s *scanner) next() (token, bool) {
	c := s.src[s.pos]
	switch {
	case c == '\n':
		s.pos++
		s.line++
		return token{}, false
	case c == ' ' || c == '\t' || c == '\r':
		s.pos++
		return token{}, false
	case c == '#':
		// A '#' that is not a directive at line start comments out the
		// rest of the line ("#!" mid-line included).
		s.skipToEOL()
		return token{}, false
	case c == '/' && s.peek(1) == '/':
		s.skipToEOL()
		return token{}, false
	case c == '/' && s.peek(1) == '*':
		s.pos += 2
		for !s.eof() && !(s.src[s.pos] == '*' && s.peek(1) == '/') {
			if s.src[s.pos] == '\n' {
				s.line++
			}
			s.pos++
		}
		s.pos = min(len(s.src), s.pos+2)
		return token{}, false
	case c == '"' || c == '\'':
		return s.str(c), true
	case c == '$':
		return s.pvar(), true
	case isIdentStart(c):
		start := s.pos
		for !s.eof() && isIdentChar(s.src[s.pos]) {
			s.pos++
		}
		return token{kind: tIdent, text: string(s.src[start:s.pos]), file: s.name, line: s.line}, true
	case c >= '0' && c <= '9':
		start := s.pos
		if c == '0' && (s.peek(1) == 'x' || s.peek(1) == 'X') {
			s.pos += 2
			for !s.eof() && isHex(s.src[s.pos]) {
				s.pos++
			}
		} else {
			for !s.eof() && s.src[s.pos] >= '0' && s.src[s.pos] <= '9' {
				s.pos++
			}
		}
		return token{kind: tNumber, text: string(s.src[start:s.pos]), file: s.name, line: s.line}, true
	}
	s.pos++
	return token{kind: tPunct, text: string(c), file: s.name, line: s.line}, true
}

func (s *scanner) peek(n int) byte {
	if s.pos+n < len(s.src) {
		return s.src[s.pos+n]
	}
	return 0
}

func (s *scanner) skipToEOL() {
	for !s.eof() && s.src[s.pos] != '\n' {
		s.pos++
	}
}

// str reads a quoted string (which may span lines), handling the escapes
// Kamailio's lexer knows. An unterminated string runs to the end.
func (s *scanner) str(q byte) token {
	t := token{kind: tString, file: s.name, line: s.line}
	s.pos++
	var b strings.Builder
	for !s.eof() {
		c := s.src[s.pos]
		if c == q {
			s.pos++
			t.text = b.String()
			return t
		}
		if c == '\n' {
			s.line++
		}
		if c == '\\' && s.pos+1 < len(s.src) {
			s.pos++
			switch e := s.src[s.pos]; e {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '\n':
				s.line++ // line continuation inside a string
			default:
				b.WriteByte(e)
			}
			s.pos++
			continue
		}
		b.WriteByte(c)
		s.pos++
	}
	t.text = b.String()
	return t
}

// pvar reads a pseudo-variable: $name, $name(inner), $(inner), with an
// optional [index]; parentheses and brackets nest.
func (s *scanner) pvar() token {
	start, line := s.pos, s.line
	s.pos++
	for !s.eof() && isIdentChar(s.src[s.pos]) {
		s.pos++
	}
	for _, open := range []byte{'(', '[', '{'} {
		if !s.eof() && s.src[s.pos] == open {
			s.balanced(open)
		}
	}
	return token{kind: tPVar, text: string(s.src[start:s.pos]), file: s.name, line: line}
}

func (s *scanner) balanced(open byte) {
	closeOf := map[byte]byte{'(': ')', '[': ']', '{': '}'}
	var stack []byte
	for !s.eof() {
		c := s.src[s.pos]
		switch {
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, closeOf[c])
		case len(stack) > 0 && c == stack[len(stack)-1]:
			stack = stack[:len(stack)-1]
		case c == '\n':
			return // pvars do not span lines
		}
		s.pos++
		if len(stack) == 0 {
			return
		}
	}
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }
func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
