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
