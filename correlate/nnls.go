package correlate

import "math"

// nnls solves min ||y − Xβ||² subject to β ≥ 0 by the Lawson–Hanson active
// set method, working on the normal equations: g = XᵀX (p×p, row-major)
// and h = Xᵀy. The problems here are small (p ≤ a few dozen candidates) and
// the Gram form lets the bootstrap re-fit without touching X again.
// Columns are scaled to unit norm first so that message counts of very
// different volume meet the same tolerances. A column with no variance
// gets β = 0. The result is written to beta (len p).
func nnls(g, h []float64, p int, beta []float64) {
	d := make([]float64, p)
	gs := make([]float64, p*p)
	hs := make([]float64, p)
	hmax := 0.0
	for i := 0; i < p; i++ {
		if g[i*p+i] > 0 {
			d[i] = math.Sqrt(g[i*p+i])
		}
	}
	for i := 0; i < p; i++ {
		if d[i] == 0 {
			continue
		}
		hs[i] = h[i] / d[i]
		hmax = math.Max(hmax, math.Abs(hs[i]))
		for j := 0; j < p; j++ {
			if d[j] != 0 {
				gs[i*p+j] = g[i*p+j] / (d[i] * d[j])
			}
		}
	}
	x := make([]float64, p)
	lawsonHanson(gs, hs, p, d, 1e-10*(1+hmax), x)
	for i := range beta[:p] {
		beta[i] = 0
		if d[i] != 0 {
			beta[i] = x[i] / d[i]
		}
	}
}

// lawsonHanson is the active-set loop on the scaled normal equations.
// usable[i] == 0 marks a column that never enters the passive set.
func lawsonHanson(g, h []float64, p int, usable []float64, tol float64, x []float64) {
	passive := make([]bool, p)
	w := make([]float64, p)
	s := make([]float64, p)
	idx := make([]int, 0, p)
	for iter := 0; iter < 3*p+10; iter++ {
		// w = h − g x: the negative gradient; the most positive entry
		// outside the passive set improves the fit most.
		best, bi := tol, -1
		for i := 0; i < p; i++ {
			wi := h[i]
			for j := 0; j < p; j++ {
				wi -= g[i*p+j] * x[j]
			}
			w[i] = wi
			if !passive[i] && usable[i] != 0 && wi > best {
				best, bi = wi, i
			}
		}
		if bi < 0 {
			return
		}
		passive[bi] = true
		for inner := 0; inner < 3*p+10; inner++ {
			idx = idx[:0]
			for i := 0; i < p; i++ {
				if passive[i] {
					idx = append(idx, i)
				}
			}
			solveSubset(g, h, p, idx, s)
			// Feasible: accept. Otherwise step back towards x until the
			// first passive coefficient hits zero, and drop it.
			alpha, feasible := 1.0, true
			for _, i := range idx {
				if s[i] <= 0 {
					feasible = false
					if a := x[i] / (x[i] - s[i]); a < alpha {
						alpha = a
					}
				}
			}
			if feasible {
				for _, i := range idx {
					x[i] = s[i]
				}
				break
			}
			for _, i := range idx {
				x[i] += alpha * (s[i] - x[i])
				if x[i] <= 1e-14 {
					x[i] = 0
					passive[i] = false
				}
			}
		}
	}
}

// solveSubset solves g[idx,idx] s[idx] = h[idx] by Cholesky; the other
// entries of s are set to 0. A (numerically) singular subset, two exactly
// proportional columns, gets a tiny ridge so that the solution stays finite;
// correlate groups such columns before fitting.
func solveSubset(g, h []float64, p int, idx []int, s []float64) {
	for i := range s {
		s[i] = 0
	}
	k := len(idx)
	a := make([]float64, k*k)
	b := make([]float64, k)
	for ridge := 0.0; ; ridge = math.Max(ridge*100, 1e-12) {
		for r, i := range idx {
			b[r] = h[i]
			for c, j := range idx {
				a[r*k+c] = g[i*p+j]
			}
			a[r*k+r] += ridge
		}
		if cholSolve(a, b, k) || ridge > 1 {
			break
		}
	}
	for r, i := range idx {
		s[i] = b[r]
	}
}

// cholSolve solves a x = b in place (x into b) for a symmetric positive
// definite k×k matrix; false when a pivot is not positive.
func cholSolve(a, b []float64, k int) bool {
	for j := 0; j < k; j++ {
		sum := a[j*k+j]
		for m := 0; m < j; m++ {
			sum -= a[j*k+m] * a[j*k+m]
		}
		if sum <= 1e-13 {
			return false
		}
		ljj := math.Sqrt(sum)
		a[j*k+j] = ljj
		for i := j + 1; i < k; i++ {
			v := a[i*k+j]
			for m := 0; m < j; m++ {
				v -= a[i*k+m] * a[j*k+m]
			}
			a[i*k+j] = v / ljj
		}
	}
	for i := 0; i < k; i++ { // L y = b
		v := b[i]
		for m := 0; m < i; m++ {
			v -= a[i*k+m] * b[m]
		}
		b[i] = v / a[i*k+i]
	}
	for i := k - 1; i >= 0; i-- { // Lᵀ x = y
		v := b[i]
		for m := i + 1; m < k; m++ {
			v -= a[m*k+i] * b[m]
		}
		b[i] = v / a[i*k+i]
	}
	return true
}

// ols solves the same normal equations without the sign constraint
// (columns scaled as in nnls; a column without variance gets 0). Its
// bootstrap spread gives standard errors that are not truncated at the
// boundary, as NNLS replicates of a coefficient near 0 are.
func ols(g, h []float64, p int, beta []float64) {
	d := make([]float64, p)
	gs := make([]float64, p*p)
	hs := make([]float64, p)
	var idx []int
	for i := 0; i < p; i++ {
		if g[i*p+i] > 0 {
			d[i] = math.Sqrt(g[i*p+i])
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		hs[i] = h[i] / d[i]
		for _, j := range idx {
			gs[i*p+j] = g[i*p+j] / (d[i] * d[j])
		}
	}
	x := make([]float64, p)
	solveSubset(gs, hs, p, idx, x)
	for i := range beta[:p] {
		beta[i] = 0
		if d[i] != 0 {
			beta[i] = x[i] / d[i]
		}
	}
}
