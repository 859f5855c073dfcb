package sipmutate

import (
	"bytes"
	"strings"
	"testing"
)

func TestReproducible(t *testing.T) {
	a, b := Generate(7, 2000), Generate(7, 2000)
	for i := range a {
		if a[i].Name != b[i].Name || !bytes.Equal(a[i].Raw, b[i].Raw) {
			t.Fatalf("mutant %d differs between two runs of seed 7", i)
		}
	}
	c := Generate(8, 2000)
	same := 0
	for i := range a {
		if bytes.Equal(a[i].Raw, c[i].Raw) {
			same++
		}
	}
	if same > 200 {
		t.Errorf("seeds 7 and 8 share %d of 2000 mutants", same)
	}
}

// TestCoverage holds the generator to its promise: every grammar, every
// base message and every line end shows up in a CI-sized run, and most
// mutants are distinct.
func TestCoverage(t *testing.T) {
	ms := Generate(1, 20000)
	seen := map[string]int{}
	distinct := map[string]bool{}
	for _, m := range ms {
		distinct[string(m.Raw)] = true
		f := strings.SplitN(m.Name, " ", 3)
		seen["base "+f[1]]++
		if len(f) == 3 {
			for _, d := range strings.Split(f[2], " | ") {
				k, _, _ := strings.Cut(d, ":")
				seen[k]++
			}
		}
		if len(m.Raw) == 0 || len(m.Raw) > 8192 {
			t.Fatalf("%s: %d bytes", m.Name, len(m.Raw))
		}
	}
	for _, m := range mutators {
		if seen[m.name] == 0 {
			t.Errorf("mutator %s never applied", m.name)
		}
	}
	for _, b := range bases() {
		if seen["base "+b.kind] == 0 {
			t.Errorf("base %s never used", b.kind)
		}
	}
	for _, e := range []string{"eol"} {
		if seen[e] < 1000 {
			t.Errorf("%s applied %d times", e, seen[e])
		}
	}
	if len(distinct) < 17000 {
		t.Errorf("%d distinct mutants of 20000", len(distinct))
	}
	t.Logf("%d distinct; applications: %v", len(distinct), seen)
}

func TestRenderContentLength(t *testing.T) {
	s := skeleton{first: "INVITE sip:a@b SIP/2.0", headers: []header{{"Content-Length", "%L"}, {"l", " %L"}, {"", "dropped"}}, body: "abc"}
	got := string(render(s, "\n"))
	want := "INVITE sip:a@b SIP/2.0\nContent-Length: 3\nl:  3\n\nabc"
	if got != want {
		t.Errorf("render = %q, want %q", got, want)
	}
}
