package correlate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Baseline says what memory does without the candidates' messages.
type Baseline uint8

const (
	// BaselineDrift (the default) fits an unconstrained intercept: memory
	// may drift by a constant amount per bucket for reasons unrelated to
	// any UA. A UA sending at a constant rate is then indistinguishable
	// from that drift and is never a suspect.
	BaselineDrift Baseline = iota
	// BaselineZero assumes memory is flat without the messages counted
	// (well-formed traffic included as a control). Use it when no capture
	// covers a change in the leaking device's traffic; a steady drift from
	// elsewhere is then blamed on steady senders.
	BaselineZero
)

// Options tune Attribute. Zero fields take the defaults in brackets.
type Options struct {
	// Bucket is the analysis bucket [twice the median memory poll
	// interval], rounded to a multiple of the Timeline bucket.
	Bucket time.Duration
	// Source selects whose counts are regressed [0: the source whose span
	// covers most of the memory window, capture on ties]. A message seen
	// both in a capture and in the logs must not be counted twice.
	Source   Source
	Baseline Baseline
	// MaxCandidates caps the (UA, rule) cells regressed individually, the
	// largest by malformed volume in the window [16]; the rest form one
	// "other malformed" control column.
	MaxCandidates int
	MaxLag        int     // largest lag tried, in buckets [3]
	Bootstrap     int     // bootstrap resamples [500]
	Seed          uint64  // PRNG seed of the bootstrap [1]
	Alpha         float64 // family-wise error rate of the suspect test [0.05]
	MinBuckets    int     // fewer usable buckets: no attribution [20]
	// Collinear is the |correlation| of two candidates' counts from which
	// they are one group, reported as indistinguishable [0.98].
	Collinear float64
	// NoTransient drops the transient terms: by default every column also
	// enters as the change of its counts from the previous bucket, with a
	// coefficient of any sign, for memory held only while traffic flows.
	NoTransient bool
	// MinBytesPerMessage is the smallest estimate reported as a suspect [0].
	MinBytesPerMessage float64
	// MinShare is the smallest part of the series' growth a suspect must
	// explain [0.05; negative: none]. Over weeks of coarse samples a rare
	// device's few messages can land on noise and test significant while
	// explaining 1 % of the growth; it is listed with its estimate, not
	// as a suspect.
	MinShare      float64
	MaxBystanders int // UAs listed without impact [100]
	Growth        GrowthOptions
	// Sanity, Version and Defects feed Remediate and the known-defect
	// labels; Version is the running Kamailio, e.g. "5.2.3".
	Sanity  SanityConfig
	Version string
	Defects []KnownDefect
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxCandidates, 16)
	def(&o.MaxLag, 3)
	def(&o.Bootstrap, 500)
	def(&o.MinBuckets, 20)
	def(&o.MaxBystanders, 100)
	if o.Seed == 0 {
		o.Seed = 1
	}
	switch {
	case o.MinShare == 0:
		o.MinShare = 0.05
	case o.MinShare < 0:
		o.MinShare = 0
	}
	if o.Alpha <= 0 || o.Alpha >= 1 {
		o.Alpha = 0.05
	}
	if o.Collinear <= 0 || o.Collinear > 1 {
		o.Collinear = 0.98
	}
	return o
}

// colResult is the estimate for one column in one target.
type colResult struct {
	tested  bool
	beta    float64
	ci      Interval
	se, p   float64
	partial float64
	lag     int
	lift    float64
	share   float64
	target  int // index of the target (flat-baseline estimates)
}

// Attribute finds the (UA, rule) cells whose malformed messages explain the
// memory growth. For every target series it regresses the memory step of
// each analysis bucket on the candidates' malformed counts (NNLS, an
// intercept for baseline drift, well-formed and other-malformed traffic as
// controls), at the common lag that fits best, and bootstraps the
// coefficients. README.md states the significance rule.
func Attribute(tl *Timeline, mem []MemSeries, o Options) Report {
	o = o.withDefaults()
	r := Report{Weakest: -1, Targets: []TargetFit{}, Suspects: []Suspect{}, MalformedWithoutImpact: []Bystander{},
		Windows: []Window{}, Projections: []Projection{}, Remediation: []Remediation{}, Notes: []Note{}}
	timelineNotes(tl, &r.Notes)
	for _, s := range mem {
		r.Windows = append(r.Windows, GrowthWindows(s, o.Growth)...)
	}
	src := chooseSource(tl, mem, o.Source, &r.Notes)
	r.Source = src.String()
	a := &analysis{tl: tl, o: o, src: src}
	if g, ok := a.window(mem, &r.Notes); ok {
		a.g = g
		r.Start, r.End, r.Bucket, r.Buckets = g.start, g.at(g.n), g.step, g.n
		a.run(mem, &r)
	}
	a.classify(&r)
	attributed := a.attributedRates(&r)
	r.Projections, r.Weakest = Project(mem, attributed)
	for i := range r.Suspects {
		poolProjection(&r.Suspects[i], r.Projections)
	}
	capPoolShares(r.Suspects)
	r.Remediation = Remediate(o.Sanity, o.Version, r.Suspects, o.Defects)
	if r.Remediation == nil {
		r.Remediation = []Remediation{}
	}
	return r
}

// analysis carries one Attribute run.
type analysis struct {
	tl       *Timeline
	o        Options
	src      Source
	g        grid
	targets  []target
	cols     []*column // candidate groups, then controls
	ncand    int
	all      []*column             // every malformed cell column, by volume
	constant []*column             // candidates confounded with the drift
	flat     map[*column]colResult // their estimates with BaselineZero
	res      [][]colResult         // [target][column]
	fits     []TargetFit
	best     []int // per candidate group: the target it is judged in (-1 none)
}

func chooseSource(tl *Timeline, mem []MemSeries, want Source, notes *[]Note) Source {
	if want == SourceCapture || want == SourceLog {
		return want
	}
	mf, ml := MemSpan(mem)
	st := tl.Stats()
	overlap := func(s Source) time.Duration {
		a, b := st.First[s], st.Last[s]
		if a.IsZero() {
			return -1
		}
		if a.Before(mf) {
			a = mf
		}
		if b.After(ml) {
			b = ml
		}
		return max(b.Sub(a), 0)
	}
	if c, l := overlap(SourceCapture), overlap(SourceLog); l > c {
		if c >= 0 {
			*notes = append(*notes, Note{"source", "log hits cover more of the memory window than the capture: log counts are regressed, capture counts kept as evidence"})
		}
		return SourceLog
	}
	return SourceCapture
}

// window intersects the memory span with the chosen source's span and
// lays the grid over it.
func (a *analysis) window(mem []MemSeries, notes *[]Note) (grid, bool) {
	mf, ml := MemSpan(mem)
	st := a.tl.Stats()
	ef, el := st.First[a.src], st.Last[a.src]
	switch {
	case mf.IsZero():
		*notes = append(*notes, Note{"coverage", "no memory samples: nothing to attribute"})
		return grid{}, false
	case ef.IsZero():
		*notes = append(*notes, Note{"coverage", fmt.Sprintf("no %s events: nothing to attribute", a.src)})
		return grid{}, false
	}
	from, to := mf, ml
	if ef.After(from) {
		from = ef
	}
	if el.Before(to) {
		to = el
	}
	if span := ml.Sub(mf); span > 0 {
		if cov := to.Sub(from).Seconds() / span.Seconds(); cov < 0.95 {
			*notes = append(*notes, Note{"coverage", fmt.Sprintf("the %s covers %.0f%% of the memory window (%s – %s); only the overlap is analysed",
				a.src, 100*math.Max(cov, 0), mf.UTC().Format(time.RFC3339), ml.UTC().Format(time.RFC3339))})
		}
	}
	step := a.o.Bucket
	if step <= 0 {
		// Two polls: a value refreshed lazily (pkg) or once per timer tick
		// (shm) shows up one poll late, and a bucket of two polls keeps
		// most of every message's effect inside its own bucket.
		step = 2 * pollInterval(mem)
	}
	g, ok := newGrid(from, to, step, a.tl.Bucket())
	if !ok || g.n < a.o.MinBuckets {
		*notes = append(*notes, Note{"coverage", fmt.Sprintf("the overlap of events and memory samples holds %d bucket(s) of %s; at least %d are needed", g.n, g.step, a.o.MinBuckets)})
		return g, false
	}
	return g, true
}

// run builds the columns and fits every target.
func (a *analysis) run(mem []MemSeries, r *Report) {
	a.targets = buildTargets(mem, &a.g, &r.Notes)
	cols, wellFormed := cellColumns(a.tl, &a.g, a.src)
	a.all = cols
	cand := cols[:min(len(cols), a.o.MaxCandidates)]
	var controls []*column
	if len(cols) > len(cand) {
		other := &column{control: "other malformed (below the top candidates)", x: make([]float64, a.g.n)}
		for _, c := range cols[len(cand):] {
			for k := range other.x {
				other.x[k] += c.x[k]
			}
			other.total += c.total
		}
		controls = append(controls, other)
		r.Notes = append(r.Notes, Note{"candidates", fmt.Sprintf("%d (UA, rule) cells are regressed individually; %d smaller ones form one control column", len(cand), len(cols)-len(cand))})
	}
	wf := &column{control: "all well-formed traffic", x: wellFormed}
	for _, v := range wellFormed {
		wf.total += v
	}
	if wf.total > 0 {
		controls = append(controls, wf)
	}
	rows := make([]int, 0, a.g.n)
	for k := a.o.MaxLag + 1; k < a.g.n; k++ {
		rows = append(rows, k)
	}
	a.cols, a.ncand, a.constant = groupCollinear(cand, controls, rows, a.o.Collinear, a.o.Baseline == BaselineDrift)
	rng := rand.New(rand.NewPCG(splitmix(a.o.Seed), splitmix(^a.o.Seed)))
	a.res = make([][]colResult, len(a.targets))
	for ti := range a.targets {
		fit, res := a.fitTarget(&a.targets[ti], rng, &r.Notes)
		a.fits = append(a.fits, fit)
		a.res[ti] = res
	}
	r.Targets = a.fits
	if len(a.constant) > 0 {
		a.flat = a.flatBaseline(cand, controls, rows)
		r.Notes = append(r.Notes, Note{"drift", fmt.Sprintf("%d candidate(s) sent at a nearly constant rate and cannot be told from baseline drift; their estimates assuming a flat baseline are given without a significance claim", len(a.constant))})
	}
}

// flatBaseline re-fits every target with BaselineZero to estimate the
// candidates that are collinear with the drift: a number for the operator,
// valid only if memory is flat without them, never a suspect by itself.
func (a *analysis) flatBaseline(cand, controls []*column, rows []int) map[*column]colResult {
	b := *a
	b.o.Baseline = BaselineZero
	b.cols, b.ncand, _ = groupCollinear(cand, controls, rows, b.o.Collinear, false)
	rng := rand.New(rand.NewPCG(splitmix(b.o.Seed), splitmix(^b.o.Seed)))
	var notes []Note
	out := map[*column]colResult{}
	for ti := range b.targets {
		_, res := b.fitTarget(&b.targets[ti], rng, &notes)
		for j := 0; j < b.ncand; j++ {
			for _, c := range a.constant {
				if !slices.Contains(b.cols[j].leaves(), c) {
					continue
				}
				if old, ok := out[c]; res[j].tested && (!ok || res[j].p < old.p) {
					res[j].target = ti
					out[c] = res[j]
				}
			}
		}
	}
	return out
}

// splitmix scrambles a seed (SplitMix64) so that nearby seeds give
// unrelated PCG streams.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
