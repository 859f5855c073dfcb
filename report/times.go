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

// utcTimes formats the table rows' times, each UA has two, as time.Format
// does, five times faster: the date of the last day formatted is kept, and
// a time on that day only needs its clock (most UAs of a capture share a
// day). Times not in UTC or outside years 0-9999 go through time.Format.
// JSON and CSV write RFC 3339 with time.Time.AppendFormat, whose own fast
// path for that layout is within 16 ns of a cache.
type utcTimes struct {
	day   int64 // Unix day of date, valid when set
	date  [10]byte
	set   bool
	clock [len("2006-01-02")]byte // scratch for the date
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
