package sipparse

import "sort"

// VerifiedRelease is a real Kamailio build the differential test
// (internal/kamailiotest TestDiff) runs sipcorr's profile against.
type VerifiedRelease struct {
	Version string // release, e.g. "5.6.3"
	Binary  string // the binary TestDiff runs
	// OpenDisagreements is the recorded ceiling of disagreeing values
	// (internal/kamailiotest/testdata/open-disagreements.json, default
	// corpus, 11 sanity_check configurations); 0 would be an exact profile.
	OpenDisagreements int
}

// verifiedReleases mirrors open-disagreements.json (TestVerifiedReleases
// holds the two together).
var verifiedReleases = []VerifiedRelease{
	{"5.2.3", "/opt/kamailio-5.2.3/sbin/kamailio", 1614},
	{"5.2.4", "/opt/kamailio-5.2.4/sbin/kamailio", 1614},
	{"5.6.3", "/usr/sbin/kamailio (Debian)", 1482},
	{"5.8.7", "/opt/kamailio-5.8.7/sbin/kamailio", 1430},
	{"6.0.7", "/opt/kamailio-6.0.7/sbin/kamailio", 1412},
	{"6.1.4", "/opt/kamailio-6.1.4/sbin/kamailio", 1412},
}

// BranchProfile is one Kamailio branch sipcorr has a profile for.
type BranchProfile struct {
	Branch   string            // "5.2", or "master"
	Newest   Version           // what the bare branch imitates
	Verified []VerifiedRelease // releases of the branch run against a real binary
}

// Profiles lists the branches ParseVersion accepts, oldest first, with
// the releases of each that were verified against a real binary.
func Profiles() []BranchProfile {
	var out []BranchProfile
	for b, p := range newestPatch {
		v := Version{Major: b[0], Minor: b[1], Patch: p}
		bp := BranchProfile{Branch: v.Branch(), Newest: v}
		for _, r := range verifiedReleases {
			if rv, err := ParseVersion(r.Version); err == nil && rv.Branch() == bp.Branch {
				bp.Verified = append(bp.Verified, r)
			}
		}
		out = append(out, bp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Newest.num() < out[j].Newest.num() })
	master := Version{Major: 6, Minor: 2, Master: true}
	return append(out, BranchProfile{Branch: "master", Newest: master})
}
