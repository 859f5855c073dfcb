package esquery

import (
	"fmt"
	"slices"
	"strings"

	"github.com/olivere/elastic/v7"
)

// ErrPartial means some shards failed to answer a search, aggregation or
// page (HTTP 200 with _shards.failed > 0): the counts would be short by an
// unknown amount.
var ErrPartial = fmt.Errorf("partial result: shards failed")

// maxPartialNotes bounds Stats.Partial: one note per failing response is
// enough to name the cause; the count of failed shards stays exact.
const maxPartialNotes = 20

// checkShards turns a response's _shards into an *Error of kind ErrPartial
// naming the failed shards (index[shard]) and the first reasons, unless
// allow is set: then the same text goes to st.Partial and the failed
// shards are added to st.FailedShards. Elasticsearch answers a query that
// fails on some shards (a syntax error, a field mapped differently in one
// index) with HTTP 200 and zero hits from those shards; unchecked, that
// reads as "no malformed SIP".
func checkShards(op, target string, sh *elastic.ShardsInfo, allow bool, st *Stats) error {
	if sh == nil || sh.Failed <= 0 {
		return nil
	}
	note := shardNote(sh)
	if !allow {
		return &Error{Op: op, Target: target, Kind: ErrPartial, Reason: note}
	}
	st.FailedShards += int64(sh.Failed)
	if len(st.Partial) < maxPartialNotes && !slices.Contains(st.Partial, note) {
		st.Partial = append(st.Partial, op+": "+note)
	}
	return nil
}

// shardNote says "2 of 3 shards failed: logs-a[0], logs-b[0]: reason".
func shardNote(sh *elastic.ShardsInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d shards failed", sh.Failed, sh.Total)
	var where, why []string
	for _, f := range sh.Failures {
		if f == nil {
			continue
		}
		w := fmt.Sprintf("%s[%d]", f.Index, f.Shard)
		if len(where) < 10 && !slices.Contains(where, w) {
			where = append(where, w)
		}
		r := failureReason(f.Reason)
		if r != "" && len(why) < 3 && !slices.Contains(why, r) {
			why = append(why, r)
		}
	}
	if len(where) > 0 {
		b.WriteString(": " + strings.Join(where, ", "))
	}
	if len(why) > 0 {
		b.WriteString(": " + strings.Join(why, "; "))
	}
	return sanitize(b.String(), 600)
}

// failureReason reads "type: reason" (and the innermost caused_by reason)
// out of a shard failure's reason object.
func failureReason(r map[string]any) string {
	if r == nil {
		return ""
	}
	typ, _ := r["type"].(string)
	reason, _ := r["reason"].(string)
	if cb, ok := r["caused_by"].(map[string]any); ok {
		if inner := failureReason(cb); inner != "" {
			reason = strings.TrimSpace(reason + " (" + inner + ")")
		}
	}
	s := strings.TrimSpace(typ + ": " + reason)
	return strings.Trim(s, ": ")
}
