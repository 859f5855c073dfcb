package report

import (
	"time"
	"unicode/utf8"
)

// The appenders below write JSON exactly as encoding/json does with its
// defaults (HTML escaping on), without reflection: the analyze document
// has up to 10 000 UA objects and the streaming writer (render_json.go)
// appends each into a reused buffer. FuzzAppendJSONString and the
// differential tests hold them to encoding/json byte for byte.

// jsonSafe[b] reports whether encoding/json writes ASCII byte b unescaped
// in a string with HTML escaping on: 0x20 to 0x7f (DEL included) except
// ", \, <, > and &. Read-only after init, like encoding/json's htmlSafeSet.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// appendJSONString appends s as a JSON string the way encoding/json writes
// it: control characters as \b \f \n \r \t or \u00XX, <, > and & as \u003c,
// \u003e and \u0026, each byte of invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 as \u2028 and \u2029.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, quoted). ok is false when MarshalJSON would fail (a year
// outside [0,9999] or an offset beyond ±23 hours); dst is then unusable
// and the caller reports encoding/json's error.
func appendJSONTime(dst []byte, t time.Time) (out []byte, ok bool) {
	dst = append(dst, '"')
	n0 := len(dst)
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	// The same checks as time.Time.appendStrictRFC3339.
	if dst[n0+len("9999")] != '-' {
		return dst, false
	}
	if dst[len(dst)-1] != 'Z' {
		c := dst[len(dst)-len("Z07:00")]
		h := 10*(dst[len(dst)-len("07:00")]-'0') + (dst[len(dst)-len("7:00")] - '0')
		if ('0' <= c && c <= '9') || h >= 24 {
			return dst, false
		}
	}
	return append(dst, '"'), true
}

// jsonTimes appends UTC times as appendJSONTime does, faster: the date part
// ("2006-01-02T") of the last day formatted is kept, and a time on that day
// only needs its clock and fraction. The UA objects hold two times each,
// most of them on the same day.
type jsonTimes struct {
	day     int64 // Unix day of date, valid when n > 0
	date    [16]byte
	n       int
	scratch [40]byte
}

// append appends t, which must be in UTC, with ok as appendJSONTime's.
func (c *jsonTimes) append(dst []byte, t time.Time) (out []byte, ok bool) {
	if t.Location() != time.UTC {
		return appendJSONTime(dst, t)
	}
	sec := t.Unix()
	day, sod := sec/86400, sec%86400
	if sod < 0 {
		day, sod = day-1, sod+86400
	}
	if c.n == 0 || day != c.day {
		full, ok := appendJSONTime(c.scratch[:0], t)
		if !ok {
			return dst, false
		}
		c.day, c.n = day, copy(c.date[:], full[:len(`"2006-01-02T`)])
	}
	dst = append(dst, c.date[:c.n]...)
	h, m, s := sod/3600, sod/60%60, sod%60
	dst = append(dst, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	if ns := t.Nanosecond(); ns != 0 {
		// RFC3339Nano's ".999999999": nine digits, trailing zeros cut.
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		end := 10
		for frac[end-1] == '0' {
			end--
		}
		dst = append(dst, frac[:end]...)
	}
	return append(dst, 'Z', '"'), true
}
