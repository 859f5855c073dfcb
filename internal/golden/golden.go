// Package golden compares test output with checked-in golden files, the
// Packetbeat way: a test run with -update rewrites them, and a reviewer reads
// the diff.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Compare checks got against testdata/name. With update set it first writes
// got there. A mismatch prints got, so the new output can be judged before
// rerunning with -update.
func Compare(t testing.TB, name string, got []byte, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rerun the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file; if the change is right, rerun with -update.\n--- got:\n%s", path, got)
	}
}
