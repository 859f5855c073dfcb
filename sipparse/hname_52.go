package sipparse

import "bytes"

// Kamailio 5.2's core parsers where they differ from 5.6's (the releases
// this file models were measured on the real 5.2.3 and 5.2.4 binaries through
// internal/kamailiotest TestDiff52). The profile switch is profile.core52;
// the 5.6 ports stay the default everywhere else.

// isCore52 reports whether v runs the 5.2-era core parsers modelled here
// (src/core/parser as of tag 5.2.3: the parse_hname2 quaternion tables,
// parse_content_length without the INT_MAX guard). Verified on 5.2.3 and
// 5.2.4; older branches share these parsers (unverified), 5.3+ are left on
// the 5.6 ports.
func isCore52(v Version) bool { return !v.Master && v.num() < ver(5, 3, 0) }

// hname52 ports 5.2.3's parse_hname2() (src/core/parser/parse_hname2.c,
// FIRST_QUATERNIONS and the case_*.h tables) for the header starting at tmp:
// it returns the kind and the offset of the ':' that ends the name.
//
// Where 5.6 rejects a header name that is not a token followed by blanks
// and ':', 5.2 falls back to its "other" label: q_memchr(p, ':', end-p)
// over the rest of the message. A line without a colon, a name with a blank
// or a control byte inside, or a line starting with a blank is therefore an
// unknown header whose name runs up to the next ':' anywhere below, across
// line ends (it swallows the header line that colon belongs to); only a
// message with no ':' left fails. Fewer than 4 bytes before the end of the
// buffer fail too (the tables read a 32-bit word).
//
// Known names end with ':' at once, or with SP then blanks and ':'; a tab
// right after the name is accepted only where the tables reach their
// dc_end label with the name consumed (names of 4k bytes, "To"), else the
// header falls to "other" (PARSE_COMPACT and the "xxx:"/"xxx " words).
func hname52(b []byte, tmp int) (kind HeaderKind, colon int, ok bool) {
	if len(b)-tmp < 4 {
		return HdrOther, tmp, false
	}
	p := tmp
	for p < len(b) && hnameChar(b[p]) {
		p++
	}
	if n := p - tmp; n > 0 && p < len(b) {
		if k := kindIn(b, tmp, n); k != HdrOther {
			if b[p] == ':' {
				return k, p, true
			}
			q := p
			for q < len(b) && (b[q] == ' ' || b[q] == '\t') {
				q++
			}
			if q < len(b) && b[q] == ':' && (b[p] == ' ' || n%4 == 0 || k == HdrTo && n == 2) {
				return k, q, true
			}
		}
	}
	i := bytes.IndexByte(b[tmp:], ':')
	if i < 0 {
		return HdrOther, tmp, false
	}
	return HdrOther, tmp + i, true
}

// parseContentLength52 ports 5.2.3's parse_content_length()
// (src/core/parser/parse_content.c): the value is accumulated in a C int
// with no overflow guard (it wraps; 5.6 refuses values from INT_MAX/10 on),
// and after the digits only SP, HT and LF+blank are skipped before a single
// LF or CRLF (no folded continuation is consumed: the next line starts the
// next header).
func parseContentLength52(b []byte, p int) (int32, int, bool) {
	blank := func(p int) bool {
		return b[p] == ' ' || b[p] == '\t' || b[p] == '\n' && p+1 < len(b) && (b[p+1] == ' ' || b[p+1] == '\t')
	}
	for p < len(b) && blank(p) {
		p++
	}
	if p >= len(b) {
		return 0, p, false
	}
	var n int32
	d := p
	for p < len(b) && isDigit(b[p]) {
		n = n*10 + int32(b[p]-'0')
		p++
	}
	if p >= len(b) || p == d {
		return 0, p, false
	}
	for p < len(b) && blank(p) {
		p++
	}
	switch {
	case p >= len(b):
		return 0, p, false
	case b[p] == '\n':
		return n, p + 1, true
	case b[p] == '\r' && p+1 < len(b) && b[p+1] == '\n':
		return n, p + 2, true
	}
	return 0, p, false
}
