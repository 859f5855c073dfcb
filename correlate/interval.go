package correlate

import (
	"math"
	"math/rand/v2"
	"slices"
)

// bootstrap draws B block wild-bootstrap replicates of the leak
// coefficients (B × p), constrained (NNLS) and unconstrained (OLS).
// The design stays fixed (inference is conditional on the observed
// message counts); each replicate's memory steps are the fitted steps plus
// the residuals, scaled by √(n/(n−k)) for the k parameters the fit used,
// with the sign of every block of consecutive buckets flipped at random
// (Rademacher). Flipping whole blocks keeps the residuals' short-range
// dependence (lazy pkg refresh; measurement noise that differencing makes
// negatively correlated); heteroskedastic steps keep their own size. The
// PRNG is the caller's: seeded, deterministic.
func (ds *dataset) bootstrap(b, block int, beta []float64, intercept float64, rng *rand.Rand) (nn, free [][]float64) {
	n, p := ds.n, ds.p
	block = min(max(block, 1), max(n, 1))
	gamma := make([]float64, ds.q)
	ds.solve(ds.y, make([]float64, p), gamma, false) // the transient fit that goes with beta
	fitted := make([]float64, n)
	resid := make([]float64, n)
	scale := math.Sqrt(float64(n) / float64(max(n-p-ds.q-1, 1)))
	for r := 0; r < n; r++ {
		fitted[r] = ds.predict(r, intercept, beta, gamma)
		resid[r] = scale * (ds.y[r] - fitted[r])
	}
	ystar := make([]float64, n)
	g := make([]float64, ds.q)
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
		nn[i], free[i] = make([]float64, p), make([]float64, p)
		ds.solve(ystar, nn[i], g, false)
		ds.solve(ystar, free[i], g, true)
	}
	return nn, free
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
