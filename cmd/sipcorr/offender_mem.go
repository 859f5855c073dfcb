package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/memstat"
	"github.com/sipcorr/sipcorr/report"
)

// maxMemoryNotes bounds the memory reader's notes copied into the report;
// the rest are counted.
const maxMemoryNotes = 20

// offenderSeries converts a memstat Set into correlate's series. It takes
// real_used (what free = total - real_used runs out of; derived from free
// and total for CSV exports that lack it), else used: shared memory, and
// pkg per process (correlate sums them), or, without per-process data, the
// aggregate a CSV carries (Munin's least-free process, or the UDP
// receivers' sum). Pool sizes come from the set's totals, else from live
// (an RPC sample), else stay unknown.
func offenderSeries(set *memstat.Set, live *memstat.Sample) []correlate.MemSeries {
	if set == nil {
		return nil
	}
	var out []correlate.MemSeries
	shm, shmMetric := pick(set, memstat.ScopeShared, memstat.ShmRealUsed, memstat.ShmUsed)
	for _, g := range byKey(shm) {
		s := toSeries(g, correlate.PoolShm, shmMetric, false, set.Averaged)
		s.Name = "shm " + shmMetric
		if len(byKey(shm)) > 1 {
			s.Name += " " + g[0].Key
		}
		s.Total = lastTotal(set, memstat.ShmTotal, memstat.ScopeShared, g[0].Key, shmMetric)
		if s.Total == 0 && shmMetric == "real_used" {
			s.Total = totalFromFree(set, memstat.ShmFree, g)
		}
		if s.Total == 0 && live != nil {
			s.Total = float64(live.Shm.Total)
		}
		out = append(out, s)
	}
	pkg, pkgMetric := pick(set, memstat.ScopeProcess, memstat.PkgRealUsed, memstat.PkgUsed)
	aggregate := false
	if len(pkg) == 0 {
		aggregate = true
		if pkg, pkgMetric = pick(set, memstat.ScopeWeakest, memstat.PkgRealUsed, memstat.PkgUsed); len(pkg) == 0 {
			pkg, pkgMetric = pick(set, memstat.ScopeUDPReceivers, memstat.PkgRealUsed, memstat.PkgUsed)
		}
	}
	for _, g := range byKey(pkg) {
		s := toSeries(g, correlate.PoolPkg, pkgMetric, aggregate, set.Averaged)
		last := g[len(g)-1]
		// Munin's least-free process is one process at a time: it sees its
		// share of the messages only (the UDP receivers' sum sees them all).
		s.PerProcess = last.Scope == memstat.ScopeWeakest
		s.Receiver = last.Scope == memstat.ScopeProcess && memstat.IsUDPReceiver(last.Process)
		s.Name = "pkg " + pkgMetric + " " + processName(last)
		s.Total = lastTotal(set, memstat.PkgTotal, last.Scope, g[0].Key, pkgMetric)
		if s.Total == 0 && pkgMetric == "real_used" {
			s.Total = totalFromFree(set, memstat.PkgFree, g)
		}
		if s.Total == 0 && live != nil {
			switch last.Scope {
			case memstat.ScopeProcess:
				s.Total = livePkgTotal(live, last.Process.Entry)
			case memstat.ScopeWeakest: // one process at a time: the common pool size
				s.Total = livePkgTotal(live, -1)
			}
		}
		out = append(out, s)
	}
	return out
}

// pick returns the series of the preferred metric in scope sc, else of the
// fallback, with the metric's correlate name.
func pick(set *memstat.Set, sc memstat.Scope, want, fallback memstat.Metric) ([]*memstat.Series, string) {
	if s := set.Select(want, sc); len(s) > 0 {
		return s, "real_used"
	}
	return set.Select(fallback, sc), "used"
}

// byKey groups series (in Set order, segments of a key consecutive) by Key.
func byKey(ss []*memstat.Series) [][]*memstat.Series {
	var out [][]*memstat.Series
	for i, s := range ss {
		if i == 0 || s.Key != ss[i-1].Key {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	return out
}

func toSeries(segs []*memstat.Series, pool correlate.Pool, metric string, aggregate, averaged bool) correlate.MemSeries {
	s := correlate.MemSeries{Pool: pool, Metric: metric, Aggregate: aggregate, Averaged: averaged}
	for _, seg := range segs {
		for _, p := range seg.Points {
			s.Points = append(s.Points, correlate.MemPoint{Time: p.Time, Used: p.Value, Segment: seg.Segment})
		}
	}
	return s
}

func processName(s *memstat.Series) string {
	switch s.Scope {
	case memstat.ScopeWeakest:
		return "(least-free process)"
	case memstat.ScopeUDPReceivers:
		return "(sum of UDP receivers)"
	}
	p := s.Process
	switch {
	case p.Entry < 0:
		return s.Key
	case p.Desc != "":
		return fmt.Sprintf("entry %d (%s)", p.Entry, p.Desc)
	}
	return fmt.Sprintf("entry %d rank %d", p.Entry, p.Rank)
}

// lastTotal is the last pool size recorded for the series key usedKey
// ("shm.real_used", "pkg.real_used/entry=3", ...), 0 when none.
func lastTotal(set *memstat.Set, m memstat.Metric, sc memstat.Scope, usedKey, metric string) float64 {
	prefix := "shm." + metric
	if m == memstat.PkgTotal {
		prefix = "pkg." + metric
	}
	want := m.String() + usedKey[min(len(prefix), len(usedKey)):]
	for _, s := range set.Select(m, sc) {
		if s.Key != want {
			continue
		}
		if p, ok := s.Last(); ok {
			return p.Value
		}
	}
	return 0
}

// totalFromFree derives a pool size from a free series sampled with the
// real_used series used (q_malloc: free = total - real_used), as Munin's
// min_free and min_used give it: the last time both have a value. 0 when
// no free series matches.
func totalFromFree(set *memstat.Set, free memstat.Metric, used []*memstat.Series) float64 {
	last := used[len(used)-1]
	key := free.String() + last.Key[len(last.Metric.String()):]
	at := map[int64]float64{}
	for _, s := range set.Select(free, last.Scope) {
		if s.Key == key {
			for _, p := range s.Points {
				at[p.Time.UnixNano()] = p.Value
			}
		}
	}
	for i := len(used) - 1; i >= 0; i-- {
		for j := len(used[i].Points) - 1; j >= 0; j-- {
			p := used[i].Points[j]
			if f, ok := at[p.Time.UnixNano()]; ok {
				return f + p.Value
			}
		}
	}
	return 0
}

func livePkgTotal(live *memstat.Sample, entry int) float64 {
	for _, p := range live.Pkg {
		if p.Reported() && (entry < 0 || p.Entry == entry) {
			return float64(p.TotalSize)
		}
	}
	return 0
}

// memoryInput summarises a set for the report, with its notes: gaps and
// the reader's other notes (bounded), restarts always.
func memoryInput(set *memstat.Set, series []correlate.MemSeries) (report.MemoryInput, []report.Note) {
	in := report.MemoryInput{Source: set.Source, Kind: "recording", Version: set.Version, Restarts: len(set.Restarts())}
	times := map[int64]bool{}
	pkgN := 0
	for _, s := range series {
		for _, p := range s.Points {
			times[p.Time.UnixNano()] = true
			if in.First.IsZero() || p.Time.Before(in.First) {
				in.First = p.Time
			}
			if p.Time.After(in.Last) {
				in.Last = p.Time
			}
		}
		if s.Pool == correlate.PoolPkg && !s.Aggregate {
			pkgN++
			continue
		}
		in.Series = append(in.Series, s.Name)
	}
	if pkgN > 0 {
		in.Series = append(in.Series, fmt.Sprintf("pkg %s of %d processes", series[len(series)-1].Metric, pkgN))
	}
	in.Samples = len(times)
	var notes []report.Note
	listed, skipped := 0, 0
	for _, n := range set.Notes {
		if n.Kind == memstat.NoteColumns {
			in.Kind = "csv"
		}
		if n.Kind == memstat.NoteGap {
			in.Gaps++
		}
		if n.Kind == memstat.NoteInfo && strings.HasPrefix(n.Text, "recorder ") {
			skipped++
			continue // start and stop of the recorder: the memory line says it
		}
		if n.Kind == memstat.NoteRestart || listed < maxMemoryNotes {
			text := n.Text
			if n.Line > 0 {
				text = fmt.Sprintf("%s line %d: %s", set.Source, n.Line, text)
			}
			notes = append(notes, report.Note{Kind: "memory " + n.Kind.String(), Text: text})
			if n.Kind != memstat.NoteRestart {
				listed++
			}
		}
	}
	if more := len(set.Notes) - len(notes) - skipped; more > 0 {
		notes = append(notes, report.Note{Kind: "memory", Text: fmt.Sprintf("%d more notes of the memory reader not listed", more)})
	}
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].Kind == "memory restart" && notes[j].Kind != "memory restart" })
	return in, notes
}

var versionRE = regexp.MustCompile(`\b(\d+\.\d+\.\d+)\b`)

// kamailioVersion extracts "5.6.3" from core.version's "kamailio 5.6.3
// (x86_64/linux)"; "" when there is none.
func kamailioVersion(s string) string {
	if m := versionRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}
