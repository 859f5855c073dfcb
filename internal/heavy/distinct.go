package heavy

import (
	"math"
	"math/bits"
)

// exactLimit is how many distinct hashes Distinct keeps exactly before it
// switches to HyperLogLog.
const exactLimit = 4096

// hllP is the HyperLogLog precision: 2^12 one-byte registers (4 KiB),
// standard error 1.04/sqrt(4096) ≈ 1.6 %.
const hllP = 12

// Distinct counts distinct strings in bounded memory: exactly up to 4096
// (by 64-bit hash, so collisions are negligible), then by HyperLogLog with
// 4096 registers (≈1.6 % standard error) for any number beyond. The zero
// value is ready to use.
type Distinct struct {
	exact map[uint64]struct{}
	regs  []uint8
}

// Add counts s.
func (d *Distinct) Add(s string) { d.AddHash(Hash(s)) }

// AddHash counts a value by its 64-bit hash (Hash).
func (d *Distinct) AddHash(h uint64) {
	if d.regs == nil {
		if d.exact == nil {
			d.exact = make(map[uint64]struct{})
		}
		d.exact[h] = struct{}{}
		if len(d.exact) <= exactLimit {
			return
		}
		d.regs = make([]uint8, 1<<hllP)
		for x := range d.exact {
			d.reg(x)
		}
		d.exact = nil
		return
	}
	d.reg(h)
}

func (d *Distinct) reg(h uint64) {
	i := h >> (64 - hllP)
	rho := uint8(bits.LeadingZeros64(h<<hllP|1<<(hllP-1)) + 1)
	if rho > d.regs[i] {
		d.regs[i] = rho
	}
}

// Count returns the number of distinct values added, and whether it is
// exact.
func (d *Distinct) Count() (n int, exact bool) {
	if d.regs == nil {
		return len(d.exact), true
	}
	m := float64(len(d.regs))
	sum, zeros := 0.0, 0
	for _, r := range d.regs {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	est := 0.7213 / (1 + 1.079/m) * m * m / sum
	if est <= 2.5*m && zeros > 0 {
		est = m * math.Log(m/float64(zeros))
	}
	return int(math.Round(est)), false
}

// Hash is the 64-bit hash Distinct uses (FNV-1a, then a finalizer that
// spreads the bits HyperLogLog reads).
func Hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
