// Package heavy keeps the heaviest keys of an unbounded stream in bounded
// memory: the Space-Saving summary (Metwally, Agrawal, El Abbadi 2005) and
// a distinct counter for what it folded.
//
// sipcorr's cardinality bounds (per-UA timelines, inventories, log tallies,
// string interners) used to keep the first N keys they met; hostile or
// merely numerous devices then pushed a late, heavy sender out of every
// table. A Summary keeps N keys and, when a new key arrives at capacity,
// evicts the one with the smallest estimated count and lets the newcomer
// inherit that estimate. Guarantee: every key whose true count exceeds
// total/N is in the summary at the end, and a kept key's estimate exceeds
// its true count by at most its Err (≤ total/N). The caller keeps the
// key's own exact counts from admission on; the evicted key's counts are
// the caller's to fold (Summary hands it back).
package heavy

// Item is one kept key.
type Item[V any] struct {
	Key string
	// Est estimates the key's count: its own count since admission plus
	// Err, the count it inherited from the key it evicted.
	Est, Err uint64
	Val      V
	idx      int
}

// Summary is a Space-Saving summary of at most Cap keys. Add and Touch
// are O(log Cap), lookups O(1). Not safe for concurrent use.
type Summary[V any] struct {
	cap  int
	m    map[string]*Item[V]
	heap []*Item[V] // min-heap by Est
}

// New returns an empty summary of at most capacity keys (at least 1).
func New[V any](capacity int) *Summary[V] {
	if capacity < 1 {
		capacity = 1
	}
	return &Summary[V]{cap: capacity, m: make(map[string]*Item[V])}
}

// Len returns the number of keys kept.
func (s *Summary[V]) Len() int { return len(s.m) }

// Cap returns the capacity.
func (s *Summary[V]) Cap() int { return s.cap }

// Get returns the item of key, if kept.
func (s *Summary[V]) Get(key string) (*Item[V], bool) {
	it, ok := s.m[key]
	return it, ok
}

// Admit adds key (which must not be kept) with an estimate of 0 (plus what
// it inherits) and returns its item. At capacity the item with the smallest
// estimate is evicted and returned (its Val is the caller's to fold); the
// newcomer inherits its estimate as Err. key is stored as given: the caller
// passes a string it owns.
func (s *Summary[V]) Admit(key string) (it *Item[V], evicted *Item[V]) {
	it = &Item[V]{Key: key}
	if len(s.heap) >= s.cap {
		evicted = s.heap[0]
		delete(s.m, evicted.Key)
		it.Est, it.Err = evicted.Est, evicted.Est
		it.idx = 0
		s.heap[0] = it
		evicted.idx = -1
		s.m[key] = it
		s.down(0)
		return it, evicted
	}
	it.idx = len(s.heap)
	s.heap = append(s.heap, it)
	s.m[key] = it
	s.up(it.idx)
	return it, nil
}

// Touch adds n to the item's estimate.
func (s *Summary[V]) Touch(it *Item[V], n uint64) {
	if it.idx < 0 {
		return
	}
	it.Est += n
	s.down(it.idx)
}

// Min returns the smallest estimate kept (0 when empty): a key not kept
// has a true count of at most Min.
func (s *Summary[V]) Min() uint64 {
	if len(s.heap) == 0 {
		return 0
	}
	return s.heap[0].Est
}

// All calls fn for every kept item, in no particular order.
func (s *Summary[V]) All(fn func(*Item[V])) {
	for _, it := range s.heap {
		fn(it)
	}
}

func (s *Summary[V]) less(i, j int) bool { return s.heap[i].Est < s.heap[j].Est }

func (s *Summary[V]) swap(i, j int) {
	s.heap[i], s.heap[j] = s.heap[j], s.heap[i]
	s.heap[i].idx, s.heap[j].idx = i, j
}

func (s *Summary[V]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			return
		}
		s.swap(i, p)
		i = p
	}
}

func (s *Summary[V]) down(i int) {
	n := len(s.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			return
		}
		s.swap(i, m)
		i = m
	}
}
