package memstat

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestRegressionIssue16Point1BoundedReaders: an endless or huge input
// (/dev/zero, a sparse file, a gzip bomb) ends with a *LimitError naming
// the bound, instead of growing until the machine runs out.
func TestRegressionIssue16Point1BoundedReaders(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := io.Copy(zw, io.LimitReader(zeroReader{}, 64<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	lim := Limits{MaxLine: 1 << 20, MaxBytes: 16 << 20}
	for _, tc := range []struct {
		name string
		r    io.Reader
		what string
	}{
		{"zeros", zeroReader{}, "line longer than 1048576 bytes"},
		{"gzip of zeros", &gz, "line longer than 1048576 bytes"},
		{"many short lines", io.LimitReader(strings.NewReader(strings.Repeat("time,shm_real_used\n", 2<<20)), 40<<20), "more than 16777216 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.r, "m.csv", CSVOptions{Limits: lim})
			var le *LimitError
			if !errors.Is(err, ErrLimit) || !errors.As(err, &le) || !strings.Contains(err.Error(), tc.what) || !strings.Contains(err.Error(), "m.csv") {
				t.Fatalf("err = %v, want a LimitError with %q", err, tc.what)
			}
		})
	}
}

// TestRegressionIssue16Point4ImpossibleValues: negative, infinite and
// over-1-PiB values were accepted (negative ones invented restarts); they
// are dropped with notes, and nothing usable is ErrNoData.
func TestRegressionIssue16Point4ImpossibleValues(t *testing.T) {
	in := "time,shm_real_used\n2026-11-29T16:00:00Z,1000\n2026-11-29T16:01:00Z,-5\n2026-11-29T16:02:00Z,1e30\n2026-11-29T16:03:00Z,2000\n"
	set, err := Read(strings.NewReader(in), "m.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range set.Series {
		n += len(s.Points)
	}
	if n != 2 || len(set.Restarts()) != 0 || len(set.Notes) == 0 {
		t.Errorf("%d points, %d restarts, notes %v; want 2, 0, notes", n, len(set.Restarts()), set.Notes)
	}
	for _, bad := range []string{"NaN", "-5", "abc"} {
		_, err := Read(strings.NewReader("time,shm_real_used\n2026-11-29T16:00:00Z,"+bad+"\n"), "m.csv", CSVOptions{})
		if !errors.Is(err, ErrNoData) {
			t.Errorf("all %s: err = %v, want ErrNoData", bad, err)
		}
	}
}
