package correlate

import (
	"strings"
	"unicode/utf8"

	"github.com/sipcorr/sipcorr/internal/textsafe"
)

// UAInfo is a User-Agent string split into the device it names. Raw is the
// string as received (hostile: the report escapes it); the other fields are
// derived from it with control characters removed.
type UAInfo struct {
	Raw      string `json:"raw"`
	Vendor   string `json:"vendor,omitempty"`
	Model    string `json:"model,omitempty"`
	Firmware string `json:"firmware,omitempty"`
	// Scanner marks well-known SIP scanning tools (friendly-scanner,
	// sipvicious, ...): traffic an operator blocks rather than fixes.
	Scanner bool `json:"scanner,omitempty"`
	// Folded marks the bucket of User-Agents beyond the Timeline's cap; Raw
	// is then empty.
	Folded bool `json:"folded,omitempty"`
}

// knownVendors maps the lower-case first word (or name prefix) of a
// User-Agent to the vendor's usual spelling. Products of one vendor with
// their own names (X-Lite, eyeBeam, Bria) map to the vendor.
var knownVendors = []struct{ prefix, vendor, model string }{
	{"yealink", "Yealink", ""},
	{"polycom", "Polycom", ""},
	{"grandstream", "Grandstream", ""},
	{"fanvil", "Fanvil", ""},
	{"snom", "snom", ""},
	{"cisco", "Cisco", ""},
	{"linksys", "Linksys", ""},
	{"aastra", "Aastra", ""},
	{"mitel", "Mitel", ""},
	{"gigaset", "Gigaset", ""},
	{"avaya", "Avaya", ""},
	{"htek", "Htek", ""},
	{"panasonic", "Panasonic", ""},
	{"x-lite", "CounterPath", "X-Lite"},
	{"eyebeam", "CounterPath", "eyeBeam"},
	{"bria", "CounterPath", "Bria"},
	{"zoiper", "Zoiper", ""},
	{"linphone", "Linphone", ""},
	{"microsip", "MicroSIP", ""},
	{"asterisk", "Asterisk", ""},
	{"freeswitch", "FreeSWITCH", ""},
	{"kamailio", "Kamailio", ""},
	{"opensips", "OpenSIPS", ""},
}

// scanners are lower-case User-Agent prefixes of SIP scanning tools.
var scanners = []string{"friendly-scanner", "sipvicious", "sipcli", "sip-scan", "sundayddr", "pplsip", "vaxsipuseragent", "iwar"}

// NormalizeUA splits a User-Agent into vendor, model and firmware. It knows
// the layouts of common phones, softphones and servers (table-driven:
// "Yealink SIP-T48G 66.84.0.15", "PolycomVVX-VVX_410-UA/5.4.1",
// "Cisco-CP7960G/8.0", "snom320/8.7.3", "X-Lite release 5.8.3 stamp 1",
// "Kamailio (5.2.1 (x86_64/linux))", ...); anything else gets the first
// word as vendor and the first dotted version as firmware.
func NormalizeUA(raw string) UAInfo {
	info := UAInfo{Raw: raw}
	s := strings.TrimSpace(cleanUA(raw, 256))
	if s == "" {
		return info
	}
	lower := strings.ToLower(s)
	for _, p := range scanners {
		if strings.HasPrefix(lower, p) {
			info.Scanner = true
		}
	}
	switch {
	case info.Scanner: // "friendly-scanner", "sipcli/v1.8": the tool is the vendor
		name, ver, _ := strings.Cut(firstWord(s), "/")
		info.Vendor, info.Firmware = name, ver
	case strings.Contains(lower, " release "): // CounterPath: "<product> release <build> stamp <n>"
		i := strings.Index(lower, " release ")
		product := strings.TrimSpace(s[:i])
		info.Vendor, info.Model = vendorOf(product)
		if info.Model == "" {
			info.Model = product
		}
		if f := strings.Fields(s[i+len(" release "):]); len(f) > 0 {
			info.Firmware = f[0]
		}
	case strings.HasPrefix(lower, "polycom"):
		parsePolycom(s, &info)
	case parenVersion(s, &info): // "Kamailio (5.2.1 (x86_64/linux))"
	default:
		parseWords(s, &info)
	}
	return info
}

// parsePolycom handles "PolycomVVX-VVX_410-UA/5.4.1.16246" and the spaced
// "Polycom SoundPoint IP-SPIP_650-UA/4.0.1".
func parsePolycom(s string, info *UAInfo) {
	info.Vendor = "Polycom"
	rest := strings.TrimSpace(s[len("polycom"):])
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		info.Firmware = firstWord(rest[i+1:])
		rest = rest[:i]
	}
	rest = strings.TrimSuffix(rest, "-UA")
	if i := strings.IndexByte(rest, '-'); i >= 0 && i+1 < len(rest) {
		rest = rest[i+1:] // the family before the dash repeats in the model
	}
	info.Model = strings.TrimSpace(rest)
}

// parenVersion handles servers that print "Name (version (platform))".
func parenVersion(s string, info *UAInfo) bool {
	i := strings.Index(s, " (")
	if i <= 0 || strings.ContainsAny(s[:i], " /") {
		return false
	}
	v := firstWord(strings.TrimLeft(s[i+2:], " "))
	v = strings.TrimRight(v, ")")
	if !isVersion(v) {
		return false
	}
	info.Vendor, info.Model = vendorOf(s[:i])
	info.Firmware = v
	return true
}

// parseWords handles the two common layouts: "Vendor Model Version ..." and
// "VendorModel/Version (...)", "Vendor-Model/Version".
func parseWords(s string, info *UAInfo) {
	words := strings.Fields(s)
	first := words[0]
	if i := strings.IndexByte(first, '/'); i > 0 {
		name, ver := first[:i], first[i+1:]
		info.Vendor, info.Model = vendorOf(name)
		// "Cisco/SPA504G-7.6.2": the model travels with the version.
		if j := strings.LastIndexByte(ver, '-'); j > 0 && !isVersion(ver) && isVersion(ver[j+1:]) {
			info.Model = joinModel(info.Model, ver[:j])
			ver = ver[j+1:]
		}
		info.Firmware = ver
		return
	}
	info.Vendor, info.Model = vendorOf(first)
	for _, w := range words[1:] {
		if i := strings.IndexByte(w, '/'); i > 0 { // "Aastra 6757i/3.3.1.4305"
			info.Model = joinModel(info.Model, w[:i])
			info.Firmware = w[i+1:]
			return
		}
		if isVersion(w) {
			info.Firmware = w
			return
		}
		info.Model = joinModel(info.Model, w)
	}
}

// vendorOf splits a product name into the vendor and what is left of it:
// a known vendor prefix ("snom320", "Cisco-CP7960G", "LinphoneAndroid"),
// else a dash ("FreeSWITCH-mod_sofia"), else the whole name is the vendor.
func vendorOf(name string) (vendor, model string) {
	lower := strings.ToLower(name)
	for _, k := range knownVendors {
		if strings.HasPrefix(lower, k.prefix) {
			rest := strings.Trim(name[len(k.prefix):], " -_")
			return k.vendor, joinModel(k.model, rest)
		}
	}
	if i := strings.IndexByte(name, '-'); i > 0 && i+1 < len(name) {
		return name[:i], name[i+1:]
	}
	return name, ""
}

func joinModel(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// isVersion reports whether w looks like a firmware version: a digit (or
// v/rv/r then a digit) first, and a dot somewhere ("66.84.0.15", "rv2.8.x").
func isVersion(w string) bool {
	t := w
	for _, p := range []string{"rv", "v", "r", "V"} {
		if strings.HasPrefix(t, p) {
			t = t[len(p):]
			break
		}
	}
	return t != "" && t[0] >= '0' && t[0] <= '9' && strings.IndexByte(t, '.') > 0
}

// cleanUA returns s with unsafe runes (internal/textsafe: controls, format
// and bidi characters) and invalid UTF-8 replaced by spaces, cut to at most max bytes on a rune boundary (an invalid byte
// counts as the 3 bytes of its replacement). Derived fields never
// carry bytes that could move a terminal cursor.
func cleanUA(s string, max int) string {
	var b strings.Builder
	for i, r := range s {
		if i+utf8.RuneLen(r) > max {
			break
		}
		if r == utf8.RuneError || textsafe.IsUnsafe(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}
