package memstat

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// xportStart is the first row of the fixtures in testdata/xport.
var xportStart = time.Unix(1765152300, 0).UTC()

func TestReadXportFiles(t *testing.T) {
	var used, free []float64
	for i := 0; i < 12; i++ {
		if i == 3 {
			continue // the unknown row
		}
		used = append(used, float64(1437832+i*40000))
		free = append(free, float64(8388608-1437832-i*40000))
	}
	for _, tc := range []struct {
		file string
		want map[string][]float64
		// the time of the last point of the first key
		last  time.Time
		notes []string
	}{
		{"edge1-kamailio_pkgmem-xport.xml", map[string][]float64{"pkg.real_used/weakest": used, "pkg.free/weakest": free},
			xportStart.Add(11 * 5 * time.Minute), []string{`columns: legend entry "min_used" -> pkg.real_used (weakest)`, `info: "min_used": 1 empty or NaN cells`}},
		{"edge1-kamailio_pkgmem-xport-14.json", map[string][]float64{"pkg.real_used/weakest": used, "pkg.free/weakest": free},
			xportStart.Add(11 * 5 * time.Minute), []string{`info: "min_free": 1 empty or NaN cells`}},
		{"edge1-kamailio_pkgmem-xport-17.json", map[string][]float64{"pkg.real_used/weakest": used, "pkg.free/weakest": free},
			xportStart.Add(11 * 5 * time.Minute), nil},
		{"edge1-kamailio_shmem-xport-old.xml", map[string][]float64{"shm.used": {407656, 438056, 468456, 498856}, "shm.free": {66460856, 66430456, 66400056, 66369656}},
			xportStart.Add(3 * 5 * time.Minute), []string{"rrdtool xport: 4 rows of 5m0s"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			set, err := ReadFile(filepath.Join("testdata", "xport", tc.file), CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			checkSet(t, set)
			if !set.Averaged {
				t.Error("rrdtool rows are averages: Averaged must be true")
			}
			text := notesText(set)
			first := true
			for _, k := range []string{"pkg.real_used/weakest", "shm.used", "pkg.free/weakest", "shm.free"} {
				want, ok := tc.want[k]
				if !ok {
					continue
				}
				if got := values(set, k, 0); !equalFloats(got, want) {
					t.Errorf("%s = %v, want %v\n%s", k, got, want, text)
				}
				if first {
					first = false
					s := set.Select(set.Series[0].Metric, set.Series[0].Scope)
					for _, x := range set.Series {
						if x.Key == k {
							s = []*Series{x}
						}
					}
					if p, ok := s[0].Last(); !ok || !p.Time.Equal(tc.last) {
						t.Errorf("%s: last point %v, want %v", k, p.Time, tc.last)
					}
				}
			}
			for _, n := range tc.notes {
				if !strings.Contains(text, n) {
					t.Errorf("no note %q in\n%s", n, text)
				}
			}
		})
	}
}

// xportCases are small exports; they double as fuzz seeds.
var xportCases = []struct {
	name  string
	file  string
	in    string
	want  map[string][]float64
	notes []string
	err   string
}{
	{
		name: "munin data source 42: the field from the file name",
		file: "edge1-kamailio_pkgmem_proxy-min_free-g.xml",
		in:   "<xport><meta><start>1765152300</start><step>300</step><legend><entry>42</entry></legend></meta><data><row><v>6.9e+06</v></row><row><v>6.8e+06</v></row></data></xport>",
		want: map[string][]float64{"pkg.free/weakest": {6.9e6, 6.8e6}},
	},
	{
		name:  "prints in the JSON meta are skipped; showtime strings; U and NaN missing",
		in:    `{"about":"x","meta":{"start":1765152300,"end":1765152900,"step":300,"legend":["shmem:real_used_size","cpu"],"gprints":[{"gprint":"avg 1"}]},"data":[["1765152300",1.0e+06,5],["1765152600",NaN,U],["1765152900",2.0e+06,null]]}`,
		want:  map[string][]float64{"shm.real_used": {1e6, 2e6}},
		notes: []string{`ignored: legend entry "cpu": not a Kamailio memory field`, `"shmem:real_used_size": 1 empty or NaN cells`},
	},
	{
		name:  "a row with an unreadable value and a short row",
		in:    "<?xml version=\"1.0\"?>\n<!-- munin -->\n<xport>\n<meta><start>1765152300</start><step>300</step><legend><entry>used_size</entry><entry>free_size</entry></legend></meta>\n<data>\n<row><t>1765152300</t><v>12 %</v><v>5</v></row>\n<row><t>1765152600</t><v>7</v></row>\n<row><t>soon</t><v>7</v></row>\n</data></xport>\n",
		want:  map[string][]float64{"shm.used": {7}, "shm.free": {5}},
		notes: []string{`line 6: skipped: column "used_size": value "12 %" is not a number of bytes`, `line 8: skipped: row time "soon" not understood`},
	},
	{
		name:  "negative values are dropped",
		in:    "<xport><meta><start>1765152300</start><step>300</step><legend><entry>min_used</entry></legend></meta><data><row><v>-5</v></row><row><v>5</v></row></data></xport>",
		want:  map[string][]float64{"pkg.real_used/weakest": {5}},
		notes: []string{"dropped: negative"},
	},
	{name: "not an xport", in: "<html><body>502</body></html>", err: "root element <html> is not <xport>"},
	{name: "no step", in: "<xport><meta><start>1</start><legend><entry>min_used</entry></legend></meta></xport>", err: "no positive step"},
	{name: "bad step", in: `{"meta":{"start":1765152300,"step":"x"}}`, err: "line 1 (byte offset 38): meta step \"x\""},
	{name: "no memory legend", in: "<xport><meta><start>1</start><step>300</step><legend><entry>load</entry></legend></meta></xport>", err: `no Kamailio memory columns among the legend "load"`},
	{name: "truncated", in: "<xport><meta><start>1765152300</start><step>300</step><legend><entry>min_used</entry></legend></meta><data><row><v>1</v></row><row><v>2", err: "ends inside"},
	{name: "truncated json", in: "{ about: 'x', meta: { start: 1765152300, step: 300, legend: [ 'min_used' ] }, data: [ [ 1.0e+00 ], [ 2.0", err: "ends inside"},
	{name: "mismatched tags", in: "<xport><meta></data></xport>", err: "</data> does not close"},
	{name: "no meta", in: "<xport></xport>", err: "no rrdtool xport meta"},
	{name: "all missing", in: "<xport><meta><start>1765152300</start><step>300</step><legend><entry>min_used</entry></legend></meta><data><row><v>NaN</v></row></data></xport>", err: "no usable values"},
	{name: "huge text", in: "<xport><meta><start>" + strings.Repeat("1", 5000), err: "text longer than 4096 bytes in <start>"},
	{name: "deep", in: "{\"prints\":" + strings.Repeat("[", 100), err: "nested deeper than 32"},
}

func TestReadXportCases(t *testing.T) {
	for _, tc := range xportCases {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.file
			if name == "" {
				name = "munin.xport"
			}
			set, err := ReadXport(strings.NewReader(tc.in), name, CSVOptions{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), name) {
					t.Fatalf("error %v, want one naming %s and containing %q", err, name, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSet(t, set)
			checkExpected(t, set, tc.want, nil, tc.notes)
		})
	}
}

// TestReadXportBounds: an over-long line and too many values end with a
// *LimitError naming the file.
func TestReadXportBounds(t *testing.T) {
	head := "<xport><meta><start>1765152300</start><step>300</step><legend><entry>min_used</entry></legend></meta><data>\n"
	rows := strings.Repeat("<row><v>1</v></row>\n", 100)
	if _, err := ReadXport(strings.NewReader(head+rows), "x.xml", CSVOptions{Limits: Limits{MaxPoints: 10}}); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "x.xml") {
		t.Errorf("values: %v", err)
	}
	if _, err := ReadXport(strings.NewReader(head+strings.Repeat(" ", 300)), "x.xml", CSVOptions{Limits: Limits{MaxLine: 200}}); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "x.xml: line 2") {
		t.Errorf("line: %v", err)
	}
}

// TestReadXportRrdtool172 reads what the real rrdtool 1.7.2 (Debian 12)
// exports from two Munin-layout RRDs (DS "42", GAUGE, heartbeat 600, the
// RRAs of Munin 2) of compass-monitoring's min_used and min_free, updated
// every 5 minutes from 2026-12-08T00:00Z with a linear growth of 1640 B
// per update and 15 minutes that munin-update missed: every form gives
// the same 31 points (35 rows, 4 unknown) on the line of the updates.
func TestReadXportRrdtool172(t *testing.T) {
	const s0 = 1796688000
	for _, file := range []string{"rrdtool172-pkgmem.xml", "rrdtool172-pkgmem-showtime.xml", "rrdtool172-pkgmem-enumds.xml",
		"rrdtool172-pkgmem.json", "rrdtool172-pkgmem-showtime.json", "edge1-kamailio_pkgmem-min_free-g.xml"} {
		t.Run(file, func(t *testing.T) {
			set, err := ReadFile(filepath.Join("testdata", "xport", file), CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			checkSet(t, set)
			for _, key := range []string{"pkg.real_used/weakest", "pkg.free/weakest"} {
				if file == "edge1-kamailio_pkgmem-min_free-g.xml" && key == "pkg.real_used/weakest" {
					continue // one unnamed column: the field comes from the file name
				}
				if n := segments(set, key); n != 1 {
					t.Fatalf("%s: %d segments\n%s", key, n, notesText(set))
				}
				pts := set.Select(map[bool]Metric{true: PkgRealUsed, false: PkgFree}[key == "pkg.real_used/weakest"], ScopeWeakest)[0].Points
				if len(pts) != 31 || pts[0].Time.Unix() != s0+300 || pts[30].Time.Unix() != s0+35*300 {
					t.Fatalf("%s: %d points from %v to %v", key, len(pts), pts[0].Time, pts[len(pts)-1].Time)
				}
				for _, p := range pts {
					used := 1437832 + float64(p.Time.Unix()-s0)/300*1640
					if want := map[bool]float64{true: used, false: 8388608 - used}[key == "pkg.real_used/weakest"]; p.Value != want {
						t.Errorf("%s at %v = %.0f, want %.0f", key, p.Time, p.Value, want)
					}
				}
			}
			if text := notesText(set); !strings.Contains(text, "4 empty or NaN cells") {
				t.Errorf("notes:\n%s", text)
			}
		})
	}
}
