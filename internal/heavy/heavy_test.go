package heavy

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSummaryKeepsLateHeavyKey: 5 000 keys stream past a summary of 100;
// the heaviest key starts only in the last quarter and must be kept, with
// an estimate no lower than its true count and no higher than true + Err.
func TestSummaryKeepsLateHeavyKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := New[uint64](100)
	truth := map[string]uint64{}
	add := func(k string) {
		truth[k]++
		it, ok := s.Get(k)
		if !ok {
			it, _ = s.Admit(k)
		}
		it.Val++
		s.Touch(it, 1)
	}
	const n = 200000
	for i := range n {
		if i > 3*n/4 && i%10 == 0 {
			add("late-heavy")
			continue
		}
		add(fmt.Sprintf("ua-%d", rng.IntN(5000)))
	}
	it, ok := s.Get("late-heavy")
	if !ok {
		t.Fatal("late heavy key was evicted")
	}
	if it.Val != truth["late-heavy"] || it.Est < it.Val || it.Est > it.Val+it.Err {
		t.Fatalf("val %d est %d err %d, true %d", it.Val, it.Est, it.Err, truth["late-heavy"])
	}
	if s.Len() != 100 {
		t.Fatalf("len %d", s.Len())
	}
}

func TestDistinct(t *testing.T) {
	for _, n := range []int{0, 1, 100, 4096, 4097, 30000, 1000000} {
		var d Distinct
		for i := range n {
			d.Add(fmt.Sprintf("ua-%d", i))
			d.Add(fmt.Sprintf("ua-%d", i/2)) // duplicates
		}
		got, exact := d.Count()
		if n <= exactLimit {
			if !exact || got != n {
				t.Errorf("n=%d: got %d exact %v", n, got, exact)
			}
			continue
		}
		if rel := float64(got-n) / float64(n); rel > 0.06 || rel < -0.06 {
			t.Errorf("n=%d: got %d (%.1f%%)", n, got, rel*100)
		}
	}
}

func BenchmarkSummaryTouch(b *testing.B) {
	s := New[int](1000)
	keys := make([]string, 5000)
	for i := range keys {
		keys[i] = fmt.Sprintf("ua-%d", i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := keys[(i*7919)%len(keys)%1200]
		it, ok := s.Get(k)
		if !ok {
			it, _ = s.Admit(k)
		}
		s.Touch(it, 1)
	}
}
