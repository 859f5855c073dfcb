package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

const hostileUA = "=HYPERLINK(\"x\")\x1b[31m<script>alert(1)</script>\u202e"

// offenderFixture is a fixed attribution: a Proxy-Require leaker matching
// GH#1990 on 5.2.3, a loud CSeq offender without impact, a hostile UA
// without impact (untested), a gap and a restart note.
func offenderFixture() *Offenders {
	ap := netip.MustParseAddrPort
	start := t0.Add(10 * time.Second)
	r := &correlate.Report{
		Start: start, End: start.Add(120 * time.Second), Bucket: 2 * time.Second, Buckets: 60, Source: "capture",
		Targets: []correlate.TargetFit{
			{Series: "shm real_used", Pool: "shm", Metric: "real_used", Members: 1, Rows: 56, Lag: 0, R2: 0.97, Drift: 3.5, Noise: 40, Growth: 245000, Windowed: 30},
			{Series: "pkg real_used (sum)", Pool: "pkg", Metric: "real_used", Members: 9, Rows: 56, Lag: 1, R2: 0.12, Drift: -2, Noise: 310, Growth: 1200},
		},
		Suspects: []correlate.Suspect{{
			UA: "Yealink SIP-T48G 35.72.188.7", Device: correlate.UAInfo{Raw: "Yealink SIP-T48G 35.72.188.7", Vendor: "Yealink", Model: "SIP-T48G", Firmware: "35.72.188.7"},
			Rules: 512, First: 512, Count: 600, CountCapture: 600,
			Sources: []correlate.SourceCount{{Addr: ap("198.51.100.7:5060"), Count: 400}, {Addr: ap("198.51.100.8:5060"), Count: 150}, {Addr: ap("198.51.100.9:5060"), Count: 50}},
			Target:  "shm real_used", Pool: "shm", BytesPerMessage: 408.4, CI: correlate.Interval{Low: 399.1, High: 417.9},
			PValue: 1e-12, PartialR2: 0.95, R2: 0.97, Share: 0.99, Lift: 5.25, Lag: 0, Rate: 2042,
			Defect:     &correlate.DefectMatch{ID: "GH1990", Affected: true, VersionKnown: true, Consistent: false, Expected: "24 B used or 128 B real_used per occurrence", FixedIn: "5.2.4", Summary: "sanity proxy_require 420 path leaks the parsed Proxy-Require token list (pkg)"},
			Tokens:     []correlate.TokenCount{{Token: "sip.mysipproxy.com", Count: 600}},
			Example:    correlate.Example{Ref: 17, Time: start.Add(1500 * time.Millisecond), Header: "Proxy-Require: sip.mysipproxy.com"},
			Evidence:   "600 malformed messages (rule 512) from 3 source(s): 408 B/message",
			Projection: 9 * 24 * time.Hour, ProjectionAt: start.Add(9*24*time.Hour + time.Hour),
			PoolSeries: "shm real_used", PoolShare: 0.97,
		}},
		MalformedWithoutImpact: []correlate.Bystander{
			{UA: "Grandstream GXP2160 1.0.11.3", Device: correlate.UAInfo{Vendor: "Grandstream", Model: "GXP2160", Firmware: "1.0.11.3"},
				Rules: 64, Count: 1800, Sources: []correlate.SourceCount{{Addr: ap("203.0.113.5:5062"), Count: 1800}},
				Tested: true, BytesPerMessage: 0.3, CI: correlate.Interval{Low: 0, High: 2.1}, Lift: 1.02,
				Reason:  "no memory effect: 95% interval [0, 2.1] B/message includes 0 (shm real_used)",
				Example: correlate.Example{Ref: 5, Time: start.Add(time.Second), Header: "CSeq: 99999999999 REGISTER"}},
			{UA: hostileUA, Rules: 32 | 64, Count: 3, Sources: []correlate.SourceCount{{Addr: ap("[2001:db8::9]:5060"), Count: 3}},
				Reason:  "not tested individually: below the 16 largest (UA, rule) cells (part of the other-malformed control)",
				Example: correlate.Example{Ref: 99, Time: start.Add(3 * time.Second), Header: "CSeq: 1 \x1b[2JINVITE"}},
		},
		Windows: []correlate.Window{{Series: "shm real_used", Start: start.Add(20 * time.Second), End: start.Add(80 * time.Second), Rise: 240000, Rate: 4000}},
		Projections: []correlate.Projection{
			{Series: "shm real_used", Pool: "shm", Total: 64 << 20, Used: 900000, Free: 64<<20 - 900000, Slope: 2050, Attributed: 2042,
				Exhaustion: 9 * 24 * time.Hour, At: start.Add(120*time.Second + 9*24*time.Hour)},
			{Series: "pkg real_used entry 1 pid 4242 rank 1 (udp receiver child=0 sock=127.0.0.1:5060)", Pool: "pkg", Total: 8 << 20, Used: 760000, Free: 8<<20 - 760000},
		},
		Weakest: 0,
		Remediation: []correlate.Remediation{
			{Kind: "upgrade", Upgrade: "5.2.4", UAs: []string{"Yealink SIP-T48G 35.72.188.7"}, Why: "GH1990: sanity proxy_require leaks; 5.2.3 is affected, fixed in 5.2.4"},
			{Kind: "default_checks", Lines: []string{`modparam("sanity", "default_checks", 2535)`}, UAs: []string{"Yealink SIP-T48G 35.72.188.7"}, Why: "default_checks 3047 without 512 = 2535"},
			{Kind: "proxy_require", Alternative: true, Lines: []string{`modparam("sanity", "proxy_require", "sip.mysipproxy.com")`}, UAs: []string{"Yealink SIP-T48G 35.72.188.7"}, Why: "declares the option tag supported"},
		},
		Notes: []correlate.Note{{Kind: "coverage", Text: "the capture covers 92% of the memory window"}},
	}
	return &Offenders{
		Attribution: r,
		Memory: MemoryInput{Source: "mem.jsonl", Kind: "recording", Version: "kamailio 5.2.3 (x86_64/linux)", Samples: 130,
			First: start.Add(-5 * time.Second), Last: start.Add(125 * time.Second), Series: []string{"shm real_used", "pkg real_used (9 processes)"}, Restarts: 1, Gaps: 2},
		Analysis: fixture(),
		Notes:    []Note{{Kind: "gap", Text: "2 polls failed between 10:00:40 and 10:00:42"}, {Kind: "restart", Text: "Kamailio restarted between a and b"}},
	}
}

func TestWriteOffendersGolden(t *testing.T) {
	for _, f := range []Format{FormatTable, FormatJSON, FormatCSV} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteOffenders(&buf, f, offenderFixture()); err != nil {
				t.Fatal(err)
			}
			golden(t, "offenders."+string(f), buf.Bytes())
		})
	}
}

// TestOffenderJSONRequiredKeys pins the keys the issue requires.
func TestOffenderJSONRequiredKeys(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteOffenders(&buf, FormatJSON, offenderFixture()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema   string `json:"schema"`
		Suspects []struct {
			UA              *string  `json:"ua"`
			Rules           []uint32 `json:"rules"`
			BytesPerMessage *float64 `json:"bytes_per_message"`
			CI              *struct {
				Low, High *float64
			} `json:"bytes_per_message_ci95"`
		} `json:"suspects"`
		Bystanders []struct {
			UA *string `json:"ua"`
		} `json:"malformed_without_impact"`
		Remediation []string `json:"remediation"`
		Analysis    struct {
			Schema string `json:"schema"`
		} `json:"analysis"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Suspects
	if doc.Schema != OffenderSchema || len(s) != 1 || *s[0].UA != "Yealink SIP-T48G 35.72.188.7" || len(s[0].Rules) != 1 || s[0].Rules[0] != 512 ||
		*s[0].BytesPerMessage != 408.4 || s[0].CI == nil || *s[0].CI.Low != 399.1 || *s[0].CI.High != 417.9 {
		t.Fatalf("suspects: %s", buf.String())
	}
	if len(doc.Bystanders) != 2 || *doc.Bystanders[1].UA != hostileUA {
		t.Errorf("malformed_without_impact must keep the raw UA: %+v", doc.Bystanders)
	}
	want := []string{`modparam("sanity", "default_checks", 2535)`, `modparam("sanity", "proxy_require", "sip.mysipproxy.com")`}
	if strings.Join(doc.Remediation, "\n") != strings.Join(want, "\n") {
		t.Errorf("remediation = %q, want %q", doc.Remediation, want)
	}
	if doc.Analysis.Schema != AnalyzeSchema {
		t.Errorf("embedded analysis schema %q", doc.Analysis.Schema)
	}
}

func TestOffenderTableAndCSVNeutraliseHostileUA(t *testing.T) {
	for _, f := range []Format{FormatTable, FormatCSV} {
		var buf bytes.Buffer
		if err := WriteOffenders(&buf, f, offenderFixture()); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, c := range out {
			if (c < 0x20 && c != '\n') || c == '\u202e' {
				t.Fatalf("%s: control or bidi character %#x reached the output", f, c)
			}
		}
		if !strings.Contains(out, `\x1b[31m`) || !strings.Contains(out, `\x1b[2J`) {
			t.Errorf("%s: escapes of the UA and the example header must be shown as text", f)
		}
		if f == FormatCSV && !strings.Contains(out, `'=HYPERLINK`) {
			t.Errorf("csv: formula UA not defused")
		}
	}
}

func TestWriteOffendersWithoutAttribution(t *testing.T) {
	if err := WriteOffenders(&bytes.Buffer{}, FormatJSON, &Offenders{}); err == nil {
		t.Error("no error for a missing attribution")
	}
}

func TestOffenderTableCapsBystanders(t *testing.T) {
	o := offenderFixture()
	r := *o.Attribution
	r.MalformedWithoutImpact = nil
	for i := 0; i < offenderBystanders+5; i++ {
		r.MalformedWithoutImpact = append(r.MalformedWithoutImpact, correlate.Bystander{UA: fmt.Sprintf("ua-%02d", i), Rules: 64, Count: uint64(100 - i), Reason: "r"})
	}
	o.Attribution = &r
	var buf bytes.Buffer
	if err := WriteOffenders(&buf, FormatTable, o); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "ua-19") || strings.Contains(out, "ua-20") || !strings.Contains(out, "5 more User-Agents") {
		t.Errorf("table should list %d UAs without impact and count the rest:\n%s", offenderBystanders, out)
	}
	buf.Reset()
	if err := WriteOffenders(&buf, FormatCSV, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "ua-24") {
		t.Error("CSV must list every UA without impact")
	}
}

// TestNoRemedyText: without a remediation step the table says why, and
// never "no suspect" when there is one (issue 13: a log-only suspect got
// "nothing to change: no suspect").
func TestNoRemedyText(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []uint32
		want  string
	}{
		{"none", nil, "no suspect"},
		{"log only", []uint32{correlate.RuleUnknown}, "do not say which sanity check failed"},
		{"core drop", []uint32{correlate.RuleCoreDrop, correlate.RuleUnknown}, "core drops"},
		{"sanity rule", []uint32{512}, "no sanity setting covers"},
	} {
		var ss []suspectDoc
		for _, r := range tc.rules {
			ss = append(ss, suspectDoc{FirstRule: r})
		}
		got := noRemedyText(ss)
		if !strings.Contains(got, tc.want) || len(ss) > 0 && strings.Contains(got, "no suspect") {
			t.Errorf("%s: %q, want it to say %q", tc.name, got, tc.want)
		}
	}
}
