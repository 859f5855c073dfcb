package needs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records the first Skip or Fatal and stops the helper the way the
// real ones do (runtime.Goexit), here by a panic that run recovers.
type fakeTB struct {
	testing.TB // nil: calling anything not overridden panics, which the test would report
	outcome    string
	msg        string
}

type stopped struct{}

func (f *fakeTB) Helper()            {}
func (f *fakeTB) Skip(args ...any)   { f.stop("skip", fmt.Sprint(args...)) }
func (f *fakeTB) Fatal(args ...any)  { f.stop("fail", fmt.Sprint(args...)) }
func (f *fakeTB) stop(o, msg string) { f.outcome, f.msg = o, msg; panic(stopped{}) }

// run calls fn with f and reports the outcome: "pass", "skip" or "fail".
func (f *fakeTB) run(fn func(testing.TB)) (outcome string) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopped); !ok {
				panic(r)
			}
			outcome = f.outcome
		}
	}()
	fn(f)
	return "pass"
}

func TestNeeds(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope")
	root := "skip"
	if os.Geteuid() == 0 {
		root = "pass"
	}
	for _, c := range []struct {
		name string
		fn   func(testing.TB)
		// want is the outcome without CI; under CI=true a skip becomes a fail.
		want, msg string
	}{
		{"Skip", func(t testing.TB) { Skip(t, "no %s here", "kamailio") }, "skip", "no kamailio here"},
		{"Binary found", func(t testing.TB) { Binary(t, "go", "golang") }, "pass", ""},
		{"Binary missing", func(t testing.TB) { Binary(t, "sipcorr-no-such-tool", "Debian package x") },
			"skip", "sipcorr-no-such-tool not installed (Debian package x)"},
		{"Path exists", func(t testing.TB) { Path(t, "demo", file) }, "pass", ""},
		{"Path missing", func(t testing.TB) { Path(t, "leak demo", missing) }, "skip", "leak demo missing: stat " + missing},
		{"Dir exists", func(t testing.TB) { Dir(t, "corpus", dir) }, "pass", ""},
		{"Dir is a file", func(t testing.TB) { Dir(t, "corpus", file) }, "skip", "corpus " + file + " not found: " + file + " is not a directory"},
		{"Dir missing", func(t testing.TB) { Dir(t, "corpus directory", missing) }, "skip", "corpus directory " + missing + " not found"},
		{"Root", func(t testing.TB) { Root(t, "live capture tests") }, root, "live capture tests need root"},
	} {
		for _, ci := range []string{"", "false", "true"} {
			t.Run(c.name+"/CI="+ci, func(t *testing.T) {
				t.Setenv(EnvCI, ci)
				want := c.want
				if ci == "true" && want == "skip" {
					want = "fail"
				}
				f := &fakeTB{}
				if got := f.run(c.fn); got != want {
					t.Fatalf("outcome %s (%q), want %s", got, f.msg, want)
				}
				if want == "pass" {
					return
				}
				if !strings.HasPrefix(f.msg, c.msg) {
					t.Errorf("message %q, want it to start with %q", f.msg, c.msg)
				}
				if got := strings.HasSuffix(f.msg, ciSuffix); got != (want == "fail") {
					t.Errorf("message %q: CI suffix %v, want %v", f.msg, got, want == "fail")
				}
			})
		}
	}
}

func TestCI(t *testing.T) {
	for _, c := range []struct {
		v    string
		want bool
	}{{"", false}, {"true", true}, {"1", false}, {"TRUE", false}, {"false", false}} {
		t.Setenv(EnvCI, c.v)
		if got := CI(); got != c.want {
			t.Errorf("CI=%q: CI() = %v, want %v", c.v, got, c.want)
		}
	}
}
