package golden

import (
	"os"
	"path/filepath"
	"testing"
)

type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Chdir(wd); err != nil {
			t.Error(err)
		}
	})
	if err := os.Mkdir("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Compare(r, "x.golden", []byte("a"), true)
	if r.failed {
		t.Fatal("update then compare failed")
	}
	Compare(r, "x.golden", []byte("b"), false)
	if !r.failed {
		t.Fatal("a different output passed")
	}
	r.failed = false
	Compare(r, "missing.golden", []byte("a"), false)
	if !r.failed {
		t.Fatal("a missing golden file passed")
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "x.golden")); err != nil || string(b) != "a" {
		t.Fatalf("golden file %q, %v", b, err)
	}
}
