package capture

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// bigInvite is longer than an Ethernet MTU, as INVITEs with large SDP are.
var bigInvite = strings.Replace(sipInvite, "Content-Length: 4\r\n\r\nv=0\n",
	"Content-Length: 2400\r\n\r\n"+strings.Repeat("a=x-padding:0123456789abcdef0123456789abcdef0123\r\n", 48), 1)

// udpBytes is a UDP header and payload, checksummed for ip.
func udpBytes(t testing.TB, ip gopacket.NetworkLayer, payload string) []byte {
	return serialize(t, udpL(5060, 5060, ip), gopacket.Payload(payload))
}

// frag4 splits a UDP datagram into IPv4 fragments of at most size bytes
// of payload (a multiple of 8), as Ethernet frames.
func frag4(t testing.TB, id uint16, payload string, size int) [][]byte {
	base := ip4("192.0.2.1", "192.0.2.2", layers.IPProtocolUDP)
	data := udpBytes(t, base, payload)
	var out [][]byte
	for off := 0; off < len(data); off += size {
		end := min(off+size, len(data))
		ip := ip4("192.0.2.1", "192.0.2.2", layers.IPProtocolUDP)
		ip.Id, ip.FragOffset = id, uint16(off/8)
		if end < len(data) {
			ip.Flags = layers.IPv4MoreFragments
		}
		out = append(out, serialize(t, eth(layers.EthernetTypeIPv4), ip, gopacket.Payload(data[off:end])))
	}
	return out
}

// frag6 does the same with an IPv6 fragment header.
func frag6(t testing.TB, id uint32, payload string, size int) [][]byte {
	base := ip6("2001:db8::1", "2001:db8::2", layers.IPProtocolUDP)
	data := udpBytes(t, base, payload)
	var out [][]byte
	for off := 0; off < len(data); off += size {
		end := min(off+size, len(data))
		fh := make([]byte, 8, 8+end-off)
		fh[0] = byte(layers.IPProtocolUDP)
		v := uint16(off/8) << 3
		if end < len(data) {
			v |= 1
		}
		binary.BigEndian.PutUint16(fh[2:], v)
		binary.BigEndian.PutUint32(fh[4:], id)
		ip := ip6("2001:db8::1", "2001:db8::2", layers.IPProtocolIPv6Fragment)
		out = append(out, serialize(t, eth(layers.EthernetTypeIPv6), ip, gopacket.Payload(append(fh, data[off:end]...))))
	}
	return out
}

func TestDefrag(t *testing.T) {
	for _, v := range []struct {
		name  string
		frags func(t *testing.T) [][]byte
	}{
		{"IPv4", func(t *testing.T) [][]byte { return frag4(t, 0x1234, bigInvite, 1480) }},
		{"IPv6", func(t *testing.T) [][]byte { return frag6(t, 0x1234, bigInvite, 1456) }},
	} {
		for _, tc := range []struct {
			name    string
			order   []int // indexes into the fragments; -1: all in order
			emitted int
			expired uint64
		}{
			{"in order", []int{0, 1}, 1, 0},
			{"out of order", []int{1, 0}, 1, 0},
			{"duplicate", []int{0, 0, 1}, 1, 0},
			{"missing last", []int{0}, 0, 1},
		} {
			t.Run(v.name+"/"+tc.name, func(t *testing.T) {
				frags := v.frags(t)
				if len(frags) != 2 {
					t.Fatalf("%d fragments, want 2", len(frags))
				}
				d := NewDecoder(Options{})
				var s sink
				for i, k := range tc.order {
					decodeAt(d, frags[k], uint64(i+1), time.Duration(i)*time.Millisecond, s.emit)
				}
				d.Flush(s.emit)
				if len(s.got) != tc.emitted {
					t.Fatalf("emitted %d, want %d", len(s.got), tc.emitted)
				}
				if tc.emitted == 1 {
					if s.got[0].text != bigInvite {
						t.Errorf("reassembled payload differs (%d bytes, want %d)", len(s.got[0].text), len(bigInvite))
					}
					if last := uint64(len(tc.order)); s.got[0].Packet != last {
						t.Errorf("packet %d, want %d (the fragment that completed it)", s.got[0].Packet, last)
					}
				}
				st := d.Stats()
				if st.FragmentsExpired != tc.expired || st.FragmentsReassembled != uint64(tc.emitted) {
					t.Errorf("expired %d reassembled %d, want %d %d", st.FragmentsExpired, st.FragmentsReassembled, tc.expired, tc.emitted)
				}
			})
		}
	}
}

// TestDefragExpiryByCaptureTime: a datagram missing a fragment expires
// after 1 to 2 fragment timeouts of capture time, without Flush, and its
// late fragment then cannot complete it.
func TestDefragExpiryByCaptureTime(t *testing.T) {
	for _, v := range []struct {
		name  string
		frags [][]byte
	}{
		{"IPv4", frag4(t, 7, bigInvite, 1480)},
		{"IPv6", frag6(t, 7, bigInvite, 1456)},
	} {
		t.Run(v.name, func(t *testing.T) {
			d := NewDecoder(Options{FragmentTimeout: 10 * time.Second})
			var s sink
			other := udp4Frame(t, "198.51.100.1", "198.51.100.2", 53, 53, "dns")
			decodeAt(d, v.frags[0], 1, 0, s.emit)
			for i := 1; i <= 25; i++ {
				decodeAt(d, other, uint64(i+1), time.Duration(i)*time.Second, s.emit)
			}
			if st := d.Stats(); st.FragmentsExpired != 1 {
				t.Fatalf("expired %d after 25s, want 1", st.FragmentsExpired)
			}
			decodeAt(d, v.frags[1], 30, 26*time.Second, s.emit)
			d.Flush(s.emit)
			if len(s.got) != 0 {
				t.Errorf("expired datagram completed")
			}
			if st := d.Stats(); st.FragmentsExpired != 2 { // the late last fragment expires alone at Flush
				t.Errorf("expired %d, want 2", st.FragmentsExpired)
			}
		})
	}
}

func TestDefragLimit(t *testing.T) {
	d := NewDecoder(Options{MaxFragmentDatagrams: 2})
	var s sink
	for id := uint16(1); id <= 3; id++ {
		decodeAt(d, frag4(t, id, bigInvite, 1480)[0], uint64(id), 0, s.emit)
	}
	if st := d.Stats(); st.FragmentsDropped != 1 {
		t.Errorf("dropped %d, want 1", st.FragmentsDropped)
	}
	d.Flush(s.emit)
	if st := d.Stats(); st.FragmentsExpired != 2 {
		t.Errorf("expired %d, want 2", st.FragmentsExpired)
	}
}

// TestDefragOverlap: contradicting fragments are rejected and counted.
func TestDefragOverlap(t *testing.T) {
	a := frag4(t, 9, bigInvite, 1480)
	b := frag4(t, 9, bigInvite, 1000) // same Id, other cut: overlaps a[1]
	d := NewDecoder(Options{})
	var s sink
	decodeAt(d, a[1], 1, 0, s.emit)
	decodeAt(d, b[1], 2, 0, s.emit)
	if st := d.Stats(); st.FragmentsInvalid != 1 {
		t.Errorf("invalid %d, want 1", st.FragmentsInvalid)
	}
}
