package esquery

import (
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		name  string
		msg   string
		ua    string
		hasUA bool
		src   netip.AddrPort
		err   error
	}{
		{"operator line", `NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G 35.80.0.95] received from <198.51.100.7:5060>`,
			"Yealink SIP-T48G 35.80.0.95", true, ap("198.51.100.7:5060"), nil},
		{"empty ua", `Malformed SIP received. ua: [] received from <192.0.2.1:5062>`, "", true, ap("192.0.2.1:5062"), nil},
		{"ua with brackets", `Malformed SIP received. ua: [Evil]] [x] received from <[::1]] received from <192.0.2.9:1>`,
			"Evil]] [x] received from <[::1]", true, ap("192.0.2.9:1"), nil},
		{"ua forging a suffix", `Malformed SIP received. ua: [a] received from <10.0.0.1:1>] received from <192.0.2.2:5060>`,
			"a] received from <10.0.0.1:1>", true, ap("192.0.2.2:5060"), nil},
		{"ua with quotes", `Malformed SIP received. ua: ["Grandstream" 'GXP' \"x\"] received from <192.0.2.3:5060>`,
			`"Grandstream" 'GXP' \"x\"`, true, ap("192.0.2.3:5060"), nil},
		{"ua with control chars", "Malformed SIP received. ua: [a\x00b\x1b[31mred\x07] received from <192.0.2.4:5060>",
			"a\x00b\x1b[31mred\x07", true, ap("192.0.2.4:5060"), nil},
		{"ua with html", `Malformed SIP received. ua: [<script>alert(1)</script>] received from <192.0.2.5:5060>`,
			"<script>alert(1)</script>", true, ap("192.0.2.5:5060"), nil},
		{"ipv6 siz", `Malformed SIP received. ua: [Zoiper] received from <[2001:db8::1]:5060>`,
			"Zoiper", true, ap("[2001:db8::1]:5060"), nil},
		{"ipv6 si without brackets", `Malformed SIP received. ua: [Zoiper] received from <2001:db8::1:5060>`,
			"Zoiper", true, ap("[2001:db8::1]:5060"), nil},
		{"ipv4-mapped", `Malformed SIP received. ua: [x] received from <[::ffff:192.0.2.1]:5060>`,
			"x", true, ap("[::ffff:192.0.2.1]:5060"), nil},
		{"stock request", `ERROR: <script>: Malformed SIP request from 203.0.113.5:5060`, "", false, ap("203.0.113.5:5060"), nil},
		{"stock response", `Malformed SIP response from 203.0.113.6:5080`, "", false, ap("203.0.113.6:5080"), nil},
		{"stock message ipv6", `Malformed SIP message from 2001:db8::7:5060`, "", false, ap("[2001:db8::7]:5060"), nil},
		{"stock with rsyslog escaped newline", `Malformed SIP request from 203.0.113.5:5060#012`, "", false, ap("203.0.113.5:5060"), nil},
		{"port out of range", `Malformed SIP received. ua: [x] received from <192.0.2.1:65536>`, "x", true, netip.AddrPort{}, ErrBadSource},
		{"bad address", `Malformed SIP received. ua: [x] received from <999.0.2.1:5060>`, "x", true, netip.AddrPort{}, ErrBadSource},
		{"other line", `INFO: <core> [core/tcp_main.c:4370]: tcp connection closed`, "", false, netip.AddrPort{}, ErrNoMatch},
		{"truncated line", `Malformed SIP received. ua: [Yealink`, "", false, netip.AddrPort{}, ErrNoMatch},
		{"empty", ``, "", false, netip.AddrPort{}, ErrNoMatch},
	}
	p, err := NewLineParser(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := p.Parse(tt.msg)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if l.UA != tt.ua || l.HasUA != tt.hasUA || l.Src != tt.src {
				t.Errorf("got ua=%q has=%v src=%v, want ua=%q has=%v src=%v", l.UA, l.HasUA, l.Src, tt.ua, tt.hasUA, tt.src)
			}
		})
	}
}

func TestParseLineLongUA(t *testing.T) {
	p, _ := NewLineParser(nil)
	ua := strings.Repeat("é", MaxUALen) // 2 bytes each: the cut lands inside a rune
	l, err := p.Parse("Malformed SIP received. ua: [" + ua + "] received from <192.0.2.1:5060>")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.UA) > MaxUALen || !strings.HasPrefix(ua, l.UA) || len(l.UA)%2 != 0 {
		t.Errorf("UA cut to %d bytes (want <= %d on a rune boundary)", len(l.UA), MaxUALen)
	}
}

func TestCustomPattern(t *testing.T) {
	re := regexp.MustCompile(`bad sip from (?P<ip>[0-9.]+) port (?P<port>\d+) agent="(?P<ua>[^"]*)"`)
	p, err := NewLineParser(re)
	if err != nil {
		t.Fatal(err)
	}
	l, err := p.Parse(`bad sip from 192.0.2.1 port 5060 agent="PolycomVVX"`)
	if err != nil || l.UA != "PolycomVVX" || l.Src != netip.MustParseAddrPort("192.0.2.1:5060") {
		t.Fatalf("got %+v, %v", l, err)
	}
	if _, err := NewLineParser(regexp.MustCompile(`ua: \[(?P<ua>.*)\]`)); !errors.Is(err, ErrPattern) {
		t.Errorf("pattern without source group: err = %v, want ErrPattern", err)
	}
}

func TestParseSource(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:5060":      "192.0.2.1:5060",
		"192.0.2.1":           "192.0.2.1:0",
		"[2001:db8::1]:5061":  "[2001:db8::1]:5061",
		"2001:db8::1:5061":    "[2001:db8::1]:5061",
		"[fe80::1%eth0]:5060": "[fe80::1%eth0]:5060",
	} {
		got, err := ParseSource(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseSource(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "1.2.3.4:", "[::1]", ":5060", "1.2.3.4:-1"} {
		if _, err := ParseSource(in); !errors.Is(err, ErrBadSource) {
			t.Errorf("ParseSource(%q): err = %v, want ErrBadSource", in, err)
		}
	}
}

func BenchmarkParseLine(b *testing.B) {
	p, _ := NewLineParser(nil)
	msg := `NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G 35.80.0.95] received from <198.51.100.7:5060>`
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := p.Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// The per-hit work must not grow with the hits: counting into an existing
// bucket allocates nothing, and parsing allocates only inside the regexp
// match (two: the submatch index slice and the match state).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race; the plain go test run checks them")
	}
	p, _ := NewLineParser(nil)
	msg := `Malformed SIP received. ua: [Yealink SIP-T48G 35.80.0.95] received from <198.51.100.7:5060>`
	if n := testing.AllocsPerRun(100, func() { p.Parse(msg) }); n > 2 {
		t.Errorf("Parse: %v allocations, want <= 2", n)
	}
	tl := &Tally{}
	h := Hit{Time: winFrom, UA: "Yealink", HasUA: true}
	tl.AddHit(h)
	if n := testing.AllocsPerRun(100, func() { tl.AddHit(h) }); n != 0 {
		t.Errorf("Tally.AddHit: %v allocations, want 0", n)
	}
}
