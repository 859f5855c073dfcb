package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// hepSentinels are the only errors DecodeHEP may return.
var hepSentinels = []error{ErrHEPShort, ErrHEPMagic, ErrHEPTotalLength, ErrHEPChunkLength,
	ErrHEPChunkSize, ErrHEPFamily, ErrHEPMissing, ErrHEPNoPayload}

// hepSeeds are the seed corpus of FuzzHEP (written to
// testdata/fuzz/FuzzHEP by TestWriteHEPFuzzSeeds -update-seeds).
func hepSeeds() [][]byte {
	src, dst := netip.MustParseAddrPort("10.0.0.1:5060"), netip.MustParseAddrPort("10.0.0.2:5080")
	s6, d6 := netip.MustParseAddr("2001:db8::1").As16(), netip.MustParseAddr("2001:db8::2").As16()
	cut := append([]byte(nil), hep3Fixture...)
	cut[len(cut)-len(hepSIP)-1] = 0xff // payload chunk length past the message
	return [][]byte{
		hep3Fixture,
		hep2Fixture,
		encodeHEP3(append(sipChunks4(src, dst, 1, 2, hepSIP), hepChunk{0, 19, []byte("node")}, hepChunk{0, 17, []byte("corr")}, hepChunk{9, 9, []byte("v")})...),
		encodeHEP3(hepChunk{0, 1, []byte{10}}, hepChunk{0, 2, []byte{6}}, hepChunk{0, 5, s6[:]}, hepChunk{0, 6, d6[:]},
			hepChunk{0, 7, u16b(5060)}, hepChunk{0, 8, u16b(5060)}, hepChunk{0, 9, u32b(3)}, hepChunk{0, 11, []byte{1}}, hepChunk{0, 15, []byte(hepSIP)}),
		cut,
		hep3Fixture[:30],
		[]byte("HEP3\x00\x06"),
	}
}

// FuzzHEP feeds arbitrary bytes to DecodeHEP and a HEPReader: no panic,
// only sentinel errors, and a decoded message always has valid
// addresses, a non-empty payload inside the input and a length within it.
func FuzzHEP(f *testing.F) {
	for _, s := range hepSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m HEPMessage
		n, err := DecodeHEP(b, &m)
		if err != nil {
			known := false
			for _, s := range hepSentinels {
				known = known || errors.Is(err, s)
			}
			if !known {
				t.Fatalf("error %v is not a HEP sentinel", err)
			}
		} else {
			dg := m.Datagram
			if n <= 0 || n > len(b) {
				t.Fatalf("used %d of %d bytes", n, len(b))
			}
			if !dg.Src.Addr().IsValid() || !dg.Dst.Addr().IsValid() || len(dg.Payload) == 0 {
				t.Fatalf("decoded message without addresses or payload: %+v", dg)
			}
			if cap(dg.Payload) > len(b) {
				t.Fatalf("payload capacity %d over the input %d", cap(dg.Payload), len(b))
			}
		}
		r := NewHEPReader(HEPOptions{})
		for i := 0; i < 2; i++ { // twice: the second is a duplicate
			if _, rerr := r.Decode(b, time.Unix(1, 0), 1, func(dg *Datagram) { checkDatagram(t, dg) }); (rerr == nil) != (err == nil) {
				t.Fatalf("reader error %v, DecodeHEP error %v", rerr, err)
			}
		}
		st := r.Stats()
		if st.Messages != 2 || st.Malformed()+st.SIP+st.Duplicates+st.NonSIP+st.Compressed+st.Transport+st.NotSIPText+st.AuthFailed != 2 {
			t.Fatalf("counters do not add up: %+v", st)
		}
	})
}

// TestWriteHEPFuzzSeeds keeps testdata/fuzz/FuzzHEP equal to hepSeeds
// (rewrite with -update-seeds), like TestWriteFuzzSeeds.
func TestWriteHEPFuzzSeeds(t *testing.T) {
	seeds := hepSeeds()
	dir := filepath.Join("testdata", "fuzz", "FuzzHEP")
	for i, s := range seeds {
		path := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
		content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
		if !*updateSeeds {
			got, err := os.ReadFile(path)
			if err != nil || string(got) != content {
				t.Errorf("seed %s missing or stale (%v): run go test -run TestWriteHEPFuzzSeeds -update-seeds", path, err)
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	checkNoStaleSeeds(t, dir, len(seeds))
}
