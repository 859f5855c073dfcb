package correlate

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteNNLS solves NNLS by trying every passive set: the solution is the
// unconstrained least-squares fit on some subset with all coefficients
// positive, and the one of those with the smallest residual.
func bruteNNLS(x [][]float64, y []float64) ([]float64, float64) {
	p := len(x[0])
	best, bestRSS := make([]float64, p), math.Inf(1)
	for mask := 0; mask < 1<<p; mask++ {
		var idx []int
		for j := 0; j < p; j++ {
			if mask&(1<<j) != 0 {
				idx = append(idx, j)
			}
		}
		g, h := normal(x, y)
		s := make([]float64, p)
		solveSubset(g, h, p, idx, s)
		ok := true
		for _, j := range idx {
			ok = ok && s[j] > 0
		}
		if !ok {
			continue
		}
		if r := rssOf(x, y, s); r < bestRSS {
			best, bestRSS = s, r
		}
	}
	return best, bestRSS
}

func normal(x [][]float64, y []float64) ([]float64, []float64) {
	p := len(x[0])
	g, h := make([]float64, p*p), make([]float64, p)
	for r := range x {
		for i := 0; i < p; i++ {
			h[i] += x[r][i] * y[r]
			for j := 0; j < p; j++ {
				g[i*p+j] += x[r][i] * x[r][j]
			}
		}
	}
	return g, h
}

func rssOf(x [][]float64, y, b []float64) float64 {
	s := 0.0
	for r := range x {
		e := y[r]
		for j := range b {
			e -= x[r][j] * b[j]
		}
		s += e * e
	}
	return s
}

func TestNNLSMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n, p := 8+rng.IntN(30), 1+rng.IntN(6)
		x := make([][]float64, n)
		y := make([]float64, n)
		scale := make([]float64, p)
		for j := range scale {
			scale[j] = math.Pow(10, float64(rng.IntN(5))) // counts of very different volume
		}
		for r := range x {
			x[r] = make([]float64, p)
			for j := range x[r] {
				x[r][j] = rng.Float64() * scale[j]
			}
			y[r] = rng.NormFloat64() * 100
			for j := range x[r] {
				y[r] += x[r][j] * (rng.Float64() - 0.4) / scale[j] * 50
			}
		}
		g, h := normal(x, y)
		got := make([]float64, p)
		nnls(g, h, p, got)
		_, wantRSS := bruteNNLS(x, y)
		for j, v := range got {
			if v < 0 {
				t.Fatalf("trial %d: β[%d] = %g < 0", trial, j, v)
			}
		}
		if r := rssOf(x, y, got); r > wantRSS*(1+1e-8)+1e-9 {
			t.Fatalf("trial %d (n=%d p=%d): RSS %g, brute force %g", trial, n, p, r, wantRSS)
		}
	}
}

// Two identical columns are singular; NNLS must stay finite and split
// nothing into negative values.
func TestNNLSCollinearColumnsFinite(t *testing.T) {
	x := [][]float64{{1, 1}, {2, 2}, {3, 3}, {4, 4}}
	y := []float64{2, 4, 6, 8}
	g, h := normal(x, y)
	b := make([]float64, 2)
	nnls(g, h, 2, b)
	if math.IsNaN(b[0]+b[1]) || b[0] < 0 || b[1] < 0 || math.Abs(b[0]+b[1]-2) > 1e-6 {
		t.Fatalf("β = %v, want non-negative summing to 2", b)
	}
}

func TestNNLSZeroColumn(t *testing.T) {
	x := [][]float64{{0, 1}, {0, 2}, {0, 3}}
	y := []float64{3, 6, 9}
	g, h := normal(x, y)
	b := make([]float64, 2)
	nnls(g, h, 2, b)
	if b[0] != 0 || math.Abs(b[1]-3) > 1e-9 {
		t.Fatalf("β = %v, want [0 3]", b)
	}
}
