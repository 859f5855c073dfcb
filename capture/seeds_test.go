package capture

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the generated seed corpora under testdata/fuzz")

// fileSeeds are small capture files of every format, whole and cut.
func fileSeeds(t testing.TB) [][]byte {
	udp := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipOK)
	tcp1 := tcp4Frame(t, seg{seq: 1, payload: msgReg[:20]})
	tcp2 := tcp4Frame(t, seg{seq: 21, payload: msgReg[20:] + msgMsg})
	v6 := udp6Packet(t, "2001:db8::1", "2001:db8::2", 5060, 5060, msgLF)
	recs := []rec{{ts: t0, data: udp}, {ts: t0, data: tcp1}, {ts: t0, data: tcp2}}
	le := pcapFile(binary.LittleEndian, false, layers.LinkTypeEthernet, recs...)
	be := pcapFile(binary.BigEndian, true, layers.LinkTypeEthernet, recs...)
	raw := pcapFile(binary.LittleEndian, true, layers.LinkTypeRaw, rec{ts: t0, data: v6, orig: len(v6) + 20})
	var ng []byte
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		ng = append(ng, ngSHB(order)...)
		ng = append(ng, ngIDB(order, layers.LinkTypeEthernet, 9)...)
		ng = append(ng, ngIDB(order, layers.LinkTypeRaw, 0x80|10)...)
		ng = append(ng, ngEPB(order, 0, 1e18, udp, 0)...)
		ng = append(ng, ngEPB(order, 1, 1<<40, v6, 0)...)
		ng = append(ng, ngSPB(order, tcp1)...)
		ng = append(ng, ngBlock(order, 5, []byte{1, 2, 3})...)
	}
	return [][]byte{le, be, raw, ng, gzipBytes(le), gzipBytes(ng), le[:len(le)-7], ng[:len(ng)/2], []byte("GMBU"), nil}
}

// decoderSeeds are frame sequences in FuzzDecoder's format.
func decoderSeeds(t testing.TB) [][]byte {
	seq := func(link int, frames ...[]byte) []byte {
		b := []byte{byte(link)}
		for _, f := range frames {
			b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
			b = append(b, f...)
		}
		return b
	}
	tcp := [][]byte{
		tcp4Frame(t, seg{syn: true, seq: 1}),
		tcp4Frame(t, seg{seq: 22, payload: msgReg[20:] + "\r\n\r\n" + msgMsg[:9]}),
		tcp4Frame(t, seg{seq: 2, payload: msgReg[:20]}),
		tcp4Frame(t, seg{rev: true, seq: 9, payload: "junk\r\n" + msgLF}),
		tcp4Frame(t, seg{seq: 200, payload: msgMsg[30:]}),
		tcp4Frame(t, seg{seq: 300, fin: true}),
	}
	return [][]byte{
		seq(0, udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipInvite)),
		seq(0, tcp...),
		seq(0, frag4(t, 1, bigInvite, 1480)...),
		seq(0, frag6(t, 1, bigInvite, 1456)...),
		seq(1, udp6Packet(t, "2001:db8::1", "2001:db8::2", 5060, 5060, sipOK)),
		seq(5, append([]byte{2, 0, 0, 0}, udp4Packet(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipOK)...)),
	}
}

type framerSeed struct{ data, cuts []byte }

func framerSeeds() []framerSeed {
	return []framerSeed{
		{[]byte(msgReg + msgMsg + msgLF), []byte{3, 50, 7}},
		{[]byte("\r\n\r\n" + msgNoCL + "\r\n" + msgReg), []byte{0, 0, 1}},
		{[]byte("garbage\x00\x01\r\nhello" + msgReg), []byte{10}},
		{[]byte("INVITE sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\nbody"), nil},
		{[]byte("SIP/2.0 200 OK\nl: 3\n\nabcREGISTER sip:x SIP/2.0\n\n"), []byte{1, 1, 1, 1}},
	}
}

// TestWriteFuzzSeeds keeps testdata/fuzz in step with the seed functions
// (run with -update-seeds); without the flag each file must equal, byte
// for byte, what its generator writes now.
func TestWriteFuzzSeeds(t *testing.T) {
	sets := map[string][][]any{}
	for _, s := range fileSeeds(t) {
		sets["FuzzFileReader"] = append(sets["FuzzFileReader"], []any{s})
	}
	for _, s := range decoderSeeds(t) {
		sets["FuzzDecoder"] = append(sets["FuzzDecoder"], []any{s})
	}
	for _, s := range framerSeeds() {
		sets["FuzzFramer"] = append(sets["FuzzFramer"], []any{s.data, s.cuts})
	}
	for name, seeds := range sets {
		for i, args := range seeds {
			path := filepath.Join("testdata", "fuzz", name, fmt.Sprintf("seed-%02d", i))
			content := "go test fuzz v1\n"
			for _, a := range args {
				content += "[]byte(" + strconv.Quote(string(a.([]byte))) + ")\n"
			}
			if !*updateSeeds {
				got, err := os.ReadFile(path)
				if err != nil {
					t.Errorf("seed %s: %v: run go test -run TestWriteFuzzSeeds -update-seeds", path, err)
				} else if string(got) != content {
					t.Errorf("seed %s differs from its generator (%d bytes on disk, %d generated): run go test -run TestWriteFuzzSeeds -update-seeds", path, len(got), len(content))
				}
				continue
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		checkNoStaleSeeds(t, filepath.Join("testdata", "fuzz", name), len(seeds))
	}
}

// checkNoStaleSeeds fails on seed-NN files beyond what the generator
// writes: a seed whose generator entry was removed is no longer checked.
func checkNoStaleSeeds(t *testing.T, dir string, n int) {
	t.Helper()
	for i := n; ; i++ {
		path := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
		if _, err := os.Stat(path); err != nil {
			return
		}
		if *updateSeeds {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("seed %s has no generator entry: run go test -run TestWriteFuzzSeeds -update-seeds", path)
	}
}
