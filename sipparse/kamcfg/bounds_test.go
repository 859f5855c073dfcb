package kamcfg

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRegressionIssue16Point3KamailioCfgBounds is the hostile-input table
// of the cfg reader: each input ends with an ErrInput error naming the
// file and the offset, in bounded time and memory.
func TestRegressionIssue16Point3KamailioCfgBounds(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nul := write("nul.cfg", make([]byte, 4<<20))
	late := write("late.cfg", append([]byte("#!KAMAILIO\nloadmodule \"sanity.so\"\n"), 0, 'x'))
	long := write("long.cfg", bytes.Repeat([]byte("a"), MaxLineLen+10))
	big := write("big.cfg", bytes.Repeat([]byte("# comment line\n"), MaxFileSize/15+10))
	incl := write("incl.cfg", []byte("include_file \""+nul+"\"\n"))
	for _, tc := range []struct {
		name, path, want string
	}{
		{"file of NULs", nul, "binary data at byte 0 (line 1)"},
		{"NUL after text", late, "binary data at byte 34 (line 3)"},
		{"over-long line", long, "line 1 (byte 0) longer than"},
		{"over the size bound", big, "more than 16777216 bytes"},
		{"include of NULs", incl, "nul.cfg: binary data at byte 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFile(tc.path)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInput with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "nesting") {
				t.Errorf("misleading error: %v", err)
			}
		})
	}
}

// TestRegressionIssue16Point3KamailioCfgDevZero: /dev/zero (endless,
// non-regular) ends with a size error at once instead of growing.
func TestRegressionIssue16Point3KamailioCfgDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	start := time.Now()
	_, err := ParseFile("/dev/zero")
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "/dev/zero: binary data at byte 0") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	// an endless stream through Parse is bounded the same way
	_, err = Parse(io.LimitReader(zeros{}, 1<<40), "stream")
	if !errors.Is(err, ErrInput) {
		t.Fatalf("stream: err = %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
