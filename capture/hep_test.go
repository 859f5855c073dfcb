package capture

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// hepChunk is one HEPv3 chunk for the test encoder.
type hepChunk struct {
	vendor, typ uint16
	val         []byte
}

func u16b(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32b(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// encodeHEP3 builds a HEPv3 message from chunks (the test side of the
// specification: total length and chunk lengths include their headers).
func encodeHEP3(chunks ...hepChunk) []byte {
	b := []byte("HEP3\x00\x00")
	for _, c := range chunks {
		b = binary.BigEndian.AppendUint16(b, c.vendor)
		b = binary.BigEndian.AppendUint16(b, c.typ)
		b = binary.BigEndian.AppendUint16(b, uint16(6+len(c.val)))
		b = append(b, c.val...)
	}
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	return b
}

// sipChunks4 are the chunks Kamailio's siptrace sends for an IPv4 UDP SIP
// message, in its order.
func sipChunks4(src, dst netip.AddrPort, sec, usec uint32, payload string) []hepChunk {
	s, d := src.Addr().As4(), dst.Addr().As4()
	return []hepChunk{
		{0, 1, []byte{2}}, {0, 2, []byte{17}},
		{0, 3, s[:]}, {0, 4, d[:]},
		{0, 7, u16b(src.Port())}, {0, 8, u16b(dst.Port())},
		{0, 9, u32b(sec)}, {0, 10, u32b(usec)},
		{0, 11, []byte{1}}, {0, 12, u32b(2001)},
		{0, 14, []byte("secret")},
		{0, 15, []byte(payload)},
	}
}

const hepSIP = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n"

// hep3Fixture is a complete HEPv3 message as siptrace sends it:
//
//	"HEP3" total=len
//	0/1  family 2 (IPv4)         0/2 proto 17 (UDP)
//	0/3  src 10.0.0.1            0/4 dst 10.0.0.2
//	0/7  sport 5060              0/8 dport 5080
//	0/9  sec 1700000000          0/10 usec 123456
//	0/11 proto type 1 (SIP)      0/12 capture id 2001
//	0/14 auth "secret"           0/15 payload "OPTIONS sip:a@b ..."
var hep3Fixture = []byte("HEP3\x00\x9d" +
	"\x00\x00\x00\x01\x00\x07\x02" + "\x00\x00\x00\x02\x00\x07\x11" +
	"\x00\x00\x00\x03\x00\x0a\x0a\x00\x00\x01" + "\x00\x00\x00\x04\x00\x0a\x0a\x00\x00\x02" +
	"\x00\x00\x00\x07\x00\x08\x13\xc4" + "\x00\x00\x00\x08\x00\x08\x13\xd8" +
	"\x00\x00\x00\x09\x00\x0a\x65\x53\xf1\x00" + "\x00\x00\x00\x0a\x00\x0a\x00\x01\xe2\x40" +
	"\x00\x00\x00\x0b\x00\x07\x01" + "\x00\x00\x00\x0c\x00\x0a\x00\x00\x07\xd1" +
	"\x00\x00\x00\x0e\x00\x0c" + "secret" +
	"\x00\x00\x00\x0f\x00\x34" + hepSIP)

// hep2Fixture is a HEPv2 IPv4 message as Kamailio's siptrace sends it
// with hep_version=2 (x86, so time and capture id little-endian):
//
//	v=2 hlen=28 family=2 proto=17 sport=5060 dport=5080
//	src 10.0.0.1 dst 10.0.0.2
//	tv_sec 1700000000 tv_usec 123456 captid 2001 pad 2
//	payload "OPTIONS sip:a@b ..."
var hep2Fixture = []byte("\x02\x1c\x02\x11\x13\xc4\x13\xd8" +
	"\x0a\x00\x00\x01\x0a\x00\x00\x02" +
	"\x00\xf1\x53\x65" + "\x40\xe2\x01\x00" + "\xd1\x07\x00\x00" + hepSIP)

func TestDecodeHEPFixtures(t *testing.T) {
	want := Datagram{
		Time:      time.Unix(1700000000, 123456000).UTC(),
		Src:       netip.MustParseAddrPort("10.0.0.1:5060"),
		Dst:       netip.MustParseAddrPort("10.0.0.2:5080"),
		Transport: TransportUDP,
	}
	for _, tc := range []struct {
		name    string
		buf     []byte
		version uint8
	}{{"v3", hep3Fixture, 3}, {"v2", hep2Fixture, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			var m HEPMessage
			n, err := DecodeHEP(tc.buf, &m)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(tc.buf) {
				t.Errorf("used %d of %d bytes", n, len(tc.buf))
			}
			dg := m.Datagram
			if !dg.Time.Equal(want.Time) || dg.Src != want.Src || dg.Dst != want.Dst || dg.Transport != want.Transport {
				t.Errorf("got %v %v->%v %v, want %v %v->%v %v", dg.Time, dg.Src, dg.Dst, dg.Transport, want.Time, want.Src, want.Dst, want.Transport)
			}
			if string(dg.Payload) != hepSIP {
				t.Errorf("payload %q", dg.Payload)
			}
			if m.Version != tc.version || m.CaptureID != 2001 || m.ProtoType != HEPProtoSIP || m.IPProto != 17 {
				t.Errorf("version %d capture id %d proto type %d ip proto %d", m.Version, m.CaptureID, m.ProtoType, m.IPProto)
			}
		})
	}
}

// TestHEP3FixtureMatchesEncoder keeps the readable comment of hep3Fixture
// honest: the encoder gives the same bytes from the chunk list.
func TestHEP3FixtureMatchesEncoder(t *testing.T) {
	got := encodeHEP3(sipChunks4(netip.MustParseAddrPort("10.0.0.1:5060"), netip.MustParseAddrPort("10.0.0.2:5080"), 1700000000, 123456, hepSIP)...)
	if string(got) != string(hep3Fixture) {
		t.Fatalf("encoder\n%q\nfixture\n%q", got, hep3Fixture)
	}
}

// TestDecodeHEP3Chunks covers the specification's chunk list one chunk
// at a time: each optional chunk is decoded into its field, each broken
// one gives its sentinel.
func TestDecodeHEP3Chunks(t *testing.T) {
	src4, dst4 := netip.MustParseAddrPort("192.0.2.1:5060"), netip.MustParseAddrPort("192.0.2.2:5060")
	base := func() []hepChunk { return sipChunks4(src4, dst4, 1700000000, 5, hepSIP) }
	with := func(extra ...hepChunk) []byte { return encodeHEP3(append(base(), extra...)...) }
	without := func(typ uint16) []byte {
		var cs []hepChunk
		for _, c := range base() {
			if c.typ != typ {
				cs = append(cs, c)
			}
		}
		return encodeHEP3(cs...)
	}
	replace := func(typ uint16, val []byte) []byte {
		cs := base()
		for i := range cs {
			if cs[i].typ == typ {
				cs[i].val = val
			}
		}
		return encodeHEP3(cs...)
	}
	s6, d6 := netip.MustParseAddr("2001:db8::1").As16(), netip.MustParseAddr("2001:db8::2").As16()
	v6 := encodeHEP3(hepChunk{0, 1, []byte{10}}, hepChunk{0, 2, []byte{6}},
		hepChunk{0, 5, s6[:]}, hepChunk{0, 6, d6[:]}, hepChunk{0, 7, u16b(5061)}, hepChunk{0, 8, u16b(5062)},
		hepChunk{0, 9, u32b(1)}, hepChunk{0, 11, []byte{1}}, hepChunk{0, 15, []byte(hepSIP)})
	long := with()
	binary.BigEndian.PutUint16(long[4:], uint16(len(long)+1))
	tiny := with()
	binary.BigEndian.PutUint16(tiny[4:], 5)
	badChunk := with(hepChunk{0, 19, []byte("n")})
	binary.BigEndian.PutUint16(badChunk[len(badChunk)-3:], 3) // chunk length under its header

	for _, tc := range []struct {
		name  string
		buf   []byte
		err   error
		check func(*testing.T, *HEPMessage)
	}{
		{"ipv6 tcp", v6, nil, func(t *testing.T, m *HEPMessage) {
			if m.Datagram.Src.String() != "[2001:db8::1]:5061" || m.Datagram.Dst.String() != "[2001:db8::2]:5062" || m.Datagram.Transport != TransportTCP {
				t.Errorf("%v %v %v", m.Datagram.Src, m.Datagram.Dst, m.Datagram.Transport)
			}
		}},
		{"node name 19", with(hepChunk{0, 19, []byte("kam01")}), nil, func(t *testing.T, m *HEPMessage) {
			if string(m.NodeName) != "kam01" {
				t.Errorf("node name %q", m.NodeName)
			}
		}},
		{"correlation 17", with(hepChunk{0, 17, []byte("call-1")}), nil, func(t *testing.T, m *HEPMessage) {
			if string(m.CorrelationID) != "call-1" {
				t.Errorf("correlation %q", m.CorrelationID)
			}
		}},
		{"auth key 14", with(), nil, func(t *testing.T, m *HEPMessage) {
			if string(m.AuthKey) != "secret" {
				t.Errorf("auth key %q", m.AuthKey)
			}
		}},
		{"vlan 18", with(hepChunk{0, 18, u16b(42)}), nil, func(t *testing.T, m *HEPMessage) {
			if m.VLAN != 42 {
				t.Errorf("vlan %d", m.VLAN)
			}
		}},
		{"capture id 12 as uint16", replace(12, u16b(7)), nil, func(t *testing.T, m *HEPMessage) {
			if m.CaptureID != 7 {
				t.Errorf("capture id %d", m.CaptureID)
			}
		}},
		{"compressed 16", encodeHEP3(append(base()[:11], hepChunk{0, 16, []byte("\x1f\x8b")})...), nil, func(t *testing.T, m *HEPMessage) {
			if !m.Compressed {
				t.Error("not marked compressed")
			}
		}},
		{"proto type 5 RTCP", replace(11, []byte{5}), nil, func(t *testing.T, m *HEPMessage) {
			if m.ProtoType != 5 {
				t.Errorf("proto type %d", m.ProtoType)
			}
		}},
		{"unknown vendor and type", with(hepChunk{0x1234, 1, []byte{9}}, hepChunk{0, 200, []byte("x")}, hepChunk{0, 13, u16b(5)}, hepChunk{0, 20, make([]byte, 6)}), nil, func(t *testing.T, m *HEPMessage) {
			if m.UnknownChunks != 2 {
				t.Errorf("unknown chunks %d, want 2 (vendor 0x1234, type 200)", m.UnknownChunks)
			}
		}},
		{"no usec", without(10), nil, func(t *testing.T, m *HEPMessage) {
			if m.Datagram.Time.Nanosecond() != 0 {
				t.Errorf("time %v", m.Datagram.Time)
			}
		}},
		{"empty", nil, ErrHEPShort, nil},
		{"bad magic", []byte("SIP/2.0 200 OK\r\n"), ErrHEPMagic, nil},
		{"header only", []byte("HEP3\x00"), ErrHEPShort, nil},
		{"total under header", tiny, ErrHEPTotalLength, nil},
		{"total past buffer", long, ErrHEPShort, nil},
		{"chunk header cut", with()[:len(with())-len(hepSIP)-6+3], ErrHEPShort, nil},
		{"chunk under header", badChunk, ErrHEPChunkLength, nil},
		{"family 7", replace(1, []byte{7}), ErrHEPFamily, nil},
		{"family missing", without(1), ErrHEPFamily, nil},
		{"family 2-byte", replace(1, []byte{0, 2}), ErrHEPChunkSize, nil},
		{"ipv4 src 3 bytes", replace(3, []byte{1, 2, 3}), ErrHEPChunkSize, nil},
		{"port 3 bytes", replace(7, []byte{1, 2, 3}), ErrHEPChunkSize, nil},
		{"sec 2 bytes", replace(9, u16b(1)), ErrHEPChunkSize, nil},
		{"capture id 3 bytes", replace(12, []byte{1, 2, 3}), ErrHEPChunkSize, nil},
		{"vlan 1 byte", with(hepChunk{0, 18, []byte{1}}), ErrHEPChunkSize, nil},
		{"src missing", without(3), ErrHEPMissing, nil},
		{"dst port missing", without(8), ErrHEPMissing, nil},
		{"time missing", without(9), ErrHEPMissing, nil},
		{"payload missing", without(15), ErrHEPNoPayload, nil},
		{"payload empty", replace(15, nil), ErrHEPNoPayload, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m HEPMessage
			_, err := DecodeHEP(tc.buf, &m)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if tc.check != nil {
				tc.check(t, &m)
			}
		})
	}
}

func TestDecodeHEP2Errors(t *testing.T) {
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), hep2Fixture...)) }
	for _, tc := range []struct {
		name string
		buf  []byte
		err  error
	}{
		{"version 1", mod(func(b []byte) []byte { b[0], b[1] = 1, 16; return append(b[:16], hepSIP...) }), nil},
		{"version 3 byte", mod(func(b []byte) []byte { b[0] = 3; return b }), ErrHEPMagic},
		{"one byte", []byte{2}, ErrHEPShort},
		{"family 7", mod(func(b []byte) []byte { b[2] = 7; return b }), ErrHEPFamily},
		{"hlen under fixed", mod(func(b []byte) []byte { b[1] = 20; return b }), ErrHEPTotalLength},
		{"hlen past buffer", mod(func(b []byte) []byte { b[1] = 200; return b }), ErrHEPShort},
		{"cut in addresses", hep2Fixture[:12], ErrHEPShort},
		{"no payload", hep2Fixture[:28], ErrHEPNoPayload},
		{"ipv6 short", mod(func(b []byte) []byte { b[2], b[1] = 10, 52; return b[:40] }), ErrHEPShort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m HEPMessage
			_, err := DecodeHEP(tc.buf, &m)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
		})
	}
}

func TestDecodeHEPAllocs(t *testing.T) {
	r := NewHEPReader(HEPOptions{Password: "secret", DupWindow: -1})
	var got int
	emit := func(*Datagram) { got++ }
	for _, buf := range [][]byte{hep3Fixture, hep2Fixture} {
		var m HEPMessage
		if n := testing.AllocsPerRun(1000, func() {
			if _, err := DecodeHEP(buf, &m); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("DecodeHEP: %v allocations per message", n)
		}
	}
	r2 := NewHEPReader(HEPOptions{})
	for _, rd := range []*HEPReader{r, r2} {
		if n := testing.AllocsPerRun(1000, func() {
			if _, err := rd.Decode(hep3Fixture, time.Time{}, 1, emit); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("HEPReader.Decode: %v allocations per message", n)
		}
	}
	if got == 0 {
		t.Fatal("nothing emitted")
	}
}

func BenchmarkDecodeHEP3(b *testing.B) {
	r := NewHEPReader(HEPOptions{Password: "secret"})
	emit := func(*Datagram) {}
	b.ReportAllocs()
	b.SetBytes(int64(len(hep3Fixture)))
	for i := 0; i < b.N; i++ {
		if _, err := r.Decode(hep3Fixture, time.Time{}, 1, emit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeHEP3NoDedup(b *testing.B) {
	r := NewHEPReader(HEPOptions{DupWindow: -1})
	emit := func(*Datagram) {}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := r.Decode(hep3Fixture, time.Time{}, 1, emit); err != nil {
			b.Fatal(err)
		}
	}
}
