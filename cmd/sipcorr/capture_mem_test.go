package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/livetest"
)

// fakeKamailio answers the JSON-RPC calls memstat makes. One SIP worker's
// pkg memory grows by leak bytes per message counted in *leaked, as the
// Proxy-Require defect of Kamailio 5.2.3 (GH #1990) makes it grow.
func fakeKamailio(t *testing.T, leaked *atomic.Int64, leak int64) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Method string `json:"method"`
			ID     any    `json:"id"`
		}
		body, err := io.ReadAll(r.Body)
		if err != nil || json.Unmarshal(body, &req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var result any
		switch req.Method {
		case "pkg.stats":
			worker := 756184 + leak*leaked.Load()
			process := func(entry, pid, rank int, real int64, desc string) map[string]any {
				return map[string]any{"entry": entry, "pid": pid, "rank": rank, "used": real - 300000, "free": 8388608 - real,
					"real_used": real, "total_size": 8388608, "total_frags": 3, "desc": desc}
			}
			result = []any{process(0, 9376, 0, 755936, "main process - attendant"),
				process(1, 9378, 1, worker, "udp receiver child=0 sock=10.213.0.1:5060"),
				process(2, 9379, 2, 756032, "udp receiver child=1 sock=10.213.0.1:5060")}
		case "stats.get_statistics":
			result = []string{"shmem:fragments = 1", "shmem:free_size = 66460856", "shmem:max_used_size = 648008",
				"shmem:real_used_size = 648008", "shmem:total_size = 67108864", "shmem:used_size = 407656"}
		case "core.version":
			result = "kamailio 5.2.3 (x86_64/linux) "
		default:
			result = nil
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "result": result, "id": req.ID}); err != nil {
			t.Errorf("fake kamailio: %v", err)
		}
	}))
}

// TestCaptureCorrelatesMemory: while the Yealink kind is sent in bursts of
// changing rate, a fake Kamailio's worker leaks 24 bytes per such message;
// the live capture, polling it every 250 ms, must name that UA and rule as
// the first suspect with an estimate within 20 % of 24 B per message.
func TestCaptureCorrelatesMemory(t *testing.T) {
	p := livetest.NewPair(t)
	conn, dst := p.UDPFlow(t, 5060)
	var leaked atomic.Int64
	kam := fakeKamailio(t, &leaked, 24)
	defer kam.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "final.json")
	c := startCapture(t, "-i", p.CaptureIf, "--netns", p.Capture, "--format", "json", "-o", out,
		"--rpc", kam.URL+"/RPC", "--rpc-interval", "250ms", "--attribute-every", "2s", "--kamailio-version", "5.2.3",
		"--log-every", "2s")
	c.waitReady(t)
	var yealink, good livetest.Kind
	for _, k := range livetest.Mix() {
		switch k.Name {
		case "proxy-require":
			yealink = k
		case "register":
			good = k
		}
	}
	// 24 one-second phases: Yealink rates that change, steady good traffic
	rates := []int{0, 400, 100, 800, 0, 300, 600, 50, 0, 700, 200, 900, 100, 0, 500, 250, 800, 0, 150, 600, 350, 0, 700, 100}
	for _, r := range rates {
		for chunk := 0; chunk < 10; chunk++ {
			start := time.Now()
			if n := r / 10; n > 0 {
				res, err := livetest.Send(context.Background(), conn, dst, livetest.Plan{Kinds: []livetest.Kind{yealink}, Total: n})
				if err != nil {
					t.Fatal(err)
				}
				leaked.Add(int64(res.Total))
			}
			if _, err := livetest.Send(context.Background(), conn, dst, livetest.Plan{Kinds: []livetest.Kind{good}, Total: 30}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100*time.Millisecond - time.Since(start))
		}
	}
	time.Sleep(time.Second)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := c.wait(t, 60*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, c.log())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Capture struct {
			MemoryPolls  uint64 `json:"memory_polls"`
			MemoryErrors uint64 `json:"memory_poll_errors"`
		} `json:"capture"`
		Correlation *struct {
			Buckets  int `json:"buckets"`
			Suspects []struct {
				UA    string  `json:"ua"`
				First uint32  `json:"first_rule"`
				BPM   float64 `json:"bytes_per_message"`
				CI    struct {
					Low  float64 `json:"low"`
					High float64 `json:"high"`
				} `json:"bytes_per_message_ci95"`
			} `json:"suspects"`
			Notes []struct {
				Text string `json:"text"`
			} `json:"notes"`
		} `json:"correlation"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Capture.MemoryPolls < 80 || rep.Capture.MemoryErrors != 0 {
		t.Errorf("memory polls %d, errors %d", rep.Capture.MemoryPolls, rep.Capture.MemoryErrors)
	}
	if rep.Correlation == nil {
		t.Fatalf("no correlation in the report\n%s", c.log())
	}
	var found []string
	for _, s := range rep.Correlation.Suspects {
		found = append(found, fmt.Sprintf("%s rule %d: %.1f B/msg [%.1f, %.1f]", s.UA, s.First, s.BPM, s.CI.Low, s.CI.High))
	}
	if len(rep.Correlation.Suspects) == 0 {
		t.Fatalf("no suspect over %d buckets; notes %+v", rep.Correlation.Buckets, rep.Correlation.Notes)
	}
	s := rep.Correlation.Suspects[0]
	// Quiet machine: 23.6–24.0 B. Under load the sender's counter and the
	// polls lag the packets by a few ms to tens of ms, which spreads some
	// of a burst's effect into the next 500 ms bucket and lowers the
	// estimate (21.7 B seen with two busy loops). Within 20 % of the true
	// 24 B is the claim.
	if s.UA != yealink.UA || s.First != 512 || s.BPM < 24*0.8 || s.BPM > 24*1.2 {
		t.Errorf("suspects: %s", strings.Join(found, "; "))
	}
	t.Logf("suspects over %d buckets: %s", rep.Correlation.Buckets, strings.Join(found, "; "))
}
