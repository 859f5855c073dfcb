package report

import (
	"bytes"
	"encoding/json"
	"flag"
	goldenfile "github.com/sipcorr/sipcorr/internal/golden"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var t0 = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// fixture is a small, fixed analysis: a Proxy-Require offender, a good phone,
// a message without User-Agent and a hostile UA with escape sequences.
func fixture() *Analysis {
	inv := correlate.NewInventory(correlate.InventoryLimits{})
	add := func(ua string, sec int, src, method string, status int, failed, first uint32) {
		var b []byte
		if ua != "-" {
			b = []byte(ua)
		}
		inv.Add(&correlate.Observation{Time: t0.Add(time.Duration(sec) * time.Second), UA: b,
			Src: netip.MustParseAddrPort(src), Request: status == 0, Method: []byte(method), Status: status,
			Failed: failed, First: first})
	}
	for i := 0; i < 5; i++ {
		add("Yealink SIP-T48G 66.84.0.15", 10*i, "198.51.100.7:5060", "SUBSCRIBE", 0, 512, 512)
	}
	add("PolycomSoundPointIP-SPIP_650-UA/4.0.1", 3, "192.0.2.20:5060", "REGISTER", 0, 0, 0)
	add("PolycomSoundPointIP-SPIP_650-UA/4.0.1", 4, "192.0.2.20:5060", "REGISTER", 200, 0, 0)
	add("-", 7, "[2001:db8::1]:5062", "OPTIONS", 0, 0, 0)
	add("=HYPERLINK(\"x\")\x1b[31m<script>alert(1)</script>", 9, "203.0.113.9:5060", "INVITE", 0, 32|64, 32)
	return &Analysis{
		Files: []FileSummary{{Path: "edge.pcapng", Packets: 12}, {Path: "cut.pcap", Packets: 2,
			Error: "cut.pcap: packet 3 at byte offset 1234: record truncated"}},
		Counters: []Counter{{Key: "packets", Name: "packets", Value: 14}, {Key: "non_sip", Name: "UDP/TCP payloads that are not SIP", Value: 3, Skip: true}},
		Totals: Totals{Packets: 14, Bytes: 4096, SIPMessages: 9, Requests: 8, Responses: 1, Malformed: 6,
			First: t0, Last: t0.Add(40 * time.Second)},
		Sanity:    SanityConfig{Version: "5.2.3", Checks: 3047, URIChecks: 7, From: "defaults"},
		Inventory: inv,
		Defects: []KnownDefect{{ID: "GH-1990", Title: "sanity proxy_require leaks the parsed token list on the 420 path",
			Rule: 512, Messages: 5, Effect: "pkg leak", FixedIn: "5.2.4", Ref: "kamailio/kamailio#1990"}},
		Notes: []string{"a note"},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Compare(t, name, got, *update)
}

func TestWriteAnalysisGolden(t *testing.T) {
	for _, f := range []Format{FormatTable, FormatJSON, FormatCSV} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteAnalysis(&buf, f, fixture()); err != nil {
				t.Fatal(err)
			}
			golden(t, "analysis."+string(f), buf.Bytes())
		})
	}
}

func TestJSONSchemaFields(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAnalysis(&buf, FormatJSON, fixture()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema  string `json:"schema"`
		Summary struct {
			Packets     *int `json:"packets"`
			SIPMessages *int `json:"sip_messages"`
		} `json:"summary"`
		UAs []struct {
			UA       *string `json:"ua"`
			Messages *int    `json:"messages"`
		} `json:"uas"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != AnalyzeSchema || doc.Summary.Packets == nil || *doc.Summary.Packets != 14 ||
		doc.Summary.SIPMessages == nil || *doc.Summary.SIPMessages != 9 {
		t.Fatalf("summary fields wrong: %+v", doc)
	}
	if len(doc.UAs) != 4 || *doc.UAs[0].UA != "Yealink SIP-T48G 66.84.0.15" || *doc.UAs[0].Messages != 5 {
		t.Fatalf("uas wrong: %s", buf.String())
	}
}

func TestTableNeutralisesHostileUA(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAnalysis(&buf, FormatTable, fixture()); err != nil {
		t.Fatal(err)
	}
	for _, c := range buf.String() {
		if c < 0x20 && c != '\n' {
			t.Fatalf("control character %#x reached the terminal output", c)
		}
	}
	if !strings.Contains(buf.String(), `\x1b[31m`) {
		t.Errorf("escape sequence should be shown as text:\n%s", buf.String())
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAnalysis(&buf, FormatCSV, fixture()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `'=HYPERLINK`) {
		t.Errorf("a UA starting with = must be prefixed with ':\n%s", buf.String())
	}
}

func TestTerminalSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Yealink SIP-T48G 66.84.0.15", "Yealink SIP-T48G 66.84.0.15"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"tab\there", `tab\x09here`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"c1\u009bx", `c1\x9bx`},
		{"bidi\u202eevil", `bidi\u{202E}evil`},
		{`back\slash`, `back\\slash`},
		{"Grüße", "Grüße"},
	} {
		if got := TerminalSafe(tc.in); got != tc.want {
			t.Errorf("TerminalSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
	if f, err := ParseFormat("JSON"); err != nil || f != FormatJSON {
		t.Errorf("JSON: %v %v", f, err)
	}
}
