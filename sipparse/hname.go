package sipparse

// HeaderKind is a header type. The set and the name table follow Kamailio's
// core header-name parser (parse_hname2.c, 5.6): the same long names, the
// same compact forms, matched case-insensitively.
type HeaderKind uint8

// Header kinds. HdrOther is a well-formed name Kamailio does not know;
// HdrMalformed is a line the lenient parser kept although it has no colon.
const (
	HdrOther HeaderKind = iota
	HdrMalformed
	HdrVia
	HdrTo
	HdrFrom
	HdrCSeq
	HdrCallID
	HdrContact
	HdrMaxForwards
	HdrRoute
	HdrRecordRoute
	HdrContentType
	HdrContentLength
	HdrAuthorization
	HdrExpires
	HdrMinExpires
	HdrProxyAuthorization
	HdrSupported
	HdrRequire
	HdrProxyRequire
	HdrUnsupported
	HdrAllow
	HdrEvent
	HdrAccept
	HdrAcceptLanguage
	HdrOrganization
	HdrPriority
	HdrSubject
	HdrUserAgent
	HdrServer
	HdrContentDisposition
	HdrDiversion
	HdrRemotePartyID
	HdrReferTo
	HdrSessionExpires
	HdrMinSE
	HdrSubscriptionState
	HdrAcceptContact
	HdrAllowEvents
	HdrContentEncoding
	HdrReferredBy
	HdrRejectContact
	HdrRequestDisposition
	HdrWWWAuthenticate
	HdrProxyAuthenticate
	HdrDate
	HdrIdentity
	HdrIdentityInfo
	HdrRetryAfter
	HdrPath
	HdrPrivacy
	HdrPAssertedIdentity
	HdrPPreferredIdentity
	HdrReason
	HdrCallInfo
	HdrSIPIfMatch
	numHeaderKinds
)

// hnames maps Kamailio's header names (long and compact) to kinds, in
// Kamailio's table order. Compact forms: a b c d e f i j k l m o r s t u v x y.
var hnames = [...]struct {
	name string
	kind HeaderKind
}{
	{"a", HdrAcceptContact}, {"Accept", HdrAccept}, {"Accept-Contact", HdrAcceptContact},
	{"Accept-Language", HdrAcceptLanguage}, {"Allow", HdrAllow}, {"Allow-Events", HdrAllowEvents},
	{"Authorization", HdrAuthorization},
	{"b", HdrReferredBy},
	{"c", HdrContentType}, {"Call-Id", HdrCallID}, {"Call-Info", HdrCallInfo}, {"Contact", HdrContact},
	{"Content-Disposition", HdrContentDisposition}, {"Content-Encoding", HdrContentEncoding},
	{"Content-Length", HdrContentLength}, {"Content-Type", HdrContentType}, {"CSeq", HdrCSeq},
	{"d", HdrRequestDisposition}, {"Date", HdrDate}, {"Diversion", HdrDiversion},
	{"e", HdrContentEncoding}, {"Event", HdrEvent}, {"Expires", HdrExpires},
	{"f", HdrFrom}, {"From", HdrFrom},
	{"i", HdrCallID}, {"Identity", HdrIdentity}, {"Identity-Info", HdrIdentityInfo},
	{"j", HdrRejectContact},
	{"k", HdrSupported},
	{"l", HdrContentLength},
	{"m", HdrContact}, {"Max-Forwards", HdrMaxForwards}, {"Min-Expires", HdrMinExpires}, {"Min-SE", HdrMinSE},
	{"o", HdrEvent}, {"Organization", HdrOrganization},
	{"Path", HdrPath}, {"Priority", HdrPriority}, {"Privacy", HdrPrivacy},
	{"Proxy-Authenticate", HdrProxyAuthenticate}, {"Proxy-Authorization", HdrProxyAuthorization},
	{"Proxy-Require", HdrProxyRequire}, {"P-Preferred-Identity", HdrPPreferredIdentity},
	{"P-Asserted-Identity", HdrPAssertedIdentity},
	{"r", HdrReferTo}, {"Reason", HdrReason}, {"Record-Route", HdrRecordRoute}, {"Refer-To", HdrReferTo},
	{"Referred-By", HdrReferredBy}, {"Reject-Contact", HdrRejectContact}, {"Remote-Party-ID", HdrRemotePartyID},
	{"Request-Disposition", HdrRequestDisposition}, {"Require", HdrRequire}, {"Retry-After", HdrRetryAfter},
	{"Route", HdrRoute},
	{"s", HdrSubject}, {"Server", HdrServer}, {"Session-Expires", HdrSessionExpires},
	{"SIP-If-Match", HdrSIPIfMatch}, {"Subject", HdrSubject}, {"Subscription-State", HdrSubscriptionState},
	{"Supported", HdrSupported},
	{"t", HdrTo}, {"To", HdrTo},
	{"u", HdrAllowEvents}, {"Unsupported", HdrUnsupported}, {"User-Agent", HdrUserAgent},
	{"v", HdrVia}, {"Via", HdrVia},
	{"x", HdrSessionExpires},
	{"y", HdrIdentity},
	{"WWW-Authenticate", HdrWWWAuthenticate},
}

// kindNames holds the canonical (long) name per kind, for String.
var kindNames = func() [numHeaderKinds]string {
	var n [numHeaderKinds]string
	n[HdrOther] = "other"
	n[HdrMalformed] = "malformed"
	for _, h := range hnames {
		if len(h.name) > 1 && n[h.kind] == "" {
			n[h.kind] = h.name
		}
	}
	n[HdrCallID] = "Call-ID"
	return n
}()

// String returns the canonical long header name of k ("Call-ID", "Via", ...),
// "other" for unknown names and "malformed" for lines without a colon.
func (k HeaderKind) String() string {
	if k < numHeaderKinds {
		return kindNames[k]
	}
	return "invalid"
}

// hnameByLen indexes hnames by lower-cased first byte and length; each
// slot holds up to two candidates (index+1, 0 = none). Names of 32 bytes or
// more are never known.
var hnameByLen = func() (t [256][32][2]uint8) {
	for i, h := range hnames {
		c, n := lower(h.name[0]), len(h.name)
		for _, cc := range []byte{c, c &^ 0x20} {
			slot := &t[cc][n]
			switch {
			case slot[0] == 0:
				slot[0] = uint8(i + 1)
			case slot[1] == 0:
				slot[1] = uint8(i + 1)
			default:
				panic("sipparse: more than two header names share first letter and length")
			}
		}
	}
	return t
}()

// KindOf maps a header name to its kind, compact forms included, matching
// case-insensitively like Kamailio. Unknown names give HdrOther.
func KindOf(name []byte) HeaderKind {
	if len(name) == 0 || len(name) >= 32 {
		return HdrOther
	}
	for _, i := range hnameByLen[name[0]][len(name)] {
		if i == 0 {
			break
		}
		h := &hnames[i-1]
		// exact spelling first: most devices send canonical names
		if string(name) == h.name || equalFold(name, h.name) {
			return h.kind
		}
	}
	return HdrOther
}

// hnameChar reports whether c may appear in a header name for Kamailio
// (parse_hname2.c: digits, letters and "-._+~").
func hnameChar(c byte) bool { return hnameChars[c] }

var hnameChars = func() (t [256]bool) {
	for _, c := range []byte("0123456789AaBbCcDdEeFfGgHhIiJjKkLlMmNnOoPpQqRrSsTtUuVvWwXxYyZz-._+~") {
		t[c] = true
	}
	return t
}()

func lower(c byte) byte {
	if c-'A' < 26 {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold compares ASCII case-insensitively without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether b starts with s, ASCII case-insensitively.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[:len(s)], s)
}
