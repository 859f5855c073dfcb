package synth

import (
	"strconv"
	"strings"
)

// Defect names one way of breaking a well-formed request so that exactly
// one Kamailio sanity check fails. The intended check and Kamailio 5.2.3's
// reply are in DefectInfo; see ../shared/reference/kamailio-sanity.md §2.
// These are the generator's intent; the sanity engine's tests are judged
// against a real Kamailio, not against this table.
type Defect string

// Defects understood by Apply.
const (
	// DefectProxyRequire adds "Proxy-Require: sip.mysipproxy.com", the
	// Yealink header from the DESIGN.md story (check 512, 420; leaks in
	// Kamailio <= 5.2.3).
	DefectProxyRequire Defect = "proxy_require"
	// DefectCSeqNumber makes the CSeq number 11 digits long (check 64).
	DefectCSeqNumber Defect = "cseq_value"
	// DefectCSeqMethod makes the CSeq method differ from the request
	// method (check 32).
	DefectCSeqMethod Defect = "cseq_method"
	// DefectContentLength declares 10 bytes more than the body (check 128).
	DefectContentLength Defect = "content_length"
	// DefectMissingCallID removes Call-ID (check 4, silent).
	DefectMissingCallID Defect = "required_headers"
	// DefectRURIScheme gives the request URI an unknown scheme (check 2).
	DefectRURIScheme Defect = "ruri_scheme"
	// DefectVersion makes the request line say SIP/3.0 (check 1, 505).
	DefectVersion Defect = "ruri_sip_version"
	// DefectExpires makes Expires "3600;x" (check 256).
	DefectExpires Defect = "expires_value"
	// DefectDupToTag gives To two tag parameters (check 4096, not in the
	// default mask 3047).
	DefectDupToTag Defect = "duptags"
	// DefectNonDigestAuth adds a Basic Authorization header (check 2048,
	// silent failure).
	DefectNonDigestAuth Defect = "digest"
)

// DefectInfo documents what a Defect is meant to trigger in Kamailio 5.2.3
// with the default checks.
type DefectInfo struct {
	Defect Defect
	// Bit is the sanity check bit expected to fail first.
	Bit int
	// InDefault reports whether Bit is in default_checks 3047.
	InDefault bool
	// Code and Reason are the stateless reply; 0 for silent failures.
	Code   int
	Reason string
}

// defectTable lists every Defect with its expected sanity outcome, in
// check bit order. It is an array so that AllDefects hands out copies.
var defectTable = [...]DefectInfo{
	{DefectVersion, 1, true, 505, "Version Not Supported (R-URI)"},
	{DefectRURIScheme, 2, true, 400, "Bad Request URI"},
	{DefectMissingCallID, 4, true, 0, ""},
	{DefectCSeqMethod, 32, true, 400, "CSeq method does not match request method"},
	{DefectCSeqNumber, 64, true, 400, "CSeq number is illegal"},
	{DefectContentLength, 128, true, 400, "Content-Length mis-match"},
	{DefectExpires, 256, true, 400, "Expires value is illegal"},
	{DefectProxyRequire, 512, true, 420, "Bad Proxy Require Extension"},
	{DefectNonDigestAuth, 2048, true, 0, ""},
	{DefectDupToTag, 4096, false, 400, "Many To Tag Params"},
}

// AllDefects returns every Defect with its expected sanity outcome, in
// check bit order.
func AllDefects() []DefectInfo {
	t := defectTable
	return t[:]
}

// Info returns the DefectInfo of d and whether d is known.
func (d Defect) Info() (DefectInfo, bool) {
	for _, i := range defectTable {
		if i.Defect == d {
			return i, true
		}
	}
	return DefectInfo{}, false
}

// Apply returns a copy of req broken by d. req must be a request built by
// NewRequest (it needs CSeq, To and Call-ID headers). Unknown defects
// return an unchanged copy.
func (d Defect) Apply(req *Message) *Message {
	m := req.Clone()
	switch d {
	case DefectProxyRequire:
		m.Add("Proxy-Require", "sip.mysipproxy.com")
	case DefectCSeqNumber:
		m.Set("CSeq", "99999999999 "+m.Method)
	case DefectCSeqMethod:
		num, _, _ := strings.Cut(mustGet(m, "CSeq"), " ")
		other := "OPTIONS"
		if m.Method == "OPTIONS" {
			other = "INFO"
		}
		m.Set("CSeq", num+" "+other)
	case DefectContentLength:
		m.Set("Content-Length", strconv.Itoa(len(m.Body)+10))
	case DefectMissingCallID:
		m.Del("Call-ID")
	case DefectRURIScheme:
		_, rest, ok := strings.Cut(m.RequestURI, ":")
		if !ok {
			rest = m.RequestURI
		}
		m.RequestURI = "htp:" + rest
	case DefectVersion:
		m.Version = "SIP/3.0"
	case DefectExpires:
		m.Set("Expires", "3600;x")
	case DefectDupToTag:
		m.Set("To", mustGet(m, "To")+";tag=a1;tag=b2")
	case DefectNonDigestAuth:
		m.Add("Authorization", "Basic dXNlcjpwYXNzd29yZA==")
	}
	return m
}

// mustGet returns a header value or "" (the builders always set these).
func mustGet(m *Message, name string) string {
	v, _ := m.Get(name)
	return v
}
