package capture

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestDecoderHEPPort: a HEP packet captured on a HEP port gives the SIP
// message with the HEP time and addresses, not the carrier's; without
// HEPPorts the same packet is counted as non-SIP and nothing is emitted.
func TestDecoderHEPPort(t *testing.T) {
	frame := udp4Frame(t, "127.0.0.1", "127.0.0.2", 40000, 9060, string(hep3Fixture))
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(9, 0), CaptureLength: len(frame), Length: len(frame)}
	d := NewDecoder(Options{HEPPorts: []uint16{9060}})
	var got []Datagram
	d.Decode(ci, layers.LinkTypeEthernet, frame, 1, func(dg *Datagram) { got = append(got, *dg) })
	if len(got) != 1 || got[0].Src.String() != "10.0.0.1:5060" || got[0].Dst.String() != "10.0.0.2:5080" ||
		!got[0].Time.Equal(time.Unix(1700000000, 123456000)) || string(got[0].Payload) != hepSIP || got[0].Packet != 1 {
		t.Fatalf("got %+v", got)
	}
	if st := d.HEPStats(); st.SIP != 1 || d.Stats().NonSIP != 0 {
		t.Errorf("hep %+v non-sip %d", st, d.Stats().NonSIP)
	}
	plain := NewDecoder(Options{})
	plain.Decode(ci, layers.LinkTypeEthernet, frame, 1, func(*Datagram) { t.Error("emitted without HEPPorts") })
	if plain.Stats().NonSIP != 1 {
		t.Errorf("non-sip %d", plain.Stats().NonSIP)
	}
}
