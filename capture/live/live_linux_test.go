//go:build linux

package live

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/internal/livetest"
)

func TestOpenNoInterface(t *testing.T) {
	_, err := Open(Options{Interface: "sipcorr-nope0"})
	if !errors.Is(err, ErrNoInterface) {
		t.Fatalf("err = %v, want ErrNoInterface", err)
	}
	if want := "capture on sipcorr-nope0: open: no such network interface"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
}

func TestOpenAny(t *testing.T) {
	if _, err := Open(Options{Interface: "any"}); err == nil {
		t.Fatal("no error for any")
	}
}

// TestOpenUnprivileged runs itself again as nobody without capabilities
// (setpriv) when run as root; unprivileged, it checks the error directly.
func TestOpenUnprivileged(t *testing.T) {
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Skip("setpriv (util-linux) not found")
		}
		cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
			"--bounding-set=-all", os.Args[0], "-test.run=^TestOpenUnprivileged$", "-test.v")
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("unprivileged: permission error as expected")) {
			t.Fatalf("unprivileged run: %v\n%s", err, out)
		}
		return
	}
	_, err := Open(Options{Interface: "lo"})
	if !errors.Is(err, ErrPermission) {
		t.Fatalf("err = %v, want ErrPermission", err)
	}
	t.Logf("unprivileged: permission error as expected: %v", err)
}

// capturer reads a source into a Decoder until told to stop.
type capturer struct {
	src  Source
	dec  *capture.Decoder
	byUA map[string]int
	n    int
	err  error
	done chan struct{}
}

func startCapture(t *testing.T, src Source, stop <-chan struct{}) *capturer {
	c := &capturer{src: src, dec: capture.NewDecoder(capture.Options{Ports: []uint16{5060}}), byUA: map[string]int{}, done: make(chan struct{})}
	emit := func(dg *capture.Datagram) {
		c.n++
		if i := bytes.Index(dg.Payload, []byte("User-Agent: ")); i >= 0 {
			rest := dg.Payload[i+12:]
			c.byUA[string(rest[:bytes.IndexByte(rest, '\r')])]++
		}
	}
	go func() {
		defer close(c.done)
		var pkt uint64
		quiet := 0
		for {
			data, ci, err := src.ReadPacket()
			if errors.Is(err, ErrTimeout) {
				select {
				case <-stop:
					if quiet++; quiet >= 2 {
						c.dec.Flush(emit)
						return
					}
				default:
				}
				continue
			}
			if err != nil {
				c.err = err
				return
			}
			pkt++
			c.dec.Decode(ci, src.LinkType(), data, pkt, emit)
		}
	}()
	return c
}

func TestCaptureVethMix(t *testing.T) {
	p := livetest.NewPair(t)
	src, err := Open(Options{Interface: p.CaptureIf, Netns: p.Capture, Ports: []uint16{5060}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	conn, dst := p.UDPFlow(t, 5060)
	// noise on another port: the filter keeps it out
	noise, ndst, err := p.SenderConn(6000, 6000)
	if err != nil {
		t.Fatal(err)
	}
	defer noise.Close()
	stop := make(chan struct{})
	c := startCapture(t, src, stop)
	for i := 0; i < 50; i++ {
		if _, err := noise.WriteToUDP([]byte("OPTIONS sip:x SIP/2.0\r\n\r\n"), &net.UDPAddr{IP: ndst.IP, Port: 6000}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := livetest.Send(context.Background(), conn, dst, livetest.Plan{Total: 3000, Rate: 5000})
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-c.done
	if c.err != nil {
		t.Fatal(c.err)
	}
	st, err := src.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sent %d in %v; captured %d SIP messages; stats %+v; decoder %+v", res.Total, res.Elapsed, c.n, st, c.dec.Stats())
	if st.KernelDrops != 0 {
		t.Errorf("kernel drops: %d", st.KernelDrops)
	}
	if c.n != res.Total {
		t.Errorf("captured %d SIP messages, sent %d", c.n, res.Total)
	}
	for ua, n := range res.ByUA {
		if c.byUA[ua] != n {
			t.Errorf("UA %q: captured %d, sent %d", ua, c.byUA[ua], n)
		}
	}
	if ds := c.dec.Stats(); ds.FragmentsReassembled != uint64(res.Sent["big-invite"]) || ds.PortFiltered != 0 {
		t.Errorf("reassembled %d datagrams for %d big INVITEs; %d packets port-filtered (filter let noise through)",
			ds.FragmentsReassembled, res.Sent["big-invite"], ds.PortFiltered)
	}
}

// TestCaptureLoopbackSeesEachPacketOnce: on lo the kernel shows every
// packet leaving and arriving; the filter keeps one copy.
func TestCaptureLoopbackSeesEachPacketOnce(t *testing.T) {
	p := livetest.NewPair(t)
	src, err := Open(Options{Interface: "lo", Netns: p.Capture, Ports: []uint16{5060}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var conn *net.UDPConn
	if err := livetest.InNetns(p.Capture, func() error {
		var err error
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stop := make(chan struct{})
	c := startCapture(t, src, stop)
	res, err := livetest.Send(context.Background(), conn, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060}, livetest.Plan{Total: 500, Rate: 5000})
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-c.done
	if c.err != nil {
		t.Fatal(c.err)
	}
	if c.n != res.Total {
		t.Errorf("captured %d SIP messages on lo, sent %d (twice as many means outgoing copies were kept)", c.n, res.Total)
	}
}

func TestInterfaceDownMidCapture(t *testing.T) {
	for _, how := range []string{"down", "deleted"} {
		t.Run(how, func(t *testing.T) {
			p := livetest.NewPair(t)
			src, err := Open(Options{Interface: p.CaptureIf, Netns: p.Capture})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			stop := make(chan struct{})
			defer close(stop)
			c := startCapture(t, src, stop)
			time.Sleep(100 * time.Millisecond)
			if how == "down" {
				p.CaptureDown()
			} else {
				p.DeleteLink()
			}
			select {
			case <-c.done:
			case <-time.After(5 * time.Second):
				t.Fatal("capture did not notice within 5 s")
			}
			if !errors.Is(c.err, ErrInterfaceDown) {
				t.Fatalf("err = %v, want ErrInterfaceDown", c.err)
			}
			t.Logf("%s: %v", how, c.err)
		})
	}
}

func TestOpenInterfaceDown(t *testing.T) {
	p := livetest.NewPair(t)
	p.CaptureDown()
	_, err := Open(Options{Interface: p.CaptureIf, Netns: p.Capture})
	if !errors.Is(err, ErrInterfaceDown) {
		t.Fatalf("err = %v, want ErrInterfaceDown", err)
	}
}

func TestOpenBadNetns(t *testing.T) {
	_, err := Open(Options{Interface: "lo", Netns: "sipcorr-no-such-ns"})
	if err == nil {
		t.Fatal("no error")
	}
	t.Log(err)
}

// TestCaptureIPv6Fragments: the mix over IPv6; the big INVITEs leave in
// IPv6 fragments (fragment header, no UDP ports in the later ones) and
// must all be reassembled.
func TestCaptureIPv6Fragments(t *testing.T) {
	p := livetest.NewPair(t)
	src, err := Open(Options{Interface: p.CaptureIf, Netns: p.Capture, Ports: []uint16{5060}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	conn, dst, err := p.SenderConn6(5060, 5060)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stop := make(chan struct{})
	c := startCapture(t, src, stop)
	res, err := livetest.Send(context.Background(), conn, dst, livetest.Plan{Total: 1400, Rate: 5000})
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-c.done
	if c.err != nil {
		t.Fatal(c.err)
	}
	ds := c.dec.Stats()
	if c.n != res.Total || ds.FragmentsReassembled != uint64(res.Sent["big-invite"]) || res.Sent["big-invite"] == 0 {
		st, _ := src.Stats()
		t.Errorf("captured %d of %d; reassembled %d of %d big INVITEs\n%+v\n%+v", c.n, res.Total, ds.FragmentsReassembled, res.Sent["big-invite"], ds, st)
	}
}

// TestCaptureTCP: SIP over one TCP connection, written in pieces that do
// not follow message boundaries, is framed back into every message.
func TestCaptureTCP(t *testing.T) {
	p := livetest.NewPair(t)
	src, err := Open(Options{Interface: p.CaptureIf, Netns: p.Capture, Ports: []uint16{5060}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ln, err := p.TCPSink(5060)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	stop := make(chan struct{})
	c := startCapture(t, src, stop)
	conn, err := p.DialTCP(5060)
	if err != nil {
		t.Fatal(err)
	}
	var stream []byte
	const n = 500
	// every kind but the lying Content-Length one, whose body would eat
	// the start of the next message on a stream (as in Kamailio)
	var kinds []livetest.Kind
	for _, k := range livetest.Mix() {
		if k.Name != "content-length" {
			kinds = append(kinds, k)
		}
	}
	for i := 0; i < n; i++ {
		stream = append(stream, kinds[i%len(kinds)].Message(uint64(i))...)
	}
	for off := 0; off < len(stream); off += 1000 { // 1000-byte writes cut messages anywhere
		if _, err := conn.Write(stream[off:min(off+1000, len(stream))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	<-c.done
	if c.err != nil {
		t.Fatal(c.err)
	}
	ds := c.dec.Stats()
	if c.n != n || ds.SIPTCP != n || ds.TCPGaps != 0 || ds.Unframed != 0 || ds.TCPResyncs != 0 {
		t.Errorf("framed %d of %d SIP messages over TCP (gaps %d, unframed %d)\n%+v", c.n, n, ds.TCPGaps, ds.Unframed, ds)
	}
}
