package pcapng

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"
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

// TestWriterReadBack writes two interfaces, EPBs with a comment and an
// SPB, and reads them back with pcapgo.
func TestWriterReadBack(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface(Interface{LinkType: layers.LinkTypeEthernet, TSResol: 6, Snaplen: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddInterface(Interface{LinkType: layers.LinkTypeRaw, TSResol: 9, Name: "raw0"}); err != nil {
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

// TestWriterBytes freezes the exact bytes of a small file in both byte
// orders: the golden files of internal/evidence, cmd/sipcorr and
// testdata/captures depend on them not changing. The hex is split per
// block (SHB, IDB, EPB, SPB) so a diff points at the block that moved.
func TestWriterBytes(t *testing.T) {
	for _, c := range []struct {
		name   string
		bo     ByteOrder
		blocks []string
	}{
		{"little", binary.LittleEndian, []string{
			"0a0d0d0a 28000000 4d3c2b1a 0100 0000 ffffffffffffffff 0400 0300 61707000 00000000 28000000",
			"01000000 28000000 6500 0000 ffff0000 0200 0200 65300000 0900 0100 09000000 00000000 28000000",
			"06000000 30000000 00000000 842be418 0500de92 03000000 07000000 61626300 0100 0200 68690000 00000000 30000000",
			"03000000 14000000 09000000 78790000 14000000",
		}},
		{"big", binary.BigEndian, []string{
			"0a0d0d0a 00000028 1a2b3c4d 0001 0000 ffffffffffffffff 0004 0003 61707000 00000000 00000028",
			"00000001 00000028 0065 0000 0000ffff 0002 0002 65300000 0009 0001 09000000 00000000 00000028",
			"00000006 00000030 00000000 18e42b84 92de0005 00000003 00000007 61626300 0001 0002 68690000 00000000 00000030",
			"00000003 00000014 00000009 78790000 00000014",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, c.bo, "app")
			if err != nil {
				t.Fatal(err)
			}
			var lens []int
			lens = append(lens, buf.Len())
			if _, err := w.AddInterface(Interface{LinkType: layers.LinkTypeRaw, Snaplen: 65535, Name: "e0", TSResol: 9}); err != nil {
				t.Fatal(err)
			}
			lens = append(lens, buf.Len())
			ts := time.Date(2026, 11, 2, 8, 0, 0, 5, time.UTC)
			if err := w.WriteEPB(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 3, Length: 7}, []byte("abc"), "hi"); err != nil {
				t.Fatal(err)
			}
			lens = append(lens, buf.Len())
			if err := w.WriteSPB([]byte("xy"), 9); err != nil {
				t.Fatal(err)
			}
			lens = append(lens, buf.Len())
			got, start := buf.Bytes(), 0
			for i, end := range lens {
				want, err := hex.DecodeString(strings.ReplaceAll(c.blocks[i], " ", ""))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got[start:end], want) {
					t.Errorf("block %d:\n got % x\nwant % x", i, got[start:end], want)
				}
				start = end
			}
		})
	}
}

// TestWriterRefuses checks the packets the writer must not write: a
// block that readers would misattribute or misread is worse than an error.
func TestWriterRefuses(t *testing.T) {
	ts := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		ifaces int
		write  func(*Writer) error
	}{
		{"EPB on a missing interface", 1, func(w *Writer) error {
			return w.WriteEPB(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 1, Length: 1, InterfaceIndex: 1}, []byte("x"))
		}},
		{"EPB on a negative interface", 1, func(w *Writer) error {
			return w.WriteEPB(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 1, Length: 1, InterfaceIndex: -1}, []byte("x"))
		}},
		{"capture length not the data length", 1, func(w *Writer) error {
			return w.WriteEPB(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 2, Length: 2}, []byte("x"))
		}},
		{"capture length over the wire length", 1, func(w *Writer) error {
			return w.WriteEPB(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 2, Length: 1}, []byte("xy"))
		}},
		{"zero timestamp", 1, func(w *Writer) error {
			return w.WriteEPB(gopacket.CaptureInfo{CaptureLength: 1, Length: 1}, []byte("x"))
		}},
		{"SPB before any interface", 0, func(w *Writer) error {
			return w.WriteSPB([]byte("x"), 1)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			for range c.ifaces {
				if _, err := w.AddInterface(Interface{LinkType: layers.LinkTypeRaw}); err != nil {
					t.Fatal(err)
				}
			}
			n := buf.Len()
			if err := c.write(w); err == nil {
				t.Error("accepted")
			}
			if buf.Len() != n {
				t.Errorf("wrote %d bytes although it refused", buf.Len()-n)
			}
		})
	}
}
