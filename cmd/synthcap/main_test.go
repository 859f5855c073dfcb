package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sipcorr/sipcorr/internal/synth"
)

// update rewrites the checked-in captures instead of comparing:
//
//	go test ./cmd/synthcap -update
var update = flag.Bool("update", false, "rewrite testdata/captures and testdata/demo from the generator")

// capturesDir is the checked-in fixture directory.
var capturesDir = filepath.Join("..", "..", "testdata", "captures")

// TestFixturesUpToDate fails when the checked-in fixtures or manifest are
// not what the generator writes now, so they cannot drift silently.
func TestFixturesUpToDate(t *testing.T) {
	if *update {
		if _, err := writeFixtures(capturesDir); err != nil {
			t.Fatal(err)
		}
	}
	files, m, err := generateFixtures()
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := synth.MarshalManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	files[synth.ManifestName] = manifest
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(capturesDir, name))
		if err != nil {
			t.Errorf("%v (run: go test ./cmd/synthcap -update)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output (run: go test ./cmd/synthcap -update)", name)
		}
	}
	entries, err := os.ReadDir(capturesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		if _, ok := files[de.Name()]; !ok && de.Name() != "README.md" {
			t.Errorf("%s is in %s but not generated; delete it or add a fixture", de.Name(), capturesDir)
		}
	}
}
