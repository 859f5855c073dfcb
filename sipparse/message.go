// Package sipparse is sipcorr's SIP message parser and its Kamailio-faithful
// sanity engine.
//
// Parse is lenient and zero-copy: it never discards a message because one
// header is broken; it records what it found odd as Defects and keeps every
// header as raw bytes that alias the input. Engine.Judge then decides what
// Kamailio's sanity module (and the Kamailio core parser in front of it) would
// decide for the same bytes. Judge reads Message.Raw through its own model of
// the Kamailio core parsers, because Kamailio, not RFC 3261, is the judge.
package sipparse

import "errors"

// Sentinel errors returned by Parse. Everything else that is wrong with a
// message is recorded in Message.Defects and left to the sanity engine.
var (
	// ErrEmpty means the buffer holds nothing but whitespace.
	ErrEmpty = errors.New("sipparse: empty message")
	// ErrNotSIP means the first line is neither a SIP status line nor a
	// request line whose version starts with "SIP/".
	ErrNotSIP = errors.New("sipparse: not a SIP message")
)

// Message is one parsed SIP message. All []byte fields alias Raw; nothing is
// copied. A Message is reused between Parse calls (the Headers backing array
// survives), so keep a copy of anything you need after the next Parse.
type Message struct {
	// Raw is the complete datagram or framed stream message as given to Parse.
	Raw []byte

	// IsRequest is true for requests, false for responses.
	IsRequest bool
	// Method, RequestURI and Version hold the request line of a request.
	// For a response, Version holds the status line version ("SIP/2.0").
	Method, RequestURI, Version []byte
	// StatusCode and Reason hold the status line of a response.
	StatusCode int
	Reason     []byte

	// Headers lists every header line in message order, folded lines joined.
	Headers []Header
	// Body is everything after the blank line that ends the headers (nil when
	// there is no blank line).
	Body []byte
	// Defects records deviations from RFC 3261 framing that the lenient parser
	// tolerated.
	Defects Defect

	// startLineEnd is the offset just after the first line's line end.
	startLineEnd int
	crlfLines    int // lines ended by CRLF, for the bare-CR defect
	headEnd      int // offset of the blank line ending the headers, -1 if none
	// core caches Kamailio's core-parser view of Raw (see core.go); it is
	// filled by the engine on first use and reset by Parse.
	core coreMsg
}

// Header is one header field. Name and Value alias Message.Raw.
type Header struct {
	// Name is the header name as received (compact forms are not expanded;
	// Kind tells what it means).
	Name []byte
	// Value is the header value with surrounding whitespace removed. For a
	// folded header it spans the fold (CRLF and leading whitespace included).
	Value []byte
	// Kind is the header type, compact forms mapped (f -> HdrFrom, ...).
	Kind HeaderKind
	// Line is the 1-based line number of the header's first line.
	Line int
	// Offset is the byte offset of the header's first byte in Message.Raw.
	Offset int

	// coreName: Name is made of Kamailio header-name bytes only and ':'
	// follows it at once, so the core walk can take Kind and the end of the
	// header from Parse.
	coreName bool
}

// Defect is a bit set of framing defects found by Parse.
type Defect uint32

// Defects recorded by Parse. They describe the bytes; whether Kamailio cares
// is decided by the sanity engine.
const (
	// DefectLFOnly: at least one line ends with LF without CR.
	DefectLFOnly Defect = 1 << iota
	// DefectBareCR: a CR not followed by LF inside the header section.
	DefectBareCR
	// DefectNoColon: a header line has no colon (kept as HdrMalformed).
	DefectNoColon
	// DefectNoBlankLine: the header section is not ended by an empty line.
	DefectNoBlankLine
	// DefectLeadingWhitespace: CR, LF, SP, HT or NUL bytes precede the first line.
	DefectLeadingWhitespace
	// DefectFolding: a header value continues on a folded line.
	DefectFolding
	// DefectBadHeaderName: a header name is empty or has characters outside
	// Kamailio's header-name alphabet [0-9A-Za-z-._+~] (or space before ':').
	DefectBadHeaderName
	// DefectBadStartLine: the first line is not "token SP token SP token"
	// (request) or "SIP/2.0 SP 3DIGIT SP reason" (response).
	DefectBadStartLine
	// DefectContentLength: the Content-Length value is not digits only or
	// differs from the number of body bytes.
	DefectContentLength
	// DefectNUL: a NUL byte occurs in the start line or headers.
	DefectNUL
)

var defectNames = [...]string{
	"lf-only-line-end", "bare-cr", "header-without-colon", "no-blank-line",
	"leading-whitespace", "folded-header", "bad-header-name", "bad-start-line",
	"content-length", "nul-byte",
}

// String lists the defect names separated by '|' ("" for none). It allocates.
func (d Defect) String() string {
	var b []byte
	for i, n := range defectNames {
		if d&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, n...)
		}
	}
	return string(b)
}

// Get returns the value of the first header of kind k, or nil if none.
func (m *Message) Get(k HeaderKind) []byte {
	for i := range m.Headers {
		if m.Headers[i].Kind == k {
			return m.Headers[i].Value
		}
	}
	return nil
}

// Count returns how many headers of kind k the message has.
func (m *Message) Count(k HeaderKind) int {
	n := 0
	for i := range m.Headers {
		if m.Headers[i].Kind == k {
			n++
		}
	}
	return n
}

// UserAgent returns the trimmed User-Agent value, falling back to Server for
// responses; nil if neither is present.
func (m *Message) UserAgent() []byte {
	if ua := m.Get(HdrUserAgent); ua != nil {
		return ua
	}
	if !m.IsRequest {
		return m.Get(HdrServer)
	}
	return nil
}

// CallID returns the first Call-ID value (nil if none).
func (m *Message) CallID() []byte { return m.Get(HdrCallID) }

// reset prepares m for a new Parse, keeping the Headers backing array.
// It clears field by field: a composite-literal assignment would copy the
// engine's core cache (half a kilobyte) in and out of m on every message.
// The cache is only marked stale; coreView clears it when it recomputes.
// TestResetClearsEveryField fails when a new field is not cleared here.
func (m *Message) reset(buf []byte) {
	m.Raw = buf
	m.IsRequest = false
	m.Method, m.RequestURI, m.Version = nil, nil, nil
	m.StatusCode = 0
	m.Reason = nil
	m.Headers = m.Headers[:0]
	m.Body = nil
	m.Defects = 0
	m.startLineEnd, m.crlfLines, m.headEnd = 0, 0, -1
	m.core.done = false
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// trimWS trims SP, HT, CR and LF at both ends (Kamailio's trim()).
func trimWS(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isWS(b[i]) {
		i++
	}
	for j > i && isWS(b[j-1]) {
		j--
	}
	return b[i:j]
}

// trimLeftWS trims SP, HT, CR and LF at the start (Kamailio's trim_leading()).
func trimLeftWS(b []byte) []byte {
	i := 0
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return b[i:]
}

// trimRightWS trims SP, HT, CR and LF at the end (Kamailio's trim_trailing()).
func trimRightWS(b []byte) []byte {
	j := len(b)
	for j > 0 && isWS(b[j-1]) {
		j--
	}
	return b[:j]
}

// trimRightSP trims SP and HT at the end.
func trimRightSP(b []byte) []byte {
	j := len(b)
	for j > 0 && (b[j-1] == ' ' || b[j-1] == '\t') {
		j--
	}
	return b[:j]
}

// trimLeftSP trims SP and HT at the start.
func trimLeftSP(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return b[i:]
}
