package capture

import (
	"net/netip"
	"testing"
	"time"
)

// BenchmarkHEPDuplicateDistinct: the duplicate check on a stream of
// distinct messages (each from another source port), the common case of a
// live feed, where no earlier message matches and every remembered one
// could be looked at.
func BenchmarkHEPDuplicateDistinct(b *testing.B) {
	r := NewHEPReader(HEPOptions{})
	dg := Datagram{Time: time.Unix(1e9, 0), Transport: TransportUDP,
		Src: netip.MustParseAddrPort("192.0.2.10:5060"), Dst: netip.MustParseAddrPort("198.51.100.1:5060"),
		Payload: []byte("OPTIONS sip:a@b SIP/2.0\r\n\r\n")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dg.Src = netip.AddrPortFrom(dg.Src.Addr(), uint16(i))
		dg.Time = dg.Time.Add(time.Microsecond)
		if r.duplicate(&dg) {
			b.Fatal("distinct message taken for a duplicate")
		}
	}
}
