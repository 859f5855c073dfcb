package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/kamtest"
	"github.com/sipcorr/sipcorr/internal/leaktest"
	"github.com/sipcorr/sipcorr/memstat"
)

// realRun is one replay of the proof's traffic against a real Kamailio
// release with the seed-like cfg: the files it produced and the RPC truth.
type realRun struct {
	Version     string           `json:"kamailio"`
	Children    int              `json:"children"`
	Sent        []*leaktest.Sent `json:"sent"`
	PkgBefore   uint64           `json:"pkg_real_used_before"` // sum over the UDP receivers
	PkgAfter    uint64           `json:"pkg_real_used_after"`
	Receivers   int              `json:"udp_receivers"`
	Leaking     int              `json:"leaking_messages"` // the Yealink's requests answered 420
	Truth       float64          `json:"truth_bytes_per_message"`
	dir         string
	pcap, mem   string
	munin, cfg  string
	logs        string
	kamailioLog []kamtest.LogLine
}

// replayReal runs Kamailio `version` (unpacked under /opt) with children
// UDP receivers and the seed-like route, records it with memwatch and
// tshark while leaktest.DefaultPlan(seed, blocks) is replayed, and measures
// the pkg growth over RPC.
func replayReal(t *testing.T, version string, children int, seed uint64, blocks int) *realRun {
	t.Helper()
	bin, mods := kamtest.Release(t, version)
	srv := kamtest.Start(t, kamtest.Config{Bin: bin, Modules: mods, Children: children, Route: leaktest.SeedRoute})
	sip, err := netip.ParseAddrPort(srv.SIPAddr)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := &realRun{Version: version, Children: children, dir: dir, pcap: filepath.Join(dir, "edge.pcapng"), mem: filepath.Join(dir, "mem.jsonl"),
		munin: filepath.Join(dir, "munin-min.csv"), cfg: filepath.Join(srv.Dir, "kamailio.cfg"), logs: filepath.Join(dir, "syslog")}
	capt := leaktest.StartCapture(t, "lo", fmt.Sprintf("udp port %d", sip.Port()), r.pcap)
	mwCtx, stopMW := context.WithCancel(context.Background())
	defer stopMW()
	var mwStderr bytes.Buffer
	mwCode, mwDone := -1, make(chan struct{})
	go func() {
		defer close(mwDone)
		mwCode = run(mwCtx, &env{stdout: io.Discard, stderr: &mwStderr},
			[]string{"memwatch", "--rpc", srv.RPCURL, "--interval", "1s", "-o", r.mem, "-q"})
	}()
	ctx := context.Background()
	rpc, err := memstat.NewClient(srv.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	// Warm-up: each process grows by ~16 KB over its first few hundred
	// messages (caches, buffers) whatever they are; the truth is the
	// growth per leaking message after that, as an operator's edge that
	// has run for days shows it. The warm-up is in the capture and the
	// recording too.
	if _, err = leaktest.Replay(ctx, leaktest.DefaultPlan(seed^0xa11, 4), sip); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if r.PkgBefore, r.Receivers, err = leaktest.PkgTruth(ctx, rpc); err != nil {
		t.Fatal(err)
	}
	if r.Sent, err = leaktest.Replay(ctx, leaktest.DefaultPlan(seed, blocks), sip); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if r.PkgAfter, _, err = leaktest.PkgTruth(ctx, rpc); err != nil {
		t.Fatal(err)
	}
	stopMW()
	<-mwDone
	if err := capt.Stop(); err != nil {
		t.Fatal(err)
	}
	if mwCode != exitOK {
		t.Fatalf("memwatch exit %d: %s", mwCode, mwStderr.String())
	}
	r.Leaking = r.Sent[0].Replies[420]
	if r.Leaking > 0 {
		r.Truth = (float64(r.PkgAfter) - float64(r.PkgBefore)) / float64(r.Leaking)
	}
	r.kamailioLog = srv.Lines()
	set, err := memstat.ReadFile(r.mem, memstat.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := leaktest.WriteMuninCSV(&csv, set, children); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.munin, csv.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	for _, l := range r.kamailioLog {
		fmt.Fprintf(&logs, "%s edge kamailio[%d]: %s\n", l.Time.UTC().Format(time.RFC3339Nano), srv.Cmd.Process.Pid, l.Text)
	}
	if err := os.WriteFile(r.logs, logs.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Sent {
		t.Logf("%-34s sent %4d, replies %v", s.UA, s.Requests, s.Replies)
	}
	t.Logf("Kamailio %s, %d UDP receivers: pkg real_used (sum) %d -> %d over %d leaking messages: %.1f B/message", version, r.Receivers, r.PkgBefore, r.PkgAfter, r.Leaking, r.Truth)
	return r
}
