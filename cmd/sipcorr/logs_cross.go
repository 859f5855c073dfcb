package main

import (
	"fmt"
	"sort"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/report"
)

// maxCrossRows is the number of UAs the cross-check lists; the rest are
// summed.
const maxCrossRows = 100

// crossTolerance is the agreement rule of the cross-check: the server logs
// one line per message its sanity check rejects, so both counts should be
// equal; capture loss, log rate limits and shipping loss make them differ.
const crossTolerance = "log hits within ±10% (or ±2) of the captured sanity failures"

// agree applies crossTolerance.
func agree(logs, capture uint64) bool {
	d := max(logs, capture) - min(logs, capture)
	return d <= 2 || 10*d <= max(logs, capture)
}

// capUA is one UA of the capture side with the sanity rules its
// malformed messages were counted under.
type capUA struct {
	key   logKey
	rules []uint32
}

// captureUAs lists the capture's UAs with sanity failures. Core drops are
// left out: Kamailio drops them before the script runs, so no
// "Malformed SIP" line is ever logged for them.
func captureUAs(inv *correlate.Inventory) []capUA {
	var out []capUA
	if inv == nil {
		return out
	}
	for _, s := range inv.UAs() {
		if s.UA == correlate.OtherUA {
			continue
		}
		c := capUA{key: logKey{ua: uaKey(s.UA), present: s.Present}}
		for _, r := range s.Rules(true) {
			if r.Messages > 0 {
				c.rules = append(c.rules, r.Key)
			}
		}
		if len(c.rules) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// crossCheck compares, per UA, the log lines with the capture's sanity
// failures over the time both cover. Nil when one side is missing.
func (r *logRun) crossCheck(caps []capUA) *report.LogCrossCheck {
	if r.tl == nil || r.capFrom.IsZero() || r.logFrom.IsZero() {
		return nil
	}
	start, end := r.capFrom, r.capTo
	if r.logFrom.After(start) {
		start = r.logFrom
	}
	if r.logTo.Before(end) {
		end = r.logTo
	}
	if end.Before(start) {
		r.sig.Notes = append(r.sig.Notes, fmt.Sprintf("the logs (%s → %s) and the capture (%s → %s) do not overlap: no cross-check",
			r.logFrom.UTC().Format(time.RFC3339), r.logTo.UTC().Format(time.RFC3339),
			r.capFrom.UTC().Format(time.RFC3339), r.capTo.UTC().Format(time.RFC3339)))
		return nil
	}
	b := r.tl.Bucket()
	step := end.Sub(start) + b // through the bucket holding end
	count := func(ua string, rule uint32, src correlate.Source) uint64 {
		return r.tl.Counts(ua, rule, src, start, step, 1)[0]
	}
	rows := map[logKey]*report.CrossRow{}
	row := func(k logKey) *report.CrossRow {
		if rw := rows[k]; rw != nil {
			return rw
		}
		rw := &report.CrossRow{UA: k.ua, Present: k.present, Unknown: k.unknown, Source: k.srcName()}
		rows[k] = rw
		return rw
	}
	for _, c := range caps {
		var n uint64
		for _, rule := range c.rules {
			n += count(c.key.ua, rule, correlate.SourceCapture)
		}
		if n > 0 {
			row(c.key).Capture += n
		}
	}
	for k := range r.uas.m {
		rule := correlate.RuleUnknown
		if rl, ok := r.ruleOf[k.ruleKey()]; ok && !k.unknown {
			rule = rl
		}
		if n := count(k.timelineUA(), rule, correlate.SourceLog); n > 0 {
			row(k).LogHits += n
		}
	}
	x := &report.LogCrossCheck{Start: start, End: end, Bucket: b, Tolerance: crossTolerance}
	list := make([]*report.CrossRow, 0, len(rows))
	for _, rw := range rows {
		x.LogHits += rw.LogHits
		x.CaptureMalformed += rw.Capture
		switch {
		case rw.LogHits > 0 && rw.Capture > 0:
			rw.Status = "both"
			x.Both++
		case rw.LogHits > 0:
			rw.Status = "logs_only"
			x.OnlyLogs++
		default:
			rw.Status = "capture_only"
			x.OnlyCapture++
		}
		if rw.Capture > 0 {
			rw.Ratio = float64(rw.LogHits) / float64(rw.Capture)
		}
		if rw.Agree = rw.Status == "both" && agree(rw.LogHits, rw.Capture); rw.Agree {
			x.Agree++
		}
		list = append(list, rw)
	}
	if x.CaptureMalformed > 0 {
		x.Ratio = float64(x.LogHits) / float64(x.CaptureMalformed)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if ma, mb := max(a.LogHits, a.Capture), max(b.LogHits, b.Capture); ma != mb {
			return ma > mb
		}
		if a.UA != b.UA {
			return a.UA < b.UA
		}
		if a.Present != b.Present {
			return a.Present
		}
		return a.Source < b.Source
	})
	for i, rw := range list {
		if i >= maxCrossRows {
			x.OtherRows++
			x.OtherLogHits += rw.LogHits
			x.OtherCaptureMsgs += rw.Capture
			continue
		}
		x.Rows = append(x.Rows, *rw)
	}
	return x
}
