// Package needs decides what a test does when something it depends on is
// missing: a binary on PATH (kamailio, tshark, chromium), root, the shared
// corpus, an Elasticsearch node. Outside CI the test is skipped with a
// message saying what to install; under CI=true it fails with the same
// message, because CI installs all of them and a skip there would report a
// test as passed that never ran.
//
// Every "skip unless CI=true" decision of the repository goes through
// [Skip], so the rule is written once.
package needs

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// EnvCI is the environment variable that makes missing dependencies fatal
// when it is exactly "true" (what GitHub Actions and .ci/run set).
const EnvCI = "CI"

// ciSuffix is added to the message of a failure so the log says why the
// test did not skip.
const ciSuffix = " (CI=true: failing instead of skipping)"

// CI reports whether the tests run under CI=true, where nothing may be
// skipped for want of a dependency.
func CI() bool {
	return os.Getenv(EnvCI) == "true"
}

// Skip skips t with the formatted message, or fails it with the same
// message under CI=true. Like t.Skipf and t.Fatalf it does not return.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatal(msg + ciSuffix)
	}
	t.Skip(msg)
}

// Binary returns the path of name on PATH, or skips t (fails under
// CI=true) saying how to get it, e.g. hint "Debian package tshark".
func Binary(t testing.TB, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Skip(t, "%s not installed (%s): %v", name, hint, err)
	}
	return p
}

// Root skips t (fails under CI=true, because CI runs as root) unless the
// process runs as root; what says what needs it.
func Root(t testing.TB, what string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, "%s need root", what)
	}
}

// Path returns p when it exists, or skips t (fails under CI=true); what
// names it, e.g. "leak demo".
func Path(t testing.TB, what, p string) string {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		Skip(t, "%s missing: %v", what, err)
	}
	return p
}

// Dir returns dir when it is a directory, or skips t (fails under
// CI=true); what names it, e.g. "corpus directory".
func Dir(t testing.TB, what, dir string) string {
	t.Helper()
	st, err := os.Stat(dir)
	if err == nil && !st.IsDir() {
		err = fmt.Errorf("%s is not a directory", dir)
	}
	if err != nil {
		Skip(t, "%s %s not found: %v", what, dir, err)
	}
	return dir
}
