package report

import "time"

// jsonTimeOK reports whether time.Time.MarshalJSON accepts t.UTC(), the
// form the documents hold: a year from 0 to 9999.
func jsonTimeOK(t time.Time) bool { return !t.Before(jsonTimeMin) && t.Before(jsonTimeEnd) }

// The bounds of jsonTimeOK; never written.
var (
	jsonTimeMin = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	jsonTimeEnd = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// utcTimes formats the UA rows' times, each UA has two, as time.Format
// does, faster: the date of the last day formatted is kept, and a time on
// that day only needs its clock (most UAs of a capture share a day). Times
// not in UTC or outside years 0-9999 go through time.Format.
type utcTimes struct {
	day   int64 // Unix day of date, valid when set
	date  [10]byte
	set   bool
	clock [len("15:04:05.999999999")]byte
}

// appendRFC3339Nano appends t.Format(time.RFC3339Nano), which for a UTC
// time is also what time.Time.MarshalJSON writes between its quotes.
func (c *utcTimes) appendRFC3339Nano(dst []byte, t time.Time) []byte {
	sod, ok := c.cache(t)
	if !ok {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	dst = append(append(dst, c.date[:]...), 'T')
	dst = appendClock(dst, sod)
	if ns := t.Nanosecond(); ns != 0 {
		// ".999999999": nine digits, trailing zeros cut.
		frac := c.clock[:10]
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
	return append(dst, 'Z')
}

// appendTable appends t.Format(tableTimeLayout).
func (c *utcTimes) appendTable(dst []byte, t time.Time) []byte {
	sod, ok := c.cache(t)
	if !ok {
		return t.AppendFormat(dst, tableTimeLayout)
	}
	return appendClock(append(append(dst, c.date[:]...), ' '), sod)
}

// cache makes c.date t's date and returns t's second of the day; ok is
// false for a time it does not handle.
func (c *utcTimes) cache(t time.Time) (sod int64, ok bool) {
	if t.Location() != time.UTC || !jsonTimeOK(t) {
		return 0, false
	}
	sec := t.Unix()
	day := sec / 86400
	sod = sec - day*86400
	if sod < 0 {
		day, sod = day-1, sod+86400
	}
	if !c.set || day != c.day {
		c.day, c.set = day, true
		copy(c.date[:], t.AppendFormat(c.clock[:0], "2006-01-02"))
	}
	return sod, true
}

// appendClock appends the second of the day sod as 15:04:05.
func appendClock(dst []byte, sod int64) []byte {
	h, m, s := sod/3600, sod/60%60, sod%60
	return append(dst, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
}
