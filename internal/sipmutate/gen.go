// Package sipmutate generates seeded, reproducible mutations of realistic
// SIP device messages for differential tests against real Kamailio builds.
// It mutates every header grammar Kamailio's core parses (Via, To/From/
// Contact name-addr and parameters, CSeq, Content-Length, Expires,
// Proxy-Require/Require, URIs, digest credentials), header names and line
// ends, and the SIP version tokens. It is a test package's helper: nothing
// the shipped binary imports may import it.
package sipmutate

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Mutant is one generated message.
type Mutant struct {
	Name string // "<seed>#<n> <base> <mutation> | <mutation>..." (stable for a seed)
	Raw  []byte
}

// Generator produces mutants from one seed; the same seed always yields
// the same sequence.
type Generator struct {
	seed  uint64
	n     int
	r     *rand.Rand
	bases []skeleton
}

// New returns a generator for seed.
func New(seed uint64) *Generator {
	return &Generator{seed: seed, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), bases: bases()}
}

// Generate returns n mutants of seed.
func Generate(seed uint64, n int) []Mutant {
	g := New(seed)
	out := make([]Mutant, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// mutator changes a skeleton and names what it did.
type mutator struct {
	name string
	fn   func(g *Generator, s *skeleton) string
}

// mutators, with weights by repetition: the core's header parsers get most.
var mutators = []mutator{
	{"via", (*Generator).mutVia}, {"via", (*Generator).mutVia}, {"via", (*Generator).mutVia},
	{"nameaddr", (*Generator).mutNameAddr}, {"nameaddr", (*Generator).mutNameAddr}, {"nameaddr", (*Generator).mutNameAddr},
	{"contact", (*Generator).mutContact}, {"contact", (*Generator).mutContact},
	{"cseq", (*Generator).mutCSeq}, {"clen", (*Generator).mutContentLength}, {"expires", (*Generator).mutExpires},
	{"require", (*Generator).mutRequire}, {"ruri", (*Generator).mutRURI}, {"ruri", (*Generator).mutRURI},
	{"digest", (*Generator).mutDigest}, {"digest", (*Generator).mutDigest},
	{"hname", (*Generator).mutHeaderName}, {"hname", (*Generator).mutHeaderName},
	{"version", (*Generator).mutVersion}, {"dup", (*Generator).mutDuplicate}, {"drop", (*Generator).mutDrop},
	{"method", (*Generator).mutMethod}, {"body", (*Generator).mutBody},
}

// Next returns the next mutant.
func (g *Generator) Next() Mutant {
	g.n++
	s := g.bases[g.r.IntN(len(g.bases))].clone()
	k := 1 + g.r.IntN(3)
	var did []string
	for range k {
		m := mutators[g.r.IntN(len(mutators))]
		if d := m.fn(g, &s); d != "" {
			did = append(did, m.name+":"+d)
		}
	}
	eol, eolName := g.lineEnd()
	if eolName != "" {
		did = append(did, "eol:"+eolName)
	}
	return Mutant{
		Name: fmt.Sprintf("%d#%d %s %s", g.seed, g.n, s.kind, strings.Join(did, " | ")),
		Raw:  render(s, eol),
	}
}

func (g *Generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

// find returns the indexes of the headers named name (case-insensitive,
// compact forms included).
func (s *skeleton) find(name string) []int {
	var out []int
	for i, h := range s.headers {
		if strings.EqualFold(h.name, name) || strings.EqualFold(h.name, compact[name]) {
			out = append(out, i)
		}
	}
	return out
}

// set replaces the value of one header named name, or adds it.
func (g *Generator) set(s *skeleton, name, value string) {
	if idx := s.find(name); len(idx) > 0 {
		s.headers[idx[g.r.IntN(len(idx))]].value = value
		return
	}
	s.insert(g.r.IntN(len(s.headers)+1), header{name, value})
}

func (s *skeleton) insert(at int, h header) {
	s.headers = append(s.headers, header{})
	copy(s.headers[at+1:], s.headers[at:])
	s.headers[at] = h
}

func (g *Generator) viaParm() string {
	var b strings.Builder
	if g.chance(0.1) {
		b.WriteString(g.pick(viaVersions))
	} else {
		b.WriteString("SIP/2.0")
	}
	b.WriteByte('/')
	if g.chance(0.8) {
		b.WriteString(g.pick(viaTransports[:6]))
	} else {
		b.WriteString(g.pick(viaTransports))
	}
	switch g.r.IntN(10) {
	case 0:
		b.WriteString("  ")
	case 1:
		b.WriteByte('\t')
	default:
		b.WriteByte(' ')
	}
	if g.chance(0.6) {
		b.WriteString(g.pick(viaHosts[:6]))
	} else {
		b.WriteString(g.pick(viaHosts))
	}
	if g.chance(0.85) {
		b.WriteString(";branch=z9hG4bK" + strconv.Itoa(g.r.IntN(1e6)))
	}
	for range g.r.IntN(4) {
		b.WriteString(g.pick(viaParams))
	}
	return b.String()
}

func (g *Generator) mutVia(s *skeleton) string {
	n := 1
	if g.chance(0.3) {
		n = 2 + g.r.IntN(2)
	}
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.viaParm()
	}
	var v strings.Builder
	for i, p := range parts {
		if i > 0 {
			v.WriteString(g.pick(viaSeps))
		}
		v.WriteString(p)
	}
	if g.chance(0.05) {
		v.WriteString(g.pick([]string{",", ", ", " ,", ";", " "}))
	}
	idx := s.find("Via")
	switch {
	case len(idx) == 0 || g.chance(0.15):
		s.insert(0, header{"Via", v.String()})
		return "add"
	case g.chance(0.5):
		s.headers[idx[0]].value = v.String()
		return "first"
	default:
		s.headers[idx[len(idx)-1]].value = v.String()
		return "last"
	}
}

// nameAddr builds a To/From/Contact value.
func (g *Generator) nameAddr(tag bool) string {
	uri := "sip:" + strconv.Itoa(1000+g.r.IntN(9000)) + "@example.com"
	if g.chance(0.5) {
		uri = g.pick(uris)
	}
	var b strings.Builder
	switch g.r.IntN(8) {
	case 0: // addr-spec without brackets
		b.WriteString(uri)
	case 1: // unclosed bracket
		b.WriteString(g.pick(displayNames) + "<" + uri)
	case 2:
		b.WriteString(g.pick(displayNames) + "< " + uri + " >")
	default:
		b.WriteString(g.pick(displayNames) + "<" + uri + ">")
	}
	if tag && g.chance(0.6) {
		b.WriteString(";tag=" + strconv.Itoa(g.r.IntN(1e8)))
	}
	for range g.r.IntN(3) {
		b.WriteString(g.pick(addrParams))
	}
	return b.String()
}

func (g *Generator) mutNameAddr(s *skeleton) string {
	name := g.pick([]string{"From", "To", "From", "To", "Contact"})
	g.set(s, name, g.nameAddr(name != "Contact"))
	return strings.ToLower(name)
}

func (g *Generator) mutContact(s *skeleton) string {
	switch g.r.IntN(40) {
	case 0: // the unregister-all form (crashes some releases with uri_checks 8)
		g.set(s, "Contact", g.pick([]string{"*", " *", "*;x", "*, <sip:a@b>"}))
		return "star"
	case 1, 2, 3, 4:
		s.headers = append(s.headers, header{"Contact", g.nameAddr(false)})
		return "second"
	case 5, 6, 7, 8, 9, 10:
		g.set(s, "Contact", g.nameAddr(false)+g.pick([]string{",", ", ", " , "})+g.nameAddr(false))
		return "list"
	case 11:
		g.set(s, "Contact", "")
		return "empty"
	}
	g.set(s, "Contact", g.nameAddr(false))
	return "one"
}

// method is the base message's method (the request's or the CSeq's).
func (s *skeleton) method() string {
	if !strings.HasPrefix(s.first, "SIP/") {
		m, _, _ := strings.Cut(s.first, " ")
		return m
	}
	for _, i := range s.find("CSeq") {
		f := strings.Fields(s.headers[i].value)
		if len(f) == 2 {
			return f[1]
		}
	}
	return "INVITE"
}

func (g *Generator) mutCSeq(s *skeleton) string {
	c := g.pick(cseqs)
	m := s.method()
	c = strings.ReplaceAll(strings.ReplaceAll(c, "%M", m), "%m", strings.ToLower(m))
	g.set(s, "CSeq", c)
	return strconv.Quote(c)
}

func (g *Generator) mutContentLength(s *skeleton) string {
	v := g.pick(contentLengths)
	if v == "%L" && g.chance(0.5) {
		// Drop it: UDP allows a missing Content-Length.
		for _, i := range s.find("Content-Length") {
			s.headers[i].name = ""
		}
		return "absent"
	}
	g.set(s, "Content-Length", v)
	return strconv.Quote(v)
}

func (g *Generator) mutExpires(s *skeleton) string {
	v := g.pick(expires)
	g.set(s, "Expires", v)
	return strconv.Quote(v)
}

func (g *Generator) mutRequire(s *skeleton) string {
	name := g.pick([]string{"Proxy-Require", "Proxy-Require", "Require", "proxy-require", "PROXY-REQUIRE"})
	v := g.pick(requireLists)
	if g.chance(0.2) {
		s.headers = append(s.headers, header{name, v})
		return name + "+" + strconv.Quote(v)
	}
	g.set(s, name, v)
	return name + "=" + strconv.Quote(v)
}

func (g *Generator) mutRURI(s *skeleton) string {
	if strings.HasPrefix(s.first, "SIP/") {
		return ""
	}
	f := strings.SplitN(s.first, " ", 3)
	if len(f) != 3 {
		return ""
	}
	u := g.pick(uris)
	switch g.r.IntN(6) {
	case 0:
		u = "<" + u + ">"
	case 1:
		u = u + " "
	}
	s.first = f[0] + " " + u + " " + f[2]
	return strconv.Quote(u)
}

func (g *Generator) mutDigest(s *skeleton) string {
	name := g.pick([]string{"Authorization", "Proxy-Authorization", "authorization"})
	var ps []string
	for range 1 + g.r.IntN(8) {
		ps = append(ps, g.pick(digestParams))
	}
	sep := g.pick([]string{", ", ",", " ,", ",,", ", "})
	v := g.pick(authSchemes) + strings.Join(ps, sep)
	if g.chance(0.15) {
		s.headers = append(s.headers, header{name, v})
		return name + "+"
	}
	g.set(s, name, v)
	return name
}

func (g *Generator) mutHeaderName(s *skeleton) string {
	i := g.r.IntN(len(s.headers))
	h := &s.headers[i]
	if h.name == "" {
		return ""
	}
	switch g.r.IntN(7) {
	case 0:
		if c, ok := compact[h.name]; ok {
			h.name = c
			return "compact " + c
		}
		h.name = strings.ToLower(h.name)
	case 1:
		h.name = strings.ToUpper(h.name)
	case 2:
		h.name += " "
	case 3:
		h.name += "\t"
	case 4:
		h.name += "  "
	case 5:
		h.name = strings.ToLower(h.name)
	default:
		h.name = h.name[:len(h.name)-1] // a near miss: "Vi", "Fro", "Call-I"
	}
	return strconv.Quote(h.name)
}

func (g *Generator) mutVersion(s *skeleton) string {
	v := g.pick(requestVersions)
	if strings.HasPrefix(s.first, "SIP/") {
		_, rest, _ := strings.Cut(s.first, " ")
		s.first = v + " " + rest
		return "status " + v
	}
	i := strings.LastIndexByte(s.first, ' ')
	s.first = s.first[:i+1] + v
	return "request " + v
}

func (g *Generator) mutDuplicate(s *skeleton) string {
	i := g.r.IntN(len(s.headers))
	h := s.headers[i]
	if h.name == "" {
		return ""
	}
	s.insert(g.r.IntN(len(s.headers)+1), h)
	return h.name
}

func (g *Generator) mutDrop(s *skeleton) string {
	i := g.r.IntN(len(s.headers))
	n := s.headers[i].name
	s.headers[i].name = ""
	return n
}

func (g *Generator) mutMethod(s *skeleton) string {
	if strings.HasPrefix(s.first, "SIP/") {
		code := g.pick([]string{"100 Trying", "183 Session Progress", "302 Moved", "407 Proxy Authentication Required", "486 Busy Here", "999 X", "20 OK", "2000 OK", "200", "200  OK"})
		s.first = "SIP/2.0 " + code
		return code
	}
	m := g.pick(methods)
	_, rest, _ := strings.Cut(s.first, " ")
	s.first = m + " " + rest
	if g.chance(0.7) {
		for _, i := range s.find("CSeq") {
			f := strings.Fields(s.headers[i].value)
			if len(f) == 2 {
				s.headers[i].value = f[0] + " " + m
			}
		}
	}
	return m
}

func (g *Generator) mutBody(s *skeleton) string {
	switch g.r.IntN(3) {
	case 0:
		s.body = ""
		return "none"
	case 1:
		s.body += "a=extra:" + strings.Repeat("x", g.r.IntN(300)) + "\r\n"
		return "longer"
	}
	if len(s.body) > 0 {
		s.body = s.body[:g.r.IntN(len(s.body))]
	}
	return "cut"
}

// lineEnd picks the message's line end: mostly CRLF, sometimes what broken
// stacks send.
func (g *Generator) lineEnd() (string, string) {
	switch g.r.IntN(20) {
	case 0:
		return "\n", "LF"
	case 1:
		return "\r", "CR"
	case 2:
		return "\r\r\n", "CRCRLF"
	}
	return "\r\n", ""
}

// render writes the skeleton. Headers with an empty name are dropped; a
// "%L" in a Content-Length value is the body's real length.
func render(s skeleton, eol string) []byte {
	var b strings.Builder
	b.WriteString(s.first)
	b.WriteString(eol)
	for _, h := range s.headers {
		if h.name == "" {
			continue
		}
		v := h.value
		if strings.EqualFold(strings.TrimSpace(h.name), "Content-Length") || strings.TrimSpace(h.name) == "l" {
			v = strings.ReplaceAll(v, "%L", strconv.Itoa(len(s.body)))
		}
		b.WriteString(h.name)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteString(eol)
	}
	b.WriteString(eol)
	b.WriteString(s.body)
	return []byte(b.String())
}
