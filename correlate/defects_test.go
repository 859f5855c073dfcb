package correlate

// testDefects mirrors reference §4.2 for the 512 rows (sipparse owns the
// real table; correlate takes it as plain values).
var testDefects = []KnownDefect{
	{ID: "GH#1990", Rules: 512, Pool: PoolPkg, UsedBytes: 24, RealUsedBytes: 128,
		Affected: []VersionRange{{From: "", To: "5.0"}, {From: "5.1.0", To: "5.1.8"}, {From: "5.2.0", To: "5.2.3"}},
		FixedIn:  []string{"5.1.9", "5.2.4", "5.3.0"},
		Summary:  "sanity proxy_require leaks the parsed token list on the 420 path"},
	{ID: "unsupported-buffer", Rules: 512, Pool: PoolPkg,
		Affected: []VersionRange{{From: "6.0.7", To: "6.0.7"}, {From: "6.1.3", To: "6.1"}},
		Summary:  "sanity proxy_require no longer frees the Unsupported reply header buffer"},
}
