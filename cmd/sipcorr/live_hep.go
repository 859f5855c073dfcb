package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/capture/live"
	"github.com/sipcorr/sipcorr/report"
	"golang.org/x/net/bpf"
)

// hepPollTimeout bounds how long the interface read waits when HEP
// listeners run beside -i: the loop drains the HEP queue between
// interface reads, so this is the HEP latency on a quiet interface.
const hepPollTimeout = 20 * time.Millisecond

// startHEP opens every --hep listener on one feed. Cancelling ctx closes
// them; what they queued is still read by the loop's drain.
func startHEP(ctx context.Context, h *hepFlags) (*capture.HEPFeed, error) {
	if len(h.listen) == 0 {
		return nil, nil
	}
	f := capture.NewHEPFeed(capture.HEPFeedOptions{HEP: capture.HEPOptions{Password: h.password}})
	for _, spec := range h.listen {
		if _, err := f.Listen(ctx, spec); err != nil {
			return nil, fmt.Errorf("--hep: %w (closing the others: %v)", err, f.Close())
		}
	}
	return f, nil
}

// hepIn hands up to limit queued HEP datagrams to the pipeline and
// returns how many it took.
func (r *liveRun) hepIn(limit int) int {
	if r.hep == nil {
		return 0
	}
	r.inHEP = true
	n := r.hep.Poll(limit, r.emit)
	r.inHEP = false
	return n
}

// hepCountersOf are the report counters of the feed (nil without one).
func (r *liveRun) hepCountersOf() []report.Counter {
	if r.hep == nil {
		return nil
	}
	var out []report.Counter
	for _, c := range r.hep.Stats().Counters() {
		out = append(out, report.Counter{Key: c.Name, Name: flagWords(c.Desc), Value: c.Value, Skip: c.Skip})
	}
	return out
}

// hepSummary is the report input line of the feed.
func (r *liveRun) hepSummary() report.FileSummary {
	return report.FileSummary{Path: "hep:" + strings.Join(r.hep.Listeners(), ","), Packets: r.hep.Stats().Datagrams}
}

// hepNote never lets a HEP drop go unsaid.
func (r *liveRun) hepNote() string {
	st := r.hep.Stats()
	if st.Drops == 0 && st.SocketDrops == 0 {
		return fmt.Sprintf("no HEP datagram dropped (%d received, %d SIP messages in them)", st.Datagrams, st.HEP.SIP)
	}
	return fmt.Sprintf("%d HEP datagrams were dropped because the pipeline fell behind (%d of %d received: queue full; %d before they were read: socket buffer full): their SIP was never judged, every count is a lower bound",
		st.Drops+st.SocketDrops, st.Drops, st.Datagrams, st.SocketDrops)
}

// hepLost is every HEP datagram dropped, by the queue or the socket.
func (r *liveRun) hepLost() uint64 {
	st := r.hep.Stats()
	return st.Drops + st.SocketDrops
}

// hepSource stands in for -i when only HEP listeners run: it has no
// frames, and its ReadPacket waits for the feed, so that the loop wakes
// up as soon as HEP arrives.
type hepSource struct {
	feed    *capture.HEPFeed
	timeout time.Duration
}

// ReadPacket waits for a queued HEP datagram (or the timeout) and always
// returns ErrTimeout: the loop then takes the datagrams from the feed.
func (s hepSource) ReadPacket() ([]byte, gopacket.CaptureInfo, error) {
	s.feed.Wait(s.timeout)
	return nil, gopacket.CaptureInfo{}, live.ErrTimeout
}

// LinkType is Ethernet: nothing is framed, but the evidence file needs one.
func (hepSource) LinkType() layers.LinkType { return layers.LinkTypeEthernet }

// Stats has no kernel counters: the feed's own are reported apart.
func (hepSource) Stats() (live.Stats, error) { return live.Stats{}, nil }

// Interface names the listeners.
func (s hepSource) Interface() string { return "hep:" + strings.Join(s.feed.Listeners(), ",") }

// Filter is none.
func (hepSource) Filter() []bpf.RawInstruction { return nil }

// Close closes the listeners.
func (s hepSource) Close() error { return s.feed.Close() }
