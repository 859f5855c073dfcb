package synth

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

func TestTsUnits(t *testing.T) {
	ts := time.Unix(1700000000, 123456789)
	for _, c := range []struct {
		res  uint8
		want uint64
	}{
		{0, 1700000000123456},      // default: microseconds
		{6, 1700000000123456},      // 10^-6
		{9, 1700000000123456789},   // 10^-9
		{3, 1700000000123},         // 10^-3
		{0x80 | 10, 1740800000126}, // 2^-10: floor(t * 1024)
	} {
		if got := tsUnits(ts, c.res); got != c.want {
			t.Errorf("tsresol %#x: %d, want %d", c.res, got, c.want)
		}
	}
}

// TestNgWriterReadBack writes two interfaces, EPBs with a comment and an
// SPB, and reads them back with pcapgo.
func TestNgWriterReadBack(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface(NgInterface{LinkType: layers.LinkTypeEthernet, TSResol: 6, Snaplen: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface(NgInterface{LinkType: layers.LinkTypeRaw, TSResol: 9, Name: "raw0"}); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 11, 2, 8, 0, 0, 123456789, time.UTC)
	data := []byte("0123456789a")
	ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: 50, InterfaceIndex: 1}
	if err := w.WriteEPB(ci, data, "a comment"); err != nil {
		t.Fatal(err)
	}
	ci.InterfaceIndex = 0
	if err := w.WritePacket(ci, data); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSPB(data, len(data)); err != nil {
		t.Fatal(err)
	}
	ci.InterfaceIndex = 2
	if err := w.WritePacket(ci, data); err == nil {
		t.Error("packet on a missing interface accepted")
	}
	if buf.Len()%4 != 0 {
		t.Errorf("file length %d not a multiple of 4", buf.Len())
	}
	r, err := pcapgo.NewNgReader(&buf, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		iface   int
		ts      time.Time
		length  int
		comment string
	}{
		{1, ts, 50, "a comment"},
		{0, ts.Truncate(time.Microsecond), 50, ""},
		{0, time.Time{}, len(data), ""},
	}
	for i, w := range want {
		got, ci, opts, err := r.ReadPacketDataWithOptions()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if !bytes.Equal(got, data) || ci.InterfaceIndex != w.iface || !ci.Timestamp.Equal(w.ts) || ci.Length != w.length {
			t.Errorf("packet %d: %q %+v, want %+v", i, got, ci, w)
		}
		if c := opts.Comments; (w.comment == "") != (len(c) == 0) || (len(c) > 0 && c[0] != w.comment) {
			t.Errorf("packet %d: comments %q", i, c)
		}
	}
}

func TestBigEndianPcapHeader(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewPcapWriter(&buf, layers.LinkTypeLinuxSLL2, PcapOptions{BigEndian: true, Nanos: true, Snaplen: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1700000000, 5)
	if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 3, Length: 9}, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.Equal(b[:4], []byte{0xa1, 0xb2, 0x3c, 0x4d}) || binary.BigEndian.Uint32(b[20:]) != 276 {
		t.Errorf("header % x", b[:24])
	}
	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	data, ci, err := r.ReadPacketData()
	if err != nil || string(data) != "abc" || !ci.Timestamp.Equal(ts) || ci.Length != 9 {
		t.Errorf("read back %q %+v %v", data, ci, err)
	}
	if err := w.WritePacket(gopacket.CaptureInfo{CaptureLength: 1, Length: 1}, []byte("x")); err == nil {
		t.Error("zero timestamp accepted")
	}
}
