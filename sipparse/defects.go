package sipparse

// KnownDefect is an entry of the reference's leak/crash table (section 4.2)
// that applies to a Kamailio version.
type KnownDefect struct {
	ID       string // stable identifier, e.g. "GH1990"
	Title    string
	Check    Check  // sanity bit involved (0 for core defects)
	Affected string // affected versions, as the reference states them
	FixedIn  string // first fixed releases ("" if not fixed)
	Ref      string // commits / issue
	// LeakUsedBytes / LeakRealUsedBytes are the pkg bytes leaked per
	// triggering message and per token (0 when not a leak or unknown);
	// real_used is approximate (q_malloc fragment overhead, MEMDBG build).
	LeakUsedBytes, LeakRealUsedBytes int
	PerToken                         bool // the leak is per Proxy-Require token
	Crash                            bool // the trigger crashes the worker
	// Signal is the signal that kills the worker for a crash (11 = SIGSEGV).
	Signal int
	// Measured says what was measured on which real binaries
	// (internal/kamtest TestGH1990Leak, TestContactStarCrash); "" when the
	// entry is the reference's word only.
	Measured string
	// PatchUnknown: the version was given without patch level and d affects
	// only some releases of the branch (Affected/Title of KnownDefects say which).
	PatchUnknown bool
	affects      func(Version) bool
	trigger      func(*Verdict) bool
}

var knownDefects = []KnownDefect{
	{
		ID: "GH1990", Title: "sanity proxy_require 420 path leaks the parsed Proxy-Require token list (pkg)",
		Check: CheckProxyRequire, Affected: "4.4.x, 5.0.x, 5.1.0-5.1.8, 5.2.0-5.2.3",
		FixedIn: "5.1.9, 5.2.4, 5.3.0", Ref: "kamailio#1990; ffa2aa438e, bf5e1698e5, 6a47560d75",
		// Measured on the real 5.2.3 (default q_malloc, 4 UDP receivers,
		// 4000 messages after 400 warm-up ones; internal/kamtest
		// TestGH1990Leak): the reference's 24 B used / 128 B real_used are
		// the bare strl, the process grows more. The measured figures are
		// what a report's estimate is held against.
		LeakUsedBytes: 50, LeakRealUsedBytes: 154, PerToken: true,
		Measured: "5.2.3: pkg real_used +154.3 B and used +50.2 B per message and Proxy-Require token " +
			"(1 and 3 tokens alike, summed over 4 UDP receivers via pkg.stats, after warm-up; a 2-minute run " +
			"from start gives ~165.5 B/message because it includes ~16 KB of start-up growth); " +
			"5.2.4 on the same traffic: flat (+416 B real_used, +0 B used in total for 4000 messages)",
		affects: func(v Version) bool {
			n := v.num()
			return !v.Master && (n < ver(5, 1, 9) || n >= ver(5, 2, 0) && n < ver(5, 2, 4))
		},
		trigger: func(v *Verdict) bool { return v.First == CheckProxyRequire && v.Code == 420 },
	},
	{
		ID: "UNSUPPORTED-BUF", Title: "sanity proxy_require 420 path no longer frees the Unsupported header buffer (pkg, regression)",
		Check: CheckProxyRequire, Affected: "6.0.7, 6.1.3, 6.1.4, master >= 2026-04-26",
		FixedIn: "", Ref: "0bfdf5f75a (backports 35e73ca599, c4dea19877); no upstream issue",
		LeakUsedBytes: 15, PerToken: false,
		affects: func(v Version) bool {
			return v.Master || v.num() == ver(6, 0, 7) || v.num() >= ver(6, 1, 3) && v.num() < ver(6, 2, 0)
		},
		trigger: func(v *Verdict) bool { return v.First == CheckProxyRequire && v.Code == 420 },
	},
	{
		ID: "CONTACT-STAR-CRASH", Title: "sanity parse_uris with uri_checks 8 dereferences NULL on \"Contact: *\" (worker crash)",
		Check: CheckParseURIs, Affected: "<= 5.5.5, 5.6.0-5.6.2", FixedIn: "5.5.6, 5.6.3, 5.7.0",
		Ref: "f1bac3433c (backports ddc188bcd0, ee9cbc7585)", Crash: true, Signal: 11,
		Measured: "REGISTER with \"Contact: *\" to sanity_check(\"1024\", \"8\"): 5.2.3 and 5.2.4 lose the worker " +
			"to signal 11 and Kamailio shuts down; Debian 5.6.3, 5.8.7, 6.0.7 and 6.1.4 pass it",
		affects: func(v Version) bool { return v.profile().contactStarCrash },
		trigger: func(v *Verdict) bool { return v.ContactStar && v.contactChecked },
	},
	{
		ID: "TO-PARAM-LEAK", Title: "core parse_to_param/parse_addr_spec leak a to_param on malformed To/From parameters (pkg)",
		Affected: "all 5.2.x, <= 5.3.8, 5.4.0-5.4.6, 5.5.0-5.5.2", FixedIn: "5.3.9, 5.4.7, 5.5.3, 5.6.0",
		Ref: "116ef94420, f624e17010, f2b133e24e",
		affects: func(v Version) bool {
			return !v.atLeastPerBranch([3]int{5, 3, 9}, [3]int{5, 4, 7}, [3]int{5, 5, 3})
		},
		trigger: func(v *Verdict) bool { return v.toParamBroken },
	},
}

// KnownDefects lists the defects of the reference table that affect v.
// For a version given without patch level (v.PatchGuessed, "5.2") it lists
// every defect that affects some release of the branch, its Title saying
// which patch releases are affected (see affectsVersion).
func KnownDefects(v Version) []KnownDefect {
	var out []KnownDefect
	for _, d := range knownDefects {
		if d, ok := d.forVersion(v); ok {
			out = append(out, d)
		}
	}
	return out
}

// FixedDefects lists the defects of the reference table that affect an
// earlier release of v's branch but not v: what an upgrade to v fixed, so
// that a report on v can say why traffic that leaked before does not now.
// Empty for a version without patch level or for master.
func FixedDefects(v Version) []KnownDefect {
	if v.PatchGuessed || v.Master {
		return nil
	}
	var out []KnownDefect
	for _, d := range knownDefects {
		if d.affects(v) {
			continue
		}
		for p := 0; p < v.Patch; p++ {
			if d.affects(Version{Major: v.Major, Minor: v.Minor, Patch: p}) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// forVersion reports whether d affects v and returns d as it applies: for an
// exact release d itself; for a bare branch (v.PatchGuessed) d affects the
// branch if it affects any of its releases, and Title and Affected then name
// the affected patch releases and ask for the patch level, so "5.2" does not
// silently become 5.2.8 and hide GH1990 (5.2.0-5.2.3).
func (d KnownDefect) forVersion(v Version) (KnownDefect, bool) {
	if !v.PatchGuessed || v.Master {
		return d, d.affects(v)
	}
	some, all := false, true
	for p := 0; p <= v.Patch; p++ {
		if d.affects(Version{Major: v.Major, Minor: v.Minor, Patch: p}) {
			some = true
		} else {
			all = false
		}
	}
	if !some {
		return d, false
	}
	if all {
		return d, true // every release of the branch: nothing to ask
	}
	d.PatchUnknown = true
	patches := d.affectedPatches(v)
	d.Title += " [only Kamailio " + patches + " of the " + v.Branch() +
		" branch; give Version.Patch to know]"
	d.Affected = patches + " (of " + v.Branch() + ".x; reference: " + d.Affected + ")"
	return d, true
}

// affectedPatches names the releases of v's branch (0 to v.Patch, the newest
// known) that d affects, as "5.2.0-5.2.3" ranges joined by ", "; "" if none.
func (d KnownDefect) affectedPatches(v Version) string {
	var out []byte
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		if len(out) > 0 {
			out = append(out, ", "...)
		}
		from := Version{Major: v.Major, Minor: v.Minor, Patch: start}
		out = append(out, from.String()...)
		if end > start {
			to := Version{Major: v.Major, Minor: v.Minor, Patch: end}
			out = append(out, '-')
			out = append(out, to.String()...)
		}
		start = -1
	}
	for p := 0; p <= v.Patch; p++ {
		if d.affects(Version{Major: v.Major, Minor: v.Minor, Patch: p}) {
			if start < 0 {
				start = p
			}
		} else {
			flush(p - 1)
		}
	}
	flush(v.Patch)
	return string(out)
}

// DefectsFor returns the known defects of version v that the judged message
// triggers (e.g. a 420 Proxy-Require failure on 5.2.3 -> GH1990), as
// KnownDefects(v) describes them. It does not allocate when nothing can
// apply; a caller judging every message keeps KnownDefects(v) and uses
// AppendTriggered, which never allocates once dst has room.
func DefectsFor(v Version, verdict *Verdict) []KnownDefect {
	if !verdict.mayTriggerDefect() {
		return nil // nearly every message: no need to build the table
	}
	return AppendTriggered(nil, KnownDefects(v), verdict)
}

// AppendTriggered appends to dst the defects of table (what KnownDefects
// returned for the version judged) that the judged message triggers. The
// table already holds a bare branch's texts ("only Kamailio 6.1.0-6.1.2
// ..."), so a caller that keeps it counts every message without
// allocating.
func AppendTriggered(dst, table []KnownDefect, verdict *Verdict) []KnownDefect {
	if !verdict.mayTriggerDefect() {
		return dst
	}
	for _, d := range table {
		if d.trigger(verdict) {
			dst = append(dst, d)
		}
	}
	return dst
}

// mayTriggerDefect is true when some knownDefects trigger could hold: each
// of them needs a 420 for Proxy-Require, a Contact: * or a To/From body
// parse_to rejects (TestDefectTriggersNeedMayTrigger holds the table to it).
func (v *Verdict) mayTriggerDefect() bool {
	return v.First == CheckProxyRequire || v.ContactStar || v.toParamBroken
}
