package sipparse

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]Version{
		"5.2":    {Major: 5, Minor: 2, Patch: 8, PatchGuessed: true},
		"5.2.3":  {Major: 5, Minor: 2, Patch: 3},
		"5.6":    {Major: 5, Minor: 6, Patch: 6, PatchGuessed: true},
		"v5.6.3": {Major: 5, Minor: 6, Patch: 3},
		"6.1":    {Major: 6, Minor: 1, Patch: 4, PatchGuessed: true},
		"master": {Major: 6, Minor: 2, Master: true},
	} {
		got, err := ParseVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "5", "5.x", "5.9", "7.0", "5.6.3.1", "-1.2"} {
		if _, err := ParseVersion(bad); !errors.Is(err, ErrBadVersion) {
			t.Errorf("ParseVersion(%q) err = %v, want ErrBadVersion", bad, err)
		}
	}
	if LatestRelease().String() != "6.1.4" {
		t.Errorf("LatestRelease = %v", LatestRelease())
	}
}

func TestProfiles(t *testing.T) {
	tests := []struct {
		ver                                     string
		dup, newReasons, crash, coreDup, strict bool
		toReason                                string
	}{
		{"5.2.3", false, false, true, false, false, "Ivalid To Header"},
		{"5.3.7", true, false, true, false, false, "Ivalid To Header"},
		{"5.4.9", true, true, true, false, false, "Ivalid To Header"},
		{"5.5.6", true, true, false, false, false, "Ivalid To Header"},
		{"5.6.2", true, true, true, true, true, "Ivalid To Header"},
		{"5.6.3", true, true, false, true, true, "Ivalid To Header"},
		{"5.7.7", true, true, false, true, true, "Invalid To Header"},
		{"6.0.1", true, true, false, true, true, "Ivalid To Header"},
		{"6.1.0", true, true, false, true, true, "Invalid To Header"},
		{"master", true, true, false, true, true, "Invalid To Header"},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.ver)
		if err != nil {
			t.Fatal(err)
		}
		p := v.profile()
		got := []any{p.dupCheck, p.newURIReasons, p.contactStarCrash, p.coreDupErr, p.strictURIHost, p.toReason}
		want := []any{tt.dup, tt.newReasons, tt.crash, tt.coreDup, tt.strict, tt.toReason}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: profile %v, want %v", tt.ver, got, want)
		}
	}
}

func TestNewEngineRanges(t *testing.T) {
	for _, tc := range []struct {
		ver    string
		checks Check
		uri    uint8
		ok     bool
	}{
		{"5.6", 32767, 15, true},
		{"5.6", 32768, 7, false},
		{"5.6", 0, 7, false},
		{"5.1", 16384, 7, false},
		{"5.1", 16383, 7, true},
		{"master", 131071, 7, true},
		{"master", 131072, 7, false},
		{"6.1", 3047, 0, false},
		{"6.1", 3047, 16, false},
	} {
		_, err := NewEngine(cfgFor(t, tc.ver, tc.checks, tc.uri))
		if (err == nil) != tc.ok {
			t.Errorf("NewEngine(%s, %d, %d) err = %v, want ok=%v", tc.ver, tc.checks, tc.uri, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrCheckRange) {
			t.Errorf("error %v is not ErrCheckRange", err)
		}
	}
	if e := mustEngine(t, Config{Checks: 3047, URIChecks: 7}); e.Config().Version != LatestRelease() {
		t.Errorf("zero Version did not default to the latest release")
	}
}

func TestParseProxyRequireList(t *testing.T) {
	for in, want := range map[string][]string{
		"":                           nil,
		"   ":                        nil,
		"foo":                        {"foo"},
		" foo , bar ":                {"foo", "bar"},
		"a,,b":                       {"a", "", "b"},
		"foo,":                       {"foo", ""},
		"sip.mysipproxy.com, 100rel": {"sip.mysipproxy.com", "100rel"},
		"a b, c":                     {"a b", "c"},
	} {
		if got := ParseProxyRequireList(in); !reflect.DeepEqual(got, want) {
			t.Errorf("ParseProxyRequireList(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckString(t *testing.T) {
	if got := CheckProxyRequire.String(); got != "proxy_require" {
		t.Errorf("got %q", got)
	}
	if got := DefaultChecks.String(); got != "ruri_sip_version|ruri_scheme|required_headers|cseq_method|cseq_value|content_length|expires_value|proxy_require|digest" {
		t.Errorf("3047 = %q", got)
	}
	if got := Check(3047).Bits(); len(got) != 9 || got[0] != 1 || got[8] != 2048 {
		t.Errorf("Bits = %v", got)
	}
	if got := Check(0).String(); got != "none" {
		t.Errorf("0 = %q", got)
	}
}
