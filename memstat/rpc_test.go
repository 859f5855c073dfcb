package memstat

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fixtureResult returns the "result" of a recorded JSON-RPC answer.
func fixtureResult(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rpc", name))
	if err != nil {
		t.Fatal(err)
	}
	var r rpcResponse
	if err := json.Unmarshal(b, &r); err != nil || r.Result == nil {
		t.Fatalf("%s: %v / no result", name, err)
	}
	return r.Result
}

func TestParsePkgStats(t *testing.T) {
	for _, tc := range []struct {
		file      string
		n         int
		check     int // entry to compare
		want      PkgStat
		reported  int
		udpByDesc int
	}{
		{"kam563-pkg.stats.json", 8, 1, PkgStat{Entry: 1, PID: 9378, Rank: 1, Desc: "udp receiver child=0 sock=127.0.0.1:25060",
			Used: 456032, Free: 7632424, RealUsed: 756184, TotalSize: 8388608, TotalFrags: 3}, 8, 2},
		{"kam52-pkg.stats.json", 6, 2, PkgStat{Entry: 2, PID: 2303, Rank: 2,
			Used: 5310112, Free: 2700016, RealUsed: 5688592, TotalSize: 8388608, TotalFrags: 107}, 5, 2},
		{"kam52-pkg.stats-3g.json", 2, 1, PkgStat{Entry: 1, PID: 4102, Rank: 1,
			Used: 1530112, Free: 3221225472 - 1800592, RealUsed: 1800592, TotalSize: 3221225472, TotalFrags: 31}, 2, 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParsePkgStats(fixtureResult(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.n {
				t.Fatalf("%d entries, want %d", len(got), tc.n)
			}
			if got[tc.check] != tc.want {
				t.Errorf("entry %d = %+v\nwant %+v", tc.check, got[tc.check], tc.want)
			}
			reported, udp := 0, 0
			for _, p := range got {
				if p.Reported() {
					reported++
					if p.Free+p.RealUsed != p.TotalSize {
						t.Errorf("entry %d: free+real_used != total_size", p.Entry)
					}
				}
				if IsUDPReceiver(p.Process()) {
					udp++
				}
			}
			if reported != tc.reported || udp != tc.udpByDesc {
				t.Errorf("reported %d (want %d), UDP receivers %d (want %d)", reported, tc.reported, udp, tc.udpByDesc)
			}
		})
	}
}

func TestParseShm(t *testing.T) {
	kam563 := ShmStat{Total: 67108864, Free: 66460856, Used: 407656, RealUsed: 648008, MaxUsed: 648008, Fragments: 1}
	for _, tc := range []struct {
		file  string
		parse func([]byte) (ShmStat, error)
		want  ShmStat
	}{
		{"kam563-stats.shmem.json", ParseShmStatistics, kam563},
		{"kam563-stats.all.json", ParseShmStatistics, kam563},
		{"kam563-core.shmmem.json", ParseCoreShmmem, kam563},
		{"kam52-core.shmmem.json", ParseCoreShmmem, ShmStat{Total: 3221225472, Free: 3204448256, Used: 12582912, RealUsed: 16777216, MaxUsed: 20971520, Fragments: 211}},
	} {
		got, err := tc.parse(fixtureResult(t, tc.file))
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v\nwant %+v", tc.file, got, err, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parse func([]byte) error
		in    string
	}{
		{"pkg object", func(b []byte) error { _, err := ParsePkgStats(b); return err }, `{"pid":1}`},
		{"pkg no free", func(b []byte) error { _, err := ParsePkgStats(b); return err }, `[{"entry":0,"pid":1,"rank":0,"used":1,"real_used":2,"total_size":3}]`},
		{"pkg string value", func(b []byte) error { _, err := ParsePkgStats(b); return err }, `[{"pid":1,"used":"x","free":1,"real_used":2,"total_size":3}]`},
		{"pkg huge negative", func(b []byte) error { _, err := ParsePkgStats(b); return err }, `[{"pid":1,"used":-9999999999,"free":1,"real_used":2,"total_size":3}]`},
		{"pkg fraction", func(b []byte) error { _, err := ParsePkgStats(b); return err }, `[{"pid":1,"used":1.5,"free":1,"real_used":2,"total_size":3}]`},
		{"stats no =", func(b []byte) error { _, err := ParseShmStatistics(b); return err }, `["shmem:free_size 3"]`},
		{"stats missing", func(b []byte) error { _, err := ParseShmStatistics(b); return err }, `["shmem:free_size = 3"]`},
		{"stats object", func(b []byte) error { _, err := ParseShmStatistics(b); return err }, `{"shmem.free_size":"3"}`},
		{"stats bad number", func(b []byte) error { _, err := ParseShmStatistics(b); return err }, `["shmem:free_size = -3"]`},
		{"shmmem array", func(b []byte) error { _, err := ParseCoreShmmem(b); return err }, `[1,2]`},
		{"shmmem null", func(b []byte) error { _, err := ParseCoreShmmem(b); return err }, `null`},
		{"shmmem missing", func(b []byte) error { _, err := ParseCoreShmmem(b); return err }, `{"total":1,"free":1,"used":1}`},
	} {
		err := tc.parse([]byte(tc.in))
		if !errors.Is(err, ErrBadResponse) {
			t.Errorf("%s: %v, want ErrBadResponse", tc.name, err)
		}
	}
}

// TestParseUint covers the 5.2 signed formats and stats.fetch strings.
func TestParseUint(t *testing.T) {
	for in, want := range map[string]uint64{
		`0`: 0, `8388608`: 8388608, `-1073741824`: 3221225472, `-1`: 4294967295,
		`"123"`: 123, `18446744073709551615`: 1<<64 - 1, `1e6`: 1000000, ` 42 `: 42,
	} {
		got, err := parseUint(json.RawMessage(in))
		if err != nil || got != want {
			t.Errorf("parseUint(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{`-2147483649`, `"x"`, `true`, `1.5`, `-1e3`} {
		if got, err := parseUint(json.RawMessage(in)); err == nil {
			t.Errorf("parseUint(%s) = %d, want an error", in, got)
		}
	}
}
