package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestRegressionIssue16Point7CSVInputErrors: the CSV left out input
// errors, so a report of a truncated capture looked complete. Each failed
// input is now a row "(input error) ..." naming the file and offset.
func TestRegressionIssue16Point7CSVInputErrors(t *testing.T) {
	a := &Analysis{
		Files: []FileSummary{{Path: "ok.pcap"}, {Path: "bad.pcap", Error: "bad.pcap: packet 12, offset 3400: file truncated"}},
		Logs:  &LogSignal{Inputs: []LogInput{{Kind: "file", Name: "/dev/zero", Error: "binary data at byte 0"}}},
	}
	var b bytes.Buffer
	if err := WriteAnalysis(&b, FormatCSV, a); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, b.String())
	}
	var got []string
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[0], "(input error) ") {
			got = append(got, r[0])
		}
	}
	want := []string{"(input error) bad.pcap: packet 12, offset 3400: file truncated", "(input error) file /dev/zero: binary data at byte 0"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("error rows %q, want %q\n%s", got, want, b.String())
	}
}
