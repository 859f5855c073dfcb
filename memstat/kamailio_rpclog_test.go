package memstat_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/kamtest"
	"github.com/sipcorr/sipcorr/memstat"
)

// curlAppend posts one JSON-RPC request the way `curl -s -d` does and
// appends the answer body to file unchanged.
func curlAppend(t *testing.T, url string, file *bytes.Buffer, method, params string) {
	t.Helper()
	body := fmt.Sprintf(`{"jsonrpc":"2.0","method":%q,"params":[%s],"id":1}`, method, params)
	resp, err := http.Post(url, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	file.Write(b)
}

// TestKamailioCurlLoop records what a cron + curl loop leaves against the
// real 5.6.3 (Debian) and 5.2.3 (../shared/kamailio): a date line, then
// the raw pkg.stats, stats.get_statistics shmem: and core.version answers,
// three runs with a restart before the third. The file reads back with
// its format detected, one restart, the version and no skipped answer;
// the same file without the date lines needs an interval. -update keeps
// the 5.2.3 file as testdata/rpclog/kam523-curl-loop.log.
func TestKamailioCurlLoop(t *testing.T) {
	for _, v := range []string{"5.6.3", "5.2.3"} {
		t.Run(v, func(t *testing.T) {
			bin, mods := kamtest.Release(t, v)
			srv := kamtest.Start(t, kamtest.Config{Bin: bin, Modules: mods})
			var file, untimed bytes.Buffer
			at := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC).Unix()
			for run := range 3 {
				if run == 2 {
					if err := srv.Restart(); err != nil {
						t.Fatal(err)
					}
				}
				fmt.Fprintf(&file, "%d\n", at+int64(run)*60)
				n := file.Len()
				curlAppend(t, srv.RPCURL, &file, "pkg.stats", "")
				curlAppend(t, srv.RPCURL, &file, "stats.get_statistics", `"shmem:"`)
				curlAppend(t, srv.RPCURL, &file, "core.version", "")
				untimed.Write(file.Bytes()[n:])
			}
			set, err := memstat.Read(bytes.NewReader(file.Bytes()), "kam.log", memstat.CSVOptions{})
			if err != nil {
				t.Fatalf("%v\n%s", err, file.Bytes())
			}
			var notes strings.Builder
			for _, n := range set.Notes {
				notes.WriteString(n.String() + "\n")
				if n.Kind == memstat.NoteSkipped || n.Kind == memstat.NotePartial || n.Kind == memstat.NoteGap {
					t.Errorf("note %s", n)
				}
			}
			if !strings.HasPrefix(set.Version, "kamailio "+v) || set.Averaged {
				t.Errorf("version %q, averaged %v", set.Version, set.Averaged)
			}
			if r := set.Restarts(); len(r) != 1 || !r[0].Equal(time.Unix(at+120, 0)) {
				t.Errorf("restarts %v\n%s", r, notes.String())
			}
			shm := set.Shm(memstat.ShmRealUsed)
			if len(shm) != 2 || len(shm[0].Points) != 2 || len(shm[1].Points) != 1 || shm[0].Label != "stats" {
				t.Errorf("shm.real_used segments %+v", shm)
			}
			// 5.2 has no desc: the rank rule also counts the TCP receiver
			// (rank 3), as README.md says.
			receivers := map[string]int{"5.6.3": 2, "5.2.3": 3}[v]
			if udp := set.UDPReceivers(memstat.PkgRealUsed); len(udp) != 2 || !strings.Contains(udp[0].Label, fmt.Sprintf("sum of %d UDP receivers", receivers)) {
				t.Errorf("UDP receivers %d segments, label %q", len(udp), udp[0].Label)
			}
			if _, err := memstat.Read(bytes.NewReader(untimed.Bytes()), "kam.log", memstat.CSVOptions{}); err == nil || !strings.Contains(err.Error(), "carry no time") {
				t.Errorf("untimed without interval: %v", err)
			}
			end := time.Unix(at+120, 0)
			set2, err := memstat.Read(bytes.NewReader(untimed.Bytes()), "kam.log", memstat.CSVOptions{Interval: time.Minute, End: end})
			if err != nil {
				t.Fatal(err)
			}
			if r := set2.Restarts(); len(r) != 1 || !r[0].Equal(end) {
				t.Errorf("untimed restarts %v", r)
			}
			if *update && v == "5.2.3" {
				if err := os.WriteFile(filepath.Join("testdata", "rpclog", "kam523-curl-loop.log"), file.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
