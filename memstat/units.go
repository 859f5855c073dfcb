package memstat

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are tried in order for time cells that are not epoch numbers.
// zoned says whether the layout carries its own zone.
var timeLayouts = [...]struct {
	layout string
	zoned  bool
}{
	{time.RFC3339Nano, true},
	{"2006-01-02 15:04:05.999999999Z07:00", true},
	{"2006-01-02 15:04:05.999999999 -0700", true},
	{"2006-01-02 15:04:05.999999999 -0700 MST", true},
	{"2006-01-02T15:04:05.999999999", false},
	{"2006-01-02 15:04:05.999999999", false},
	{"2006/01/02 15:04:05.999999999", false},
	{"2006-01-02 15:04", false},
	{time.RFC1123Z, true},
	{time.RFC1123, true},
}

// parseTime reads a time cell: Unix epoch seconds, milliseconds,
// microseconds or nanoseconds (told apart by magnitude; fractions allowed)
// or one of timeLayouts. Times without a zone are in loc. zoned reports
// whether the cell named its zone (epochs do).
func parseTime(s string, loc *time.Location) (t time.Time, zoned, ok bool) {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `"`))
	if s == "" {
		return time.Time{}, false, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && s[0] != '+' && !strings.ContainsAny(s, "eEnNiI") {
		var sec float64
		switch {
		case f >= 1e8 && f < 1e11: // 1973..5138 in seconds
			sec = f
		case f >= 1e11 && f < 1e14:
			sec = f / 1e3
		case f >= 1e14 && f < 1e17:
			sec = f / 1e6
		case f >= 1e17 && f < 1e20:
			sec = f / 1e9
		default:
			return time.Time{}, false, false
		}
		whole, frac := math.Modf(sec)
		return time.Unix(int64(whole), int64(math.Round(frac*1e6))*1e3).UTC(), true, true
	}
	for _, l := range timeLayouts {
		if l.zoned {
			if t, err := time.Parse(l.layout, s); err == nil {
				return t, true, true
			}
		} else if t, err := time.ParseInLocation(l.layout, s, loc); err == nil {
			return t, false, true
		}
	}
	return time.Time{}, false, false
}

// cellState is the outcome of parsing a value cell.
type cellState uint8

const (
	cellOK      cellState = iota
	cellMissing           // empty, null, NaN, rrdtool's U: no measurement
	cellBad               // not a number, or an unknown unit
)

// parseQuantity reads a value cell such as "7340032", "7.5 MiB", "7.5MB",
// "1,234,567", "1.2e6" or "3G". A unit in the cell wins over the column's
// multiplier mult. Decimal prefixes (k, M, G, T, with or without B) are
// powers of 1000 unless binary is set; IEC prefixes (KiB, MiB, ...) are
// always powers of 1024.
func parseQuantity(s string, mult float64, binary bool) (float64, cellState) {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `"`))
	switch strings.ToLower(s) {
	case "", "null", "nan", "-nan", "+nan", "u", "undefined", "-", "n/a", "none":
		return 0, cellMissing
	}
	if strings.Contains(s, ",") && thousands(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	n := numberPrefix(s)
	if n == 0 {
		return 0, cellBad
	}
	v, err := strconv.ParseFloat(s[:n], 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, cellBad
	}
	unit := strings.TrimSpace(s[n:])
	if unit == "" {
		return v * mult, cellOK
	}
	m, ok := unitMultiplier(unit, binary)
	if !ok {
		return 0, cellBad
	}
	return v * m, cellOK
}

// thousands reports digit groups like 1,234,567(.89).
func thousands(s string) bool {
	intPart, _, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "+-")
	groups := strings.Split(intPart, ",")
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups {
		if len(g) == 0 || strings.Trim(g, "0123456789") != "" {
			return false
		}
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// numberPrefix returns the length of the leading decimal float in s
// (sign, digits, point, exponent), 0 if there is none.
func numberPrefix(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i
}

// unitMultiplier maps a byte unit to its factor. Case matters only where
// it must: "m"/"M" are both mega (milli-bytes do not exist), "b"/"B" bytes.
func unitMultiplier(u string, binary bool) (float64, bool) {
	u = strings.TrimSpace(u)
	lower := strings.ToLower(u)
	switch lower {
	case "b", "byte", "bytes":
		return 1, true
	}
	lower = strings.TrimSuffix(strings.TrimSuffix(lower, "bytes"), "b")
	iec := strings.HasSuffix(lower, "i")
	lower = strings.TrimSuffix(lower, "i")
	if len(lower) != 1 {
		return 0, false
	}
	exp := strings.IndexByte("kmgtp", lower[0]) + 1
	if exp == 0 {
		return 0, false
	}
	base := 1000.0
	if iec || binary {
		base = 1024
	}
	return math.Pow(base, float64(exp)), true
}

// headerUnit strips a unit from a column name, "free (MiB)" or
// "used [bytes]", and returns the rest with the unit's multiplier
// (1 without a unit).
func headerUnit(name string, binary bool) (string, float64) {
	name = strings.TrimSpace(name)
	for _, p := range [...][2]string{{"(", ")"}, {"[", "]"}} {
		if !strings.HasSuffix(name, p[1]) {
			continue
		}
		i := strings.LastIndex(name, p[0])
		if i <= 0 {
			continue
		}
		if m, ok := unitMultiplier(name[i+1:len(name)-1], binary); ok {
			return strings.TrimSpace(name[:i]), m
		}
	}
	return name, 1
}
