package synth

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// runScenario writes s into an in-memory classic pcap.
func runScenario(t testing.TB, s *Scenario) ([]byte, *FileEntry) {
	t.Helper()
	var buf bytes.Buffer
	c, err := NewPcapCapture(&buf, LinkEthernet, PcapOptions{Nanos: true}, s.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), c.Finish("scenario.pcap", "")
}

func TestScenarioDeterministic(t *testing.T) {
	a, ea := runScenario(t, DemoScenario())
	b, _ := runScenario(t, DemoScenario())
	if !bytes.Equal(a, b) {
		t.Fatal("two runs of the demo scenario differ")
	}
	other, _ := runScenario(t, BenchScenario(ea.SIPMessages, 2))
	if bytes.Equal(a, other) {
		t.Fatal("a different scenario produced the same bytes")
	}
}

func TestScenarioMaxMessagesAndOrder(t *testing.T) {
	for _, n := range []int{1, 17, 5000} {
		b, e := runScenario(t, BenchScenario(n, 7))
		if e.SIPMessages != n {
			t.Errorf("n=%d: %d messages", n, e.SIPMessages)
		}
		r, err := pcapgo.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var prev time.Time
		packets := 0
		for {
			_, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			packets++
			if ci.Timestamp.Before(prev) {
				t.Fatalf("n=%d packet %d goes back in time: %v < %v", n, packets, ci.Timestamp, prev)
			}
			prev = ci.Timestamp
		}
		if packets != e.Packets {
			t.Errorf("n=%d: read %d packets, counted %d", n, packets, e.Packets)
		}
	}
}

// TestDemoScenarioShape checks the demo tells the DESIGN.md story: the
// Yealink is the only proxy_require offender, the Grandstream the only
// bad-CSeq one, and the traffic spans about two hours.
func TestDemoScenarioShape(t *testing.T) {
	_, e := runScenario(t, DemoScenario())
	if e.Defects[string(DefectProxyRequire)] != e.UserAgents[UAYealink] || e.UserAgents[UAYealink] < 200 {
		t.Errorf("Yealink messages %d, proxy_require defects %d", e.UserAgents[UAYealink], e.Defects[string(DefectProxyRequire)])
	}
	if e.Defects[string(DefectCSeqNumber)] != e.UserAgents[UAGrandstream] {
		t.Errorf("Grandstream messages %d, cseq defects %d", e.UserAgents[UAGrandstream], e.Defects[string(DefectCSeqNumber)])
	}
	if e.SIPMessages < 2000 || e.SIPMessages > 4000 {
		t.Errorf("demo has %d messages, want a few thousand", e.SIPMessages)
	}
	first, _ := time.Parse(time.RFC3339Nano, e.FirstTime)
	last, _ := time.Parse(time.RFC3339Nano, e.LastTime)
	if span := last.Sub(first); span < 110*time.Minute || span > 2*time.Hour {
		t.Errorf("demo spans %v, want about 2 hours", span)
	}
	if e.Statuses["420"] != e.UserAgents[UAYealink] {
		t.Errorf("%d 420 replies for %d Yealink REGISTERs", e.Statuses["420"], e.UserAgents[UAYealink])
	}
}

func TestScenarioAgreesWithTshark(t *testing.T) {
	tshark := requireTool(t, "tshark")
	b, e := runScenario(t, DemoScenario())
	path := filepath.Join(t.TempDir(), "demo.pcap")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	frames, sip, uas := tsharkCounts(t, tshark, path, false)
	if frames != e.Packets || sip != e.SIPMessages {
		t.Errorf("tshark: %d frames, %d SIP messages; manifest %d, %d", frames, sip, e.Packets, e.SIPMessages)
	}
	for ua, n := range e.UserAgents {
		if uas[ua] != n {
			t.Errorf("UA %q: tshark %d, manifest %d", ua, uas[ua], n)
		}
	}
}

func TestScenarioNeedsAStop(t *testing.T) {
	s := DemoScenario()
	s.Until = time.Time{}
	var buf bytes.Buffer
	c, err := NewPcapCapture(&buf, LinkEthernet, PcapOptions{}, s.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(c); err == nil {
		t.Fatal("a scenario without Until or MaxMessages ran")
	}
}

// BenchmarkScenario measures generation speed (the bench script writes
// 200 000 messages).
func BenchmarkScenario(b *testing.B) {
	for i := 0; i < b.N; i++ {
		c, err := NewPcapCapture(io.Discard, LinkEthernet, PcapOptions{}, Start, 0)
		if err != nil {
			b.Fatal(err)
		}
		if err := BenchScenario(10000, 1).Run(c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
