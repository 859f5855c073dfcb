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

// bootstrap draws B block wild-bootstrap replicates of the coefficients
// (B × p), constrained (NNLS) and unconstrained (OLS). The design stays fixed (inference is conditional on the
// observed message counts); each replicate's memory steps are the fitted
// steps plus the residuals, scaled by √(n/(n−p−1)) for the degrees of
// freedom the fit used, with the sign of every block of consecutive
// buckets flipped at random (Rademacher). Flipping whole blocks keeps the
// residuals' short-range dependence (lazy pkg refresh, measurement noise
// that differencing makes negatively correlated); heteroskedastic steps
// keep their own size. The PRNG is the caller's: seeded, deterministic.
func (ds *dataset) bootstrap(b, block int, beta []float64, intercept float64, rng *rand.Rand) (nn, free [][]float64) {
	n, p := ds.n, ds.p
	block = min(max(block, 1), max(n, 1))
	fitted := make([]float64, n)
	resid := make([]float64, n)
	scale := math.Sqrt(float64(n) / float64(max(n-p-1, 1)))
	for r := 0; r < n; r++ {
		f := intercept
		for j := 0; j < p; j++ {
			f += ds.x[r*p+j] * beta[j]
		}
		fitted[r], resid[r] = f, scale*(ds.y[r]-f)
	}
	g, xc := ds.gram()
	h := make([]float64, p)
	ystar := make([]float64, n)
	nn, free = make([][]float64, b), make([][]float64, b)
	for i := range nn {
		for s := 0; s < n; s += block {
			sign := 1.0
			if rng.IntN(2) == 0 {
				sign = -1
			}
			for r := s; r < min(s+block, n); r++ {
				ystar[r] = fitted[r] + sign*resid[r]
			}
		}
		my := 0.0
		if ds.drift {
			for _, v := range ystar {
				my += v
			}
			my /= float64(n)
		}
		for j := range h {
			h[j] = 0
		}
		for r := 0; r < n; r++ {
			yc := ystar[r] - my
			for j := 0; j < p; j++ {
				h[j] += xc[r*p+j] * yc
			}
		}
		nn[i], free[i] = make([]float64, p), make([]float64, p)
		nnls(g, h, p, nn[i])
		ols(g, h, p, free[i])
	}
	return nn, free
}

// gram returns XᵀX of the (centred, with drift) design and the centred X.
func (ds *dataset) gram() (g, xc []float64) {
	n, p := ds.n, ds.p
	mx := make([]float64, p)
	if ds.drift {
		for r := 0; r < n; r++ {
			for j := 0; j < p; j++ {
				mx[j] += ds.x[r*p+j]
			}
		}
		for j := range mx {
			mx[j] /= float64(n)
		}
	}
	xc = make([]float64, n*p)
	g = make([]float64, p*p)
	for r := 0; r < n; r++ {
		for j := 0; j < p; j++ {
			xc[r*p+j] = ds.x[r*p+j] - mx[j]
		}
		for j := 0; j < p; j++ {
			for k := 0; k < p; k++ {
				g[j*p+k] += xc[r*p+j] * xc[r*p+k]
			}
		}
	}
	return g, xc
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
