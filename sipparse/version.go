package sipparse

import (
	"errors"
	"strconv"
	"strings"
)

// Version is a Kamailio version; Master selects the unreleased master branch
// profile (reference commit 38711a3e78).
type Version struct {
	Major, Minor, Patch int
	Master              bool
	// PatchGuessed is set by ParseVersion when only the branch was given
	// ("5.2"): Patch is then the newest release of the branch, and the
	// known-defect table reports every defect of any patch release of the
	// branch, saying which ones it affects, instead of silently hiding e.g.
	// GH1990 (5.2.0-5.2.3) behind 5.2.8.
	PatchGuessed bool
}

// ErrBadVersion is returned by ParseVersion for text it cannot read.
var ErrBadVersion = errors.New("sipparse: bad Kamailio version (want e.g. 5.2, 5.6.3, 6.1, master)")

// newestPatch is the newest release of each branch the reference knows.
var newestPatch = map[[2]int]int{
	{4, 4}: 7, {5, 0}: 8, {5, 1}: 10, {5, 2}: 8, {5, 3}: 9, {5, 4}: 8, {5, 5}: 7,
	{5, 6}: 6, {5, 7}: 7, {5, 8}: 7, {6, 0}: 7, {6, 1}: 4,
}

// ParseVersion reads "5.2", "5.2.3", "5.6", "6.1.4" or "master". A version
// without patch level imitates the newest release of that branch and is
// marked PatchGuessed (see KnownDefects).
func ParseVersion(s string) (Version, error) {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "v")
	if s == "master" || s == "devel" {
		return Version{Major: 6, Minor: 2, Master: true}, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, ErrBadVersion
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 99 {
			return Version{}, ErrBadVersion
		}
		n[i] = v
	}
	v := Version{Major: n[0], Minor: n[1], Patch: n[2]}
	if v.Major < 4 || v.Major > 6 {
		return Version{}, ErrBadVersion
	}
	if len(parts) == 2 {
		p, ok := newestPatch[[2]int{v.Major, v.Minor}]
		if !ok {
			return Version{}, ErrBadVersion
		}
		v.Patch = p
		v.PatchGuessed = true
	}
	return v, nil
}

// LatestRelease is the default profile: the newest release in the reference.
func LatestRelease() Version { return Version{Major: 6, Minor: 1, Patch: 4} }

// String formats v as "5.6.3" or "master" (a guessed patch level is
// printed; Branch gives "5.2").
func (v Version) String() string {
	if v.Master {
		return "master"
	}
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) + "." + strconv.Itoa(v.Patch)
}

// Branch formats v's branch, "5.2" ("master" for master).
func (v Version) Branch() string {
	if v.Master {
		return "master"
	}
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor)
}

// num orders versions; master sorts after every release.
func (v Version) num() int {
	if v.Master {
		return 1 << 30
	}
	return v.Major*10000 + v.Minor*100 + v.Patch
}

func ver(a, b, c int) int { return a*10000 + b*100 + c }

// atLeastPerBranch reports whether v contains a fix that landed in the given
// first release of each branch (0 patch = whole branch), e.g. 5.4.9 / 5.5.5 /
// 5.6.0. Branches newer than the last listed one always contain it.
func (v Version) atLeastPerBranch(firsts ...[3]int) bool {
	if v.Master {
		return true
	}
	for _, f := range firsts {
		if v.Major == f[0] && v.Minor == f[1] {
			return v.Patch >= f[2]
		}
	}
	last := firsts[len(firsts)-1]
	return v.num() > ver(last[0], last[1], 99)
}

// profile holds the version-dependent behaviour the reference documents.
type profile struct {
	dupCheck         bool   // 4: full header parse + duplicate From/To/Call-ID/CSeq
	newURIReasons    bool   // 1024: "Invalid From Header"/"I(n)valid To Header" (5c99d7f87e)
	toReason         string // 1024 bit 4 reason in the new style
	contactAllHdrs   bool   // 1024 bit 8: parse all Contact headers first (5.6 style)
	contactStarCrash bool   // 1024 bit 8 + "Contact: *" crashes the worker
	toParamLeak      bool   // core parse_to leaks a to_param on malformed params (<= 5.5.2)
	coreDupErr       bool   // core walk rejects duplicate From/To/Call-ID/CSeq/Max-Forwards/Content-Length
	strictURIHost    bool   // parse_uri: host must be alnum / '.' / '-' (verified on 5.6.3)
	coreRequires     bool   // core drops messages without reachable From/To/Call-ID/CSeq
	master           bool   // via1 branch rule, rfc3261, sizes, str2int CSeq, 4c
	core52           bool   // 5.2 core parsers (hname_52.go; i12b)
	coreFrom         bool   // get_hdr_field parses From with parse_to (6.0.0+, msg_parser.c)
	maxChecks        Check
}

func (v Version) profile() profile {
	p := profile{master: v.Master, maxChecks: releaseChecksMax}
	if v.Master {
		p.maxChecks = masterChecksMax
	} else if v.num() < ver(5, 2, 0) {
		p.maxChecks = 16383
	}
	p.dupCheck = v.atLeastPerBranch([3]int{5, 3, 7}, [3]int{5, 4, 2}, [3]int{5, 5, 0})
	p.newURIReasons = v.atLeastPerBranch([3]int{5, 4, 9}, [3]int{5, 5, 5}, [3]int{5, 6, 0})
	p.contactAllHdrs = p.newURIReasons
	p.toReason = "Ivalid To Header"
	if v.atLeastPerBranch([3]int{5, 7, 7}, [3]int{5, 8, 7}, [3]int{6, 0, 2}, [3]int{6, 1, 0}) {
		p.toReason = "Invalid To Header"
	}
	p.toParamLeak = !v.atLeastPerBranch([3]int{5, 3, 9}, [3]int{5, 4, 7}, [3]int{5, 5, 3})
	// Verified on 5.6.3; assumed from 5.6.0 on (not in the reference).
	p.coreDupErr = v.num() >= ver(5, 6, 0)
	p.coreRequires = p.coreDupErr
	p.strictURIHost = p.coreDupErr
	p.core52 = isCore52(v)
	p.coreFrom = v.num() >= ver(6, 0, 0)
	p.contactStarCrash = !v.atLeastPerBranch([3]int{5, 5, 6}, [3]int{5, 6, 3}, [3]int{5, 7, 0})
	return p
}
