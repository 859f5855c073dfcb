package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/memstat"
	"github.com/sipcorr/sipcorr/sipparse"
)

// demoRun is the part of testdata/demo/leak/run.json the demo tests use.
type demoRun struct {
	Truth float64 `json:"truth_bytes_per_message"`
}

// TestOffenderDemo re-analyses the bundled recording of a real run
// (TestOffenderProof -record-demo): the leaking Yealink first, within ±25 %
// of the truth the RPC measured during that run, the Grandstream not a
// suspect. It needs no Kamailio.
func TestOffenderDemo(t *testing.T) {
	b, err := os.ReadFile(repo("testdata", "demo", "leak", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var run demoRun
	if err := json.Unmarshal(b, &run); err != nil || run.Truth <= 0 {
		t.Fatalf("run.json: %v, truth %v", err, run.Truth)
	}
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--memory", repo("testdata", "demo", "leak", "mem.jsonl"),
		repo("testdata", "demo", "leak", "edge.pcapng"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Schema   string `json:"schema"`
		Suspects []struct {
			UA              string  `json:"ua"`
			BytesPerMessage float64 `json:"bytes_per_message"`
		} `json:"suspects"`
		Bystanders []struct {
			UA string `json:"ua"`
		} `json:"malformed_without_impact"`
		Remediation []string `json:"remediation"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Schema != "sipcorr.offenders/v1" || len(rep.Suspects) != 1 || rep.Suspects[0].UA != "Yealink SIP-T48G 35.72.188.7" {
		t.Fatalf("suspects: %+v", rep.Suspects)
	}
	if e := (rep.Suspects[0].BytesPerMessage - run.Truth) / run.Truth; math.Abs(e) > 0.25 {
		t.Errorf("estimate %.1f is %+.0f%% off the recorded truth %.1f", rep.Suspects[0].BytesPerMessage, 100*e, run.Truth)
	}
	if len(rep.Bystanders) != 1 || rep.Bystanders[0].UA != "Grandstream GXP1625 1.0.4.128" {
		t.Errorf("without impact: %+v", rep.Bystanders)
	}
	if len(rep.Remediation) == 0 || rep.Remediation[0] != `modparam("sanity", "default_checks", 2535)` {
		t.Errorf("remediation: %q", rep.Remediation)
	}
}

// TestOffenderDemoGolden pins the three formats of the offender report of
// the bundled demo.
func TestOffenderDemoGolden(t *testing.T) {
	for _, format := range []string{"table", "json", "csv"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "analyze", "--format", format, "--memory",
				repo("testdata", "demo", "leak", "mem.jsonl"), repo("testdata", "demo", "leak", "edge.pcapng"))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden(t, "leak."+format, []byte(stdout))
		})
	}
}

func TestAnalyzeMemoryErrors(t *testing.T) {
	pcap := repo("testdata", "demo", "leak", "edge.pcapng")
	// An unreadable memory file: named on stderr, exit 1, report still written.
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--memory", "no-such-mem.jsonl", pcap)
	if code != exitInput || !strings.Contains(stderr, "no-such-mem.jsonl") || !strings.Contains(stdout, `"schema": "sipcorr.offenders/v1"`) {
		t.Errorf("missing memory file: exit %d, stderr %q, stdout starts %.80q", code, stderr, stdout)
	}
	for _, args := range [][]string{
		{"analyze", "--memory", "m.jsonl", "--baseline", "sideways", pcap},
		{"analyze", "--memory", "m.jsonl", "--bucket", "-1s", pcap},
		{"analyze", "--rpc", "ftp://x", pcap},
	} {
		if code, _, _ := runCmd(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func parseMsg(t testing.TB, raw string) *sipparse.Message {
	t.Helper()
	var m sipparse.Message
	if err := sipparse.Parse([]byte(strings.ReplaceAll(raw, "\n", "\r\n")), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

const proxyRequireMsg = `SUBSCRIBE sip:100@192.0.2.1 SIP/2.0
Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1
From: <sip:100@192.0.2.1>;tag=1
To: <sip:100@192.0.2.1>
Call-ID: a@b
CSeq: 1 SUBSCRIBE
Proxy-Require: foo, sip.mysipproxy.com
User-Agent: Yealink SIP-T48G 35.72.188.7
Content-Length: 0

`

func TestOffendingHeader(t *testing.T) {
	eng, err := sipparse.NewEngine(sipparse.Config{Version: sipparse.LatestRelease(), Checks: 3047, URIChecks: 7,
		ProxyRequire: []string{"foo"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, raw, want string }{
		{"proxy-require", proxyRequireMsg, "Proxy-Require: foo, sip.mysipproxy.com"},
		{"cseq", strings.Replace(proxyRequireMsg, "CSeq: 1 SUBSCRIBE", "CSeq: 99999999999 SUBSCRIBE", 1), "CSeq: 99999999999 SUBSCRIBE"},
		{"ruri", strings.Replace(proxyRequireMsg, "SIP/2.0\n", "SIP/3.0\n", 1), "SUBSCRIBE sip:100@192.0.2.1 SIP/3.0"},
	} {
		m := parseMsg(t, tc.raw)
		var v sipparse.Verdict
		eng.Judge(m, &v)
		if got := string(offendingHeader(nil, m, &v)); got != tc.want {
			t.Errorf("%s: rule %v: header %q, want %q", tc.name, v.First, got, tc.want)
		}
	}
}

// TestOffenderCollectorAllocs: the per-message hook allocates nothing for a
// User-Agent, rule and time chunk already seen.
func TestOffenderCollectorAllocs(t *testing.T) {
	j := judgedMessage(t, proxyRequireMsg)
	c := newOffenderCollector(correlate.TimelineOptions{})
	c.add(j)
	if n := testing.AllocsPerRun(1000, func() { c.add(j) }); n != 0 {
		t.Errorf("%.1f allocations per message, want 0", n)
	}
}

// TestOffenderSeriesFromCSV: a Munin-style export with only the least-free
// process and shm free/total still gives correlate an aggregate pkg series
// and an shm real_used series with its pool size.
func TestOffenderSeriesFromCSV(t *testing.T) {
	csv := "time,min_free,min_used,free_size,total_size\n" +
		"2026-11-02 08:00:00,8000000,388608,60000000,67108864\n" +
		"2026-11-02 08:05:00,7990000,398608,59990000,67108864\n"
	set, err := memstat.Read(strings.NewReader(csv), "munin.csv", memstat.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live := &memstat.Sample{Pkg: []memstat.PkgStat{{Entry: 1, PID: 9, Rank: 1, RealUsed: 1, Free: 1, TotalSize: 8 << 20}}}
	got := map[string]correlate.MemSeries{}
	for _, s := range offenderSeries(set, live) {
		got[s.Name] = s
	}
	shm, ok := got["shm real_used"]
	if !ok || shm.Total != 67108864 || len(shm.Points) != 2 || shm.Points[1].Used != 67108864-59990000 {
		t.Errorf("shm series: %+v (all: %v)", shm, keys(got))
	}
	pkg, ok := got["pkg real_used (least-free process)"]
	if !ok || !pkg.Aggregate || pkg.Total != 8<<20 || pkg.Points[1].Used != 398608 {
		t.Errorf("pkg series: %+v (all: %v)", pkg, keys(got))
	}
}

func keys(m map[string]correlate.MemSeries) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestKamailioVersion(t *testing.T) {
	for in, want := range map[string]string{"kamailio 5.6.3 (x86_64/linux)": "5.6.3", "kamailio 5.2.3 (x86_64/linux) 1a2b3c": "5.2.3", "": "", "kamailio devel": ""} {
		if got := kamailioVersion(in); got != want {
			t.Errorf("kamailioVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkOffenderCollector is the per-message cost of the offender hook
// (a malformed message of a known UA: offending header and tag included).
func BenchmarkOffenderCollector(b *testing.B) {
	j := judgedMessage(b, proxyRequireMsg)
	c := newOffenderCollector(correlate.TimelineOptions{})
	b.ReportAllocs()
	for b.Loop() {
		c.add(j)
	}
}

// TestOffenderDemoFromCSV: the demo's memory exported the way Munin's
// compass plugins record it (shm free_size and total_size, the least-free
// process's min_free and min_used, in KiB with a unit in the header)
// leads to the same suspect: --memory takes CSV exports too.
func TestOffenderDemoFromCSV(t *testing.T) {
	set, err := memstat.ReadFile(repo("testdata", "demo", "leak", "mem.jsonl"), memstat.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	col := func(m memstat.Metric, sc memstat.Scope) map[int64]float64 {
		out := map[int64]float64{}
		for _, s := range set.Select(m, sc) {
			for _, p := range s.Points {
				out[p.Time.UnixNano()] = p.Value
			}
		}
		return out
	}
	free, total := col(memstat.ShmFree, memstat.ScopeShared), col(memstat.ShmTotal, memstat.ScopeShared)
	minFree, minUsed := col(memstat.PkgFree, memstat.ScopeWeakest), col(memstat.PkgRealUsed, memstat.ScopeWeakest)
	var b strings.Builder
	b.WriteString("time,free_size (KiB),total_size (KiB),min_free (KiB),min_used (KiB)\n")
	var times []int64
	for ns := range free {
		times = append(times, ns)
	}
	slices.Sort(times)
	for _, ns := range times {
		fmt.Fprintf(&b, "%s,%.3f,%.3f,%.3f,%.3f\n", time.Unix(0, ns).UTC().Format("2006-01-02 15:04:05.000"),
			free[ns]/1024, total[ns]/1024, minFree[ns]/1024, minUsed[ns]/1024)
	}
	path := filepath.Join(t.TempDir(), "munin.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--memory", path, repo("testdata", "demo", "leak", "edge.pcapng"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Memory struct {
			Kind   string   `json:"kind"`
			Series []string `json:"series"`
		} `json:"memory"`
		Suspects []struct {
			UA              string  `json:"ua"`
			Series          string  `json:"series"`
			BytesPerMessage float64 `json:"bytes_per_message"`
		} `json:"suspects"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Memory.Kind != "csv" || len(rep.Suspects) != 1 || rep.Suspects[0].UA != "Yealink SIP-T48G 35.72.188.7" || rep.Suspects[0].Series != "shm real_used" {
		t.Fatalf("memory %+v, suspects %+v", rep.Memory, rep.Suspects)
	}
	if bpm := rep.Suspects[0].BytesPerMessage; math.Abs(bpm-456)/456 > 0.25 {
		t.Errorf("estimate %.1f B/message from the CSV, truth 456", bpm)
	}
}

// TestOffenderKnownDefectStory replays the story sipcorr comes from on the
// synthetic demo capture: a Kamailio 5.2.3 whose UDP workers leak 154 B of
// pkg real_used (GH#1990 as measured on the real 5.2.3: the token list plus q_malloc overhead)
// for every Proxy-Require failure. The memory export is built from the
// capture's own Yealink messages (a Munin min_used series sampled every
// minute, with deterministic jitter); analyze must name the Yealink, match
// GH#1990 on an affected version with a consistent size, and remediate
// with the upgrade and the 2535 mask.
func TestOffenderKnownDefectStory(t *testing.T) {
	pcap := repo("testdata", "demo", "edge.pcapng")
	var times []time.Time
	var m sipparse.Message
	d := capture.NewDecoder(capture.Options{})
	err := capture.ReadFile(t.Context(), pcap, d, func(dg *capture.Datagram) {
		if sipparse.Parse(dg.Payload, &m) == nil && m.IsRequest && m.Get(sipparse.HdrProxyRequire) != nil &&
			strings.HasPrefix(string(m.Get(sipparse.HdrUserAgent)), "Yealink") {
			times = append(times, dg.Time)
		}
	})
	if err != nil || len(times) < 100 {
		t.Fatalf("%d Yealink Proxy-Require requests, %v", len(times), err)
	}
	var b strings.Builder
	b.WriteString("time,min_used,min_free\n")
	const total, base = 8 << 20, 700000
	start := times[0].Truncate(time.Minute).Add(-2 * time.Minute)
	for k, i := 0, 0; k < 125; k++ {
		at := start.Add(time.Duration(k) * time.Minute)
		for i < len(times) && !times[i].After(at) {
			i++
		}
		used := base + 154*i + (k*37)%96 - 48 // ±48 B of allocator noise
		fmt.Fprintf(&b, "%d,%d,%d\n", at.Unix(), used, total-used)
	}
	path := filepath.Join(t.TempDir(), "edge1-pkgmem.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--kamailio-version", "5.2.3", "--memory", path, pcap)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Suspects []struct {
			UA              string  `json:"ua"`
			BytesPerMessage float64 `json:"bytes_per_message"`
			KnownDefect     *struct {
				ID             string `json:"id"`
				Affected       bool   `json:"affected"`
				SizeConsistent bool   `json:"size_consistent"`
			} `json:"known_defect"`
		} `json:"suspects"`
		Remediation []string `json:"remediation"`
		Weakest     *int     `json:"weakest_projection"`
		Projections []struct {
			Total      float64  `json:"total_bytes"`
			Exhaustion *float64 `json:"time_to_exhaustion_s"`
		} `json:"projections"`
		Steps []struct {
			Kind    string `json:"kind"`
			Upgrade string `json:"upgrade"`
		} `json:"remediation_steps"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Suspects) != 1 || !strings.HasPrefix(rep.Suspects[0].UA, "Yealink") {
		t.Fatalf("suspects: %+v", rep.Suspects)
	}
	s := rep.Suspects[0]
	t.Logf("%s: %.1f B/message, known defect %+v", s.UA, s.BytesPerMessage, s.KnownDefect)
	if math.Abs(s.BytesPerMessage-128)/128 > 0.25 || s.KnownDefect == nil || s.KnownDefect.ID != "GH1990" || !s.KnownDefect.Affected || !s.KnownDefect.SizeConsistent {
		t.Errorf("suspect %+v", s)
	}
	// The pool size comes from min_free + min_used (q_malloc: free = total - real_used).
	if rep.Weakest == nil || rep.Projections[*rep.Weakest].Total != total || rep.Projections[*rep.Weakest].Exhaustion == nil {
		t.Errorf("projection: weakest %v of %+v", rep.Weakest, rep.Projections)
	}
	if len(rep.Steps) == 0 || rep.Steps[0].Kind != "upgrade" || rep.Steps[0].Upgrade != "5.2.4" || !slices.Contains(rep.Remediation, `modparam("sanity", "default_checks", 2535)`) {
		t.Errorf("remediation %+v %q", rep.Steps, rep.Remediation)
	}
}

// TestRegressionOffenderEmptyProxyRequireToken: with proxy_require "foo",
// "Proxy-Require: foo,," gets a 420 for the empty token; the offender event
// names that token (empty, not nil) as the verdict does, where the card's
// own tokenizer used to skip it and name none.
func TestRegressionOffenderEmptyProxyRequireToken(t *testing.T) {
	eng, err := sipparse.NewEngine(sipparse.Config{Version: sipparse.LatestRelease(), Checks: 3047, URIChecks: 7,
		ProxyRequire: sipparse.ParseProxyRequireList("foo")})
	if err != nil {
		t.Fatal(err)
	}
	m := parseMsg(t, strings.Replace(proxyRequireMsg, "foo, sip.mysipproxy.com", "foo,,", 1))
	var v sipparse.Verdict
	eng.Judge(m, &v)
	if v.First != sipparse.CheckProxyRequire || v.Code != 420 {
		t.Fatalf("verdict %v %d, want 512 420", v.First, v.Code)
	}
	dg := &capture.Datagram{Time: time.Unix(1_800_000_000, 0), Src: netip.MustParseAddrPort("198.51.100.7:5060"), Packet: 1}
	j := &judged{dg: dg, msg: m, verdict: &v}
	j.lookUp()
	c := newOffenderCollector(correlate.TimelineOptions{})
	c.add(j)
	if c.ev.Token == nil || len(c.ev.Token) != 0 {
		t.Errorf("event token %q (nil %v), want the empty token", c.ev.Token, c.ev.Token == nil)
	}
}

// TestRealDemoGolden: the README's demo, recorded on the real Kamailio
// 5.2.3 by TestRealLeakProof -record-real-demo, from the memwatch
// recording and from the Munin CSV of the least-free receiver.
func TestRealDemoGolden(t *testing.T) {
	dir := repo("testdata", "demo", "gh1990")
	for _, tc := range []struct{ name, mem string }{
		{"gh1990", "mem.jsonl.gz"},
		{"gh1990-munin", "munin-min.csv"},
	} {
		for _, format := range []string{"table", "json"} {
			t.Run(tc.name+"."+format, func(t *testing.T) {
				code, stdout, stderr := runCmd(t, "analyze", "--format", format, "--memory", filepath.Join(dir, tc.mem),
					"--kamailio-cfg", filepath.Join(dir, "kamailio.cfg"), "--kamailio-version", "5.2.3", filepath.Join(dir, "edge.pcapng.gz"))
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				golden(t, tc.name+"."+format, []byte(stdout))
			})
		}
	}
}

// TestMemoryIntervalFlag: a file of raw JSON-RPC answers without times
// (a cron + curl loop) needs the loop's interval; without
// --memory-interval the error says so, with it the file is read.
func TestMemoryIntervalFlag(t *testing.T) {
	mem := repo("memstat", "testdata", "rpclog", "kam563-curl-untimed.log")
	pcap := repo("testdata", "demo", "leak", "edge.pcapng")
	code, _, stderr := runCmd(t, "analyze", "--format", "json", "--memory", mem, pcap)
	if code != exitInput || !strings.Contains(stderr, "--memory-interval") {
		t.Errorf("untimed answers without --memory-interval: exit %d, stderr %q", code, stderr)
	}
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--memory", mem, "--memory-interval", "10s", pcap)
	if code != exitOK || !strings.Contains(stdout, "times are assumed") {
		t.Errorf("with --memory-interval 10s: exit %d, stderr %q", code, stderr)
	}
}
