package correlate

import "time"

// Counts returns how many events of (ua, rule) the given source added in n
// consecutive intervals of length step starting at from: out[i] counts
// events in [from+i·step, from+(i+1)·step). rule is the rule key a Suspect
// or Bystander reports (its First: the check Kamailio reports,
// RuleCoreDrop, RuleUnknown), 0 for well-formed messages. A src of 0 sums
// capture and log. ua is matched as the Timeline keyed it (cut to MaxUALen);
// a folded or unknown UA gives zeros.
//
// It is read-only and meant for rendering (plots of message rates on the
// memory's time axis). Interval edges are rounded down to the Timeline's
// bucket, so a step that is not a multiple of the bucket shifts counts by
// less than one bucket.
func (t *Timeline) Counts(ua string, rule uint32, src Source, from time.Time, step time.Duration, n int) []uint64 {
	if n <= 0 {
		return nil
	}
	out := make([]uint64, n)
	if step <= 0 {
		return out
	}
	if len(ua) > t.opts.MaxUALen {
		ua = ua[:t.opts.MaxUALen]
	}
	u := t.uas[ua]
	if u == nil {
		return out
	}
	for _, c := range u.cells {
		if c.rule != rule || (src != 0 && c.source != src) {
			continue
		}
		for i := range out {
			lo := floorDiv(from.Add(time.Duration(i)*step).UnixNano(), t.bucketNs)
			hi := floorDiv(from.Add(time.Duration(i+1)*step).UnixNano(), t.bucketNs)
			out[i] += c.sum(lo, hi)
		}
	}
	return out
}
