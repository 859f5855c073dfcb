package capture

import (
	"net"
	"testing"
	"time"
)

// TestHEPSocketDropsCounted: a socket tuned by tuneHEPSocket with a tiny
// buffer, flooded while nobody reads, reports the kernel's drops in the
// next datagram read (SO_RXQ_OVFL), and socketDrops finds the count.
func TestHEPSocketDropsCounted(t *testing.T) {
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	if err := tuneHEPSocket(uc, 4096); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("udp", uc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 1000)
	const sent = 200
	for range sent {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	// the datagrams queued before the drops carry no count: read them,
	// then one sent after the drops carries it
	buf, oob := make([]byte, maxUDP), make([]byte, hepOOBLen)
	queued := 0
	for {
		if err := uc.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if _, _, _, _, err := uc.ReadMsgUDPAddrPort(buf, oob); err != nil {
			break
		}
		queued++
	}
	if err := uc.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	n, oobn, _, _, err := uc.ReadMsgUDPAddrPort(buf, oob)
	if err != nil || n != len(msg) {
		t.Fatalf("read %d, %v", n, err)
	}
	d, ok := socketDrops(oob[:oobn])
	if int(d) != sent-queued {
		t.Errorf("%d drops counted, %d of %d were queued", d, queued, sent)
	}
	if !ok || d == 0 || d >= sent {
		t.Fatalf("socket drops %d (%v) after %d datagrams into a 4 KiB buffer", d, ok, sent)
	}
	t.Logf("%d of %d dropped by the kernel, %d queued", d, sent, queued)
	if _, ok := socketDrops(oob[:3]); ok {
		t.Fatal("drops found in a cut control message")
	}
}
