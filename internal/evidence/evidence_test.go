package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

func TestBoundsAndReadBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ev.pcapng")
	w, err := Create(path, layers.LinkTypeEthernet, 65535, "eth0", Limits{PerKey: 2, Keys: 3, Total: 5})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 123456789, time.UTC)
	frame := bytes.Repeat([]byte{0xab}, 60)
	offer := func(ua string, rule uint32, i int) {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: 60, Length: 60, InterfaceIndex: 7}
		if err := w.Offer([]byte(ua), rule, ci, frame, Comment("proxy_require", rule, []byte(ua), uint64(i+1), "")); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 4; i++ {
		offer("Yealink\x1b[2J", 512, i) // 2 written, 2 over PerKey
	}
	offer("B", 128, 4) // key 2
	offer("C", 1, 5)   // key 3
	offer("D", 1, 6)   // over Keys
	offer("C", 1, 7)   // 5th packet: Total reached
	offer("C", 1, 8)   // over Total
	if w.Written != 5 || w.Skipped != 4 {
		t.Errorf("written %d skipped %d, want 5 and 4", w.Written, w.Skipped)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if n == 0 {
			if !ci.Timestamp.Equal(t0) {
				t.Errorf("timestamp %v, want %v (nanoseconds kept)", ci.Timestamp, t0)
			}
			if !bytes.Equal(data, frame) {
				t.Error("frame differs")
			}
		}
		n++
	}
	if n != 5 {
		t.Errorf("read back %d packets, want 5", n)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(`failed proxy_require (512); packet 1; User-Agent: "Yealink\x1b[2J"`)) {
		t.Error("comment with the rule and the escaped UA not found")
	}
	if bytes.Contains(raw, []byte("\x1b[2J")) {
		t.Error("raw escape sequence in a comment")
	}
	if strings.Count(string(raw), "sipcorr: failed") != 5 {
		t.Error("want one comment per packet")
	}
}

func TestWantDoesNotAllocate(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "ev.pcapng"), layers.LinkTypeEthernet, 65535, "eth0", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ua := []byte("Some UA/1.0")
	if n := testing.AllocsPerRun(100, func() { w.Want(ua, 512) }); n != 0 {
		t.Errorf("Want allocates %v times", n)
	}
}

func TestCreateError(t *testing.T) {
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "dir.pcapng"), layers.LinkTypeEthernet, 0, "x", Limits{}); err == nil || !strings.Contains(err.Error(), "evidence:") {
		t.Errorf("err = %v", err)
	}
}
