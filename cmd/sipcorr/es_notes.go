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
