package memstat_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/kamtest"
	"github.com/sipcorr/sipcorr/memstat"
)

var update = flag.Bool("update", false, "rewrite testdata/recordings/kam563-htable-restart.jsonl from the live Kamailio")

// sipOptions is an OPTIONS request to sip:<user>@127.0.0.1 with a unique
// Call-ID and an X-Payload header of payload bytes. Requests to "leak"
// carry Proxy-Require: sip.mysipproxy.com (the Yealink header of the
// original incident), which fails sanity check 512, so the test cfg
// stores their payload in shared memory.
func sipOptions(user string, n, payload int) []byte {
	pr := ""
	if user == "leak" {
		pr = "Proxy-Require: sip.mysipproxy.com\r\n"
	}
	return fmt.Appendf(nil, "OPTIONS sip:%s@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-%s-%d\r\n"+
		"From: <sip:probe@127.0.0.1>;tag=%d\r\n"+
		"To: <sip:%s@127.0.0.1>\r\n"+
		"Call-ID: %s-%08d@sipcorr.test\r\n"+
		"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n%s"+
		"X-Payload: %s\r\nContent-Length: 0\r\n\r\n",
		user, user, n, n, user, user, n, pr, strings.Repeat("x", payload))
}

func send(t *testing.T, srv *kamtest.Server, user string, from, count, payload int) {
	t.Helper()
	msgs := make([][]byte, count)
	for i := range msgs {
		msgs[i] = sipOptions(user, from+i, payload)
	}
	// Loopback UDP with a deep socket buffer: bursts of a few hundred are
	// not dropped, but pace them anyway so the workers keep up.
	for i := 0; i < len(msgs); i += 50 {
		if err := srv.SendUDP(msgs[i:min(i+50, len(msgs))]...); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settledShm polls core.shmmem (live values, unlike the statistics that
// refresh once per timer tick) until it stops changing.
func settledShm(t *testing.T, c *memstat.Client) memstat.ShmStat {
	t.Helper()
	ctx := context.Background()
	prev, err := c.CoreShmmem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		cur, err := c.CoreShmmem(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur == prev {
			return cur
		}
		prev = cur
	}
	t.Fatalf("shared memory did not settle: %+v", prev)
	return prev
}

func TestKamailioRPC(t *testing.T) {
	srv := kamtest.Start(t, kamtest.Config{Children: 3})
	c, err := memstat.NewClient(srv.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	v, err := c.CoreVersion(ctx)
	if err != nil || !strings.HasPrefix(v, "kamailio 5.") || strings.HasSuffix(v, " ") {
		t.Fatalf("CoreVersion = %q, %v", v, err)
	}
	// Until a process has allocated pkg memory once, kex shows it with
	// rank -128 and zeros (seen on a loaded machine right after start).
	var pkg []memstat.PkgStat
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if pkg, err = c.PkgStats(ctx); err != nil {
			t.Fatal(err)
		}
		all := true
		for _, p := range pkg {
			all = all && p.Reported()
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes still without pkg statistics after 10 s: %+v", pkg)
		}
	}
	udp := 0
	for i, p := range pkg {
		if p.Entry != i || p.PID == 0 || p.Desc == "" {
			t.Errorf("entry %d: %+v", i, p)
		}
		// q_malloc: free is exactly total_size - real_used.
		if p.Reported() && p.Free+p.RealUsed != p.TotalSize {
			t.Errorf("entry %d: free %d + real_used %d != total %d", i, p.Free, p.RealUsed, p.TotalSize)
		}
		if p.TotalSize != 8<<20 {
			t.Errorf("entry %d: total_size %d, want the default 8 MiB", i, p.TotalSize)
		}
		if memstat.IsUDPReceiver(p.Process()) {
			udp++
			if p.Rank < 1 {
				t.Errorf("UDP receiver with rank %d: %+v", p.Rank, p)
			}
		}
	}
	if pkg[0].Rank != 0 || !strings.Contains(pkg[0].Desc, "main") {
		t.Errorf("entry 0 = %+v, want the main process", pkg[0])
	}
	if udp != 3 {
		t.Errorf("%d UDP receivers, want children=3", udp)
	}
	stats, err := c.ShmStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	core, err := c.CoreShmmem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Total != 64<<20 || core.Total != stats.Total {
		t.Errorf("shm total: stats %d, core.shmmem %d, want 64 MiB", stats.Total, core.Total)
	}
	for name, s := range map[string]memstat.ShmStat{"stats": stats, "core.shmmem": core} {
		if s.Free+s.RealUsed != s.Total || s.Used == 0 || s.RealUsed < s.Used || s.MaxUsed < s.RealUsed {
			t.Errorf("%s: inconsistent %+v", name, s)
		}
	}
}

// TestKamailioHtableGrowth makes real shared-memory growth: the test
// configuration stores X-Payload in an htable for requests that fail the
// sanity Proxy-Require check only. It measures the growth per stored item
// for two payload sizes and checks that other requests do not grow memory.
func TestKamailioHtableGrowth(t *testing.T) {
	srv := kamtest.Start(t, kamtest.Config{})
	c, err := memstat.NewClient(srv.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	base := settledShm(t, c)
	send(t, srv, "other", 0, n, 100)
	control := settledShm(t, c)
	d := int64(control.Used) - int64(base.Used)
	t.Logf("%d requests that store nothing: shm used %+d bytes", n, d)
	if d < -1024 || d > 1024 {
		t.Errorf("requests that store nothing grew shm used by %d bytes", d)
	}

	perItem := map[int][2]float64{}
	from := 0
	for _, payload := range []int{100, 400} {
		before := settledShm(t, c)
		send(t, srv, "leak", from, n, payload)
		from += n
		after := settledShm(t, c)
		used := float64(int64(after.Used)-int64(before.Used)) / n
		real := float64(int64(after.RealUsed)-int64(before.RealUsed)) / n
		perItem[payload] = [2]float64{used, real}
		t.Logf("htable item with %d-byte value: shm used +%.1f B, real_used +%.1f B per item (%d items)", payload, used, real, n)
		if used < float64(payload) || used > float64(payload)+256 {
			t.Errorf("payload %d: %.1f B used per item, want payload + at most 256 B", payload, used)
		}
		if real <= used {
			t.Errorf("payload %d: real_used growth %.1f <= used growth %.1f: no fragment overhead?", payload, real, used)
		}
	}
	// The item cost is linear in the value size (up to 8-byte rounding).
	if slope := perItem[400][0] - perItem[100][0]; slope < 300-8 || slope > 300+8 {
		t.Errorf("300 more payload bytes cost %.1f more bytes per item", slope)
	}
}

func TestKamailioMethodNotFoundWithoutKex(t *testing.T) {
	srv := kamtest.Start(t, kamtest.Config{NoKex: true})
	c, err := memstat.NewClient(srv.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PkgStats(context.Background())
	if !errors.Is(err, memstat.ErrMethodNotFound) || !errors.Is(err, memstat.ErrRPC) || !strings.Contains(err.Error(), `loadmodule "kex.so"`) {
		t.Fatalf("PkgStats without kex: %v", err)
	}
	if _, err := c.CoreShmmem(context.Background()); err != nil {
		t.Errorf("core.shmmem is core and must work without kex: %v", err)
	}
	bad, err := memstat.NewClient(strings.TrimSuffix(srv.RPCURL, "/RPC") + "/nothing")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.CoreVersion(context.Background()); !errors.Is(err, memstat.ErrHTTPStatus) || !strings.Contains(err.Error(), "404") {
		t.Errorf("wrong path: %v", err)
	}
}

// TestKamailioMemwatch records a live server with the Watcher while one
// class of requests grows shared memory, restarts Kamailio in the middle,
// and reads the recording back.
func TestKamailioMemwatch(t *testing.T) {
	srv := kamtest.Start(t, kamtest.Config{})
	c, err := memstat.NewClient(srv.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout, c.Retries = time.Second, -1
	path := filepath.Join(t.TempDir(), "mem.jsonl")
	f, err := memstat.OpenRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu    sync.Mutex
		polls int
		fails int
	)
	w := &memstat.Watcher{Sampler: c, Interval: 150 * time.Millisecond, Out: f, Source: srv.RPCURL,
		OnPoll: func(_ memstat.Sample, err error) {
			mu.Lock()
			defer mu.Unlock()
			polls++
			if err != nil {
				fails++
			}
		}}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitPolls := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			p := polls
			mu.Unlock()
			if p >= n {
				return
			}
		}
		t.Fatalf("watcher made fewer than %d polls", n)
	}
	waitPolls(3)
	send(t, srv, "leak", 0, 300, 200)
	// No settledShm here: a second HTTP connection beside the watcher's
	// would itself hold 17312 B of shm in Kamailio while open.
	time.Sleep(1500 * time.Millisecond) // processing, and stats refresh once per timer tick
	mu.Lock()
	before := polls
	mu.Unlock()
	waitPolls(before + 3)
	// Samples taken while Kamailio shuts down can see its exit-time
	// allocations; measure the growth on the last sample before that.
	beforeRestart := time.Now()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	before = polls
	mu.Unlock()
	waitPolls(before + 4)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	if *update {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "recordings", "kam563-htable-restart.jsonl"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rf, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	set, err := memstat.ReadRecording(rf, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range set.Notes {
		t.Log(n)
	}
	if !strings.HasPrefix(set.Version, "kamailio 5.") {
		t.Errorf("version %q", set.Version)
	}
	if r := set.Restarts(); len(r) != 1 {
		t.Fatalf("restarts %v, want exactly one", r)
	}
	used := set.Shm(memstat.ShmUsed)
	if len(used) != 2 {
		t.Fatalf("%d shm.used segments, want 2 (split at the restart)", len(used))
	}
	first, _ := used[0].First()
	var peak memstat.Point
	for _, p := range used[0].Points {
		if !p.Time.After(beforeRestart) {
			peak = p
		}
	}
	if last, _ := used[0].Last(); last.Value != peak.Value {
		t.Logf("during shutdown shm used moved from %.0f to %.0f", peak.Value, last.Value)
	}
	restart, _ := used[1].Min() // a sample during start-up can see transient allocations
	grew := peak.Value - first.Value
	t.Logf("recorded shm used: %.0f -> %.0f (+%.0f for 300 items, %.1f per item), after restart %.0f", first.Value, peak.Value, grew, grew/300, restart.Value)
	if grew < 300*200 || grew > 300*(200+256) {
		t.Errorf("recorded growth %.0f bytes for 300 items of 200 bytes", grew)
	}
	if restart.Value > first.Value+4096 {
		t.Errorf("after the restart shm used is %.0f, want about the fresh %.0f", restart.Value, first.Value)
	}
	if got := set.UDPReceivers(memstat.PkgUsed); len(got) != 2 {
		t.Errorf("%d UDP receiver segments, want 2", len(got))
	}
	if wk, ok := set.Weakest(); !ok || wk.Process.PID == 0 {
		t.Errorf("Weakest = %+v, %v", wk, ok)
	}
}

// TestKamailioConnectionCost measures what a poller's own HTTP keep-alive
// connection costs in Kamailio's shared memory while it stays open, the
// noise a second poller adds to shm.
func TestKamailioConnectionCost(t *testing.T) {
	srv := kamtest.Start(t, kamtest.Config{})
	c, err := memstat.NewClient(srv.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	base := settledShm(t, c)
	const n = 4
	addr := strings.TrimSuffix(strings.TrimPrefix(srv.RPCURL, "http://"), "/RPC")
	body := `{"jsonrpc":"2.0","method":"core.version","id":1}`
	for range n {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := fmt.Fprintf(conn, "POST /RPC HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Read(make([]byte, 4096)); err != nil {
			t.Fatal(err)
		}
	}
	open := settledShm(t, c)
	per := float64(int64(open.Used)-int64(base.Used)) / n
	t.Logf("each open HTTP keep-alive connection holds %.0f B of shm (used)", per)
	if per < 1024 || per > 64<<10 {
		t.Errorf("%.0f B of shm per connection", per)
	}
}
