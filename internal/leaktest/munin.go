package leaktest

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/sipcorr/sipcorr/memstat"
)

// SeedRoute is the request_route body of a cfg like the real case's: sanity
// with its default checks (3047 on 5.2), the failure logged as the seed's
// operators logged it, everything else answered 200. On 5.2.3 a request
// failing check 512 leaks pkg memory inside sanity itself (GH#1990); the
// route stores nothing.
const SeedRoute = `
	if (!sanity_check()) {
		xlog("L_WARN", "Malformed SIP received. ua: [$ua] from $si:$sp\n");
		exit;
	}
	sl_send_reply("200", "OK");
	exit;
`

// PkgTruth is the sum over the UDP receivers of pkg real_used, settled: two
// readings 300 ms apart agree. It is the truth the per-message leak is
// measured against (pkg is per process; the server's leak is their sum).
func PkgTruth(ctx context.Context, c *memstat.Client) (sum uint64, receivers int, err error) {
	read := func() (uint64, int, error) {
		ps, err := c.PkgStats(ctx)
		if err != nil {
			return 0, 0, err
		}
		var s uint64
		n := 0
		for _, p := range ps {
			if p.Reported() && memstat.IsUDPReceiver(p.Process()) {
				s += p.RealUsed
				n++
			}
		}
		return s, n, nil
	}
	prev, n, err := read()
	if err != nil {
		return 0, 0, err
	}
	for range 50 {
		time.Sleep(300 * time.Millisecond)
		cur, m, err := read()
		if err != nil {
			return 0, 0, err
		}
		if cur == prev && m == n {
			return cur, n, nil
		}
		prev, n = cur, m
	}
	return prev, n, fmt.Errorf("leaktest: pkg memory did not settle")
}

// WriteMuninCSV writes what compass-monitoring's Munin plugin graphs from
// the recording in set: at every sample, the process with the least pkg
// free memory (min_free) and its real_used (min_used). Which process that
// is changes from sample to sample, as it does in Munin.
//
// receivers > 0 keeps only the UDP receivers, ranks 1..receivers: on an
// edge that has leaked for days they are the weakest processes (the leak
// is in them), so that is what Munin shows; a replay of a minute or two
// cannot get them past processes that start with more pkg in use (the
// RPC worker, timers), whose flat line Munin would show at first.
func WriteMuninCSV(w io.Writer, set *memstat.Set, receivers int) error {
	type pt struct{ free, used float64 }
	byTime := map[int64]map[string]*pt{}
	for _, m := range []memstat.Metric{memstat.PkgFree, memstat.PkgRealUsed} {
		for _, s := range set.Select(m, memstat.ScopeProcess) {
			if receivers > 0 && (s.Process.Rank < 1 || s.Process.Rank > receivers) {
				continue
			}
			for _, p := range s.Points {
				at := byTime[p.Time.UnixNano()]
				if at == nil {
					at = map[string]*pt{}
					byTime[p.Time.UnixNano()] = at
				}
				key := s.Key[len(m.String()):]
				if at[key] == nil {
					at[key] = &pt{}
				}
				if m == memstat.PkgFree {
					at[key].free = p.Value
				} else {
					at[key].used = p.Value
				}
			}
		}
	}
	times := make([]int64, 0, len(byTime))
	for t := range byTime {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	if _, err := fmt.Fprintln(w, "time,min_used,min_free"); err != nil {
		return err
	}
	for _, t := range times {
		var best *pt
		for _, p := range byTime[t] {
			if p.free > 0 && (best == nil || p.free < best.free) {
				best = p
			}
		}
		if best == nil {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s,%.0f,%.0f\n", time.Unix(0, t).UTC().Format(time.RFC3339), best.used, best.free); err != nil {
			return err
		}
	}
	return nil
}
