package correlate

import (
	"math"
	"slices"
)

// dataset is the regression of one target at fixed lags: n rows (valid
// buckets), the p leak columns x (message counts, coefficients ≥ 0) and
// q transient columns d (the change of those counts from the previous
// bucket, coefficients of any sign), both row-major, and the memory steps y.
//
// The transient columns model state that lives while traffic flows and is
// freed afterwards (transactions, dialogs, expiring htable entries): its
// level follows the current rate, so its step follows the rate's change.
// Without them a loud UA whose messages only hold memory briefly would get
// a positive leak coefficient from the bucket in which its traffic starts.
type dataset struct {
	n, p, q int
	x, d    []float64
	y       []float64
	drift   bool // fit an unconstrained intercept (baseline drift)

	prepared bool
	mx, md   []float64 // column means (0 without drift)
	xc, dc   []float64 // centred columns
	gp       []float64 // p×p Gram of x with d partialled out (Schur complement)
	gxd      []float64 // p×q
	ginv     []float64 // q×q inverse Gram of d
	ad       []float64 // q×p: ginv·Gdx, the part of x that d explains
}

// newDataset builds rows from the buckets in rows, column j taken lags[j]
// buckets earlier than the memory step it explains; with transient, each
// column also gets its change column. shape says what a row's counts are
// (rowShape.count); rows must start at lag+shape.reach or later.
func newDataset(cols []*column, lags []int, y []float64, rows []int, shape rowShape, drift, transient bool) *dataset {
	p, q := len(cols), 0
	if transient {
		q = p
	}
	ds := &dataset{n: len(rows), p: p, q: q, x: make([]float64, len(rows)*p), d: make([]float64, len(rows)*q), y: make([]float64, len(rows)), drift: drift}
	for r, k := range rows {
		ds.y[r] = y[k]
		l := shape.length(k)
		for j, c := range cols {
			ds.x[r*p+j] = shape.count(c.x, k, lags[j])
			if transient {
				ds.d[r*q+j] = c.x[k-lags[j]] - c.x[k-l-lags[j]]
			}
		}
	}
	return ds
}

// rowShape describes the rows of a target: span[k] is the number of
// buckets of the row ending at k (nil: one each), averaged that its
// samples are means over the interval before them.
type rowShape struct {
	span     []int
	averaged bool
}

// length is the number of buckets of the row ending at k.
func (r rowShape) length(k int) int {
	if r.span == nil {
		return 1
	}
	return max(r.span[k], 1)
}

// reach is how many buckets before k the counts of the row ending at k
// (and its change column) look back, lag not included.
func (r rowShape) reach(k int) int {
	l := r.length(k)
	if r.averaged && l > 1 {
		return 2 * l
	}
	return l
}

// count is what the memory step of the row ending at k sees of the counts
// x, lag buckets earlier. For a reading at each end it is the sum over the
// row's buckets. For averaged samples (each the mean over the l buckets
// before it) the difference of two means weighs a message by a triangle:
// rising over the previous row's buckets, 1 at the row's start, falling
// to 0 at its end; a row of one bucket is too short for that to matter.
func (r rowShape) count(x []float64, k, lag int) float64 {
	l := r.length(k)
	if l == 1 {
		return x[k-lag]
	}
	v := 0.0
	if !r.averaged {
		for i := k - l + 1; i <= k; i++ {
			v += x[i-lag]
		}
		return v
	}
	fl := float64(l)
	for i := k - 2*l + 1; i <= k; i++ {
		// bucket i's middle lies (i-(k-l)-0.5) buckets after the row's start
		w := 1 - math.Abs(float64(i-(k-l))-0.5)/fl
		v += w * x[i-lag]
	}
	return v
}

// prepare centres the columns and forms the Gram blocks once; every fit
// of this design (bootstrap replicates included) reuses them.
func (ds *dataset) prepare() {
	if ds.prepared {
		return
	}
	ds.prepared = true
	n, p, q := ds.n, ds.p, ds.q
	ds.mx, ds.xc = centre(ds.x, n, p, ds.drift)
	ds.md, ds.dc = centre(ds.d, n, q, ds.drift)
	gxx := crossprod(ds.xc, ds.xc, n, p, p)
	ds.gxd = crossprod(ds.xc, ds.dc, n, p, q)
	ds.ginv = spdInverse(crossprod(ds.dc, ds.dc, n, q, q), q)
	ds.ad = make([]float64, q*p)
	for i := 0; i < q; i++ {
		for j := 0; j < p; j++ {
			v := 0.0
			for k := 0; k < q; k++ {
				v += ds.ginv[i*q+k] * ds.gxd[j*q+k]
			}
			ds.ad[i*p+j] = v
		}
	}
	ds.gp = gxx
	for i := 0; i < p; i++ {
		for j := 0; j < p; j++ {
			v := 0.0
			for k := 0; k < q; k++ {
				v += ds.gxd[i*q+k] * ds.ad[k*p+j]
			}
			ds.gp[i*p+j] -= v
		}
	}
}

// solve fits y (len n) and returns the intercept; beta (len p) receives the
// leak coefficients, constrained ≥ 0 unless free, and gamma (len q) the
// transient ones.
func (ds *dataset) solve(y, beta, gamma []float64, free bool) float64 {
	ds.prepare()
	n, p, q := ds.n, ds.p, ds.q
	my := 0.0
	if ds.drift {
		for _, v := range y {
			my += v
		}
		my /= float64(n)
	}
	hx, hd := make([]float64, p), make([]float64, q)
	for r := 0; r < n; r++ {
		yc := y[r] - my
		for j := 0; j < p; j++ {
			hx[j] += ds.xc[r*p+j] * yc
		}
		for j := 0; j < q; j++ {
			hd[j] += ds.dc[r*q+j] * yc
		}
	}
	a := make([]float64, q) // ginv·hd
	for i := 0; i < q; i++ {
		for k := 0; k < q; k++ {
			a[i] += ds.ginv[i*q+k] * hd[k]
		}
	}
	for j := 0; j < p; j++ {
		for k := 0; k < q; k++ {
			hx[j] -= ds.gxd[j*q+k] * a[k]
		}
	}
	if free {
		ols(ds.gp, hx, p, beta)
	} else {
		nnls(ds.gp, hx, p, beta)
	}
	c := my
	for j := 0; j < p; j++ {
		c -= ds.mx[j] * beta[j]
	}
	for i := 0; i < q; i++ {
		gamma[i] = a[i]
		for j := 0; j < p; j++ {
			gamma[i] -= ds.ad[i*p+j] * beta[j]
		}
		c -= ds.md[i] * gamma[i]
	}
	return c
}

// predict returns the fitted step of row r.
func (ds *dataset) predict(r int, c float64, beta, gamma []float64) float64 {
	f := c
	for j := 0; j < ds.p; j++ {
		f += ds.x[r*ds.p+j] * beta[j]
	}
	for j := 0; j < ds.q; j++ {
		f += ds.d[r*ds.q+j] * gamma[j]
	}
	return f
}

// fit solves the NNLS problem on the dataset's own steps and returns the
// intercept and the residual sum of squares.
func (ds *dataset) fit(beta []float64) (intercept, rss float64) {
	gamma := make([]float64, ds.q)
	intercept = ds.solve(ds.y, beta, gamma, false)
	for r := 0; r < ds.n; r++ {
		e := ds.y[r] - ds.predict(r, intercept, beta, gamma)
		rss += e * e
	}
	return intercept, rss
}

// residualAC1 is the lag-1 autocorrelation of the fit's residuals.
func (ds *dataset) residualAC1(beta []float64, c float64) float64 {
	gamma := make([]float64, ds.q)
	ds.solve(ds.y, make([]float64, ds.p), gamma, false)
	var s0, s1, prev float64
	for r := 0; r < ds.n; r++ {
		e := ds.y[r] - ds.predict(r, c, beta, gamma)
		s0 += e * e
		if r > 0 {
			s1 += e * prev
		}
		prev = e
	}
	if s0 == 0 {
		return 0
	}
	return s1 / s0
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

// without returns a copy of ds without column j and its transient column
// (zeroed: NNLS and the inverse give them 0), the model without that UA.
func (ds *dataset) without(j int) *dataset {
	c := &dataset{n: ds.n, p: ds.p, q: ds.q, x: slices.Clone(ds.x), d: slices.Clone(ds.d), y: ds.y, drift: ds.drift}
	for r := 0; r < ds.n; r++ {
		c.x[r*ds.p+j] = 0
		if j < ds.q {
			c.d[r*ds.q+j] = 0
		}
	}
	return c
}

// centre returns the column means (zeros unless drift) and the centred
// copy of an n×p row-major matrix.
func centre(x []float64, n, p int, drift bool) (m, xc []float64) {
	m = make([]float64, p)
	if drift && n > 0 {
		for r := 0; r < n; r++ {
			for j := 0; j < p; j++ {
				m[j] += x[r*p+j]
			}
		}
		for j := range m {
			m[j] /= float64(n)
		}
	}
	xc = make([]float64, n*p)
	for r := 0; r < n; r++ {
		for j := 0; j < p; j++ {
			xc[r*p+j] = x[r*p+j] - m[j]
		}
	}
	return m, xc
}

// crossprod returns aᵀb for row-major a (n×p) and b (n×q).
func crossprod(a, b []float64, n, p, q int) []float64 {
	g := make([]float64, p*q)
	for r := 0; r < n; r++ {
		for i := 0; i < p; i++ {
			v := a[r*p+i]
			if v == 0 {
				continue
			}
			for j := 0; j < q; j++ {
				g[i*q+j] += v * b[r*q+j]
			}
		}
	}
	return g
}

// spdInverse inverts a symmetric positive semi-definite q×q matrix,
// treating columns without variance as absent (their rows and columns of
// the inverse are 0) and near-singular ones through solveSubset's ridge.
func spdInverse(g []float64, q int) []float64 {
	inv := make([]float64, q*q)
	d := make([]float64, q)
	var idx []int
	for i := 0; i < q; i++ {
		if g[i*q+i] > 0 {
			d[i] = math.Sqrt(g[i*q+i])
			idx = append(idx, i)
		}
	}
	gs := make([]float64, q*q)
	for _, i := range idx {
		for _, j := range idx {
			gs[i*q+j] = g[i*q+j] / (d[i] * d[j])
		}
	}
	e, s := make([]float64, q), make([]float64, q)
	for _, k := range idx {
		for i := range e {
			e[i] = 0
		}
		e[k] = 1
		solveSubset(gs, e, q, idx, s)
		for _, i := range idx {
			inv[i*q+k] = s[i] / (d[i] * d[k])
		}
	}
	return inv
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

// cosine is the uncentred correlation of a and b over rows; 0 when either
// is all zero there.
func cosine(a, b []float64, rows []int) float64 {
	var sab, saa, sbb float64
	for _, k := range rows {
		sab += a[k] * b[k]
		saa += a[k] * a[k]
		sbb += b[k] * b[k]
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
