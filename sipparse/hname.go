package sipparse

import (
	"encoding/binary"
	"math/bits"
)

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

// Header names are matched as three little-endian 64-bit words (the longest
// known name, "P-Preferred-Identity", has 20 bytes): a perfect hash of the
// case-folded words picks the only candidate, and one compare per word
// checks it. This replaced a per-byte case-insensitive compare that cost
// more than the rest of a header's parse.
//
// The hash reads the first word and the length only, so it does not wait
// for the other loads: names that share their first eight bytes
// ("Content-", "Proxy-Au") differ in length.
//
// The compare: (word | fold) == lower, where lower is the candidate in
// lower case and fold has 0x20 on its letter bytes only. For a letter byte,
// x|0x20 equals the lower-case letter exactly when x is that letter in
// either case; other bytes must be equal, so this is equalFold.
type hnameWord struct {
	lower, fold [3]uint64
	n           uint8
	kind        HeaderKind
}

// hnameHashMul makes hnameHash collision-free over hnames (found by search;
// the table initialiser panics if a new name collides).
const hnameHashMul = 0x69a9768fc33cbaff

// hnameHash hashes the case-folded first word and the length of a name to
// a slot.
func hnameHash(w0 uint64, n int) uint8 {
	return uint8(((w0 ^ uint64(n)<<59) * hnameHashMul) >> 56)
}

// hnameMaxLen is the longest name the word compare handles; every known
// name is shorter.
const hnameMaxLen = 24

var (
	// hnameLenMask[n] keeps the first n bytes of the three words.
	hnameLenMask = func() (t [hnameMaxLen + 1][3]uint64) {
		for n := range t {
			for i := 0; i < n; i++ {
				t[n][i/8] |= 0xff << (8 * (i % 8))
			}
		}
		return t
	}()
	// hnameSlots holds each known name at its hash; empty slots have n 0,
	// which no name matches. Entries sit in the slots themselves (14 KB, of
	// which traffic touches the few lines of the names it uses) to save a
	// dependent load per lookup.
	hnameSlots = func() (slots [256]hnameWord) {
		for _, h := range hnames {
			var b, f [hnameMaxLen]byte
			for j := 0; j < len(h.name); j++ {
				b[j] = lower(h.name[j])
				if b[j] >= 'a' && b[j] <= 'z' {
					f[j] = 0x20
				}
			}
			e := hnameWord{n: uint8(len(h.name)), kind: h.kind}
			for k := range e.lower {
				e.lower[k] = binary.LittleEndian.Uint64(b[8*k:])
				e.fold[k] = binary.LittleEndian.Uint64(f[8*k:])
			}
			// lower-case names are their own case fold (no digits or
			// other bytes without 0x20 in the table)
			slot := &slots[hnameHash(e.lower[0], len(h.name))]
			if slot.n != 0 {
				panic("sipparse: header-name hash collision: " + h.name)
			}
			*slot = e
		}
		return slots
	}()
)

// KindOf maps a header name to its kind, compact forms included, matching
// case-insensitively like Kamailio. Unknown names give HdrOther.
func KindOf(name []byte) HeaderKind {
	if len(name) == 0 || len(name) > hnameMaxLen {
		return HdrOther
	}
	var a [hnameMaxLen]byte
	copy(a[:], name)
	return kindIn(a[:], 0, len(name))
}

// kindIn is KindOf(b[off:off+n]); it reads the words straight from b when
// b extends far enough past the name (the bytes after it are masked off).
func kindIn(b []byte, off, n int) HeaderKind {
	if n <= 0 || n > hnameMaxLen {
		return HdrOther
	}
	if off+hnameMaxLen > len(b) {
		var a [hnameMaxLen]byte
		copy(a[:], b[off:off+n])
		b, off = a[:], 0
	}
	w := (*[hnameMaxLen]byte)(b[off : off+hnameMaxLen]) // one bounds check for the three words
	return kindWords(binary.LittleEndian.Uint64(w[0:8]), binary.LittleEndian.Uint64(w[8:16]), binary.LittleEndian.Uint64(w[16:24]), n)
}

// kindWords is the kind of the name made of the first n bytes of the words.
func kindWords(w0, w1, w2 uint64, n int) HeaderKind {
	m := &hnameLenMask[n]
	w0, w1, w2 = w0&m[0], w1&m[1], w2&m[2]
	const f = 0x2020202020202020
	e := &hnameSlots[hnameHash((w0|f)&m[0], n)]
	if int(e.n) == n && w0|e.fold[0] == e.lower[0] && w1|e.fold[1] == e.lower[1] && w2|e.fold[2] == e.lower[2] {
		return e.kind
	}
	return HdrOther
}

// nameAt finds the first ':' in the 24 bytes at b[off:] (fewer where b
// ends) and looks up the bytes before it as a header name: n is the colon's
// offset from off (-1 when there is none) and kind is KindOf(b[off:off+n]). A known kind means the name is made of
// header-name characters only and the colon follows it at once, so Parse
// needs no byte-by-byte scan of the name.
func nameAt(b []byte, off int) (n int, kind HeaderKind) {
	if off < 0 || off >= len(b) {
		return -1, HdrOther
	}
	var w *[hnameMaxLen]byte
	if off+hnameMaxLen <= len(b) {
		w = (*[hnameMaxLen]byte)(b[off : off+hnameMaxLen])
	} else {
		// Near the end (the last header of a message without body): the
		// zero bytes after a copy hold no ':' and are masked off.
		var a [hnameMaxLen]byte
		copy(a[:], b[off:])
		w = &a
	}
	w0 := binary.LittleEndian.Uint64(w[0:8])
	w1 := binary.LittleEndian.Uint64(w[8:16])
	w2 := binary.LittleEndian.Uint64(w[16:24])
	const colons = 0x3a3a3a3a3a3a3a3a
	switch {
	case zeroByte(w0^colons) != 0:
		n = bits.TrailingZeros64(zeroByte(w0^colons)) / 8
	case zeroByte(w1^colons) != 0:
		n = 8 + bits.TrailingZeros64(zeroByte(w1^colons))/8
	case zeroByte(w2^colons) != 0:
		n = 16 + bits.TrailingZeros64(zeroByte(w2^colons))/8
	default:
		return -1, HdrOther
	}
	if n == 0 {
		return 0, HdrOther
	}
	return n, kindWords(w0, w1, w2, n)
}

// zeroByte has the high bit set in the lowest zero byte of x (and maybe in
// higher bytes: a borrow can flag a 0x01 byte above a zero one, never
// below), so its trailing zeros locate the first zero byte exactly.
func zeroByte(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	return (x - ones) &^ x & highs
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
