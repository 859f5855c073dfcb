package main

import (
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/capture/live"
)

// loCapture captures, on the loopback interface (AF_PACKET, root only),
// the SIP sent to port until the returned stop is called, which returns
// each payload's capture time. Without root it returns nil.
func loCapture(t *testing.T, port uint16) (stop func() map[string]time.Time) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Log("not root: no packet capture to compare the HEP times with")
		return nil
	}
	src, err := live.Open(live.Options{Interface: "lo", Ports: []uint16{port}, PollTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("capture on lo: %v", err)
	}
	times := map[string]time.Time{}
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d := capture.NewDecoder(capture.Options{Ports: []uint16{port}})
		emit := func(dg *capture.Datagram) {
			if _, seen := times[string(dg.Payload)]; dg.Dst.Port() == port && !seen {
				times[string(dg.Payload)] = dg.Time
			}
		}
		for n := uint64(1); !done.Load(); n++ {
			data, ci, err := src.ReadPacket()
			if err == nil {
				d.Decode(ci, src.LinkType(), data, n, emit)
			}
		}
	}()
	return func() map[string]time.Time {
		time.Sleep(100 * time.Millisecond) // the last packets through the ring
		done.Store(true)
		wg.Wait()
		if err := src.Close(); err != nil {
			t.Error(err)
		}
		return times
	}
}

// compareHEPTimes checks every HEP message against the packet capture:
// seen there, with a HEP time close to the capture's. It returns the
// median and largest difference.
func compareHEPTimes(t *testing.T, hep, captured map[string]time.Time) (median, largest time.Duration) {
	t.Helper()
	var diffs []time.Duration
	for p, ht := range hep {
		ct, ok := captured[p]
		if !ok {
			t.Errorf("traced message not in the packet capture: %.60q", p)
			continue
		}
		d := ht.Sub(ct)
		if d < 0 {
			d = -d
		}
		diffs = append(diffs, d)
	}
	if len(diffs) == 0 {
		return 0, 0
	}
	sort.Slice(diffs, func(i, j int) bool { return diffs[i] < diffs[j] })
	return diffs[len(diffs)/2], diffs[len(diffs)-1]
}
