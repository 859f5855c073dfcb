package report

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// FuzzAppendCSVRecord holds appendCSVRecord to encoding/csv.Writer.
func FuzzAppendCSVRecord(f *testing.F) {
	for _, s := range []string{"", `\.`, "plain", " lead", "\u00a0nbsp", "\u2028x", "a,b", `q"q`, "cr\rlf\n", "\xff", "'=x"} {
		f.Add(s, "second")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		for _, rec := range [][]string{{a}, {a, b}, {b, a, ""}} {
			if err := cw.Write(rec); err != nil {
				t.Fatal(err)
			}
			cw.Flush()
			got := appendCSVRecord(nil, rec)
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("appendCSVRecord(%q) = %q, encoding/csv writes %q", rec, got, want.Bytes())
			}
			if got := appendCSVField(nil, []byte(a)); !bytes.Equal(got, appendCSVField(nil, a)) {
				t.Fatalf("appendCSVField: []byte %q and string differ", a)
			}
			want.Reset()
		}
	})
}
