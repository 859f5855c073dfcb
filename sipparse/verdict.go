package sipparse

import (
	"fmt"
	"strconv"
	"strings"
)

// Verdict is what Kamailio would decide for one message.
type Verdict struct {
	// CoreDrop: Kamailio's core drops the message before sanity runs.
	CoreDrop bool
	// CoreDropReason is a constant text such as "bad first line".
	CoreDropReason string
	// Failed holds every enabled check that fails when run on its own
	// (sanity_check(bit, uri_checks)).
	Failed Check
	// First is the first failure in Kamailio's evaluation order (the one a
	// sanity_check(mask) call reports); 0 means pass.
	First Check
	// Code and Reason are the reply Kamailio sends for First; Code 0 means
	// silent (no reply: the check is silent, or the message is an ACK or a
	// reply).
	Code   int
	Reason string
	// NoReplyFlag: First sets FL_MSG_NOREPLY.
	NoReplyFlag bool
	// ContactStar: the message has "Contact: *" (for known-defect lookups).
	ContactStar bool

	contactChecked bool // uri check 8 ran (a Contact: * then crashes old workers)
	toParamBroken  bool // a To/From body failed parse_to (old pkg leak trigger)

	firstEv evidence
	raw     []byte
	cfgPR   []string
}

// evidence records the offending bytes of a failure for Detail().
type evidence struct {
	kind evKind
	hdr  HeaderKind
	span span // offending bytes in Raw
}

// span is an offset pair into Raw (int32 keeps result small on the hot path).
type span [2]int32

func toSpan(s [2]int) span { return span{int32(s[0]), int32(s[1])} }

type evKind uint8

const (
	evNone evKind = iota
	evVersionNoSlash
	evVersionBad
	evRURI
	evMissingHeaders
	evBadHeaders
	evDuplicate
	evVia1
	evRFC3261
	evCSeqMissing
	evCSeqUnreachable
	evCSeqMethod
	evCSeqValue
	evCLUnreachable
	evCLNoBody
	evCLMismatch
	evExpiresUnreachable
	evExpiresEmpty
	evExpiresValue
	evPRUnreachable
	evPREmpty
	evPRToken
	evFromMissing
	evFromBody
	evFromURI
	evToMissing
	evToURI
	evContactHeaders
	evContactURI
	evAuthHeaders
	evAuthScheme
	evAuthParse
	evAuthCred
	evAuthEmpty
	evTagsParse
	evTagsMany
	evSizes
	evReply // the message is a SIP reply: checks read the status line
)

func (v *Verdict) reset(raw []byte, pr []string) {
	*v = Verdict{raw: raw, cfgPR: pr}
}

func (v *Verdict) bytesOf(s span) string {
	if s[0] < 0 || int(s[1]) > len(v.raw) || s[0] > s[1] {
		return ""
	}
	b := v.raw[s[0]:s[1]]
	if len(b) > 200 {
		b = b[:200]
	}
	return strconv.Quote(string(b))
}

// UnsupportedToken is the Proxy-Require token Kamailio names in the
// "Unsupported:" header of its 420 reply (nil unless First is a 420). It
// aliases the judged message's bytes.
func (v *Verdict) UnsupportedToken() []byte {
	if v.First != CheckProxyRequire || v.Code != 420 || v.firstEv.kind != evPRToken {
		return nil
	}
	s := v.firstEv.span
	if s[0] < 0 || int(s[1]) > len(v.raw) || s[0] > s[1] {
		return nil
	}
	return v.raw[s[0]:s[1]]
}

// Detail is a human explanation of First naming the offending bytes, e.g.
// `Proxy-Require token "sip.mysipproxy.com" is not in proxy_require (empty
// list)`. It allocates; call it only when you print. It reads the judged
// message's bytes, so call it before that buffer is reused.
func (v *Verdict) Detail() string {
	if v.CoreDrop {
		return "Kamailio core drops the message before sanity runs: " + v.CoreDropReason
	}
	if v.First == 0 {
		return ""
	}
	e := v.firstEv
	q := v.bytesOf(e.span)
	switch e.kind {
	case evVersionNoSlash:
		return "request-line version " + q + " has no '/'"
	case evVersionBad:
		return "request-line version " + q + " is not SIP/2.0"
	case evRURI:
		return "Request-URI " + q + " does not parse (Kamailio parse_uri)"
	case evMissingHeaders:
		return "From, To, Call-ID and CSeq are not all reachable by the core header parser"
	case evBadHeaders:
		return "header parse error at " + q
	case evDuplicate:
		return "duplicate " + e.hdr.String() + " header " + q
	case evVia1:
		return "first Via " + q + " lacks a host or a non-empty branch"
	case evRFC3261:
		return "RFC 3261 rule broken at " + q + " (branch must start z9hG4bK; Route/Record-Route need lr)"
	case evCSeqMissing:
		return "no CSeq header"
	case evCSeqUnreachable, evCLUnreachable, evExpiresUnreachable, evPRUnreachable, evAuthHeaders:
		return "the core header parser stops at " + q + " before reaching " + e.hdr.String()
	case evCSeqMethod:
		return "CSeq method " + q + " differs from the request method (case-sensitive)"
	case evCSeqValue:
		return "CSeq number " + q + " is not a valid 32-bit value"
	case evCLNoBody:
		return "Content-Length present but the end of the headers cannot be located (no blank line or a bad header after it)"
	case evCLMismatch:
		return "Content-Length " + q + " differs from the body length"
	case evExpiresEmpty:
		return "Expires header is empty"
	case evExpiresValue:
		return "Expires value " + q + " is not a valid 32-bit number"
	case evPREmpty:
		return "Proxy-Require header is empty"
	case evPRToken:
		list := "(empty list)"
		if len(v.cfgPR) > 0 {
			list = "(" + strings.Join(v.cfgPR, ", ") + ")"
		}
		return fmt.Sprintf("Proxy-Require token %s is not in proxy_require %s", q, list)
	case evFromMissing:
		return "no From header reachable"
	case evFromBody:
		return "From header " + q + " does not parse"
	case evFromURI:
		return "From URI " + q + " does not parse"
	case evToMissing:
		return "no To header reachable"
	case evToURI:
		return "To URI " + q + " does not parse"
	case evContactHeaders:
		return "Contact header " + q + " does not parse"
	case evContactURI:
		return "Contact URI " + q + " does not parse"
	case evAuthScheme:
		return "credentials " + q + " are not Digest"
	case evAuthParse:
		return "Digest credentials " + q + " do not parse"
	case evAuthCred:
		return "Digest credentials " + q + " lack username, realm, nonce, uri, response (or cnonce/nc with qop)"
	case evAuthEmpty:
		return "Digest credentials " + q + " have an empty username, nonce or response"
	case evTagsParse:
		return "From or To header does not parse"
	case evTagsMany:
		return e.hdr.String() + " header " + q + " has more than one tag parameter"
	case evSizes:
		return "a size limit is exceeded at " + q
	case evReply:
		return "SIP reply: the check reads the status line " + q + " as a request line"
	}
	return v.First.String() + " failed"
}
