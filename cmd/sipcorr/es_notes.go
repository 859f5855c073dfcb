package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/sipcorr/sipcorr/esquery"
)

// esNotes are the report notes of one log query: shard failures accepted
// with --es-allow-partial (the counts are short), and UAs folded by the
// tally's bound.
func esNotes(st esquery.Stats) []string {
	var out []string
	if st.FailedShards > 0 {
		out = append(out, fmt.Sprintf("WARNING: --es-allow-partial: %d shard failure(s); the log counts are short by an unknown amount", st.FailedShards))
		for _, p := range st.Partial {
			out = append(out, "WARNING: "+p)
		}
	}
	return out
}

// esErrText is the error of a failed log query, with what to do about a
// partial answer.
func esErrText(err error) string {
	if errors.Is(err, esquery.ErrPartial) {
		return err.Error() + " (fix the query or the mappings, or give --es-allow-partial to accept short counts)"
	}
	return err.Error()
}

// tallyNotes say what the log tally's bound folded (the lightest
// identities: the heaviest are kept) and how many hits matched the phrase
// but not the pattern (counted, attributed to no UA).
func tallyNotes(t *esquery.Tally, st esquery.Stats) []string {
	var out []string
	// Hits the server folded (Stats.FoldedHits) have their own note.
	if t.OverflowHits > st.FoldedHits {
		n, exact := t.FoldedKeys()
		about := ""
		if !exact {
			about = "about "
		}
		out = append(out, fmt.Sprintf("more than %d distinct UAs or sources in the logs: the %s%d lightest, %d hits, counted together (the heaviest are kept apart)",
			esquery.DefaultMaxKeys, about, n, t.OverflowHits-st.FoldedHits))
	}
	if t.Unattributed > 0 {
		out = append(out, fmt.Sprintf("%d log hit(s) matched the phrase but not the UA/source pattern (%d unparsed, %d without a usable source): counted, attributed to no UA; check --es-pattern",
			t.Unattributed, st.Unparsed, st.NoSource))
	}
	return out
}

// zeroNotes explain a log query that found nothing (issue 15: no silent
// zero): the pattern matches no index, the indices hold nothing in the
// window (with their actual span), the message field is missing or not
// full-text, no message has a phrase (with a sample and the fields seen),
// or the extra query excludes every line. When hits were found but the
// pattern attributed none, they show the newest such message instead.
func zeroNotes(ctx context.Context, c *esquery.Client, q esquery.Query, t *esquery.Tally) []string {
	total := t.Total()
	if total > 0 && t.Unattributed < total {
		return nil
	}
	d, err := c.Diagnose(ctx, q)
	if err != nil {
		return []string{fmt.Sprintf("Elasticsearch %s: no usable malformed-SIP line, and asking why failed: %v", q.Indices, err)}
	}
	if total > 0 {
		if d.Sample == "" {
			return nil
		}
		return []string{fmt.Sprintf("Elasticsearch %s: the UA/source pattern matched none of the %d hits; newest: %q (check --es-pattern, --es-ua-field, --es-source-field)",
			q.Indices, total, d.Sample)}
	}
	return []string{fmt.Sprintf("Elasticsearch %s: no malformed-SIP line: %s", q.Indices, flagWords(d.Text))}
}
