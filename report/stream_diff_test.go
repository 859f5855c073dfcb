package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// The streaming writers must write what the writers before them wrote
// (legacy_render_test.go), byte for byte, and fail where they failed.

// checkSameOutput renders a in every format with the streaming writers and
// with the legacy ones, and reports any difference in bytes or error.
func checkSameOutput(t testing.TB, name string, a *Analysis) {
	t.Helper()
	legacy := map[Format]func(*bytes.Buffer, *Analysis) error{
		FormatJSON:  func(b *bytes.Buffer, a *Analysis) error { return legacyWriteJSON(b, a) },
		FormatCSV:   func(b *bytes.Buffer, a *Analysis) error { return legacyWriteCSV(b, a) },
		FormatTable: func(b *bytes.Buffer, a *Analysis) error { return legacyWriteTable(b, a) },
	}
	for _, f := range []Format{FormatJSON, FormatCSV, FormatTable} {
		var got, want bytes.Buffer
		gotErr, wantErr := WriteAnalysis(&got, f, a), legacy[f](&want, a)
		checkSame(t, name+" "+string(f), got.Bytes(), want.Bytes(), gotErr, wantErr)
	}
	// The offender report embeds the analyze document.
	o := offenderFixture()
	o.Analysis = a
	var got, want bytes.Buffer
	gotErr, wantErr := WriteOffenders(&got, FormatJSON, o), legacyWriteOffendersJSON(&want, o)
	checkSame(t, name+" offenders json", got.Bytes(), want.Bytes(), gotErr, wantErr)
}

func checkSame(t testing.TB, name string, got, want []byte, gotErr, wantErr error) {
	t.Helper()
	if errString(gotErr) != errString(wantErr) {
		t.Fatalf("%s: error %v, legacy writer's %v", name, gotErr, wantErr)
	}
	if !bytes.Equal(got, want) {
		i := firstDiff(got, want)
		t.Fatalf("%s: output differs from the legacy writer's at byte %d of %d/%d:\n got: %q\nwant: %q",
			name, i, len(got), len(want), around(got, i), around(want, i))
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func firstDiff(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func around(b []byte, i int) []byte {
	return b[max(0, i-80):min(len(b), i+80)]
}

func TestStreamedWritersMatchLegacy(t *testing.T) {
	empty := fixture()
	empty.Inventory = correlate.NewInventory(correlate.InventoryLimits{})
	noInv := fixture()
	noInv.Inventory = nil
	bare := &Analysis{Inventory: fixture().Inventory}
	for name, a := range map[string]*Analysis{
		"fixture": fixture(), "logs": logsFixture(), "empty inventory": empty, "no inventory": noInv,
		"bare": bare, "10000 UAs": scaleBench(),
	} {
		checkSameOutput(t, name, a)
	}
	o := offenderFixture()
	o.Analysis = nil
	var got, want bytes.Buffer
	gotErr, wantErr := WriteOffenders(&got, FormatJSON, o), legacyWriteOffendersJSON(&want, o)
	checkSame(t, "offenders without analysis", got.Bytes(), want.Bytes(), gotErr, wantErr)
}

// TestStreamedWritersMatchLegacyRandom renders random hostile analyses:
// UAs, methods and sources with every byte JSON, CSV and terminals treat
// specially, tight inventory caps, and logs whose rows name inventory UAs.
func TestStreamedWritersMatchLegacyRandom(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, 4096)
	for i := 0; i < n; i++ {
		for j := range src {
			src[j] = byte(rng.Uint32())
		}
		checkSameOutput(t, "random", randomAnalysis(src))
	}
}

// TestStreamedJSONTimeOutOfRange: a time encoding/json cannot write fails
// the report with encoding/json's error, and nothing is written.
func TestStreamedJSONTimeOutOfRange(t *testing.T) {
	a := fixture()
	a.Inventory.Add(&correlate.Observation{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), UA: []byte("future"),
		Src: netip.MustParseAddrPort("192.0.2.1:5060"), Request: true, Method: []byte("OPTIONS")})
	checkSameOutput(t, "year 10000", a)
	var buf bytes.Buffer
	err := WriteAnalysis(&buf, FormatJSON, a)
	if err == nil || buf.Len() != 0 {
		t.Fatalf("year 10000: err %v, %d bytes written", err, buf.Len())
	}
	var me *json.MarshalerError
	if !errors.As(err, &me) {
		t.Errorf("error %T %v, want encoding/json's MarshalerError", err, err)
	}
}

// pieces are the fragments random strings are made of: what JSON escapes
// (quotes, backslash, controls, <, >, &, U+2028/9, invalid UTF-8), what
// TerminalSafe rewrites (C0, DEL, C1, bidi), what CSV quotes or defuses
// (comma, quote, CR, LF, leading space, =, +, -, @), what tabwriter
// measures in runes (multi-byte letters, the ellipsis), and plain text.
var pieces = []string{"a", "Yealink", " ", ",", "\"", "\\", "<", ">", "&", "\u2028", "\u2029", "\xff", "\xe2\x80",
	"\xed\xa0\x80", "\x00", "\x1b[31m", "\t", "\n", "\r", "\x7f", "\u0085", "\u202e", "=", "+", "-", "@", "é", "日本語",
	"…", "\ufffd", "(other)", "\\.", ":", ";", "0", "99", "\U0001F600", "\u00a0"}

// byteSource reads decisions from fuzz or random bytes; past the end it
// reads zeros, so every input builds an analysis.
type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) byte() byte {
	if s.i >= len(s.b) {
		return 0
	}
	s.i++
	return s.b[s.i-1]
}

func (s *byteSource) intn(n int) int { return int(s.byte()) % n }

func (s *byteSource) str(maxPieces int) string {
	var b []byte
	for k := s.intn(maxPieces + 1); k > 0; k-- {
		b = append(b, pieces[s.intn(len(pieces))]...)
	}
	return string(b)
}

// randomAnalysis builds an analysis from src: a small inventory with tight
// caps fed hostile observations, random TopSources, and sometimes a log
// signal whose rows name the inventory's UAs.
func randomAnalysis(src []byte) *Analysis {
	s := &byteSource{b: src}
	inv := correlate.NewInventory(correlate.InventoryLimits{MaxUAs: 1 + s.intn(12), MaxSourcesPer: 1 + s.intn(6),
		MaxMethodsPer: 1 + s.intn(12), MaxUALen: 1 + s.intn(64)})
	codes := []int{100, 180, 200, 404, 99, 1000, 0, -1, 486, 603}
	addrs := []netip.AddrPort{netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("[2001:db8::1]:5062"),
		netip.MustParseAddrPort("[::ffff:192.0.2.9]:5060"), netip.AddrPortFrom(netip.MustParseAddr("fe80::1%e<t>h\"0"), 1),
		{}, netip.MustParseAddrPort("198.51.100.200:65535"), netip.MustParseAddrPort("0.0.0.0:0"),
		// A zone tabwriter would interpret: the table's tabwriter path.
		netip.AddrPortFrom(netip.MustParseAddr("fe80::2").WithZone("e\tt\xff\vh"), 2)}
	var uas []string
	for n := 20 + s.intn(100); n > 0; n-- {
		o := correlate.Observation{Time: t0.Add(time.Duration(s.intn(200))*time.Second + time.Duration(s.intn(256))*time.Nanosecond*3907),
			Src: addrs[s.intn(len(addrs))], Request: s.intn(2) == 0, Method: []byte(s.str(2))}
		switch k := s.intn(8); {
		case k == 0 && len(uas) > 0:
			o.UA = []byte(uas[s.intn(len(uas))])
		case k <= 4 && len(uas) > 0:
			o.UA = []byte(uas[len(uas)-1])
		case k == 5: // no User-Agent
		default:
			ua := s.str(6)
			uas = append(uas, ua)
			o.UA = []byte(ua)
		}
		if !o.Request {
			o.Status = codes[s.intn(len(codes))]
		}
		if s.intn(3) == 0 {
			o.Failed = uint32(s.byte())<<s.intn(24) | 1<<s.intn(32)
			o.First = o.Failed & -o.Failed
		}
		o.CoreDrop = s.intn(10) == 0
		if s.intn(2) == 0 {
			o.First = 1 << s.intn(32) // a reported failure not among Failed
		}
		inv.Add(&o)
	}
	a := fixture()
	a.Inventory = inv
	a.TopSources = s.intn(5)
	a.Notes = append(a.Notes, s.str(4))
	if s.intn(2) == 0 {
		a.Logs = logsFixture().Logs
		for k := s.intn(4); k > 0 && len(uas) > 0; k-- {
			a.Logs.Cross.Rows = append(a.Logs.Cross.Rows, CrossRow{UA: uas[s.intn(len(uas))], Present: true, Status: "both",
				LogHits: uint64(s.byte()), Capture: uint64(s.byte()), Ratio: float64(s.byte()) / 7, Agree: s.intn(2) == 0})
		}
		a.Logs.Cross.Rows = append(a.Logs.Cross.Rows, CrossRow{Present: false, Status: "both", LogHits: 1, Capture: 1})
		if s.intn(3) == 0 { // no capture to compare: the log's own rows
			a.Logs.Cross = nil
		}
	}
	return a
}

func FuzzWriteAnalysis(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x05\x02\x07\x30hello world, this is a seed with < & > and \xff"))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 4; i++ {
		b := make([]byte, 512)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkSameOutput(t, "fuzz", randomAnalysis(src))
	})
}

// TestTableTabwriterFallback: a cell with a byte tabwriter interprets (here
// a tab in an address zone, the one unescaped wire string) is aligned by
// tabwriter itself, as before; U+FFFD, valid text, is not such a byte.
func TestTableTabwriterFallback(t *testing.T) {
	a := fixture()
	a.Inventory.Add(&correlate.Observation{Time: t0, UA: []byte("zoned"), Request: true, Method: []byte("OPTIONS"),
		Src: netip.AddrPortFrom(netip.MustParseAddr("fe80::1").WithZone("e\tth0"), 5060)})
	checkSameOutput(t, "zone with a tab", a)
	if !hasTabwriterByte([]byte("a\tb")) || !hasTabwriterByte([]byte{'a', 0xff}) || hasTabwriterByte([]byte("a\ufffdb")) {
		t.Error("hasTabwriterByte misjudges tab, 0xff or U+FFFD")
	}
}
