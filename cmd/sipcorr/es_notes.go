package main

import (
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
	if t.OverflowHits > 0 {
		n, exact := t.FoldedKeys()
		about := ""
		if !exact {
			about = "about "
		}
		out = append(out, fmt.Sprintf("more than %d distinct UAs or sources in the logs: the %s%d lightest, %d hits, counted together (the heaviest are kept apart)",
			esquery.DefaultMaxKeys, about, n, t.OverflowHits))
	}
	if t.Unattributed > 0 {
		out = append(out, fmt.Sprintf("%d log hit(s) matched the phrase but not the UA/source pattern (%d unparsed, %d without a usable source): counted, attributed to no UA; check --es-pattern",
			t.Unattributed, st.Unparsed, st.NoSource))
	}
	return out
}
