package esquery

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Timestamp errors of the log file reader.
var (
	// ErrBadTime means a log line's timestamp did not parse.
	ErrBadTime = errors.New("esquery: unparsable timestamp")
	// ErrNoYear means an RFC 3164 timestamp ("Nov  9 10:00:01") could not
	// be given a year: neither FileOptions.Year nor a file time is known.
	ErrNoYear = errors.New("esquery: syslog timestamp without year (set the year)")
)

// Text log line layouts, tried in order on the start of the line. The prefix
// length says how many bytes the timestamp takes at most.
var isoLayouts = []string{
	time.RFC3339Nano,                     // rsyslog RSYSLOG_FileFormat, journalctl -o short-iso-precise
	"2006-01-02T15:04:05Z0700",           // journalctl -o short-iso
	"2006-01-02T15:04:05.999999999Z0700", // short-iso-precise on older systemd
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", // local time, no zone
}

// splitTextTime finds the timestamp at the start of a syslog or journal text
// line and returns it with the rest of the line. year (or, if 0, the file's
// modification time mod) and loc complete the RFC 3164 form
// ("Nov  9 10:00:01"), which has neither year nor zone.
func splitTextTime(line string, year int, mod time.Time, loc *time.Location) (time.Time, string, error) {
	s := line
	// RFC 5424: "<13>1 2026-11-29T10:00:01.123Z host app procid msgid sd msg"
	if len(s) > 0 && s[0] == '<' {
		if i := strings.IndexByte(s, '>'); i > 0 && i < 6 {
			s = s[i+1:]
			if v, rest, ok := strings.Cut(s, " "); ok && v != "" && v[0] >= '1' && v[0] <= '9' {
				s = rest
			}
		}
	}
	if len(s) >= 15 && s[3] == ' ' && isMonth(s[:3]) {
		// RFC 3164 / journalctl short: "Mmm dd hh:mm:ss" (day space-padded).
		t, err := time.ParseInLocation("Jan _2 15:04:05", s[:15], loc)
		if err != nil {
			return time.Time{}, line, ErrBadTime
		}
		rest := s[15:]
		// Some daemons add fractional seconds: "Nov  9 10:00:01.123456".
		if len(rest) > 1 && rest[0] == '.' {
			j := 1
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if f, err := strconv.ParseFloat("0"+rest[:j], 64); err == nil {
				t = t.Add(time.Duration(f * float64(time.Second)))
			}
			rest = rest[j:]
		}
		if year == 0 {
			year = syslogYear(t.Month(), mod)
		}
		if year == 0 {
			return time.Time{}, line, ErrNoYear
		}
		return time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), rest, nil
	}
	tok, rest, _ := strings.Cut(s, " ")
	if len(tok) == 10 && len(rest) >= 8 && rest[2] == ':' {
		// "2026-11-29 10:00:01[.fff][+zone]" with a space.
		t2, r2, _ := strings.Cut(rest, " ")
		tok, rest = tok+" "+t2, r2
	}
	for _, layout := range isoLayouts {
		if t, err := time.ParseInLocation(layout, tok, loc); err == nil {
			return t, rest, nil
		}
	}
	return time.Time{}, line, ErrBadTime
}

func isMonth(s string) bool {
	switch s {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec":
		return true
	}
	return false
}

// syslogYear picks the year for RFC 3164 timestamps, which carry none: the
// year of the file's last modification, minus one for months after that
// modification month (a file rotated in January holds December's lines).
func syslogYear(month time.Month, mod time.Time) int {
	if mod.IsZero() {
		return 0
	}
	if month > mod.Month() {
		return mod.Year() - 1
	}
	return mod.Year()
}

// parseJSONTime reads a document timestamp: RFC 3339 text, epoch
// milliseconds (number or digit string), or journald's
// __REALTIME_TIMESTAMP (microseconds, as a string).
func parseJSONTime(v any, micros bool) (time.Time, error) {
	switch x := v.(type) {
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			if micros {
				return time.UnixMicro(n).UTC(), nil
			}
			return time.UnixMilli(n).UTC(), nil
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t, nil
			}
		}
	case float64:
		return time.UnixMilli(int64(x)).UTC(), nil
	case interface{ Int64() (int64, error) }:
		if n, err := x.Int64(); err == nil {
			if micros {
				return time.UnixMicro(n).UTC(), nil
			}
			return time.UnixMilli(n).UTC(), nil
		}
	}
	return time.Time{}, ErrBadTime
}
