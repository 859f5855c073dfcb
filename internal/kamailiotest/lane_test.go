package kamailiotest

import (
	"strings"
	"testing"
	"time"
)

// sentinelReply is the 200 the oracle cfg sends to sentinel id.
func sentinelReply(id string) []byte {
	return []byte("SIP/2.0 200 " + sentinelMethod + " " + id + "\r\nContent-Length: 0\r\n\r\n")
}

// TestRegressionLateStartupSentinel: under CI load a startup ping outlived
// its 200 ms wait, its sentinel k1 was logged after the lane had moved on,
// and the first probe failed with "sentinel k1 logged while waiting for k2
// (lost sync)". A late sentinel and what came before it belong to the
// probe given up on; the lane skips them and judges the probe it waits for.
func TestRegressionLateStartupSentinel(t *testing.T) {
	l := &lane{logs: make(chan logEvent, 8), dgrams: make(chan []byte, 8)}
	// Stale: k1's result and reply, then k1 itself.
	l.logs <- logEvent{kind: 'R', ml: 999, rc: -1}
	l.logs <- logEvent{kind: 'S', seq: "k1"}
	l.dgrams <- []byte("SIP/2.0 400 Stale\r\n\r\n")
	l.dgrams <- sentinelReply("k1")
	// The probe of k2 passes and gets no reply.
	l.logs <- logEvent{kind: 'R', ml: 120, rc: 1}
	l.logs <- logEvent{kind: 'S', seq: "k2"}
	l.dgrams <- sentinelReply("k2")

	var r probeResult
	if err := l.collect(2, 120, &r, time.Second, nil); err != nil {
		t.Fatalf("collect: %v", err)
	}
	if !r.out.Routed || !r.out.Pass || r.out.Reply.Kind != ReplyNone || r.out.Len != 120 {
		t.Errorf("outcome = %+v, want routed, pass, no reply, 120 bytes", r.out)
	}
}

// TestLaneLaterSentinelIsLostSync: a sentinel numbered after the one the
// lane waits for means its own was lost; that is never skipped.
func TestLaneLaterSentinelIsLostSync(t *testing.T) {
	l := &lane{logs: make(chan logEvent, 8), dgrams: make(chan []byte, 8)}
	l.logs <- logEvent{kind: 'S', seq: "k3"}
	var r probeResult
	err := l.collect(2, 120, &r, time.Second, nil)
	if err == nil || !strings.Contains(err.Error(), "lost sync") {
		t.Fatalf("collect = %v, want lost sync", err)
	}
}

func TestStaleSentinel(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want uint64
		out  bool
	}{
		{"k1", 2, true}, {"k2", 2, false}, {"k3", 2, false},
		{"1", 2, false}, {"kx", 2, false}, {"", 2, false},
	} {
		if got := stale(tc.id, tc.want); got != tc.out {
			t.Errorf("stale(%q, %d) = %v, want %v", tc.id, tc.want, got, tc.out)
		}
	}
}
