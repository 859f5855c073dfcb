package report

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// scaleAnalysis is an analysis the size hostile traffic produces: a scanner
// that invents a User-Agent per request fills the inventory to uas rows
// (the rest fold into the other row), beside a few busy UAs that use more
// methods, codes and sources than the inventory's small linear tables hold
// and fail several checks. Scanner UAs carry <, > and & so the JSON writer
// escapes in every row, as it must for real scanners.
func scaleAnalysis(uas int) *Analysis {
	inv := correlate.NewInventory(correlate.InventoryLimits{MaxUAs: uas})
	methods := []string{"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "SUBSCRIBE", "NOTIFY",
		"PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE", "PRACK"}
	codes := []int{100, 180, 183, 200, 202, 401, 403, 404, 407, 408, 480, 486, 487, 500, 503, 603}
	busy := []string{"Yealink SIP-T48G 66.84.0.15", "PolycomSoundPointIP-SPIP_650-UA/4.0.1",
		"Grandstream GXP2160 1.0.11.3", "Cisco-CP8845/12.8.1", "Ozeki/1.0 \u2028 <x>"}
	o := correlate.Observation{}
	ua := make([]byte, 0, 64)
	for i := 0; i < 2000; i++ {
		for j, name := range busy {
			o = correlate.Observation{
				Time: t0.Add(time.Duration(i)*time.Second + time.Duration(j)*time.Millisecond + 123456),
				UA:   []byte(name), Src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i % 80)}), 5060),
				Method: []byte(methods[(i+j)%len(methods)]), Request: i%3 != 0,
			}
			if !o.Request {
				o.Status = codes[(i*7+j)%len(codes)]
			}
			if i%5 == j {
				o.Failed, o.First = 512|32, 32
			}
			if i%97 == 0 {
				o.CoreDrop = true
			}
			inv.Add(&o)
		}
	}
	// A phone without User-Agent header.
	inv.Add(&correlate.Observation{Time: t0, Src: netip.MustParseAddrPort("192.0.2.1:5060"), Method: []byte("REGISTER"), Request: true})
	// The scanner: one new UA per request until the cap, then the other row.
	for i := 0; inv.Len() < uas || i < uas+200; i++ {
		ua = append(ua[:0], "friendly-scanner <probe&"...)
		ua = strconv.AppendInt(ua, int64(i), 10)
		ua = append(ua, '>')
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{203, 0, byte(i >> 8), byte(i)}), uint16(5060+i%7))
		if i%50 == 0 {
			src = netip.AddrPortFrom(netip.MustParseAddr("2001:db8::1"), uint16(i))
		}
		o = correlate.Observation{Time: t0.Add(time.Duration(i) * 3 * time.Millisecond), UA: ua, Src: src,
			Method: []byte("OPTIONS"), Request: true}
		if i%4 == 0 {
			o.Failed, o.First = 1<<14, 1<<14
		}
		inv.Add(&o)
		if i > 4*uas {
			break
		}
	}
	a := fixture()
	a.Inventory = inv
	a.TopSources = 3
	return a
}
