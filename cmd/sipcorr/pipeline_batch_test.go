package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// sinkTrace records what a sink sees of every judged message, in order:
// the batched file loop must hand out exactly what the sequential one does.
// It also notes each new input on the run's stderr, where analyzeFiles
// reports faulty files: the sinks must be done with a file before its
// fault is reported.
type sinkTrace struct {
	lines  []string
	stderr io.Writer
	path   string
}

func (s *sinkTrace) add(path string, m *judged) {
	if path != s.path {
		s.path = path
		fmt.Fprintf(s.stderr, "sinks: %s\n", path)
	}
	h := fnv.New64a()
	h.Write(m.dg.Payload)
	v := m.verdict
	s.lines = append(s.lines, fmt.Sprintf("%s #%d %s %s>%s %v len=%d h=%x err=%v | req=%v %q %d ua=%q | %v %q %x %x %d %q %v %v",
		path, m.dg.Packet, m.dg.Time.Format(time.RFC3339Nano), m.dg.Src, m.dg.Dst, m.dg.Transport,
		len(m.dg.Payload), h.Sum64(), m.parseErr,
		m.msg.IsRequest, m.msg.Method, m.msg.StatusCode, m.msg.Get(sipparse.HdrUserAgent),
		v.CoreDrop, v.CoreDropReason, uint32(v.Failed), uint32(v.First), v.Code, v.Reason, v.NoReplyFlag, v.ContactStar))
}

// runFiles runs analyzeFilesOn and returns the JSON report, what the sinks
// saw and the exit state.
func runFiles(t *testing.T, ctx context.Context, judges int, servers serverSet, paths ...string) (string, []string, bool) {
	t.Helper()
	var stderr bytes.Buffer
	tr := sinkTrace{stderr: &stderr}
	a, faulty := analyzeFilesOn(ctx, judges, &env{stdout: io.Discard, stderr: &stderr}, paths, capture.Options{},
		defaultJudge(t), servers, correlate.InventoryLimits{MaxUAs: correlate.DefaultMaxUAs}, nil, tr.add)
	var out bytes.Buffer
	if err := report.WriteAnalysis(&out, report.FormatJSON, a); err != nil {
		t.Fatal(err)
	}
	return out.String() + "\nstderr:\n" + stderr.String(), tr.lines, faulty
}

func compareRuns(t *testing.T, servers serverSet, paths ...string) (faulty bool) {
	t.Helper()
	seqOut, seqTrace, seqFaulty := runFiles(t, context.Background(), 0, servers, paths...)
	// One judge, two (as many as this machine's CPUs in CI), and more
	// judges than CPUs, where batches finish out of order most often.
	for _, judges := range []int{1, 2, 5} {
		batOut, batTrace, batFaulty := runFiles(t, context.Background(), judges, servers, paths...)
		if seqOut != batOut {
			t.Errorf("%d judges: report differs\nsequential:\n%s\nbatched:\n%s", judges, seqOut, batOut)
		}
		if seqFaulty != batFaulty {
			t.Errorf("%d judges: faulty: sequential %v, batched %v", judges, seqFaulty, batFaulty)
		}
		if len(seqTrace) != len(batTrace) {
			t.Fatalf("%d judges: sinks saw %d messages sequentially, %d batched", judges, len(seqTrace), len(batTrace))
		}
		for i := range seqTrace {
			if seqTrace[i] != batTrace[i] {
				t.Fatalf("%d judges: message %d differs\nsequential: %s\nbatched:    %s", judges, i, seqTrace[i], batTrace[i])
			}
		}
	}
	return seqFaulty
}

// TestBatchedMatchesSequential: the same report and the same messages, in
// the same order, reach the sinks with either file loop; on the demo
// captures (thousands of messages, UDP and TCP, many batches), on every
// generated capture, and on all of them in one run (TCP held across
// files, batches cut at file ends). Servers given, guessed and none.
func TestBatchedMatchesSequential(t *testing.T) {
	captures, err := filepath.Glob(repo("testdata", "captures", "*.pcap*"))
	if err != nil || len(captures) < 10 {
		t.Fatalf("generated captures: %v (%d found)", err, len(captures))
	}
	demo := []string{repo("testdata", "demo", "edge.pcapng"), repo("testdata", "demo", "leak", "edge.pcapng")}
	cases := map[string][]string{"all": append(append([]string{}, demo...), captures...)}
	for _, p := range append(demo, captures...) {
		cases[filepath.Base(filepath.Dir(p))+"/"+filepath.Base(p)] = []string{p}
	}
	for name, paths := range cases {
		t.Run(name, func(t *testing.T) {
			guessed, _ := guessServer(context.Background(), paths, capture.Options{})
			compareRuns(t, guessed, paths...)
			compareRuns(t, nil, paths...)
		})
	}
}

// TestBatchedFaultyFileInTheMiddle: a broken file between good ones is
// reported once, with the messages before its fault, and the run goes on.
func TestBatchedFaultyFileInTheMiddle(t *testing.T) {
	good := repo("testdata", "demo", "edge.pcapng")
	cut := filepath.Join(t.TempDir(), "cut.pcapng")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// Cut in the middle of a block: a fault after many messages.
	if err := os.WriteFile(cut, b[:len(b)/2+7], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mid := range []string{cut, repo("testdata", "captures", "corrupt_record_length.pcap"),
		repo("testdata", "captures", "bad_magic.pcap"), filepath.Join(t.TempDir(), "missing.pcap")} {
		t.Run(filepath.Base(mid), func(t *testing.T) {
			if !compareRuns(t, nil, good, mid, repo("testdata", "demo", "leak", "edge.pcapng")) {
				t.Fatal("faulty file not reported")
			}
		})
	}
}

// TestBatchedCancelStopsJudge: a run interrupted mid-file returns, and the
// judge goroutines are gone afterwards. The first message through the
// sinks cancels: the reader is then at most the batches in flight (a few
// hundred messages) ahead, short of the packet where ReadFile first looks
// at ctx (1024), so the first file (2927 packets) is always cut short. (It
// cancelled at the 1000th message once, and with bigger batches the reader
// could pass the last check of the file before that.)
func TestBatchedCancelStopsJudge(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	stop := func(string, *judged) {
		if n++; n == 1 {
			cancel()
		}
	}
	a, faulty := analyzeFilesOn(ctx, 2, &env{stdout: io.Discard, stderr: io.Discard},
		[]string{repo("testdata", "demo", "edge.pcapng"), repo("testdata", "demo", "leak", "edge.pcapng")},
		capture.Options{}, defaultJudge(t), nil, correlate.InventoryLimits{}, nil, stop)
	if !faulty || len(a.Files) != 1 || n == 0 || n >= 2927 {
		t.Fatalf("faulty %v, files %+v, %d messages: want the first file interrupted", faulty, a.Files, n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBatchedMessageDoesNotAllocate: in steady state, copying a message
// into a batch, judging it on the other goroutine and running the sinks
// costs no allocation.
func TestBatchedMessageDoesNotAllocate(t *testing.T) {
	j := defaultJudge(t)
	p := newPipeline(capture.Options{}, j)
	inv := correlate.NewInventory(correlate.InventoryLimits{})
	var defects defectCounter
	var obs correlate.Observation
	seen := 0
	bp := newBatchPipelineN(p, func(_ string, m *judged) {
		toObservation(m, &obs)
		inv.Add(&obs)
		defects.add(j.version, m)
		seen++
	}, 2)
	defer bp.close()
	dg := &capture.Datagram{Time: time.Unix(1e9, 0), Transport: capture.TransportUDP,
		Src: netip.MustParseAddrPort("192.0.2.10:5060"), Dst: netip.MustParseAddrPort("198.51.100.1:5060"),
		Payload: []byte(register420), Packet: 1}
	// Warm up every slot of every batch: Message headers grow once.
	for range 2 * len(bp.held) * batchSize {
		bp.add("x", dg)
	}
	const runs = 20 * batchSize
	if n := testing.AllocsPerRun(runs, func() { bp.add("x", dg) }); n != 0 {
		t.Errorf("%.2f allocations per batched message, want 0", n)
	}
	bp.sync()
	if want := 2*len(bp.held)*batchSize + runs + 1; seen != want { // AllocsPerRun runs once more to warm up
		t.Errorf("sinks saw %d messages, want %d", seen, want)
	}
	if p.totals.Malformed != uint64(seen) {
		t.Errorf("%d malformed of %d", p.totals.Malformed, seen)
	}
}

// TestStartLineParsesAlike: the --server auto pre-pass parses only the
// start line; Parse must fail and tell requests from replies alike.
func TestStartLineParsesAlike(t *testing.T) {
	for _, in := range []string{register420, "", "\r\n\r\n", "  \r\nSIP/2.0 200 OK\r\nVia: x\r\n\r\n",
		"SIP/2.0 200 OK", "INVITE sip:a@b SIP/2.0\nTo: x\n\n", "garbage\r\nSIP/2.0 200 OK\r\n", "INVITE\r\n", "\x00\tOPTIONS sip:x SIP/2.0\r\n"} {
		checkStartLine(t, []byte(in))
	}
	// And every message of the demo captures.
	n := 0
	for _, p := range []string{repo("testdata", "demo", "edge.pcapng"), repo("testdata", "demo", "leak", "edge.pcapng")} {
		d := capture.NewDecoder(capture.Options{})
		emit := func(dg *capture.Datagram) { n++; checkStartLine(t, dg.Payload) }
		if err := capture.ReadFile(context.Background(), p, d, emit); err != nil {
			t.Fatal(err)
		}
		d.Flush(emit)
	}
	if n < 1000 {
		t.Fatalf("%d messages in the demo captures", n)
	}
}

func checkStartLine(t *testing.T, in []byte) {
	t.Helper()
	var full, cut sipparse.Message
	errFull := sipparse.Parse(in, &full)
	errCut := sipparse.Parse(startLine(in), &cut)
	if errFull != errCut || full.IsRequest != cut.IsRequest {
		t.Errorf("%q: full parse (%v, request %v), start line (%v, request %v)", in, errFull, full.IsRequest, errCut, cut.IsRequest)
	}
}
