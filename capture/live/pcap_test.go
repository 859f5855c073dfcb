//go:build pcap

package live

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/livetest"
)

// TestPcapLoopback captures on lo through libpcap (go test -tags pcap):
// 200 datagrams to 127.0.0.1 on a port nothing else uses, each seen once.
func TestPcapLoopback(t *testing.T) {
	livetest.RequireRoot(t)
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	port := uint16(conn.LocalAddr().(*net.UDPAddr).Port) // sent to itself: no ICMP
	src, err := OpenPcap(Options{Interface: "lo", Ports: []uint16{port}, PollTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	msg := []byte("OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n")
	for i := 0; i < 200; i++ {
		if _, err := conn.WriteToUDP(msg, conn.LocalAddr().(*net.UDPAddr)); err != nil {
			t.Fatal(err)
		}
	}
	n, idle := 0, 0
	for idle < 10 {
		_, _, err := src.ReadPacket()
		switch {
		case errors.Is(err, ErrTimeout):
			idle++
		case err != nil:
			t.Fatal(err)
		default:
			n++
		}
	}
	st, err := src.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if n != 200 || st.KernelDrops != 0 {
		t.Errorf("captured %d of 200, drops %d", n, st.KernelDrops)
	}
}

func TestPcapNoInterface(t *testing.T) {
	if _, err := OpenPcap(Options{Interface: "sipcorr-nope0"}); err == nil {
		t.Fatal("no error")
	}
}
