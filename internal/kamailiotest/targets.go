package kamailiotest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Target is one real Kamailio the differential harness runs: a binary, its
// module directory and the release it is.
type Target struct {
	Version    string // release as `kamailio -v` prints it, e.g. "5.2.3"
	Binary     string
	ModulesDir string // "" = the binary's built-in mpath
}

// Options returns oracle options that run this target.
func (tg Target) Options() Options {
	return Options{Binary: tg.Binary, ModulesDir: tg.ModulesDir, Release: tg.Version}
}

// CIVersions are the releases CI must run: Debian's 5.6.3 plus the five
// builds of ../shared/kamailio that .ci/run unpacks under /opt.
var CIVersions = []string{"5.2.3", "5.2.4", "5.6.3", "5.8.7", "6.0.7", "6.1.4"}

// debianBinary is Debian bookworm's kamailio (5.6.3).
const debianBinary = "/usr/sbin/kamailio"

// optGlob finds the unpacked releases (scripts/kamailio-releases.sh).
const optGlob = "/opt/kamailio-*/sbin/kamailio"

// Targets resolves which Kamailio builds to run, in this order:
//
//   - KAMAILIOTEST_VERSIONS: "label=binary[:moddir],..." (label may be
//     empty: "=binary" asks the binary with -v);
//   - KAMAILIO_BIN (or the older KAMAILIO) with KAMAILIO_MODDIR: one build;
//   - otherwise Debian's /usr/sbin/kamailio plus every /opt/kamailio-<v>.
//
// Every target's version is checked against `kamailio -v`, so a label that
// names the wrong build is an error, not a silently wrong profile.
func Targets() ([]Target, error) {
	var ts []Target
	if spec := strings.TrimSpace(os.Getenv("KAMAILIOTEST_VERSIONS")); spec != "" {
		var err error
		if ts, err = ParseTargets(spec); err != nil {
			return nil, err
		}
	} else if bin := firstEnv("KAMAILIO_BIN", "KAMAILIO"); bin != "" {
		ts = []Target{{Binary: bin, ModulesDir: os.Getenv("KAMAILIO_MODDIR")}}
	} else {
		if st, err := os.Stat(debianBinary); err == nil && !st.IsDir() {
			ts = append(ts, Target{Binary: debianBinary})
		}
		bins, err := filepath.Glob(optGlob)
		if err != nil {
			return nil, err
		}
		for _, b := range bins {
			root := filepath.Dir(filepath.Dir(b))
			ts = append(ts, Target{Binary: b, ModulesDir: filepath.Join(root, "lib64", "kamailio", "modules")})
		}
	}
	for i := range ts {
		v, err := ts[i].Options().Version()
		if err != nil {
			return nil, err
		}
		if ts[i].Version != "" && ts[i].Version != v {
			return nil, fmt.Errorf("kamailiotest: target %s is labelled %s but reports %s", ts[i].Binary, ts[i].Version, v)
		}
		ts[i].Version = v
	}
	sort.SliceStable(ts, func(i, j int) bool { return versionLess(ts[i].Version, ts[j].Version) })
	for i := 1; i < len(ts); i++ {
		if ts[i].Version == ts[i-1].Version {
			return nil, fmt.Errorf("kamailiotest: version %s listed twice (%s, %s)", ts[i].Version, ts[i-1].Binary, ts[i].Binary)
		}
	}
	return ts, nil
}

// ParseTargets reads a KAMAILIOTEST_VERSIONS list.
func ParseTargets(spec string) ([]Target, error) {
	var ts []Target
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		label, path, ok := strings.Cut(item, "=")
		if !ok {
			label, path = "", item
		}
		bin, mod, _ := strings.Cut(path, ":")
		if bin == "" {
			return nil, fmt.Errorf("kamailiotest: KAMAILIOTEST_VERSIONS item %q has no binary", item)
		}
		ts = append(ts, Target{Version: strings.TrimSpace(label), Binary: bin, ModulesDir: mod})
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("kamailiotest: KAMAILIOTEST_VERSIONS %q lists no binary", spec)
	}
	return ts, nil
}

// MissingCIVersions returns the CIVersions that ts does not cover.
func MissingCIVersions(ts []Target) []string {
	have := map[string]bool{}
	for _, t := range ts {
		have[t.Version] = true
	}
	var miss []string
	for _, v := range CIVersions {
		if !have[v] {
			miss = append(miss, v)
		}
	}
	return miss
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// versionNums splits "5.2.3" into numbers (missing parts are 0).
func versionNums(v string) [3]int {
	var n [3]int
	for i, p := range strings.SplitN(v, ".", 3) {
		// Leading digits only ("4-dev" -> 4); a part without digits is 0.
		for j := 0; j < len(p) && p[j] >= '0' && p[j] <= '9' && n[i] < 1000; j++ {
			n[i] = n[i]*10 + int(p[j]-'0')
		}
	}
	return n
}

func versionLess(a, b string) bool {
	x, y := versionNums(a), versionNums(b)
	for i := range x {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return a < b
}

// hasSanityReply says whether the release's sanity module exports
// sanity_reply() to native cfg: up to 5.5.4 the export table registers the
// wrapper under the name sanity_check (reference §1), so the cfg cannot
// call it and the checks must send their replies themselves (noreply=0).
func hasSanityReply(version string) bool {
	if version == "" {
		return true // Debian's 5.6.3 default
	}
	n := versionNums(version)
	switch {
	case n[0] > 5:
		return true
	case n[0] < 5:
		return false
	case n[1] != 5:
		return n[1] > 5
	}
	return n[2] >= 5
}
