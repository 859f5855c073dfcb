package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/esquery"
	"github.com/sipcorr/sipcorr/report"
)

// readVerdicts reads the verdicts exported to --from-es over [from, to),
// aggregated server-side per UA × rule × bucket, and adds them to the
// timeline as capture events: they are judged messages, from whichever
// agents exported them.
func (r *logRun) readVerdicts(ctx context.Context, from, to time.Time) {
	in := report.LogInput{Kind: "verdicts", Name: r.f.fromES + " @ " + esName(r.cfg), Mode: "aggregate"}
	defer func() { r.sig.Inputs = append(r.sig.Inputs, in) }()
	if from.IsZero() || to.IsZero() {
		in.Error = "no time window: give --es-from and --es-to (or --memory to take it from)"
		r.fail("--from-es: " + in.Error)
		return
	}
	if err := r.connect(ctx); err != nil {
		in.Error = err.Error()
		r.fail("--from-es: " + err.Error())
		return
	}
	if r.tl == nil {
		// Without --memory or logs the verdicts only feed the summary.
		r.tl, r.ownTL = correlate.NewTimeline(correlate.TimelineOptions{MaxUAs: r.f.timelineUAs}), true
	}
	type cell struct {
		ua      string
		present bool
	}
	rules := map[cell]map[uint32]bool{}
	var ev correlate.Event
	vq := esquery.VerdictQuery{Index: r.f.fromES, From: from, To: to, Bucket: esBucket(from, to),
		Progress: esProgress(r.e, "Elasticsearch "+r.f.fromES)}
	defer endProgress(r.e)
	st, err := r.client.VerdictBuckets(ctx, vq, func(b esquery.VerdictBucket) error {
		rule := ruleBit(b.Rule)
		ua := uaKey(b.UA)
		ev = correlate.Event{Time: b.Start, UA: ua, First: rule, Failed: rule, Source: correlate.SourceCapture}
		if rule == correlate.RuleCoreDrop {
			ev.First, ev.Failed, ev.CoreDrop = 0, 0, true
		}
		for range b.Count {
			r.tl.Add(&ev)
		}
		in.Hits += b.Count
		c := cell{ua, b.HasUA}
		if rules[c] == nil {
			if len(rules) >= maxLogKeys {
				return nil // counted on the timeline (folded there too)
			}
			rules[c] = map[uint32]bool{}
		}
		rules[c][rule] = true
		return nil
	})
	in.Aggregated = st.Aggregated
	if err != nil {
		in.Error = err.Error()
		r.fail(fmt.Sprintf("--from-es %s: %v", r.f.fromES, err))
		return
	}
	r.capEvents += in.Hits
	r.capFrom, r.capTo = from, to.Add(-time.Nanosecond)
	for c, set := range rules {
		k := logKey{ua: c.ua, present: c.present}
		cu := capUA{key: k}
		for rule := range set {
			if rule != correlate.RuleCoreDrop {
				cu.rules = append(cu.rules, rule)
			}
		}
		if len(cu.rules) > 0 {
			r.caps = append(r.caps, cu)
		}
		if len(cu.rules) == 1 && cu.rules[0] != correlate.RuleUnknown {
			r.ruleOf[k.ruleKey()] = cu.rules[0]
		}
	}
	if in.Hits == 0 {
		r.sig.Notes = append(r.sig.Notes, fmt.Sprintf("--from-es %s: no verdicts between %s and %s", r.f.fromES,
			from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)))
	}
}
