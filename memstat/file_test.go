package memstat

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRecordedKamailio563 reads a recording made by TestKamailioMemwatch
// (-update) against the Debian Kamailio 5.6.3: 300 requests stored 200
// bytes each in an htable, then Kamailio was restarted.
func TestRecordedKamailio563(t *testing.T) {
	set, err := ReadFile(filepath.Join("testdata", "recordings", "kam563-htable-restart.jsonl"), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkSet(t, set)
	if set.Version != "kamailio 5.6.3 (x86_64/linux)" {
		t.Errorf("version %q", set.Version)
	}
	if len(set.Restarts()) != 1 {
		t.Fatalf("restarts: %v", set.Notes)
	}
	used := set.Shm(ShmUsed)
	if len(used) != 2 {
		t.Fatalf("%d shm.used segments", len(used))
	}
	first, _ := used[0].First()
	last, _ := used[0].Last()
	if per := (last.Value - first.Value) / 300; per < 200 || per > 200+256 {
		t.Errorf("recorded growth %.1f bytes per stored item", per)
	}
	// 5.6 has desc: exactly the two "udp receiver" processes, not the TCP
	// receiver whose rank (3) is also positive.
	udp := set.UDPReceivers(PkgUsed)
	if len(udp) != 2 || !strings.Contains(udp[0].Label, "sum of 2 UDP receivers") {
		t.Errorf("UDP receivers: %+v", udp)
	}
	procs := map[string]bool{}
	for _, s := range set.Pkg(PkgFree) {
		procs[s.Key] = true
		if s.Process.Desc == "" || s.Process.PID == 0 {
			t.Errorf("%s: process %+v", s.Key, s.Process)
		}
	}
	if len(procs) != 8 {
		t.Errorf("%d processes, want 8", len(procs))
	}
}

// TestFromSamples52 builds a set from Kamailio 5.2-shaped pkg.stats (no
// desc): UDP receivers by rank, the rank -128 entry left out.
func TestFromSamples52(t *testing.T) {
	pkg, err := ParsePkgStats(fixtureResult(t, "kam52-pkg.stats.json"))
	if err != nil {
		t.Fatal(err)
	}
	shm, err := ParseCoreShmmem(fixtureResult(t, "kam52-core.shmmem.json"))
	if err != nil {
		t.Fatal(err)
	}
	set := FromSamples("kam52", []Sample{{Time: t0, Pkg: pkg, Shm: shm, ShmSource: "core.shmmem"}})
	checkSet(t, set)
	udp := set.UDPReceivers(PkgRealUsed)
	if len(udp) != 1 || udp[0].Points[0].Value != 1800592+5688592 {
		t.Errorf("UDP receivers (ranks 1, 2): %+v", udp)
	}
	w, ok := set.Weakest()
	if !ok || w.Process.PID != 2303 || w.End.Value != 2700016 {
		t.Errorf("Weakest = %+v (the rank -128 entry with free 0 must not win)", w)
	}
	if got := set.Shm(ShmTotal); len(got) != 1 || got[0].Points[0].Value != 3221225472 {
		t.Errorf("shm total %+v", got)
	}
	if !strings.Contains(notesText(set), "entry 4 (pid 2305, rank -128) has never published") {
		t.Errorf("notes:\n%s", notesText(set))
	}
}

func TestReadFileFormats(t *testing.T) {
	dir := t.TempDir()
	rec, err := os.ReadFile(filepath.Join("testdata", "recordings", "kam563-htable-restart.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	gzPath := filepath.Join(dir, "mem.jsonl.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		key  string
		segs int
	}{
		{gzPath, "shm.used", 2},
		{filepath.Join("testdata", "csv", "grafana-wide.csv"), "shm.real_used", 2},
		{filepath.Join("testdata", "csv", "grafana-long.csv"), "shm.used{instance=edge1:8080}", 1},
		{filepath.Join("testdata", "csv", "edge1-kamailio_pkgmem_proxy-min_free-g.rrd.txt"), "pkg.free/weakest", 1},
		{filepath.Join("testdata", "rpclog", "kam52-jq-time.jsonl"), "shm.total", 2},
		{filepath.Join("testdata", "rpclog", "kam523-curl-loop.log"), "pkg.real_used/weakest", 2},
		{filepath.Join("testdata", "rpclog", "kam563-epoch-prefix.log"), "shm.used", 1},
		{filepath.Join("testdata", "xport", "rrdtool172-pkgmem.xml"), "pkg.free/weakest", 1},
		{filepath.Join("testdata", "xport", "rrdtool172-pkgmem.json"), "pkg.real_used/weakest", 1},
		{filepath.Join("testdata", "xport", "edge1-kamailio_pkgmem-xport-14.json"), "pkg.real_used/weakest", 1},
	} {
		set, err := ReadFile(tc.path, CSVOptions{})
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		checkSet(t, set)
		n := 0
		for _, s := range set.Series {
			if s.Key == tc.key {
				n++
			}
		}
		if n != tc.segs {
			t.Errorf("%s: %d segments of %s, want %d\n%s", tc.path, n, tc.key, tc.segs, notesText(set))
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), CSVOptions{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Read(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), "bad.gz", CSVOptions{}); err == nil || !strings.Contains(err.Error(), "bad.gz") {
		t.Errorf("broken gzip: %v", err)
	}
}

func TestCollect(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := &script{steps: []any{server(0, 10, 1000, 1000, 5000), server(time.Second, 10, 2000, 1000, 6000)}, cancel: cancel}
	set, err := Collect(ctx, s, time.Millisecond, "fake")
	if err != nil {
		t.Fatal(err)
	}
	checkSet(t, set)
	if set.Source != "fake" || len(set.Shm(ShmRealUsed)) != 1 || len(set.Shm(ShmRealUsed)[0].Points) != 2 {
		t.Errorf("Collect: %+v", set)
	}
}
