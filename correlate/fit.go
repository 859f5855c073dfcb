package correlate

import (
	"math"
	"math/rand/v2"
	"slices"
)

// dataset is the regression of one target at fixed lags: n rows (valid
// buckets) × p columns, row-major, and the memory steps y.
type dataset struct {
	n, p  int
	x     []float64
	y     []float64
	drift bool // fit an unconstrained intercept (baseline drift)
}

// newDataset builds rows from the buckets in rows, column j taken lags[j]
// buckets earlier than the memory step it explains.
func newDataset(cols []*column, lags []int, y []float64, rows []int, drift bool) *dataset {
	ds := &dataset{n: len(rows), p: len(cols), x: make([]float64, len(rows)*len(cols)), y: make([]float64, len(rows)), drift: drift}
	for r, k := range rows {
		ds.y[r] = y[k]
		for j, c := range cols {
			ds.x[r*ds.p+j] = c.x[k-lags[j]]
		}
	}
	return ds
}

// fit solves the NNLS problem over the rows idx (a multiset of row numbers;
// nil means every row once) and returns the intercept and the residual sum
// of squares over those rows. beta receives the coefficients. Means are
// taken first and the Gram matrix accumulated from centred values, so large
// steady counts do not cancel catastrophically.
func (ds *dataset) fit(idx []int, beta []float64) (intercept, rss float64) {
	p := ds.p
	n := ds.n
	if idx != nil {
		n = len(idx)
	}
	row := func(i int) int {
		if idx == nil {
			return i
		}
		return idx[i]
	}
	mx := make([]float64, p)
	my := 0.0
	if ds.drift {
		for i := 0; i < n; i++ {
			r := row(i)
			my += ds.y[r]
			for j := 0; j < p; j++ {
				mx[j] += ds.x[r*p+j]
			}
		}
		my /= float64(n)
		for j := range mx {
			mx[j] /= float64(n)
		}
	}
	g := make([]float64, p*p)
	h := make([]float64, p)
	xc := make([]float64, p)
	for i := 0; i < n; i++ {
		r := row(i)
		for j := 0; j < p; j++ {
			xc[j] = ds.x[r*p+j] - mx[j]
		}
		yc := ds.y[r] - my
		for j := 0; j < p; j++ {
			h[j] += xc[j] * yc
			for k := j; k < p; k++ {
				g[j*p+k] += xc[j] * xc[k]
			}
		}
	}
	for j := 0; j < p; j++ {
		for k := 0; k < j; k++ {
			g[j*p+k] = g[k*p+j]
		}
	}
	nnls(g, h, p, beta)
	intercept = my
	for j := 0; j < p; j++ {
		intercept -= mx[j] * beta[j]
	}
	for i := 0; i < n; i++ {
		r := row(i)
		e := ds.y[r] - intercept
		for j := 0; j < p; j++ {
			e -= ds.x[r*p+j] * beta[j]
		}
		rss += e * e
	}
	return intercept, rss
}

// tss is the total sum of squares the R² is relative to: around the mean
// with drift, around 0 without (the no-drift model explains raw steps).
func (ds *dataset) tss() float64 {
	m := 0.0
	if ds.drift {
		for _, v := range ds.y {
			m += v
		}
		m /= float64(ds.n)
	}
	t := 0.0
	for _, v := range ds.y {
		t += (v - m) * (v - m)
	}
	return t
}

// without returns a copy of ds with column j zeroed (NNLS then gives it 0,
// which is the model without it).
func (ds *dataset) without(j int) *dataset {
	c := *ds
	c.x = slices.Clone(ds.x)
	for r := 0; r < ds.n; r++ {
		c.x[r*ds.p+j] = 0
	}
	return &c
}

// bootstrap re-fits the model on B moving-block resamples of the rows and
// returns the coefficients, B × p. Blocks keep the short-range dependence
// of memory steps (lazy pkg refresh, a step split over two buckets) inside
// each resample. The PRNG is the caller's: seeded, deterministic.
func (ds *dataset) bootstrap(b, block int, rng *rand.Rand) [][]float64 {
	if block < 1 {
		block = 1
	}
	if block > ds.n {
		block = ds.n
	}
	out := make([][]float64, b)
	idx := make([]int, 0, ds.n+block)
	for i := range out {
		idx = idx[:0]
		for len(idx) < ds.n {
			s := rng.IntN(ds.n - block + 1)
			for k := s; k < s+block; k++ {
				idx = append(idx, k)
			}
		}
		out[i] = make([]float64, ds.p)
		ds.fit(idx[:ds.n], out[i])
	}
	return out
}

// coefStats summarises the bootstrap distribution of coefficient j: the
// 95 % percentile interval and the standard error.
func coefStats(boot [][]float64, j int) (ci Interval, se float64) {
	v := make([]float64, len(boot))
	mean := 0.0
	for i, b := range boot {
		v[i] = b[j]
		mean += b[j]
	}
	mean /= float64(len(v))
	for _, x := range v {
		se += (x - mean) * (x - mean)
	}
	se = math.Sqrt(se / float64(max(len(v)-1, 1)))
	slices.Sort(v)
	return Interval{Low: quantile(v, 0.025), High: quantile(v, 0.975)}, se
}

// quantile of sorted v, linear interpolation (type 7).
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	h := q * float64(len(v)-1)
	i := int(math.Floor(h))
	if i+1 >= len(v) {
		return v[len(v)-1]
	}
	return v[i] + (h-float64(i))*(v[i+1]-v[i])
}

// pOneSided is P(Z ≥ z) for a standard normal Z.
func pOneSided(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// corr is the Pearson correlation of a and b over rows; 0 when either is
// constant there.
func corr(a, b []float64, rows []int) float64 {
	var ma, mb float64
	for _, k := range rows {
		ma += a[k]
		mb += b[k]
	}
	n := float64(len(rows))
	ma /= n
	mb /= n
	var sab, saa, sbb float64
	for _, k := range rows {
		da, db := a[k]-ma, b[k]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// cv is the coefficient of variation of a over rows (sd / mean).
func cv(a []float64, rows []int) float64 {
	var m, s float64
	for _, k := range rows {
		m += a[k]
	}
	m /= float64(len(rows))
	for _, k := range rows {
		s += (a[k] - m) * (a[k] - m)
	}
	if m == 0 {
		return 0
	}
	return math.Sqrt(s/float64(len(rows))) / m
}
