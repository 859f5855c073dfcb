package capture

import (
	"context"
	"net"
	"testing"
	"time"
)

// writeSplit writes b in pieces of size bytes, so that HEP messages are
// cut across segments.
func writeSplit(c net.Conn, b []byte, size int) error {
	for len(b) > 0 {
		n := min(size, len(b))
		if _, err := c.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// TestHEPFeedTCP: HEPv3 over TCP, messages cut across writes of 1, 7 and
// 1000 bytes and several per write, on two connections: every message
// seen once with its HEP time and addresses; a stream that is not HEPv3
// and one cut mid-message are counted as stream errors.
func TestHEPFeedTCP(t *testing.T) {
	f := NewHEPFeed(HEPFeedOptions{})
	defer f.Close()
	addr, err := f.Listen(context.Background(), "tcp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if l := f.Listeners(); len(l) != 1 || l[0] != "tcp:"+addr.String() {
		t.Fatalf("Listeners() = %q", l)
	}
	const perConn = 300
	for ci, size := range []int{1, 7, 1000} {
		var stream []byte
		for i := ci * perConn; i < (ci+1)*perConn; i++ {
			m := hepFeedMessage(i)
			stream = m.AppendHEP3(stream)
		}
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		if err := writeSplit(c, stream, size); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range [][]byte{[]byte("GET / HTTP/1.1\r\n\r\n"), func() []byte { m := hepFeedMessage(0); b := m.AppendHEP3(nil); return b[:len(b)-3] }()} {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(bad); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	const n = 3 * perConn
	seen := map[int]bool{}
	bad := 0
	got := pollUntil(f, n, func(dg *Datagram) {
		var i int
		for i = 0; i < n; i++ { // the connections interleave: find the message by its source
			if w := hepFeedMessage(i); w.Src == dg.Src && w.Time.Equal(dg.Time) {
				break
			}
		}
		w := hepFeedMessage(i)
		if i == n || seen[i] || dg.Dst != w.Dst || string(dg.Payload) != string(w.Payload) {
			bad++
			return
		}
		seen[i] = true
	})
	deadline := time.Now().Add(5 * time.Second)
	for f.streamErrors.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	st := f.Stats()
	if got != n || len(seen) != n || bad != 0 || st.TCPStreamErrors != 2 || st.HEP.SIP != n {
		t.Fatalf("took %d, seen %d of %d, %d wrong; stats %+v", got, len(seen), n, bad, st)
	}
}
