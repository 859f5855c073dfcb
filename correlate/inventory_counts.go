package correlate

// smallCounts counts keys with little memory for the common case: most UAs
// use a handful of methods, codes and source addresses, so the first
// smallLinear keys live in a slice searched linearly and only a UA with
// more spills into a map. Per-UA memory matters because hostile traffic can
// fill the inventory to its UA cap.
type smallCounts[K comparable] struct {
	few  []keyCount[K]
	many map[K]*uint64
}

type keyCount[K comparable] struct {
	key K
	n   uint64
}

const smallLinear = 8

// inc counts k when it is known or when fewer than max keys are held; it
// reports false when k was new and the cap was reached.
func (c *smallCounts[K]) inc(k K, max int) bool {
	for i := range c.few {
		if c.few[i].key == k {
			c.few[i].n++
			return true
		}
	}
	if c.many != nil {
		if p, ok := c.many[k]; ok {
			*p++
			return true
		}
	}
	if c.len() >= max {
		return false
	}
	if len(c.few) < smallLinear {
		c.few = append(c.few, keyCount[K]{k, 1})
		return true
	}
	if c.many == nil {
		c.many = make(map[K]*uint64)
	}
	one := uint64(1)
	c.many[k] = &one
	return true
}

func (c *smallCounts[K]) len() int { return len(c.few) + len(c.many) }

// counts lists every key with its count, in no particular order.
func (c *smallCounts[K]) counts() []Count[K] {
	return appendCounts(make([]Count[K], 0, c.len()), c.few, c.many)
}

// methodCounts is smallCounts for methods given as bytes: lookups compare
// bytes with the stored strings so that counting a known method does not
// allocate.
type methodCounts struct {
	few  []keyCount[string]
	many map[string]*uint64
}

func (c *methodCounts) inc(m []byte, max int) bool {
	for i := range c.few {
		if c.few[i].key == string(m) { // no allocation: compiler compares in place
			c.few[i].n++
			return true
		}
	}
	if c.many != nil {
		if p, ok := c.many[string(m)]; ok {
			*p++
			return true
		}
	}
	if len(c.few)+len(c.many) >= max {
		return false
	}
	if len(c.few) < smallLinear {
		c.few = append(c.few, keyCount[string]{string(m), 1})
		return true
	}
	if c.many == nil {
		c.many = make(map[string]*uint64)
	}
	one := uint64(1)
	c.many[string(m)] = &one
	return true
}

// counts lists every method with its count, in no particular order.
func (c *methodCounts) counts() []Count[string] {
	return appendCounts(make([]Count[string], 0, len(c.few)+len(c.many)), c.few, c.many)
}

// appendCounts appends the entries of a few-then-many count set to dst.
func appendCounts[K comparable](dst []Count[K], few []keyCount[K], many map[K]*uint64) []Count[K] {
	for _, e := range few {
		dst = append(dst, Count[K]{Key: e.key, Messages: e.n})
	}
	for k, p := range many {
		dst = append(dst, Count[K]{Key: k, Messages: *p})
	}
	return dst
}

// ruleCounts holds per-bit failure counts; a UA gets one only when it fails
// a check, so well-behaved UAs cost nothing here.
type ruleCounts struct {
	failed [32]uint64 // messages failing bit 1<<i
	first  [32]uint64 // messages whose reported failure is bit 1<<i
}

// addN adds n to k like inc; it reports false when k was new and the cap
// was reached.
func (c *smallCounts[K]) addN(k K, n uint64, max int) bool {
	if !c.inc(k, max) {
		return false
	}
	for i := range c.few {
		if c.few[i].key == k {
			c.few[i].n += n - 1
			return true
		}
	}
	*c.many[k] += n - 1
	return true
}

// addN adds n to method m like inc.
func (c *methodCounts) addN(m string, n uint64, max int) bool {
	if !c.inc([]byte(m), max) {
		return false
	}
	for i := range c.few {
		if c.few[i].key == m {
			c.few[i].n += n - 1
			return true
		}
	}
	*c.many[m] += n - 1
	return true
}
