package synth

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Header is one SIP header line as it appears on the wire: Name and Value
// are written as "Name: Value\r\n" with no normalisation, so compact forms,
// odd casing and broken values survive.
type Header struct {
	Name, Value string
}

// Message is a SIP request or response about to be serialised. It keeps
// headers in order and never validates anything: malformed messages are
// built by editing a well-formed one (see Defect).
type Message struct {
	// Method and RequestURI make the request line; ignored when Status != 0.
	Method, RequestURI string
	// Version is the protocol token of the start line. Empty means "SIP/2.0".
	Version string
	// Status is the response code; 0 makes the message a request.
	Status int
	// Reason is the response reason phrase.
	Reason string
	// Headers in wire order.
	Headers []Header
	// Body follows the blank line.
	Body []byte
	// NoContentLength suppresses the Content-Length header that Bytes adds
	// when the message has none.
	NoContentLength bool
}

// IsRequest reports whether m is a request.
func (m *Message) IsRequest() bool { return m.Status == 0 }

// Get returns the value of the first header named name (case-insensitive)
// and whether it exists.
func (m *Message) Get(name string) (string, bool) {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// Set replaces the value of the first header named name, or appends the
// header when there is none.
func (m *Message) Set(name, value string) {
	for i, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			m.Headers[i].Value = value
			return
		}
	}
	m.Headers = append(m.Headers, Header{name, value})
}

// Add appends a header, keeping any existing one of the same name.
func (m *Message) Add(name, value string) {
	m.Headers = append(m.Headers, Header{name, value})
}

// Del removes every header named name.
func (m *Message) Del(name string) {
	out := m.Headers[:0]
	for _, h := range m.Headers {
		if !strings.EqualFold(h.Name, name) {
			out = append(out, h)
		}
	}
	m.Headers = out
}

// UserAgent returns the User-Agent header value ("" when absent).
func (m *Message) UserAgent() string {
	v, _ := m.Get("User-Agent")
	return v
}

// Clone returns a deep copy, so defects can be applied without touching
// the original.
func (m *Message) Clone() *Message {
	c := *m
	c.Headers = append([]Header(nil), m.Headers...)
	c.Body = append([]byte(nil), m.Body...)
	return &c
}

// Bytes serialises the message. A Content-Length header matching the body
// is appended after the other headers unless one (or its compact form "l")
// is present or NoContentLength is set.
func (m *Message) Bytes() []byte { return m.AppendTo(nil) }

// AppendTo appends the serialised message to dst and returns the result.
func (m *Message) AppendTo(dst []byte) []byte {
	version := m.Version
	if version == "" {
		version = "SIP/2.0"
	}
	if m.IsRequest() {
		dst = append(dst, m.Method...)
		dst = append(dst, ' ')
		dst = append(dst, m.RequestURI...)
		dst = append(dst, ' ')
		dst = append(dst, version...)
	} else {
		dst = append(dst, version...)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(m.Status), 10)
		dst = append(dst, ' ')
		dst = append(dst, m.Reason...)
	}
	dst = append(dst, "\r\n"...)
	hasCL := m.NoContentLength
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, "Content-Length") || h.Name == "l" || h.Name == "L" {
			hasCL = true
		}
		dst = append(dst, h.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, h.Value...)
		dst = append(dst, "\r\n"...)
	}
	if !hasCL {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(m.Body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, m.Body...)
}

// Party is one end of a SIP exchange: a user at a domain reachable at an
// address, with the User-Agent its device announces ("" for none).
type Party struct {
	User, Domain string
	Addr         netip.AddrPort
	UA           string
}

// URI returns the party's address-of-record, e.g. "sip:1001@example.net".
func (p Party) URI() string { return "sip:" + p.User + "@" + p.Domain }

// ContactURI returns the party's contact URI at its network address.
func (p Party) ContactURI(transport string) string {
	u := "sip:" + p.User + "@" + hostPort(p.Addr)
	if transport != "" && transport != "UDP" {
		u += ";transport=" + strings.ToLower(transport)
	}
	return u
}

// hostPort formats an address as a SIP host:port, bracketing IPv6.
func hostPort(a netip.AddrPort) string {
	if a.Addr().Is6() {
		return "[" + a.Addr().String() + "]:" + strconv.Itoa(int(a.Port()))
	}
	return a.String()
}

// Request describes a request to build with NewRequest. Zero values get
// sensible defaults: UDP transport, Max-Forwards 70, To = From's AoR for
// REGISTER.
type Request struct {
	Method     string
	RequestURI string
	From, To   Party
	// Transport is the Via transport token: "UDP" (default) or "TCP".
	Transport string
	CallID    string
	FromTag   string
	// ToTag is set for in-dialog requests.
	ToTag  string
	CSeq   uint32
	Branch string
	// Expires adds an Expires header when > 0.
	Expires int
	// Extra headers appended after the standard ones.
	Extra []Header
	Body  []byte
	// ContentType is used when Body is not empty; default application/sdp.
	ContentType string
}

// NewRequest builds a well-formed request with the headers real phones
// send, in the order they usually send them.
func NewRequest(r Request) *Message {
	transport := r.Transport
	if transport == "" {
		transport = "UDP"
	}
	m := &Message{Method: r.Method, RequestURI: r.RequestURI}
	m.Add("Via", fmt.Sprintf("SIP/2.0/%s %s;branch=z9hG4bK%s;rport", transport, hostPort(r.From.Addr), r.Branch))
	m.Add("Max-Forwards", "70")
	m.Add("From", fmt.Sprintf("\"%s\" <%s>;tag=%s", r.From.User, r.From.URI(), r.FromTag))
	to := "<" + r.To.URI() + ">"
	if r.ToTag != "" {
		to += ";tag=" + r.ToTag
	}
	m.Add("To", to)
	m.Add("Call-ID", r.CallID)
	m.Add("CSeq", fmt.Sprintf("%d %s", r.CSeq, r.Method))
	if r.Method == "REGISTER" || r.Method == "INVITE" || r.Method == "SUBSCRIBE" {
		m.Add("Contact", "<"+r.From.ContactURI(transport)+">")
	}
	if r.Method == "INVITE" || r.Method == "OPTIONS" {
		m.Add("Allow", "INVITE, ACK, OPTIONS, CANCEL, BYE, REFER, NOTIFY, INFO, SUBSCRIBE")
	}
	if r.Expires > 0 {
		m.Add("Expires", strconv.Itoa(r.Expires))
	}
	if r.From.UA != "" {
		m.Add("User-Agent", r.From.UA)
	}
	m.Headers = append(m.Headers, r.Extra...)
	if len(r.Body) > 0 {
		ct := r.ContentType
		if ct == "" {
			ct = "application/sdp"
		}
		m.Add("Content-Type", ct)
		m.Body = append([]byte(nil), r.Body...)
	}
	return m
}

// NewResponse builds the response a server would send to req: Via, From,
// To, Call-ID and CSeq are copied, a To tag is added when toTag is not
// empty and the request's To has none, and server ("" for none) becomes
// the Server header.
func NewResponse(req *Message, status int, reason, toTag, server string) *Message {
	m := &Message{Status: status, Reason: reason}
	for _, h := range req.Headers {
		switch strings.ToLower(h.Name) {
		case "via", "from", "call-id", "cseq":
			m.Add(h.Name, h.Value)
		case "to":
			v := h.Value
			if toTag != "" && !strings.Contains(v, ";tag=") {
				v += ";tag=" + toTag
			}
			m.Add(h.Name, v)
		}
	}
	if server != "" {
		m.Add("Server", server)
	}
	return m
}

// SDP returns a small but realistic audio offer from addr.
func SDP(user string, addr netip.Addr, sessionID uint32, rtpPort int) []byte {
	ipv := "IP4"
	if addr.Is6() {
		ipv = "IP6"
	}
	return fmt.Appendf(nil, "v=0\r\no=%s %d %d IN %s %s\r\ns=SIP Call\r\nc=IN %s %s\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"+
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n",
		user, sessionID, sessionID, ipv, addr, ipv, addr, rtpPort)
}
