package correlate

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// groupCollinear merges candidates (and controls) whose counts are
// collinear (|r| ≥ thr over rows; without drift the cosine, since the
// model has no intercept) into one column each: their effects
// cannot be told apart, so one coefficient is estimated for the group and
// every member is reported with it. With drift, candidates sending at a
// near-constant rate (coefficient of variation < 5 %) are collinear with
// the intercept; they are left out and returned separately.
func groupCollinear(cand, controls []*column, rows []int, thr float64, drift bool) (cols []*column, ncand int, constant []*column) {
	var use []*column
	for _, c := range cand {
		if drift && cv(c.x, rows) < 0.05 {
			constant = append(constant, c)
			continue
		}
		use = append(use, c)
	}
	nc := len(use)
	use = append(use, controls...)
	parent := make([]int, len(use))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	for i := range use {
		for j := i + 1; j < len(use); j++ {
			// Without an intercept the model separates directions through
			// the origin: two constant senders are then collinear although
			// their Pearson correlation is undefined.
			sim := cosine(use[i].x, use[j].x, rows)
			if drift {
				sim = corr(use[i].x, use[j].x, rows)
			}
			if math.Abs(sim) >= thr {
				if a, b := find(i), find(j); a != b {
					parent[max(a, b)] = min(a, b) // the root is the earliest (largest) member
				}
			}
		}
	}
	var ctl []*column
	for i, c := range use {
		if find(i) != i {
			continue
		}
		var members []*column
		for j := range use {
			if find(j) == i {
				members = append(members, use[j])
			}
		}
		if len(members) == 1 {
			if i < nc {
				cols = append(cols, c)
			} else {
				ctl = append(ctl, c)
			}
			continue
		}
		g := &column{x: make([]float64, len(c.x))}
		for _, m := range members {
			for k := range g.x {
				g.x[k] += m.x[k]
			}
			g.total += m.total
			if m.control != "" {
				g.joined = append(g.joined, m.control)
			} else {
				g.members = append(g.members, m.leaves()...)
			}
		}
		if i < nc {
			cols = append(cols, g)
		} else {
			g.control = c.control
			for _, m := range members[1:] {
				g.control += " + " + m.control
			}
			ctl = append(ctl, g)
		}
	}
	return append(cols, ctl...), len(cols), constant
}

// fitTarget regresses one target's memory steps on the columns: the
// common lag minimising the residuals, NNLS at that lag, each candidate's
// partial R², its own best lag (profiled with the others held), a
// moving-block bootstrap for the intervals, and the lift in growth windows.
func (a *analysis) fitTarget(t *target, rng *rand.Rand, notes *[]Note) (TargetFit, []colResult) {
	o := a.o
	fit := TargetFit{Series: t.name, Pool: t.pool.String(), Metric: t.metric, Members: t.members}
	res := make([]colResult, len(a.cols))
	var rows []int
	for k := o.MaxLag + 1; k < a.g.n; k++ { // +1: the transient columns look one bucket further back
		if finite(t.delta[k]) && k-t.shape.reach(k) >= o.MaxLag {
			rows = append(rows, k)
			fit.Growth += t.delta[k]
		}
	}
	fit.Rows = len(rows)
	valid := make([]bool, a.g.n)
	d := make([]float64, a.g.n)
	for k, v := range t.delta {
		valid[k], d[k] = finite(v), v
		if !valid[k] {
			d[k] = 0
		}
	}
	fit.Noise = noiseFloor(d, valid)
	marked := markGrowth(d, valid, fit.Noise, o.Growth.withDefaults().K, o.Growth.withDefaults().MaxScale)
	for _, k := range rows {
		if marked[k] {
			fit.Windowed++
		}
	}
	if len(rows) < o.MinBuckets {
		*notes = append(*notes, Note{"coverage", fmt.Sprintf("%s: only %d usable buckets, not regressed", t.name, len(rows))})
		return fit, res
	}
	p := len(a.cols)
	drift := o.Baseline == BaselineDrift
	tr := !o.NoTransient
	lagsAll := func(l int) []int {
		ls := make([]int, p)
		for i := range ls {
			ls[i] = l
		}
		return ls
	}
	beta := make([]float64, p)
	bestRSS := math.Inf(1)
	for l := 0; l <= o.MaxLag; l++ {
		// The lag is chosen on the leak terms alone: a transient term can
		// mimic a delay (x_k − (x_k − x_{k−1}) = x_{k−1}) and would hide it.
		ds := newDataset(a.cols, lagsAll(l), t.delta, rows, t.shape, drift, false)
		if _, rss := ds.fit(beta); rss < bestRSS*(1-1e-9) {
			bestRSS, fit.Lag = rss, l
		}
	}
	lags := lagsAll(fit.Lag)
	ds := newDataset(a.cols, lags, t.delta, rows, t.shape, drift, tr)
	c, rss := ds.fit(beta)
	tss := ds.tss()
	fit.Drift = c
	if tss > 0 {
		fit.R2 = 1 - rss/tss
	}
	boot, free := ds.bootstrap(o.Bootstrap, blockLen(ds.residualAC1(beta, c), len(rows), o.MaxLag), beta, c, rng)
	scratch := make([]float64, p)
	for j := 0; j < a.ncand; j++ {
		cr := &res[j]
		cr.tested, cr.beta = true, beta[j]
		// The interval is the percentile interval of the NNLS replicates
		// (it respects β ≥ 0); the test uses the spread of the
		// unconstrained replicates, which a boundary does not shrink.
		cr.ci, _ = coefStats(boot, j)
		_, se := coefStats(free, j)
		cr.se = se
		switch {
		case beta[j] <= 0:
			cr.p = 1
		case se == 0:
			cr.p = 0
		default:
			cr.p = pOneSided(beta[j] / se)
		}
		if _, rj := ds.without(j).fit(scratch); tss > 0 {
			cr.partial = math.Max(0, (rj-rss)/tss)
		}
		cr.lag = a.profileLag(j, lags, t, rows, drift)
		cr.lift = lift(a.cols[j].x, marked, rows, fit.Lag)
	}
	shares(res[:a.ncand], a.cols, beta, c, t, rows, fit)
	return fit, res
}

// shares sets each candidate's part of the growth: its leak (β times its
// messages) over the growth, or over the sum of every positive part the
// model finds (candidates, controls, drift) when that is larger, so that
// the parts never add up to more than 100 % (noise can make the fitted
// parts exceed the measured rise).
func shares(res []colResult, cols []*column, beta []float64, c float64, t *target, rows []int, fit TargetFit) {
	part := make([]float64, len(cols))
	total := math.Max(c, 0) * float64(len(rows))
	for j, col := range cols {
		for _, k := range rows {
			part[j] += t.shape.count(col.x, k, fit.Lag)
		}
		part[j] *= beta[j]
		total += part[j]
	}
	den := math.Max(fit.Growth, total)
	if den <= 0 {
		return
	}
	for j := range res {
		res[j].share = part[j] / den
	}
}

// profileLag returns the lag of column j that fits best with the other
// columns held at their lags (leak terms only, as for the common lag).
func (a *analysis) profileLag(j int, lags []int, t *target, rows []int, drift bool) int {
	ls := append([]int(nil), lags...)
	beta := make([]float64, len(lags))
	best, bestRSS := lags[j], math.Inf(1)
	for l := 0; l <= a.o.MaxLag; l++ {
		ls[j] = l
		if _, rss := newDataset(a.cols, ls, t.delta, rows, t.shape, drift, false).fit(beta); rss < bestRSS*(1-1e-9) {
			best, bestRSS = l, rss
		}
	}
	return best
}

// lift is the column's rate inside growth buckets over its rate outside,
// add-½ smoothed; 0 when either side has no bucket.
func lift(x []float64, marked []bool, rows []int, lag int) float64 {
	var in, out, nin, nout float64
	for _, k := range rows {
		if marked[k] {
			in += x[k-lag]
			nin++
		} else {
			out += x[k-lag]
			nout++
		}
	}
	if nin == 0 || nout == 0 {
		return 0
	}
	return ((in + 0.5) / nin) / ((out + 0.5) / nout)
}

// blockLen is the length of the bootstrap's sign blocks. White residuals
// (lag-1 autocorrelation within ±2/√n) need no blocks beyond the lag span,
// and short blocks give the bootstrap many independent signs; correlated
// residuals get blocks of √n buckets, which keep the correlation inside
// them (conservative for the negative correlation of differenced level
// noise, right for the positive one of delayed refreshes).
func blockLen(ac1 float64, n, maxLag int) int {
	if math.Abs(ac1) <= 2/math.Sqrt(float64(max(n, 1))) {
		return maxLag + 1
	}
	return max(int(math.Round(math.Sqrt(float64(n)))), maxLag+1, 1)
}
