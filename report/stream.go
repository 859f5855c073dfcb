package report

import (
	"io"

	"github.com/sipcorr/sipcorr/correlate"
)

// uaEncoder appends one UA's part of a report: a JSON object, a CSV
// record, a table row. An encoder keeps its scratch space from one UA to
// the next.
type uaEncoder interface {
	// appendUA appends uas[i], s, to dst.
	appendUA(dst []byte, i int, s *correlate.UAStats) ([]byte, error)
}

// streamUAs appends every UA in order to buf, which holds what the report
// wrote before them, writing buf out whenever it reaches flushSize; it
// returns what is left for the caller to finish and write.
//
// One goroutine: encoding chunks of UAs on two goroutines and writing them
// in order was measured on the project's 2-core machine (README.md) and was
// not reliably faster; correlate's sort of the UAs, a third of the time,
// stays serial anyway.
func streamUAs(w io.Writer, buf []byte, uas []*correlate.UAStats, e uaEncoder) ([]byte, error) {
	for i, s := range uas {
		var err error
		if buf, err = e.appendUA(buf, i, s); err != nil {
			return buf, err
		}
		if len(buf) >= flushSize {
			if _, err := w.Write(buf); err != nil {
				return buf, err
			}
			buf = buf[:0]
		}
	}
	return buf, nil
}
