package memstat

import (
	"fmt"
	"sort"
	"time"
)

// FromSamples turns polls into a Set: per-process pkg series (key
// "pkg.<field>/entry=<n>"), the UDP-receiver sums ("…/udp-receivers"), the
// least-free process at each sample ("…/weakest", the Munin min_free and
// min_used equivalents) and shared memory ("shm.<field>").
//
// Restarts split series into segments. A changed pid of the main process
// (entry 0) is a server restart: every series starts a new segment. A
// changed pid of any other entry starts a new segment of that process.
// Memory drops without a pid change are not restarts here (pids are
// authoritative); SplitRestarts infers restarts for pid-less imports.
// Samples are used in time order; equal timestamps keep the first sample.
func FromSamples(source string, samples []Sample) *Set {
	b := newBuilder(&Set{Source: source})
	b.add(samples)
	return b.finish()
}

type seriesID struct {
	key     string
	segment int
}

type builder struct {
	set      *Set
	series   map[seriesID]*Series
	entryPID map[int]int
	entrySeg map[int]int
	silent   map[string]bool // notes already given once
	keys     map[int]*[5]string
	epoch    int
	mainPID  int
	prev     time.Time
	version  string
}

func newBuilder(s *Set) *builder {
	return &builder{set: s, series: map[seriesID]*Series{}, entryPID: map[int]int{},
		entrySeg: map[int]int{}, silent: map[string]bool{}, keys: map[int]*[5]string{}}
}

func (b *builder) add(samples []Sample) {
	sorted := make([]Sample, len(samples))
	copy(sorted, samples)
	if !sort.SliceIsSorted(sorted, func(i, j int) bool { return sorted[i].Time.Before(sorted[j].Time) }) {
		b.set.note(NoteInfo, 0, time.Time{}, "samples were not in time order (clock change or merged recordings); sorted by time")
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time.Before(sorted[j].Time) })
	}
	for _, s := range sorted {
		if !b.prev.IsZero() && !s.Time.After(b.prev) {
			b.set.note(NoteSkipped, 0, s.Time, "sample with the same time as the previous one: kept the first")
			continue
		}
		b.sample(s)
		b.prev = s.Time
	}
}

func (b *builder) sample(s Sample) {
	t := s.Time
	if s.Version != "" {
		if b.version != "" && s.Version != b.version {
			b.set.note(NoteInfo, 0, t, "Kamailio version changed from %q to %q", b.version, s.Version)
		}
		b.version = s.Version
		b.set.Version = s.Version
	}
	restarted := false
	for _, p := range s.Pkg {
		if p.Entry != 0 || p.PID == 0 {
			continue
		}
		if b.mainPID != 0 && p.PID != b.mainPID {
			restarted = true
			b.epoch++
			b.set.note(NoteRestart, 0, t, "Kamailio restarted between %s and %s: main process pid %d -> %d",
				b.prev.UTC().Format(timeMillis), t.UTC().Format(timeMillis), b.mainPID, p.PID)
		}
		b.mainPID = p.PID
	}

	var udp [5]float64
	nUDP, weakest := 0, -1
	seen := make(map[int]bool, len(s.Pkg))
	for i, p := range s.Pkg {
		if seen[p.Entry] {
			b.set.note(NoteSkipped, 0, t, "pkg.stats entry %d appears twice in one sample: kept the first", p.Entry)
			continue
		}
		seen[p.Entry] = true
		if !p.Reported() {
			k := fmt.Sprintf("noreport/%d/%d", p.Entry, p.PID)
			if !b.silent[k] {
				b.silent[k] = true
				b.set.note(NoteIgnored, 0, t, "pkg.stats entry %d (pid %d, rank %d) has never published statistics (no kex child init): left out", p.Entry, p.PID, p.Rank)
			}
			continue
		}
		if old, seen := b.entryPID[p.Entry]; seen && (old != p.PID || restarted) {
			b.entrySeg[p.Entry]++
			if !restarted {
				b.set.note(NoteRestart, 0, t, "process entry %d restarted: pid %d -> %d", p.Entry, old, p.PID)
			}
		}
		b.entryPID[p.Entry] = p.PID
		vals := pkgValues(p)
		proc := p.Process()
		keys := b.entryKeys(p.Entry)
		for j, m := range pkgMetrics {
			b.point(keys[j], m, ScopeProcess, proc, p.Desc, b.entrySeg[p.Entry], t, vals[j])
		}
		if IsUDPReceiver(proc) {
			nUDP++
			for j := range udp {
				udp[j] += vals[j]
			}
		}
		if weakest < 0 || p.Free < s.Pkg[weakest].Free {
			weakest = i
		}
	}
	none := Process{Entry: -1}
	if nUDP > 0 {
		label := fmt.Sprintf("sum of %d UDP receivers", nUDP)
		for j, m := range pkgMetrics {
			b.point(udpKeys[j], m, ScopeUDPReceivers, none, label, b.epoch, t, udp[j])
		}
	}
	if weakest >= 0 {
		w := s.Pkg[weakest]
		vals := pkgValues(w)
		label := "process with the least pkg free memory"
		for j, m := range pkgMetrics {
			b.point(weakestKeys[j], m, ScopeWeakest, none, label, b.epoch, t, vals[j])
		}
	}
	if s.Shm != (ShmStat{}) {
		sh := s.Shm
		for _, f := range []struct {
			m Metric
			v uint64
		}{{ShmUsed, sh.Used}, {ShmFree, sh.Free}, {ShmRealUsed, sh.RealUsed}, {ShmTotal, sh.Total}, {ShmMaxUsed, sh.MaxUsed}, {ShmFragments, sh.Fragments}} {
			b.point(f.m.String(), f.m, ScopeShared, Process{}, s.ShmSource, b.epoch, t, float64(f.v))
		}
	}
}

// entryKeys returns the series keys of a process entry, in pkgMetrics
// order, built once per entry rather than once per point.
func (b *builder) entryKeys(entry int) *[5]string {
	k := b.keys[entry]
	if k == nil {
		k = new([5]string)
		for j, m := range pkgMetrics {
			k[j] = fmt.Sprintf("%s/entry=%d", m, entry)
		}
		b.keys[entry] = k
	}
	return k
}

// pkgMetrics is the order of pkgValues; udpKeys and weakestKeys are the
// aggregate series keys in that order (read-only after init).
var (
	pkgMetrics  = [5]Metric{PkgUsed, PkgFree, PkgRealUsed, PkgTotal, PkgFragments}
	udpKeys     = suffixed("/udp-receivers")
	weakestKeys = suffixed("/weakest")
)

func suffixed(suffix string) (k [5]string) {
	for j, m := range pkgMetrics {
		k[j] = m.String() + suffix
	}
	return k
}

func pkgValues(p PkgStat) [5]float64 {
	return [5]float64{float64(p.Used), float64(p.Free), float64(p.RealUsed), float64(p.TotalSize), float64(p.TotalFrags)}
}

func (b *builder) point(key string, m Metric, sc Scope, p Process, label string, seg int, t time.Time, v float64) {
	id := seriesID{key, seg}
	s := b.series[id]
	if s == nil {
		s = &Series{Key: key, Metric: m, Scope: sc, Process: p, Label: label, Segment: seg}
		b.series[id] = s
		b.set.Series = append(b.set.Series, s)
	}
	s.Process = p
	if label != "" {
		s.Label = label
	}
	s.Points = append(s.Points, Point{Time: t, Value: v})
}

func (b *builder) finish() *Set {
	b.set.Sort()
	dropAboveTotal(b.set)
	b.set.closeNotes()
	return b.set
}

// timeMillis formats note times; polls can be sub-second apart.
const timeMillis = "2006-01-02T15:04:05.000Z07:00"
