package memstat

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// csvCases are realistic exports, written by hand in each tool's layout.
// They double as fuzz seeds.
var csvCases = []struct {
	name string
	file string // ReadCSV's name argument (matters for rrdtool dumps)
	in   string
	want map[string][]float64 // series key -> values of segment 0
	// notes that must be present: kind and a substring
	notes []string
}{
	{
		name: "compass munin fields",
		file: "pkgmem.csv",
		in: "epoch,min_used,min_free\n" +
			"1795953600,1437832,6950776\n" +
			"1795953900,1537832,6850776\n" +
			"1795954200,,\n" + // Munin "no value": not a measurement
			"1795954500,1737832,6650776\n",
		want: map[string][]float64{
			"pkg.real_used/weakest": {1437832, 1537832, 1737832},
			"pkg.free/weakest":      {6950776, 6850776, 6650776},
		},
		notes: []string{`columns: time: column "epoch"`, `columns: column "min_used" -> pkg.real_used (weakest)`},
	},
	{
		name: "grafana wide formatted",
		file: "grafana.csv",
		in: `"Time","shmem:real_used_size","shmem:free_size","pkg free (MiB)","CPU %"` + "\n" +
			`"2026-11-29 12:00:00","3.00 MiB","61.0 MiB","6.5","12 %"` + "\n" +
			`"2026-11-29 12:01:00","3.50 MiB","60.5 MiB","6.25","15 %"` + "\n",
		want: map[string][]float64{
			"shm.real_used":            {3 << 20, 3.5 * (1 << 20)},
			"shm.free":                 {61 << 20, 60.5 * (1 << 20)},
			"pkg.free/column=pkg_free": {6.5 * (1 << 20), 6.25 * (1 << 20)},
		},
		notes: []string{`ignored: column "CPU %": not a Kamailio memory field`, "info: times carry no zone: read as UTC", "values x1048576"},
	},
	{
		name: "grafana long with sep line",
		file: "long.csv",
		in: "sep=;\n\"Series\";\"Time\";\"Value\"\n" +
			"\"kamailio_shmem_used_size\";\"2026-11-29T12:00:00Z\";\"1000000\"\n" +
			"\"kamailio_shmem_used_size\";\"2026-11-29T12:00:10Z\";\"1,250,000\"\n" +
			"\"kamailio_core_rcv_requests\";\"2026-11-29T12:00:10Z\";\"17\"\n" +
			"\"kamailio_shmem_used_size\";\"2026-11-29T12:00:20Z\";\"1.5e6\"\n",
		want:  map[string][]float64{"shm.used": {1e6, 1.25e6, 1.5e6}},
		notes: []string{`long format`, `ignored: series "kamailio_core_rcv_requests"`},
	},
	{
		name: "prometheus xhttp_prom with labels, ms epoch",
		file: "prom.csv",
		in: `timestamp,"kamailio_shmem_free_size{instance=""10.0.0.1:8080"", job=""kamailio""}","kamailio_shmem_fragments{instance=""10.0.0.1:8080"",job=""kamailio""}",node_load1` + "\n" +
			"1795953600000,66460856,1,0.5\n1795953610000,66432056,3,0.4\n",
		want: map[string][]float64{
			`shm.free{instance=10.0.0.1:8080,job=kamailio}`:      {66460856, 66432056},
			`shm.fragments{instance=10.0.0.1:8080,job=kamailio}`: {1, 3},
		},
		notes: []string{`ignored: column "node_load1"`},
	},
	{
		name: "kamailio_exporter type label, tab separated",
		file: "exporter.tsv",
		in: "Time\tkamailio_shm_bytes{type=\"free\"}\tkamailio_shm_bytes{type=\"real_used\"}\tkamailio_pkgmem_used{entry=\"3\",pid=\"812\",rank=\"1\"}\n" +
			"2026-11-29T12:00:00+01:00\t6.3184376e+07\t3.924488e+06\t456032\n",
		want: map[string][]float64{
			"shm.free":         {63184376},
			"shm.real_used":    {3924488},
			"pkg.used/entry=3": {456032},
		},
	},
	{
		name: "rrdtool fetch of a munin rrd",
		file: "/var/lib/munin/edge/edge1-kamailio_pkgmem_proxy-min_free-g.rrd.txt",
		in: "                             42\n\n" +
			"1795953600: 6.9507760000e+06\n1795953900: -nan\n1795954200: 6.8507760000e+06\n",
		want:  map[string][]float64{"pkg.free/weakest": {6950776, 6850776}},
		notes: []string{"field taken from the file name", "1 empty or NaN cells"},
	},
}

func TestReadCSV(t *testing.T) {
	for _, tc := range csvCases {
		t.Run(tc.name, func(t *testing.T) {
			set, err := ReadCSV(strings.NewReader(tc.in), tc.file, CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]float64{}
			for _, s := range set.Series {
				if s.Segment == 0 {
					for _, p := range s.Points {
						got[s.Key] = append(got[s.Key], p.Value)
					}
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("series %v, want keys of %v", keys(got), keys(tc.want))
			}
			for k, want := range tc.want {
				g := got[k]
				if len(g) != len(want) {
					t.Errorf("%s: %v, want %v", k, g, want)
					continue
				}
				for i := range want {
					if math.Abs(g[i]-want[i]) > 0.5 {
						t.Errorf("%s[%d] = %v, want %v", k, i, g[i], want[i])
					}
				}
			}
			text := notesText(set)
			for _, n := range tc.notes {
				if !strings.Contains(text, n) {
					t.Errorf("no note %q in\n%s", n, text)
				}
			}
		})
	}
}

func keys(m map[string][]float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func notesText(s *Set) string {
	var b strings.Builder
	for _, n := range s.Notes {
		b.WriteString(n.String() + "\n")
	}
	return b.String()
}

func TestReadCSVBadRowsByLine(t *testing.T) {
	in := "time,used_size,free_size\n" +
		"2026-11-29 12:00:00,100,900\n" + // line 2
		"yesterday,110,890\n" + // line 3: bad time
		"2026-11-29 12:02:00,12 %,880\n" + // line 4: bad unit, free still used
		"2026-11-29 12:03:00\n" + // line 5: short row: nothing to use, not an error
		"2026-11-29 12:04:00,13\"0,870\n" + // line 6: stray quote: bad used, free used
		"2026-11-29 12:01:00,105,895\n" // line 7: out of order
	set, err := ReadCSV(strings.NewReader(in), "bad.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text := notesText(set)
	for _, want := range []string{`line 3: skipped: time "yesterday" not understood`, `line 4: skipped: column "used_size": value "12 %"`, `line 6: skipped: column "used_size": value "13\"0"`, "rows were not in time order", "line 5: skipped: row has 1 of 3 fields"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in\n%s", want, text)
		}
	}
	used := set.Shm(ShmUsed)
	if len(used) != 1 || len(used[0].Points) != 2 || used[0].Points[1].Value != 105 {
		t.Errorf("used: %+v", used)
	}
	free := set.Shm(ShmFree)
	if len(free) != 1 || len(free[0].Points) != 4 || free[0].Points[2].Value != 880 {
		t.Errorf("free: %+v", free)
	}
}

func TestReadCSVRestartInferred(t *testing.T) {
	// min_used grows 1.4 -> 7.9 MB (a leaking worker), Kamailio is
	// restarted, min_used is back at 1.4 MB. A big free (shm 40 -> 19 MB,
	// far above the 10 MB start) is not a restart.
	in := "time,min_used,min_free,real_used_size\n" +
		"1795953600,1400000,6988608,10000000\n" +
		"1795953900,4400000,3988608,40000000\n" +
		"1795954200,7900000,488608,19000000\n" +
		"1795954500,1450000,6938608,10100000\n" +
		"1795954800,1500000,6888608,10200000\n"
	set, err := ReadCSV(strings.NewReader(in), "restart.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := set.Restarts()
	if len(r) != 1 || !r[0].Equal(time.Unix(1795954500, 0)) {
		t.Fatalf("restarts %v\n%s", r, notesText(set))
	}
	for _, s := range set.Series {
		want := map[int]int{0: 3, 1: 2}[s.Segment]
		if len(s.Points) != want {
			t.Errorf("%s segment %d has %d points, want %d", s.Key, s.Segment, len(s.Points), want)
		}
	}
	w, ok := set.Weakest()
	if !ok || w.Process.Entry != 0 || w.End.Value != 6888608 || w.Min.Value != 488608 || len(w.Free) != 2 {
		t.Errorf("Weakest from min_free = %+v", w)
	}
	if set2, err := ReadCSV(strings.NewReader(in), "restart.csv", CSVOptions{Split: SplitOptions{Disable: true}}); err != nil || len(set2.Restarts()) != 0 {
		t.Errorf("Disable: %v", err)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"no time":      "a,b\nx,1\n",
		"no memory":    "time,cpu,load\n1795953600,1,2\n",
		"only bad":     "time,free_size\n1795953600,lots\n",
		"header only":  "time,free_size\n",
		"rrd no data":  "   42\n\n",
		"ambiguous":    "time,used,free\n1795953600,1,2\n",
		"named column": "when,free_size\n1795953600,1\n",
	} {
		opts := CSVOptions{}
		if name == "named column" {
			opts.TimeColumn = "time"
		}
		if _, err := ReadCSV(strings.NewReader(in), name, opts); !errors.Is(err, ErrNoData) {
			t.Errorf("%s: %v, want ErrNoData", name, err)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	for _, tc := range []struct {
		in     string
		binary bool
		want   float64
		st     cellState
	}{
		{"7340032", false, 7340032, cellOK}, {"7.5 MiB", false, 7.5 * (1 << 20), cellOK},
		{"7.5MB", false, 7.5e6, cellOK}, {"7.5MB", true, 7.5 * (1 << 20), cellOK},
		{"3G", false, 3e9, cellOK}, {"2 KiB", false, 2048, cellOK}, {"1k", true, 1024, cellOK},
		{"12 B", false, 12, cellOK}, {"64 bytes", false, 64, cellOK}, {"1,234,567", false, 1234567, cellOK},
		{"-nan", false, 0, cellMissing}, {"", false, 0, cellMissing}, {"U", false, 0, cellMissing}, {"null", false, 0, cellMissing},
		{"12 %", false, 0, cellBad}, {"abc", false, 0, cellBad}, {"1,23", false, 0, cellBad}, {"1e999", false, 0, cellBad}, {"5 ms", false, 0, cellBad},
	} {
		got, st := parseQuantity(tc.in, 1, tc.binary)
		if st != tc.st || math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("parseQuantity(%q, binary=%v) = %v, %v; want %v, %v", tc.in, tc.binary, got, st, tc.want, tc.st)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, in := range []string{"1795953600", "1795953600000", "1795953600000000", "1795953600.0", "2026-11-29T12:00:00Z",
		"2026-11-29T13:00:00+01:00", "2026-11-29 12:00:00", "2026-11-29T12:00:00", "2026/11/29 12:00:00", "2026-11-29 12:00", `"2026-11-29 12:00:00.000"`} {
		got, _, ok := parseTime(in, time.UTC)
		if !ok || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "12", "yesterday", "1e9", "NaN", "+1795953600"} {
		if got, _, ok := parseTime(in, time.UTC); ok {
			t.Errorf("parseTime(%q) = %v, want failure", in, got)
		}
	}
}

func TestMapColumn(t *testing.T) {
	for _, tc := range []struct {
		in    string
		key   string
		scope Scope
	}{
		{"shmem:used_size", "shm.used", ScopeShared},
		{"shmem.max_used_size", "shm.max_used", ScopeShared},
		{"real_used_size", "shm.real_used", ScopeShared},
		{"Fragments", "shm.fragments", ScopeShared},
		{"kamailio_shmem_total_size", "shm.total", ScopeShared},
		{"shm_free_bytes", "shm.free", ScopeShared},
		{"edge1.kamailio_pkgmem_proxy.min_free", "pkg.free/weakest", ScopeWeakest},
		{"pkg.stats real_used", "pkg.real_used/column=pkg_stats_real_used", ScopeProcess},
		{`kamailio_pkg_free{pid="12",rank="1"}`, "pkg.free/column=kamailio_pkg_free", ScopeProcess},
	} {
		c, why, ok := mapColumn(tc.in, false)
		if !ok || c.key != tc.key || c.scope != tc.scope {
			t.Errorf("mapColumn(%q) = %+v %q, want %s (%s)", tc.in, c, why, tc.key, tc.scope)
		}
	}
	for _, in := range []string{"used", "free", "Time", "shm_min_free", "pkg_shm_free", "load", "max_used"} {
		if c, _, ok := mapColumn(in, false); ok {
			t.Errorf("mapColumn(%q) = %+v, want ignored", in, c)
		}
	}
}

// TestReadCSVDerivesRealUsed: an export with only free and total gets a
// real_used series (total - free), and restarts are inferred from it.
func TestReadCSVDerivesRealUsed(t *testing.T) {
	in := "Time,kamailio_shm_bytes{type=\"free\"},kamailio_shm_bytes{type=\"total\"}\n" +
		"1795953600,60000000,67108864\n" +
		"1795953900,40000000,67108864\n" +
		"1795954200,20000000,67108864\n" +
		"1795954500,60100000,67108864\n"
	set, err := ReadCSV(strings.NewReader(in), "free-only.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	used := set.Shm(ShmRealUsed)
	if len(used) != 2 || len(used[0].Points) != 3 || used[0].Points[2].Value != 67108864-20000000 {
		t.Fatalf("derived real_used: %+v\n%s", used, notesText(set))
	}
	if len(set.Restarts()) != 1 || !strings.Contains(notesText(set), "shm.real_used derived as shm.total - shm.free") {
		t.Errorf("notes:\n%s", notesText(set))
	}
	// A real_used column of its own is never replaced.
	set, err = ReadCSV(strings.NewReader("time,free_size,total_size,real_used_size\n1795953600,10,100,91\n"), "x.csv", CSVOptions{})
	if err != nil || set.Shm(ShmRealUsed)[0].Points[0].Value != 91 {
		t.Errorf("own real_used replaced: %v", err)
	}
}
