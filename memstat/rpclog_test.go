package memstat

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// values returns the values of segment seg of key.
func values(s *Set, key string, seg int) []float64 {
	for _, x := range s.Series {
		if x.Key == key && x.Segment == seg {
			out := make([]float64, len(x.Points))
			for i, p := range x.Points {
				out[i] = p.Value
			}
			return out
		}
	}
	return nil
}

// segments counts the segments of key.
func segments(s *Set, key string) int {
	n := 0
	for _, x := range s.Series {
		if x.Key == key {
			n++
		}
	}
	return n
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// compact strips the layout of a fixture answer: one answer per line.
func compact(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rpc", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("\n", "", "\t", "").Replace(string(b))
}

const (
	shmA = `{"jsonrpc":"2.0","result":["shmem:fragments = 1","shmem:free_size = 66460856","shmem:max_used_size = 648008","shmem:real_used_size = 648008","shmem:total_size = 67108864","shmem:used_size = 407656"],"id":1`
	shmB = `{"jsonrpc":"2.0","result":{"shmem.free_size":"66459856","shmem.real_used_size":"649008","shmem.total_size":"67108864","shmem.used_size":"408656"},"id":1`
	pkgA = `{"jsonrpc":"2.0","result":[{"entry":0,"pid":7,"rank":0,"used":1,"free":7,"real_used":2,"total_size":9,"total_frags":1}],"id":1}`
	shmC = `{"jsonrpc":"2.0","result":{"total":67108864,"free":66458856,"used":409656,"real_used":650008},"id":1`
)

// rpcCases are small files of answers; they double as fuzz seeds.
var rpcCases = []struct {
	name    string
	in      string
	opts    CSVOptions
	want    map[string][]float64 // key -> values of segment 0
	segs    map[string]int
	notes   []string
	err     string // non-empty: the error must contain it
	version string // Set.Version, when given
}{
	{
		name: "ts and timestamp fields, RFC 3339 and epoch string, stats then fetch then shmmem",
		in: shmA + `,"ts":"2026-12-08T00:00:00Z"}` + "\n" + shmB + `,"timestamp":"1796688060"}` + "\n" +
			shmC + `,"time":1796688120}` + "\n",
		want: map[string][]float64{"shm.real_used": {648008, 649008, 650008}, "shm.used": {407656, 408656, 409656}},
	},
	{
		name: "batch answer: one poll of stats and core.shmmem, stats wins",
		in:   "1796688000 [" + shmA + "}," + shmC + "}]\n" + "1796688060 [" + shmC + "}," + shmB + "}]\n",
		want: map[string][]float64{"shm.real_used": {648008, 649008}},
	},
	{
		name: "no time and no interval",
		in:   shmA + "}\n" + shmB + "}\n",
		err:  "carry no time",
	},
	{
		// A poll ends where a kind repeats: B (stats) and C (core.shmmem)
		// are one poll, and stats wins.
		name:  "no time, interval and end: spaced back from the end",
		in:    shmA + "}" + shmB + "}" + shmC + "}",
		opts:  CSVOptions{Interval: time.Minute, End: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)},
		want:  map[string][]float64{"shm.real_used": {648008, 649008}, "shm.max_used": {648008}},
		notes: []string{"info: the answers carry no time: 2 polls spaced by 1m0s, the last at 2026-12-08T01:00:00Z"},
	},
	{
		name:  "no time and a failed run: the shift is said",
		in:    shmA + "}\n" + `{"jsonrpc":"2.0","error":{"code":500,"message":"x"},"id":1}` + "\n" + shmB + "}\n",
		opts:  CSVOptions{Interval: time.Minute, End: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)},
		want:  map[string][]float64{"shm.real_used": {648008, 649008}},
		notes: []string{"1 answers were RPC errors and 0 lines or answers unusable: runs without a usable answer are not counted"},
	},
	{
		name: "cut-off answer followed by the next on the same line",
		in: "1796688000 " + shmA + "}\n" + `1796688060 {"jsonrpc":"2.0","result":["shmem:free_size = 1` +
			"{\n\t\"jsonrpc\":\t\"2.0\",\n\t\"result\":\t[\"shmem:free_size = 66458856\", \"shmem:real_used_size = 650008\", \"shmem:total_size = 67108864\", \"shmem:used_size = 409656\"],\n\t\"time\": 1796688120\n}",
		want:  map[string][]float64{"shm.real_used": {648008, 650008}},
		notes: []string{"line 2: partial: byte offset ", "answer cut off after"},
	},
	{
		name:  "statistics without shmem",
		in:    `1796688000 {"jsonrpc":"2.0","result":["core:rcv_requests = 7"],"id":1}` + "\n",
		err:   "no usable JSON-RPC answer (1 answers); first problem: line 1: ignored: byte offset 11: answer not used:",
		notes: nil,
	},
	{
		name:    "core.uptime and other answers are noted, not used",
		in:      `1796688000 {"jsonrpc":"2.0","result":{"now":"x","uptime":5},"id":1}` + "\n1796688000 " + shmA + "}\n" + `1796688060 {"jsonrpc":"2.0","result":"kamailio 5.2.3 (x86_64/linux) "}` + "\n" + `1796688060 {"jsonrpc":"2.0","result":7}` + "\n",
		want:    map[string][]float64{"shm.real_used": {648008}},
		notes:   []string{"line 1: ignored: byte offset 11: answer not used: an object result that is neither core.shmmem nor stats.fetch", "line 4: ignored: byte offset 368: answer not used: result is neither"},
		version: "kamailio 5.2.3 (x86_64/linux)",
	},
	{
		name: "shared memory only: restarts inferred from the drop",
		in: "1796688000 " + shmA + "}\n1796688060 " + strings.Replace(shmA, "648008\",\"shmem:total", "2648008\",\"shmem:total", 1) + "}\n" +
			"1796688120 " + shmA + "}\n",
		segs: map[string]int{"shm.real_used": 2},
	},
	{
		name:  "timed and untimed mixed: the untimed are left out",
		in:    "1796688000 " + shmA + "}\n" + shmB + "}\n1796688120 " + shmC + "}\n",
		want:  map[string][]float64{"shm.real_used": {648008, 650008}},
		notes: []string{"1 answers without a time among 2 with one: left out"},
	},
	{
		name:  "a bad time field, a non-time prefix, garbage and an error answer",
		in:    shmA + `,"time":"yesterday"}` + "\nnow " + shmB + "}\nhello\n" + `1796688000 {"jsonrpc":"2.0","error":{"code":500,"message":"No such pid"},"id":1}` + "\n1796688060 " + shmC + "}\n",
		want:  map[string][]float64{"shm.real_used": {650008}},
		notes: []string{"line 1: skipped: byte offset 0: the time field of the answer is not a time", `line 2: skipped: byte offset 230: text before the answer is not a time: "now"`, `line 3: skipped: byte offset 384: not a JSON-RPC answer: "hello"`, `line 4: 2026-12-08T00:00:00Z gap: byte offset 401: the RPC failed: error 500 "No such pid"`},
		err:   "",
	},
	{
		name:  "a date line times every answer after it: one poll per run",
		in:    "1796688000\n" + pkgA + "\n" + shmA + "}\n1796688060\n" + strings.Replace(pkgA, `"real_used":2`, `"real_used":3`, 1) + shmB + "}\n1796688120\n",
		want:  map[string][]float64{"pkg.real_used/entry=0": {2, 3}, "shm.real_used": {648008, 649008}},
		notes: []string{"line 6: skipped: byte offset 638: time line without an answer after it"},
	},
	{
		name:  "zoneless prefix times are in the location",
		in:    "2026-12-08 01:00:00 " + shmA + "}\n2026-12-08 01:01:00 " + shmB + "}\n",
		opts:  CSVOptions{Location: time.FixedZone("CET", 3600)},
		want:  map[string][]float64{"shm.real_used": {648008, 649008}},
		notes: []string{"times carry no zone: read as CET"},
	},
}

func TestReadRPCLogCases(t *testing.T) {
	for _, tc := range rpcCases {
		t.Run(tc.name, func(t *testing.T) {
			set, err := ReadRPCLog(strings.NewReader(tc.in), "kam.log", tc.opts)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "kam.log") || !errors.Is(err, ErrNoData) {
					t.Fatalf("error %v, want ErrNoData containing %q and the file name", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSet(t, set)
			if set.Averaged {
				t.Error("answers are instantaneous readings: Averaged must be false")
			}
			if tc.version != "" && set.Version != tc.version {
				t.Errorf("version %q, want %q", set.Version, tc.version)
			}
			checkExpected(t, set, tc.want, tc.segs, tc.notes)
		})
	}
}

// TestReadRPCLogFiles reads the fixture files through ReadFile: the
// format is detected from the content.
func TestReadRPCLogFiles(t *testing.T) {
	end := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		file  string
		opts  CSVOptions
		want  map[string][]float64
		segs  map[string]int
		notes []string
	}{
		{
			file: "kam563-curl-untimed.log",
			opts: CSVOptions{Interval: 5 * time.Minute, End: end},
			want: map[string][]float64{"pkg.real_used/entry=1": {756184, 757184}, "shm.real_used": {648008, 649008, 648008}},
			segs: map[string]int{"pkg.real_used/entry=1": 2, "pkg.real_used/entry=0": 1, "shm.real_used": 1},
			notes: []string{"3 polls spaced by 5m0s, the last at 2026-12-08T01:00:00Z",
				"2026-12-08T01:00:00Z restart: process entry 1 restarted: pid 9378 -> 9400"},
		},
		{
			// The real Kamailio 5.2.3 (TestKamailioCurlLoop -update): pretty
			// answers without desc, a date line per run, a restart.
			file:  "kam523-curl-loop.log",
			want:  map[string][]float64{"shm.total": {67108864, 67108864}},
			segs:  map[string]int{"shm.total": 2, "pkg.real_used/entry=1": 2},
			notes: []string{"2026-12-08T00:02:00Z restart: Kamailio restarted between 2026-12-08T00:01:00.000Z and 2026-12-08T00:02:00.000Z"},
		},
		{
			file: "kam52-jq-time.jsonl",
			want: map[string][]float64{"pkg.free/entry=2": {2700016, 2700016}, "shm.total": {3221225472, 3221225472}},
			segs: map[string]int{"pkg.free/entry=2": 2, "shm.total": 2},
			notes: []string{"restart: Kamailio restarted between 2025-12-08T00:05:00.250Z and 2025-12-08T00:10:00.250Z: main process pid 2301 -> 3301",
				"entry 4 (pid 2305, rank -128) has never published statistics"},
		},
		{
			file: "kam563-epoch-prefix.log",
			want: map[string][]float64{"shm.real_used": {648008, 658008, 668008}, "shm.fragments": {1, 2, 3}},
			notes: []string{`line 4: 2025-12-08T00:02:00Z gap: byte offset 4185: the RPC failed: error 500 "stats support not enabled"`,
				"line 5: partial: byte offset 4280: answer cut off", `line 6: skipped: byte offset 4344: not a JSON-RPC answer: "<html><body>502 Bad Gateway</body></html>"`},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			set, err := ReadFile(filepath.Join("testdata", "rpclog", tc.file), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkSet(t, set)
			if set.Averaged {
				t.Error("Averaged")
			}
			checkExpected(t, set, tc.want, tc.segs, tc.notes)
		})
	}
}

// TestReadRPCLogModTime: without times and End, ReadFile ends the polls at
// the file's modification time.
func TestReadRPCLogModTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kam.log")
	if err := os.WriteFile(path, []byte(compact(t, "kam563-stats.shmem.json")+"\n"+compact(t, "kam563-stats.shmem.json")), 0o644); err != nil {
		t.Fatal(err)
	}
	mod := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path, CSVOptions{}); err == nil || !strings.Contains(err.Error(), "CSVOptions.Interval") {
		t.Fatalf("no interval: %v", err)
	}
	set, err := ReadFile(path, CSVOptions{Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	pts := set.Shm(ShmUsed)[0].Points
	if len(pts) != 2 || !pts[1].Time.Equal(mod) || !pts[0].Time.Equal(mod.Add(-time.Minute)) {
		t.Errorf("points %v, want the last at %v", pts, mod)
	}
}

// TestReadRPCLogBounds: an over-long line is a *LimitError naming the
// file and line; an over-long pretty answer is skipped with a note.
func TestReadRPCLogBounds(t *testing.T) {
	long := "1796688000 " + shmA + `,"pad":"` + strings.Repeat("x", 300) + `"}` + "\n1796688060 " + shmB + "}\n"
	_, err := ReadRPCLog(strings.NewReader(long), "kam.log", CSVOptions{Limits: Limits{MaxLine: 256}})
	var le *LimitError
	if !errors.As(err, &le) || le.Line != 1 || !strings.Contains(err.Error(), "kam.log: line 1") {
		t.Fatalf("long line: %v", err)
	}
	pad := `,"pad":[` + strings.Repeat(`"`+strings.Repeat("x", 40)+`",`+"\n\t", 10) + "0]"
	pretty := "1796688000 " + strings.ReplaceAll(shmA, ",", ",\n\t") + pad + "}\n1796688060 " + strings.ReplaceAll(shmB, ",", ",\n\t") + "}\n"
	set, err := ReadRPCLog(strings.NewReader(pretty), "kam.log", CSVOptions{Limits: Limits{MaxLine: 256}})
	if err != nil {
		t.Fatal(err)
	}
	if text := notesText(set); !strings.Contains(text, "line 1: skipped: byte offset 11: answer longer than 256 bytes") {
		t.Errorf("notes:\n%s", text)
	}
	if got := values(set, "shm.real_used", 0); !equalFloats(got, []float64{649008}) {
		t.Errorf("the answer after the long one: %v", got)
	}
	if _, err := ReadRPCLog(strings.NewReader(strings.Repeat("1796688000 "+shmA+"}\n", 10)), "kam.log", CSVOptions{Limits: Limits{MaxPoints: 50}}); !errors.Is(err, ErrLimit) {
		t.Errorf("values bound: %v", err)
	}
}

func TestParseShmStatisticsForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ShmStat
		err  string
	}{
		{in: `["shmem:free_size = 5","shmem:used_size = 2","shmem:real_used_size = 3","shmem:total_size = 8","core:x = 1"]`, want: ShmStat{Total: 8, Free: 5, Used: 2, RealUsed: 3}},
		{in: `{"shmem.free_size":"5","shmem.used_size":"2","shmem.real_used_size":"3","shmem.total_size":"8","shmem.fragments":"4","core.x":"1"}`, want: ShmStat{Total: 8, Free: 5, Used: 2, RealUsed: 3, Fragments: 4}},
		{in: `{"shmem:free_size":5,"shmem:used_size":2,"shmem:real_used_size":3,"shmem:total_size":8,"shmem:max_used_size":6}`, want: ShmStat{Total: 8, Free: 5, Used: 2, RealUsed: 3, MaxUsed: 6}},
		{in: `{"shmem.free_size":"5","shmem.used_size":"2","shmem.real_used_size":"3"}`, err: "no shmem:total_size"},
		{in: `{"shmem.free_size":"x","shmem.used_size":"2","shmem.real_used_size":"3","shmem.total_size":"8"}`, err: "stats shmem.free_size"},
		{in: `{"shmem.free_size":[1]}`, err: "stats shmem.free_size"},
	} {
		got, err := ParseShmStatistics([]byte(tc.in))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrBadResponse) {
				t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestDetectFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want format
	}{
		{`{"v":1,"type":"start"}`, formatRecording},
		{`{"x":1}`, formatRecording},
		{"{\n\t\"jsonrpc\":\t\"2.0\",", formatRPC},
		{`{"time":1796688000,"jsonrpc":"2.0"}`, formatRPC},
		{`[{"jsonrpc":"2.0"}]`, formatRPC},
		{"1796688000 {\"jsonrpc\"", formatRPC},
		{"2026-12-08T00:00:00Z {", formatRPC},
		{"# cron {x}\n1796688000\n{\"jsonrpc\"", formatRPC},
		{"1796688000\n1796688060", formatCSV},
		{"time,min_used\n1796688000,1", formatCSV},
		{"words {x}", formatCSV},
		{"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<xport>", formatXport},
		{"{ about: 'RRDtool xport JSON output',", formatXport},
		{`{ "about": "RRDtool graph JSON output",`, formatXport},
		{"", formatCSV},
	} {
		got := detect(newPeekReader(tc.in), nil)
		if got != tc.want {
			t.Errorf("%q: format %d, want %d", tc.in, got, tc.want)
		}
	}
}

func newPeekReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// checkExpected compares set with a case's expected values per series
// key, segment counts per key and notes (substrings), printing the notes
// with any mismatch.
func checkExpected(t *testing.T, set *Set, want map[string][]float64, segs map[string]int, notes []string) {
	t.Helper()
	text := notesText(set)
	for k, w := range want {
		if got := values(set, k, 0); !equalFloats(got, w) {
			t.Errorf("%s = %v, want %v\n%s", k, got, w, text)
		}
	}
	for k, n := range segs {
		if got := segments(set, k); got != n {
			t.Errorf("%s: %d segments, want %d\n%s", k, got, n, text)
		}
	}
	for _, n := range notes {
		if !strings.Contains(text, n) {
			t.Errorf("no note %q in\n%s", n, text)
		}
	}
}
