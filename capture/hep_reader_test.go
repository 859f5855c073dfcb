package capture

import (
	"net/netip"
	"testing"
	"time"
)

// TestHEPReaderCounters feeds one message of each kind and checks that
// exactly the right counter moves and only SIP is handed on.
func TestHEPReaderCounters(t *testing.T) {
	src, dst := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060")
	msg := func(usec uint32, edit func([]hepChunk) []hepChunk) []byte {
		cs := sipChunks4(src, dst, 1700000000, usec, hepSIP)
		if edit != nil {
			cs = edit(cs)
		}
		return encodeHEP3(cs...)
	}
	set := func(typ uint16, val []byte) func([]hepChunk) []hepChunk {
		return func(cs []hepChunk) []hepChunk {
			for i := range cs {
				if cs[i].typ == typ {
					cs[i].val = val
				}
			}
			return cs
		}
	}
	for _, tc := range []struct {
		name    string
		opts    HEPOptions
		bufs    [][]byte
		emitted int
		want    HEPStats
	}{
		{"sip", HEPOptions{}, [][]byte{msg(1, nil)}, 1, HEPStats{Messages: 1, V3: 1, SIP: 1}},
		{"v2", HEPOptions{}, [][]byte{hep2Fixture}, 1, HEPStats{Messages: 1, V2: 1, SIP: 1}},
		{"password ok", HEPOptions{Password: "secret"}, [][]byte{msg(1, nil)}, 1, HEPStats{Messages: 1, V3: 1, SIP: 1}},
		{"password wrong", HEPOptions{Password: "other"}, [][]byte{msg(1, nil)}, 0, HEPStats{Messages: 1, V3: 1, AuthFailed: 1}},
		{"password on v2", HEPOptions{Password: "secret"}, [][]byte{hep2Fixture}, 0, HEPStats{Messages: 1, V2: 1, AuthFailed: 1}},
		{"rtcp", HEPOptions{}, [][]byte{msg(1, set(11, []byte{5}))}, 0, HEPStats{Messages: 1, V3: 1, NonSIP: 1}},
		{"payload not sip", HEPOptions{}, [][]byte{msg(1, set(15, []byte("\r\n\r\n")))}, 0, HEPStats{Messages: 1, V3: 1, NotSIPText: 1}},
		{"sctp", HEPOptions{}, [][]byte{msg(1, set(2, []byte{132}))}, 0, HEPStats{Messages: 1, V3: 1, Transport: 1}},
		{"unknown chunk", HEPOptions{}, [][]byte{msg(1, func(cs []hepChunk) []hepChunk { return append(cs, hepChunk{7, 7, nil}) })}, 1, HEPStats{Messages: 1, V3: 1, SIP: 1, Unknown: 1}},
		{"malformed", HEPOptions{}, [][]byte{msg(1, nil)[:20], []byte("xx"), msg(1, set(1, []byte{3}))}, 0, HEPStats{Messages: 3, Short: 1, BadMagic: 1, BadFamily: 1}},
		// The same message traced twice 40µs apart is one message; the
		// same bytes 600ms later (a retransmission) are two.
		{"duplicate", HEPOptions{}, [][]byte{msg(100, nil), msg(140, nil), msg(600100, nil)}, 2, HEPStats{Messages: 3, V3: 3, SIP: 2, Duplicates: 1}},
		{"duplicates off", HEPOptions{DupWindow: -1}, [][]byte{msg(100, nil), msg(100, nil)}, 2, HEPStats{Messages: 2, V3: 2, SIP: 2}},
		{"not duplicate other direction", HEPOptions{}, [][]byte{msg(100, nil), encodeHEP3(sipChunks4(dst, src, 1700000000, 100, hepSIP)...)}, 2, HEPStats{Messages: 2, V3: 2, SIP: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewHEPReader(tc.opts)
			n := 0
			for i, b := range tc.bufs {
				if _, err := r.Decode(b, time.Unix(5, 0), uint64(i+1), func(dg *Datagram) {
					n++
					if dg.Packet != uint64(i+1) || string(dg.Payload) != hepSIP {
						t.Errorf("datagram packet %d payload %q", dg.Packet, dg.Payload)
					}
				}); err != nil && tc.want.Malformed() == 0 {
					t.Errorf("message %d: %v", i, err)
				}
			}
			if n != tc.emitted {
				t.Errorf("emitted %d, want %d", n, tc.emitted)
			}
			if got := r.Stats(); got != tc.want {
				t.Errorf("stats\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// TestHEPReaderV1UsesRecordTime: HEPv1 has no timestamp, so the carrier's
// time is the best there is, and it is counted.
func TestHEPReaderV1UsesRecordTime(t *testing.T) {
	b := append([]byte{1, 16}, hep2Fixture[2:16]...)
	b = append(b, hepSIP...)
	r := NewHEPReader(HEPOptions{})
	recv := time.Unix(42, 0)
	var got time.Time
	if _, err := r.Decode(b, recv, 1, func(dg *Datagram) { got = dg.Time }); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(recv) || r.Stats().V1NoTime != 1 {
		t.Errorf("time %v, v1 count %d", got, r.Stats().V1NoTime)
	}
}

// TestHEPReaderFloodBounded: 100 000 distinct capture ids and senders
// cost no memory beyond the fixed duplicate ring (the reader has no map
// to grow), and each is handed on.
func TestHEPReaderFloodBounded(t *testing.T) {
	r := NewHEPReader(HEPOptions{})
	n := 0
	emit := func(*Datagram) { n++ }
	for i := 0; i < 100000; i++ {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 5060)
		cs := sipChunks4(src, netip.MustParseAddrPort("192.0.2.2:5060"), 1700000000, uint32(i), hepSIP)
		cs[9].val = u32b(uint32(i))
		if _, err := r.Decode(encodeHEP3(cs...), time.Time{}, uint64(i+1), emit); err != nil {
			t.Fatal(err)
		}
	}
	if n != 100000 || r.Stats().Duplicates != 0 {
		t.Errorf("emitted %d, duplicates %d", n, r.Stats().Duplicates)
	}
}
