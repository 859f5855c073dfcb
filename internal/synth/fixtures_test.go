package synth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// generateAll builds every fixture once per test binary run.
func generateAll(t *testing.T) ([]Fixture, [][]byte, []*FileEntry) {
	t.Helper()
	fs := Fixtures()
	bs := make([][]byte, len(fs))
	es := make([]*FileEntry, len(fs))
	for i, f := range fs {
		b, e, err := f.Generate()
		if err != nil {
			t.Fatal(err)
		}
		bs[i], es[i] = b, e
	}
	return fs, bs, es
}

func TestFixturesDeterministic(t *testing.T) {
	fs, first, _ := generateAll(t)
	_, second, _ := generateAll(t)
	seen := map[string]bool{}
	for i, f := range fs {
		if seen[f.Name] {
			t.Errorf("duplicate fixture name %s", f.Name)
		}
		seen[f.Name] = true
		if !bytes.Equal(first[i], second[i]) {
			t.Errorf("%s: two generations differ", f.Name)
		}
	}
}

// packetReader is what pcapgo's two readers have in common.
type packetReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// openWithPcapgo opens a fixture the way a gopacket user would, after
// undoing gzip by its magic.
func openWithPcapgo(b []byte) (packetReader, error) {
	var r io.Reader = bytes.NewReader(b)
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	br := bufio.NewReader(r)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		return pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	}
	return pcapgo.NewReader(br)
}

// TestFixturesReadBackWithPcapgo checks frame counts, truncation and
// timestamps against an independent reader, and that broken files fail
// where the manifest says.
func TestFixturesReadBackWithPcapgo(t *testing.T) {
	fs, bs, es := generateAll(t)
	for i, f := range fs {
		e := es[i]
		t.Run(f.Name, func(t *testing.T) {
			r, err := openWithPcapgo(bs[i])
			if e.Error != nil && e.Error.Record == 0 {
				if err == nil {
					t.Fatalf("opened a file the manifest says is broken in its header (%s)", e.Error.Kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var n, truncated int
			var first, last time.Time
			for {
				data, ci, err := r.ReadPacketData()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					if e.Error == nil {
						t.Fatalf("packet %d: %v", n+1, err)
					}
					break
				}
				n++
				if len(data) != ci.CaptureLength {
					t.Errorf("packet %d: %d bytes, caplen %d", n, len(data), ci.CaptureLength)
				}
				if ci.CaptureLength < ci.Length {
					truncated++
				}
				if !ci.Timestamp.IsZero() {
					if first.IsZero() {
						first = ci.Timestamp
					}
					last = ci.Timestamp
				}
			}
			if n != e.Packets || truncated != e.Truncated {
				t.Errorf("pcapgo read %d packets (%d truncated), manifest %d (%d)", n, truncated, e.Packets, e.Truncated)
			}
			if e.Error != nil {
				return
			}
			if got := first.UTC().Format(time.RFC3339Nano); got != e.FirstTime {
				t.Errorf("first time %s, manifest %s", got, e.FirstTime)
			}
			if got := last.UTC().Format(time.RFC3339Nano); got != e.LastTime {
				t.Errorf("last time %s, manifest %s", got, e.LastTime)
			}
		})
	}
}

// TestManifestConsistent checks the invariants between manifest counts.
func TestManifestConsistent(t *testing.T) {
	_, _, es := generateAll(t)
	for _, e := range es {
		sumUA := e.NoUserAgent
		for _, n := range e.UserAgents {
			sumUA += n
		}
		sumKinds := 0
		for _, n := range e.Methods {
			sumKinds += n
		}
		for _, n := range e.Statuses {
			sumKinds += n
		}
		switch {
		case e.SIPMessages != e.UDPMessages+e.TCPMessages:
			t.Errorf("%s: sip %d != udp %d + tcp %d", e.File, e.SIPMessages, e.UDPMessages, e.TCPMessages)
		case e.SIPMessages != e.Requests+e.Responses || sumKinds != e.SIPMessages:
			t.Errorf("%s: sip %d, requests %d, responses %d, by kind %d", e.File, e.SIPMessages, e.Requests, e.Responses, sumKinds)
		case sumUA != e.SIPMessages:
			t.Errorf("%s: UA counts sum to %d, want %d", e.File, sumUA, e.SIPMessages)
		case e.NonSIPPackets > e.Packets || e.Truncated > e.Packets || e.IPFragments > e.Packets:
			t.Errorf("%s: per-frame counts exceed %d packets", e.File, e.Packets)
		case len(e.Interfaces) == 0:
			t.Errorf("%s: no interfaces", e.File)
		}
	}
}
