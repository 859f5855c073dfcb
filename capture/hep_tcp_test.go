package capture

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/sipcorr/sipcorr/internal/synth"
)

// TestDecoderHEPOverTCP: a recorded TCP connection to a HEP port carrying
// HEPv3 messages cut across segments (1, 7, 100 bytes, several per
// segment), with garbage between two messages and a message cut by the
// FIN, gives every whole message's SIP with its HEP time and addresses;
// the garbage and the cut message are skipped and counted. Without
// HEPPorts nothing carries the HEP addresses.
func TestDecoderHEPOverTCP(t *testing.T) {
	const n = 30
	var stream []byte
	for i := range n {
		m := hepFeedMessage(i)
		stream = m.AppendHEP3(stream)
		if i == 10 {
			stream = append(stream, "garbage between messages"...)
		}
	}
	last := hepFeedMessage(n)
	cut := last.AppendHEP3(nil)
	stream = append(stream, cut[:len(cut)-5]...)

	p := synth.NewPacker(1)
	conn := p.NewTCPConn(netip.MustParseAddrPort("192.0.2.250:40000"), netip.MustParseAddrPort("192.0.2.251:9060"), 1000, 5000)
	pkts, err := conn.Handshake()
	if err != nil {
		t.Fatal(err)
	}
	for i, sizes := 0, []int{1, 7, 100}; len(stream) > 0; i++ {
		k := min(sizes[i%len(sizes)], len(stream))
		seg, err := conn.Send(true, stream[:k])
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, seg)
		stream = stream[k:]
	}
	fin, err := conn.Fin(true)
	if err != nil {
		t.Fatal(err)
	}
	pkts = append(pkts, fin)

	run := func(opts Options) ([]Datagram, *Decoder) {
		d := NewDecoder(opts)
		var got []Datagram
		emit := func(dg *Datagram) { c := *dg; c.Payload = append([]byte(nil), dg.Payload...); got = append(got, c) }
		for i, ip := range pkts {
			frame, err := synth.LinkEthernet.Encap(ip)
			if err != nil {
				t.Fatal(err)
			}
			ci := gopacket.CaptureInfo{Timestamp: time.Unix(9, int64(i)), CaptureLength: len(frame), Length: len(frame)}
			d.Decode(ci, layers.LinkTypeEthernet, frame, uint64(i+1), emit)
		}
		d.Flush(emit)
		return got, d
	}
	got, d := run(Options{HEPPorts: []uint16{9060}, Ports: []uint16{5060}})
	if len(got) != n {
		t.Fatalf("%d messages, want %d; hep %+v, stats %+v", len(got), n, d.HEPStats(), d.Stats())
	}
	for i, dg := range got {
		w := hepFeedMessage(i)
		if !dg.Time.Equal(w.Time) || dg.Src != w.Src || dg.Dst != w.Dst || dg.Transport != TransportUDP || string(dg.Payload) != string(w.Payload) || dg.Truncated {
			t.Errorf("message %d: %v %v->%v %v %q", i, dg.Time, dg.Src, dg.Dst, dg.Transport, dg.Payload)
		}
	}
	st := d.Stats()
	if d.HEPStats().SIP != n || st.TCPSkippedBytes != uint64(len("garbage between messages")+len(cut)-5) || st.TCPResyncs != 2 || st.PortFiltered != 0 {
		t.Errorf("hep %+v; skipped %d bytes, %d resyncs, %d port-filtered", d.HEPStats(), st.TCPSkippedBytes, st.TCPResyncs, st.PortFiltered)
	}
	// without HEPPorts the SIP framer finds the SIP inside the HEP bytes
	// by resynchronising, but with the carrier's addresses and times
	plain, _ := run(Options{})
	for _, dg := range plain {
		if dg.Src.Port() != 40000 || dg.Transport != TransportTCP {
			t.Errorf("without HEPPorts: %v %v->%v", dg.Transport, dg.Src, dg.Dst)
		}
	}
}
