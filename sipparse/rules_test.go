package sipparse

import "testing"

// TestRuleNames: every check and pseudo rule round-trips through RuleName
// and ParseRule, names are unique, and the table covers all checks.
func TestRuleNames(t *testing.T) {
	seen := map[string]uint32{}
	rules := []uint32{RuleCoreDrop, RuleUnknown}
	for i := 0; i < CheckCount; i++ {
		rules = append(rules, 1<<i)
	}
	for _, r := range rules {
		name := RuleName(r)
		if name == "" {
			t.Errorf("rule %d has no name", r)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("rules %d and %d are both named %q", prev, r, name)
		}
		seen[name] = r
		if got, ok := ParseRule(name); !ok || got != r {
			t.Errorf("ParseRule(%q) = %d, %v; want %d", name, got, ok, r)
		}
	}
	for _, tc := range []struct {
		rule uint32
		want string
	}{{512, "proxy_require"}, {65536, "sizes"}, {RuleCoreDrop, "core_drop"}, {RuleUnknown, "unknown"},
		{32 | 64, "mask_96"}, {0, "mask_0"}, {1 << 20, "bit20"}} {
		if got := RuleName(tc.rule); got != tc.want {
			t.Errorf("RuleName(%d) = %q, want %q", tc.rule, got, tc.want)
		}
	}
	if _, ok := ParseRule("frobnicate"); ok {
		t.Error("ParseRule accepts an unknown name")
	}
	if n := testing.AllocsPerRun(100, func() { _ = RuleName(512) }); n != 0 {
		t.Errorf("RuleName allocates %.0f times", n)
	}
}
