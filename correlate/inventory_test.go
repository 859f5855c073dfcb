package correlate

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

var (
	t0    = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	srcA  = netip.MustParseAddrPort("192.0.2.10:5060")
	srcB  = netip.MustParseAddrPort("[2001:db8::7]:5062")
	yeal  = []byte("Yealink SIP-T48G 66.84.0.15")
	polyc = []byte("PolycomSoundPointIP-SPIP_650-UA/4.0.1")
)

func obs(ua []byte, sec int, src netip.AddrPort, method string, status int, failed, first uint32) *Observation {
	return &Observation{Time: t0.Add(time.Duration(sec) * time.Second), UA: ua, Src: src,
		Request: status == 0, Method: []byte(method), Status: status, Failed: failed, First: first}
}

func TestInventoryCountsPerUA(t *testing.T) {
	inv := NewInventory(InventoryLimits{})
	inv.Add(obs(yeal, 5, srcA, "REGISTER", 0, 512, 512))
	inv.Add(obs(yeal, 1, srcA, "REGISTER", 0, 512|32, 32))
	inv.Add(obs(yeal, 9, srcB, "REGISTER", 401, 0, 0))
	inv.Add(obs(polyc, 3, srcB, "INVITE", 0, 0, 0))
	inv.Add(obs(nil, 4, srcB, "OPTIONS", 0, 0, 0))

	uas := inv.UAs()
	if len(uas) != 3 {
		t.Fatalf("got %d UAs, want 3", len(uas))
	}
	y := uas[0]
	if y.UA != string(yeal) || y.Messages != 3 || y.Requests != 2 || y.Responses != 1 || y.Malformed != 2 {
		t.Fatalf("yealink stats wrong: %+v", y)
	}
	if !y.First.Equal(t0.Add(time.Second)) || !y.Last.Equal(t0.Add(9*time.Second)) {
		t.Errorf("first/last = %v/%v", y.First, y.Last)
	}
	if got := y.Rules(false); fmt.Sprint(got) != "[{32 1} {512 2}]" {
		t.Errorf("rules = %v", got)
	}
	if got := y.Rules(true); fmt.Sprint(got) != "[{32 1} {512 1}]" {
		t.Errorf("first rules = %v", got)
	}
	if got := y.Sources(); len(got) != 2 || got[0].Key != srcA || got[0].Messages != 2 {
		t.Errorf("sources = %v", got)
	}
	if got := y.Codes(); len(got) != 1 || got[0].Key != 401 {
		t.Errorf("codes = %v", got)
	}
	if got := y.Methods(); len(got) != 1 || got[0].Messages != 3 {
		t.Errorf("methods = %v", got)
	}
	var absent *UAStats
	for _, s := range uas {
		if s.UA == "" {
			absent = s
		}
	}
	if absent == nil || absent.Present {
		t.Fatalf("message without User-Agent must be its own bucket with Present=false: %+v", absent)
	}
}

func TestInventoryBoundsFoldIntoOther(t *testing.T) {
	inv := NewInventory(InventoryLimits{MaxUAs: 2, MaxSourcesPer: 1, MaxMethodsPer: 1, MaxUALen: 8})
	for i := 0; i < 10; i++ {
		inv.Add(obs([]byte(fmt.Sprintf("scanner-%d", i)), i, srcA, "OPTIONS", 0, 0, 0))
	}
	// "scanner-N" is 9 bytes, truncated to 8: all ten share the key "scanner-".
	if inv.Len() != 1 {
		t.Fatalf("Len = %d, want 1", inv.Len())
	}
	if inv.Folded.TruncatedUAs != 10 {
		t.Errorf("truncated = %d", inv.Folded.TruncatedUAs)
	}
	inv2 := NewInventory(InventoryLimits{MaxUAs: 2, MaxSourcesPer: 1, MaxMethodsPer: 1})
	for i := 0; i < 10; i++ {
		inv2.Add(obs([]byte(fmt.Sprintf("ua%d", i)), i, srcA, "OPTIONS", 0, 0, 0))
	}
	inv2.Add(obs([]byte("ua0"), 20, srcB, "INFO", 0, 0, 0))
	inv2.Add(obs([]byte("ua0"), 21, srcA, "OPTIONS", 0, 0, 0))
	// Space-Saving: ua0..ua7 were evicted by newcomers, then ua0 came back
	// and evicted the lightest (ua8): 9 messages of 9 distinct UAs folded.
	inv2.FoldedUAs()
	if inv2.Len() != 3 || inv2.Folded.UAMessages != 9 || inv2.Folded.UAs != 9 || !inv2.Folded.UAsExact {
		t.Fatalf("Len=%d folded=%+v, want 3 and 9 messages of 9 UAs", inv2.Len(), inv2.Folded)
	}
	if inv2.Folded.SourceMessages != 1 || inv2.Folded.MethodMessages != 1 {
		t.Errorf("folded = %+v", inv2.Folded)
	}
	var total uint64
	for _, s := range inv2.UAs() {
		total += s.Messages
	}
	if total != 12 {
		t.Errorf("messages lost: total %d, want 12", total)
	}
}

func TestInventoryAddKnownUADoesNotAllocate(t *testing.T) {
	inv := NewInventory(InventoryLimits{})
	o := obs(yeal, 1, srcA, "REGISTER", 0, 512, 512)
	inv.Add(o)
	if n := testing.AllocsPerRun(1000, func() { inv.Add(o) }); n != 0 {
		t.Fatalf("Add allocates %.1f times per known message, want 0", n)
	}
}

func BenchmarkInventoryAdd(b *testing.B) {
	inv := NewInventory(InventoryLimits{})
	o := obs(yeal, 1, srcA, "REGISTER", 0, 512, 512)
	b.ReportAllocs()
	for b.Loop() {
		inv.Add(o)
	}
}

// BenchmarkInventoryUAs sorts the bench capture's shape: a scanner that
// invents a User-Agent per request (6 000 UAs, most with one message) and
// a few hundred devices with many.
func BenchmarkInventoryUAs(b *testing.B) {
	inv := NewInventory(InventoryLimits{})
	for i := range 6000 {
		ua := fmt.Sprintf("sipcli/v1.%d.%d", i%97, i)
		n := 1
		if i%20 == 0 {
			ua, n = fmt.Sprintf("Yealink SIP-T46S 66.86.0.%d", i), 40+i%50
		}
		for range n {
			inv.Add(obs([]byte(ua), 1, srcA, "REGISTER", 0, 512, 512))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := inv.UAs(); len(got) != 6000 {
			b.Fatalf("%d UAs", len(got))
		}
	}
}
