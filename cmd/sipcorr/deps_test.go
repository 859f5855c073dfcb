package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryLinksNoTestCode asks the go tool for the packages the sipcorr
// binary links and fails if a test-only package is among them: the
// generators and harnesses under internal/ exist for tests and must not
// ship (internal/evidence once pulled internal/synth in for its pcapng
// writer). "go test" puts its own GOROOT/bin first in PATH, so "go" here is
// the toolchain that is running the test.
func TestBinaryLinksNoTestCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		deps[p] = true
	}
	const mod = "github.com/sipcorr/sipcorr/"
	if !deps[mod+"cmd/sipcorr"] || !deps[mod+"internal/evidence"] || !deps[mod+"internal/pcapng"] {
		t.Fatalf("go list -deps does not list the binary's own packages; output:\n%s", out)
	}
	for _, p := range []string{
		"internal/synth",
		"internal/logsynth",
		"internal/sipmutate",
		"internal/golden",
		"internal/kamtest",
		"internal/kamailiotest",
		"internal/livetest",
		"internal/leaktest",
		"internal/browsertest",
	} {
		if deps[mod+p] {
			t.Errorf("the sipcorr binary links %s, a test-only package", p)
		}
	}
}
