package memstat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// proc makes a pkg.stats entry with q_malloc's free = total - real_used.
func proc(entry, pid, rank int, desc string, realUsed uint64) PkgStat {
	return PkgStat{Entry: entry, PID: pid, Rank: rank, Desc: desc, Used: realUsed * 3 / 4,
		Free: 8<<20 - realUsed, RealUsed: realUsed, TotalSize: 8 << 20, TotalFrags: 3}
}

// server makes a sample of a server whose main pid is base and whose two
// UDP receivers use w1 and w2 bytes of pkg; shm real_used is shm.
func server(at time.Duration, base int, w1, w2, shm uint64) Sample {
	return Sample{
		Time:    t0.Add(at),
		Version: "kamailio 5.6.3 (x86_64/linux)",
		Pkg: []PkgStat{
			proc(0, base, 0, "main process - attendant", 700_000),
			proc(1, base+1, 1, "udp receiver child=0 sock=127.0.0.1:5060", w1),
			proc(2, base+2, 2, "udp receiver child=1 sock=127.0.0.1:5060", w2),
			proc(3, base+3, -1, "timer", 690_000),
			{Entry: 4, PID: base + 4, Rank: -128, TotalSize: 8 << 20},
		},
		Shm:       ShmStat{Total: 64 << 20, Free: 64<<20 - shm, Used: shm * 2 / 3, RealUsed: shm, MaxUsed: shm, Fragments: 1},
		ShmSource: "stats",
	}
}

// script is a Sampler that plays steps (Sample or error) and then cancels.
type script struct {
	mu     sync.Mutex
	steps  []any
	cancel context.CancelFunc
}

func (s *script) Sample(ctx context.Context) (Sample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.steps) == 0 {
		s.cancel()
		return Sample{}, ctx.Err()
	}
	step := s.steps[0]
	s.steps = s.steps[1:]
	if err, ok := step.(error); ok {
		return Sample{}, err
	}
	return step.(Sample), nil
}

func record(t *testing.T, steps ...any) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var buf bytes.Buffer
	w := &Watcher{Sampler: &script{steps: steps, cancel: cancel}, Interval: time.Millisecond, Out: &buf,
		Source: "http://127.0.0.1:4000/RPC"}
	err := w.Run(ctx)
	return buf.Bytes(), err
}

func TestWatchAndReadBack(t *testing.T) {
	refused := &CallError{URL: "http://127.0.0.1:4000/RPC", Method: "pkg.stats", Kind: ErrConnect, Err: errors.New("connection refused")}
	data, err := record(t,
		server(0, 100, 1_000_000, 800_000, 600_000),
		server(10*time.Second, 100, 1_200_000, 800_000, 700_000),
		server(20*time.Second, 100, 1_400_000, 800_000, 800_000),
		refused, // Kamailio restarting
		server(40*time.Second, 200, 760_000, 760_000, 600_000),
		server(50*time.Second, 200, 900_000, 760_000, 650_000),
	)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 8 || !strings.Contains(lines[0], `"type":"start"`) || !strings.Contains(lines[4], `"type":"gap"`) || !strings.Contains(lines[7], `"type":"stop"`) {
		t.Fatalf("recording:\n%s", data)
	}
	set, err := ReadRecording(bytes.NewReader(data), "mem.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if set.Version != "kamailio 5.6.3 (x86_64/linux)" {
		t.Errorf("version %q", set.Version)
	}
	if r := set.Restarts(); len(r) != 1 || !r[0].Equal(t0.Add(40*time.Second)) {
		t.Errorf("restarts %v", r)
	}
	kinds := map[NoteKind]int{}
	for _, n := range set.Notes {
		kinds[n.Kind]++
	}
	if kinds[NoteGap] != 1 || kinds[NoteIgnored] != 2 { // the rank -128 entry, once per pid
		t.Errorf("notes %v:\n%v", kinds, set.Notes)
	}
	shm := set.Shm(ShmRealUsed)
	if len(shm) != 2 || len(shm[0].Points) != 3 || len(shm[1].Points) != 2 || shm[1].Segment != 1 {
		t.Fatalf("shm real_used segments: %+v", shm)
	}
	w1 := set.Select(PkgRealUsed, ScopeProcess)
	if len(w1) != 8 { // entries 0..3, two segments each
		t.Errorf("%d per-process real_used series, want 8", len(w1))
	}
	udp := set.UDPReceivers(PkgRealUsed)
	if len(udp) != 2 || udp[0].Points[2].Value != 2_200_000 || !strings.Contains(udp[0].Label, "2 UDP receivers") {
		t.Errorf("UDP receivers: %+v", udp)
	}
	weak := set.Select(PkgFree, ScopeWeakest)
	if len(weak) != 2 || weak[0].Points[2].Value != 8<<20-1_400_000 {
		t.Errorf("weakest series: %+v", weak)
	}
	wk, ok := set.Weakest()
	if !ok || wk.Process.PID != 201 || wk.End.Value != 8<<20-900_000 || wk.Key != "pkg.free/entry=1" {
		t.Errorf("Weakest = %+v", wk)
	}
	ever, ok := set.WeakestEver()
	if !ok || ever.Min.Value != 8<<20-1_400_000 || !ever.Min.Time.Equal(t0.Add(20*time.Second)) {
		t.Errorf("WeakestEver = %+v", ever)
	}
}

func TestWatchFirstPollConfigError(t *testing.T) {
	notFound := &RPCError{URL: "u", Method: "pkg.stats", Code: 500, Message: "Method Not Found"}
	data, err := record(t, notFound, server(0, 1, 1, 1, 1))
	if !errors.Is(err, ErrMethodNotFound) {
		t.Fatalf("Run = %v, want the configuration error", err)
	}
	if !bytes.Contains(data, []byte(`kex.so`)) {
		t.Errorf("gap line should carry the advice:\n%s", data)
	}
	// After one good poll the same error is a gap: the server may be
	// restarting with another configuration; keep recording.
	_, err = record(t, server(0, 1, 10, 10, 10), notFound, server(time.Second, 1, 10, 10, 10))
	if err != nil {
		t.Fatalf("Run = %v after a good poll", err)
	}
}

func TestWatchWriteError(t *testing.T) {
	w := &Watcher{Sampler: &script{}, Interval: time.Second, Out: failWriter{}}
	if err := w.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run = %v", err)
	}
	if err := (&Watcher{Sampler: &script{}, Out: failWriter{}}).Run(context.Background()); err == nil {
		t.Fatal("zero interval accepted")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestRecordingAppendAfterCrash: a recorder killed mid-line leaves a
// partial line; the next recorder appends after a newline; the reader
// reports the broken line by number and uses everything else.
func TestRecordingAppendAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mem.jsonl")
	first, err := record(t, server(0, 100, 1_000_000, 900_000, 500_000), server(10*time.Second, 100, 1_100_000, 900_000, 500_000))
	if err != nil {
		t.Fatal(err)
	}
	// Drop the stop line and end in half a sample line.
	cut := bytes.LastIndexByte(first[:len(first)-1], '\n') + 1
	crashed := append(first[:cut:cut], `{"v":1,"type":"sam`...)
	if err := os.WriteFile(path, crashed, 0o644); err != nil {
		t.Fatal(err)
	}
	// Reading the crashed file: partial last line.
	set, err := ReadRecording(bytes.NewReader(crashed), path)
	if err != nil || !hasNote(set, NotePartial, 4) {
		t.Fatalf("crashed file: %v\n%v", err, set)
	}
	f, err := OpenRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := record(t, server(time.Minute, 300, 800_000, 800_000, 400_000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(second); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f2, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	set, err = ReadRecording(f2, path)
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(set, NoteSkipped, 4) || len(set.Restarts()) != 1 {
		t.Errorf("notes: %v", set.Notes)
	}
	if segs := set.Shm(ShmUsed); len(segs) != 2 || len(segs[0].Points)+len(segs[1].Points) != 3 {
		t.Errorf("shm used: %+v", segs)
	}
}

func hasNote(s *Set, k NoteKind, line int) bool {
	if s == nil {
		return false
	}
	for _, n := range s.Notes {
		if n.Kind == k && n.Line == line {
			return true
		}
	}
	return false
}

func TestReadRecordingRejects(t *testing.T) {
	for name, in := range map[string]string{
		"csv":   "time,free\n1,2\n",
		"empty": "",
		"json":  `{"jsonrpc":"2.0","result":[]}` + "\n",
	} {
		if _, err := ReadRecording(strings.NewReader(in), name); !errors.Is(err, ErrNoData) {
			t.Errorf("%s: %v, want ErrNoData", name, err)
		}
	}
	// The server never answered: say why.
	gaps := `{"v":1,"type":"start","t":"2026-11-29T12:00:00Z","source":"x","interval":"10s"}` + "\n" +
		`{"v":1,"type":"gap","t":"2026-11-29T12:00:00Z","error":"connection refused\u001b[2J"}` + "\n"
	if _, err := ReadRecording(strings.NewReader(gaps), "gaps"); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "line 2: 2026-11-29T12:00:00Z gap: poll failed: connection refused") || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("gaps only: %v", err)
	}
	// Known lines with odd content: kept going, noted.
	in := `{"v":2,"type":"sample","t":"2026-11-29T12:00:00Z","shm":{"total":10,"free":5,"used":4,"real_used":5}}
{"v":1,"type":"sample","t":"2026-11-29T12:00:10Z"}
{"v":1,"type":"bogus","t":"2026-11-29T12:00:20Z"}
{"v":1,"type":"sample","shm":{"total":10}}
` + strings.Repeat(" ", 10) + "\n"
	set, err := ReadRecording(strings.NewReader(in), "odd")
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(set, NoteInfo, 1) || !hasNote(set, NoteSkipped, 2) || !hasNote(set, NoteIgnored, 3) || !hasNote(set, NoteSkipped, 4) {
		t.Errorf("notes: %v", set.Notes)
	}
	if s := set.Shm(ShmFree); len(s) != 1 || len(s[0].Points) != 1 {
		t.Errorf("series: %v", set.Series)
	}
}

func TestReadRecordingLongLine(t *testing.T) {
	in := fmt.Sprintf("{\"v\":1,\"type\":\"gap\",\"t\":\"2026-11-29T12:00:00Z\",\"error\":\"%s\"}\n", strings.Repeat("x", DefaultLimits.MaxLine+10)) +
		`{"v":1,"type":"gap","t":"2026-11-29T12:00:10Z","error":"refused"}` + "\n" +
		`{"v":1,"type":"sample","t":"2026-11-29T12:00:20Z","shm":{"total":10,"free":5,"used":4,"real_used":5}}` + "\n"
	set, err := ReadRecording(strings.NewReader(in), "long")
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(set, NoteSkipped, 1) || !hasNote(set, NoteGap, 2) {
		t.Errorf("notes: %v", set.Notes)
	}
}

// TestDuplicateEntryInOneSample is the regression test for a fuzz finding:
// a sample line listing the same pkg.stats entry twice gave a series two
// points with one timestamp.
func TestDuplicateEntryInOneSample(t *testing.T) {
	in := `{"v":1,"type":"sample","t":"2026-11-29T12:00:00Z","pkg":[` +
		`{"entry":1,"pid":5,"rank":1,"used":1,"free":9,"real_used":2,"total_size":11},` +
		`{"entry":1,"pid":5,"rank":1,"used":3,"free":7,"real_used":4,"total_size":11}]}` + "\n"
	set, err := ReadRecording(strings.NewReader(in), "dup")
	if err != nil {
		t.Fatal(err)
	}
	checkSet(t, set)
	if got := set.Pkg(PkgUsed); len(got) != 1 || len(got[0].Points) != 1 || got[0].Points[0].Value != 1 {
		t.Errorf("pkg.used: %+v", got)
	}
	if !strings.Contains(notesText(set), "appears twice") {
		t.Errorf("notes: %v", set.Notes)
	}
}

func TestSampleSummary(t *testing.T) {
	s := server(0, 100, 1_400_000, 800_000, 663_000)
	s.Pkg[1].Desc += "\x1b[31m"
	got := s.Summary()
	want := "shm real_used 647.5 KiB of 64.0 MiB (1.0%), least pkg free 6.7 MiB (entry 1 pid 101: udp receiver child=0 sock=127.0.0.1:5060 [31m), 2 UDP receivers real_used 2.1 MiB"
	if got != want {
		t.Errorf("Summary:\n got %q\nwant %q", got, want)
	}
	for v, want := range map[float64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 8 << 20: "8.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := IEC(v); got != want {
			t.Errorf("IEC(%v) = %q, want %q", v, got, want)
		}
	}
}
