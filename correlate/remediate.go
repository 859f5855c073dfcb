package correlate

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// Kamailio's sanity defaults (modparams default_checks and uri_checks).
const (
	DefaultSanityChecks = 3047
	DefaultURIChecks    = 7
)

// SanityConfig is the sanity configuration in use (cmd reads it from the
// kamailio.cfg with sipparse). Zero values mean Kamailio's defaults.
type SanityConfig struct {
	DefaultChecks uint32   // modparam("sanity", "default_checks", N); 0: 3047
	URIChecks     uint32   // modparam("sanity", "uri_checks", N); 0: 7
	ProxyRequire  []string // modparam("sanity", "proxy_require", "a,b") tokens
	// Explicit are the masks of sanity_check(mask[, uri]) calls in the
	// routing script; default_checks does not apply to those calls.
	Explicit []uint32
}

// KnownDefect is a Kamailio defect triggered by a sanity failure, in plain
// types (sipparse.KnownDefects converts into it).
type KnownDefect struct {
	ID       string         // e.g. "GH#1990"
	Rules    uint32         // sanity bits whose failure triggers it
	Pool     Pool           // the pool it leaks from
	Affected []VersionRange // versions that have it
	FixedIn  []string       // first fixed release per branch, e.g. "5.1.9", "5.2.4", "5.3.0"
	// UsedBytes and RealUsedBytes are the growth per occurrence (per token
	// for Proxy-Require) of "used" and "real_used"; 0 when unknown.
	UsedBytes, RealUsedBytes float64
	Summary                  string
}

// VersionRange is an inclusive range of Kamailio versions; an empty bound
// is open. "5.2" as To covers every 5.2.x.
type VersionRange struct{ From, To string }

// ParseVersionRanges reads the affected-versions text of the reference's
// knowledge base (and of sipparse.KnownDefect.Affected): comma-separated
// items "5.2.0-5.2.3", "5.1.x", "all 5.2.x", "<= 5.5.5", "6.0.7". Items it
// cannot read (e.g. "master >= 2026-04-26") are skipped.
func ParseVersionRanges(text string) []VersionRange {
	var out []VersionRange
	for _, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(item), "all "))
		switch {
		case strings.HasPrefix(item, "<="):
			if v := strings.TrimSpace(item[2:]); isDotted(v) {
				out = append(out, VersionRange{To: v})
			}
		case strings.HasSuffix(item, ".x") && isDotted(strings.TrimSuffix(item, ".x")):
			b := strings.TrimSuffix(item, ".x")
			out = append(out, VersionRange{From: b + ".0", To: b})
		case strings.Contains(item, "-"):
			a, b, _ := strings.Cut(item, "-")
			if a, b = strings.TrimSpace(a), strings.TrimSpace(b); isDotted(a) && isDotted(b) {
				out = append(out, VersionRange{From: a, To: b})
			}
		case isDotted(item):
			out = append(out, VersionRange{From: item, To: item})
		}
	}
	return out
}

// isDotted accepts "5", "5.2", "5.2.3".
func isDotted(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) > 3 || s == "" {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}

// Remediation is one step an operator can take, with exact kamailio.cfg
// lines where the step is a configuration change.
type Remediation struct {
	// Kind is "upgrade", "known_defect" (a matched defect without a fixed
	// release), "default_checks", "sanity_check" or "proxy_require".
	Kind  string   `json:"kind"`
	Lines []string `json:"lines,omitempty"`
	// Upgrade is the version to upgrade to (Kind "upgrade").
	Upgrade string `json:"upgrade,omitempty"`
	// Alternative marks a step that replaces another one rather than adds
	// to it (proxy_require instead of dropping bit 512).
	Alternative bool     `json:"alternative,omitempty"`
	UAs         []string `json:"uas"`
	Why         string   `json:"why"`
}

// Remediate returns the steps that stop the suspects' leaks, most direct
// first: an upgrade to the release fixing a matched known defect; the
// sanity mask without the implicated bits, computed from the mask actually
// in use (3047 without 512 is 2535; a bit the mask lacks yields nothing);
// the same for explicit sanity_check() masks; and, for Proxy-Require
// failures with known option tags, the proxy_require line that accepts
// them, as an alternative.
func Remediate(cfg SanityConfig, version string, suspects []Suspect, defects []KnownDefect) []Remediation {
	mask := cfg.DefaultChecks
	if mask == 0 {
		mask = DefaultSanityChecks
	}
	uri := cfg.URIChecks
	if uri == 0 {
		uri = DefaultURIChecks
	}
	var out []Remediation
	implicated := map[uint32][]string{}
	var tokens []string
	var tokenUAs []string
	for _, s := range suspects {
		for _, b := range sanityBits(s.First) {
			implicated[b] = appendUnique(implicated[b], s.UA)
		}
		if s.First == 512 {
			for _, t := range s.Tokens {
				if validToken(t.Token) {
					tokens = appendUnique(tokens, t.Token)
					tokenUAs = appendUnique(tokenUAs, s.UA)
				}
			}
		}
	}
	out = append(out, upgrades(version, suspects, defects)...)
	var drop uint32
	var uas []string
	for b, u := range implicated {
		drop |= b
		for _, x := range u {
			uas = appendUnique(uas, x)
		}
	}
	slices.Sort(uas)
	if m := mask &^ drop; drop != 0 && m != mask {
		r := Remediation{Kind: "default_checks", UAs: uas}
		if m == 0 {
			r.Why = fmt.Sprintf("every check in default_checks %d is implicated; 0 would make sanity_check() return -1, so remove the sanity_check() call instead", mask)
		} else {
			r.Lines = []string{fmt.Sprintf(`modparam("sanity", "default_checks", %d)`, m)}
			r.Why = fmt.Sprintf("default_checks %d without %s = %d: stops the failing check(s) from running on these messages", mask, bitList(mask&drop), m)
		}
		out = append(out, r)
	}
	for _, e := range cfg.Explicit {
		if m := e &^ drop; e&drop != 0 && m != 0 {
			out = append(out, Remediation{Kind: "sanity_check", UAs: uas,
				Lines: []string{fmt.Sprintf(`sanity_check("%d", "%d")`, m, uri)},
				Why:   fmt.Sprintf("replaces the explicit sanity_check(%d ...) call: %d without %s", e, e, bitList(e&drop))})
		}
	}
	if len(tokens) > 0 {
		list := append(slices.Clone(cfg.ProxyRequire), tokens...)
		list = slices.Compact(sortedUnique(list))
		out = append(out, Remediation{Kind: "proxy_require", Alternative: true, UAs: tokenUAs,
			Lines: []string{fmt.Sprintf(`modparam("sanity", "proxy_require", "%s")`, strings.Join(list, ","))},
			Why: "declares the option tag(s) " + strings.Join(tokens, ", ") + " supported, so bit 512 passes for them (matched case-sensitively, first Proxy-Require header only); " +
				"an alternative to dropping bit 512 that keeps the check for other tags"})
	}
	return out
}

// upgrades matches the suspects' rules with the known defects affecting
// version and names the release that fixes each.
func upgrades(version string, suspects []Suspect, defects []KnownDefect) []Remediation {
	v, vok := parseVersion(version)
	var out []Remediation
	for _, d := range defects {
		var uas []string
		for _, s := range suspects {
			// A defect of another pool does not explain the growth seen.
			if s.First&d.Rules != 0 && s.First < RuleCoreDrop && (s.Pool == "" || d.Pool == 0 || d.Pool.String() == s.Pool) {
				uas = appendUnique(uas, s.UA)
			}
		}
		if len(uas) == 0 || (vok && !d.affects(v)) {
			continue
		}
		r := Remediation{Kind: "upgrade", UAs: uas}
		fix := d.fixFor(v, vok)
		switch {
		case fix == "":
			r.Kind = "known_defect"
			r.Why = fmt.Sprintf("%s: %s; no fixed release is known, use the configuration workaround", d.ID, d.Summary)
		case vok:
			r.Upgrade = fix
			r.Why = fmt.Sprintf("%s: %s; %s is affected, fixed in %s", d.ID, d.Summary, version, fix)
		default:
			r.Upgrade = fix
			r.Why = fmt.Sprintf("%s: %s; the running version is unknown: affected are %s, fixed in %s", d.ID, d.Summary, d.rangeText(), strings.Join(d.FixedIn, ", "))
		}
		out = append(out, r)
	}
	return out
}

func (d *KnownDefect) affects(v [3]int) bool {
	if len(d.Affected) == 0 {
		return true // no range given: assume it may apply
	}
	for _, r := range d.Affected {
		lo, lok := parseVersion(r.From)
		hi, hok := parseVersion(r.To)
		if (!lok || cmpVersion(v, lo) >= 0) && (!hok || cmpVersionPrefix(v, hi, r.To) <= 0) {
			return true
		}
	}
	return false
}

// fixFor returns the fixed release on v's branch, else the lowest fixed
// release above v, else "" (unknown version: the highest listed).
func (d *KnownDefect) fixFor(v [3]int, vok bool) string {
	best, bestV := "", [3]int{}
	for _, f := range d.FixedIn {
		fv, ok := parseVersion(f)
		if !ok {
			continue
		}
		if !vok {
			if best == "" || cmpVersion(fv, bestV) > 0 {
				best, bestV = f, fv
			}
			continue
		}
		if fv[0] == v[0] && fv[1] == v[1] && cmpVersion(fv, v) > 0 {
			return f
		}
		if cmpVersion(fv, v) > 0 && (best == "" || cmpVersion(fv, bestV) < 0) {
			best, bestV = f, fv
		}
	}
	return best
}

func (d *KnownDefect) rangeText() string {
	var s []string
	for _, r := range d.Affected {
		s = append(s, r.From+"–"+r.To)
	}
	return strings.Join(s, ", ")
}

// parseVersion finds the first "x.y[.z]" in s ("kamailio 5.2.3 (x86_64/linux)").
func parseVersion(s string) ([3]int, bool) {
	var v [3]int
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || (i > 0 && s[i-1] >= '0' && s[i-1] <= '9') {
			continue
		}
		parts := strings.SplitN(strings.FieldsFunc(s[i:], func(r rune) bool { return r != '.' && (r < '0' || r > '9') })[0], ".", 4)
		if len(parts) < 2 {
			continue
		}
		for k := 0; k < 3 && k < len(parts); k++ {
			n, err := strconv.Atoi(parts[k])
			if err != nil {
				return v, false
			}
			v[k] = n
		}
		return v, true
	}
	return v, false
}

func cmpVersion(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// cmpVersionPrefix compares v with an upper bound written as "5.2" (every
// 5.2.x) or "5.2.3".
func cmpVersionPrefix(v, hi [3]int, text string) int {
	if strings.Count(strings.TrimSpace(text), ".") == 1 {
		v[2], hi[2] = 0, 0
	}
	return cmpVersion(v, hi)
}

// sanityBits splits a rule key into its Kamailio sanity bits (pseudo bits
// for core drops and unknown rules have no cfg remedy).
func sanityBits(r uint32) []uint32 {
	var out []uint32
	for f := r &^ (RuleCoreDrop | RuleUnknown); f != 0; f &= f - 1 {
		out = append(out, 1<<bits.TrailingZeros32(f))
	}
	return out
}

func bitList(m uint32) string {
	var s []string
	for _, b := range sanityBits(m) {
		s = append(s, strconv.FormatUint(uint64(b), 10))
	}
	return strings.Join(s, "+")
}

// validToken accepts option tags that can be written into a cfg string
// safely: RFC 3261 token characters only (no quotes, commas, spaces).
func validToken(t string) bool {
	if t == "" || len(t) > 128 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-.!%*_+`'~", c) >= 0) {
			return false
		}
	}
	return true
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func sortedUnique(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
