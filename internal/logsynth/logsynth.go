// Package logsynth writes the Kamailio log a capture implies: for every
// request the SIP server rejected in the capture (a 4xx reply of its own),
// the "Malformed SIP" line its routing script logs, in rsyslog's
// high-precision file format. It makes demo and test log files for
// `sipcorr analyze --logs` that agree with a capture by construction;
// it is not used by sipcorr itself.
//
// Which requests were rejected is read from the server's replies in the
// capture (Kamailio is the oracle), not from sipcorr's own verdicts.
package logsynth

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/sipparse"
)

// Rejection is one request the server answered with a 4xx.
type Rejection struct {
	Time   time.Time // capture time of the server's reply
	UA     string
	HasUA  bool
	Src    netip.AddrPort // the request's source
	Status int
	Reason string
	CallID string
	Packet uint64 // the request's packet number
}

// Rejections reads path and returns, oldest first, every request that the
// server at addr answered with a 4xx reply, matched by Call-ID and CSeq. A
// retransmitted request that is rejected again counts again: Kamailio runs
// the script, and logs, for every copy it receives.
func Rejections(ctx context.Context, path string, server netip.Addr) ([]Rejection, error) {
	type key struct{ callID, cseq string }
	pending := map[key]Rejection{}
	var out []Rejection
	var m sipparse.Message
	d := capture.NewDecoder(capture.Options{})
	err := capture.ReadFile(ctx, path, d, func(dg *capture.Datagram) {
		if dg.Truncated || sipparse.Parse(dg.Payload, &m) != nil {
			return
		}
		k := key{string(m.Get(sipparse.HdrCallID)), string(m.Get(sipparse.HdrCSeq))}
		switch {
		case m.IsRequest && dg.Dst.Addr().Unmap() == server:
			ua := m.Get(sipparse.HdrUserAgent)
			pending[k] = Rejection{UA: string(ua), HasUA: ua != nil, Src: dg.Src, CallID: k.callID, Packet: dg.Packet}
		case !m.IsRequest && dg.Src.Addr().Unmap() == server && m.StatusCode >= 400 && m.StatusCode < 500:
			r, ok := pending[k]
			if !ok {
				return
			}
			delete(pending, k)
			r.Time, r.Status, r.Reason = dg.Time, m.StatusCode, string(m.Reason)
			out = append(out, r)
		}
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, err
}

// Line shapes a Rejection takes in the log.
const (
	// XlogUA is the operators' line: xlog("L_NOTICE", "Malformed SIP
	// received. ua: [$ua] received from <$si:$sp>\n").
	XlogUA = iota
	// Stock is the stock kamailio.cfg line: xlog("Malformed SIP request
	// from $si:$sp\n"), without the UA.
	Stock
)

// Options shape the written log.
type Options struct {
	Host string // syslog host name
	Pids []int  // worker pids, chosen per Call-ID
	// Shape picks the line of a rejection (XlogUA or Stock).
	Shape func(Rejection) int
	// Preamble and Epilogue are unrelated lines written before the first
	// and after the last rejection (startup, shutdown), at those times.
	Preamble, Epilogue []string
}

// Write writes the log lines of rs (oldest first) to w.
func Write(w io.Writer, rs []Rejection, o Options) error {
	if len(o.Pids) == 0 {
		o.Pids = []int{1}
	}
	pid0 := o.Pids[0]
	line := func(t time.Time, pid int, text string) error {
		_, err := fmt.Fprintf(w, "%s %s kamailio[%d]: %s\n", t.UTC().Format("2006-01-02T15:04:05.000000-07:00"), o.Host, pid, text)
		return err
	}
	if len(rs) > 0 {
		for _, p := range o.Preamble {
			if err := line(rs[0].Time.Add(-time.Second), pid0, p); err != nil {
				return err
			}
		}
	}
	for _, r := range rs {
		pid := o.Pids[fnv(r.CallID)%uint32(len(o.Pids))]
		var text string
		shape := XlogUA
		if o.Shape != nil {
			shape = o.Shape(r)
		}
		src := fmt.Sprintf("%s:%d", r.Src.Addr().Unmap(), r.Src.Port())
		switch ua := r.UA; {
		case shape == Stock:
			text = "ERROR: <script>: Malformed SIP request from " + src
		default:
			if !r.HasUA {
				ua = "<null>"
			}
			text = fmt.Sprintf("NOTICE: <script>: Malformed SIP received. ua: [%s] received from <%s>", ua, src)
		}
		if err := line(r.Time, pid, text); err != nil {
			return err
		}
	}
	if len(rs) > 0 {
		for _, p := range o.Epilogue {
			if err := line(rs[len(rs)-1].Time.Add(time.Second), pid0, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func fnv(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
