package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sipcorr/sipcorr/internal/synth"
)

// generateFixtures builds every fixture in memory and returns the files
// by name and the manifest.
func generateFixtures() (map[string][]byte, *synth.Manifest, error) {
	files := map[string][]byte{}
	m := &synth.Manifest{Generator: "go run ./cmd/synthcap -out testdata/captures"}
	for _, f := range synth.Fixtures() {
		b, e, err := f.Generate()
		if err != nil {
			return nil, nil, err
		}
		if _, dup := files[f.Name]; dup {
			return nil, nil, fmt.Errorf("duplicate fixture name %s", f.Name)
		}
		files[f.Name] = b
		m.Files = append(m.Files, e)
	}
	return files, m, nil
}

// writeFixtures writes every fixture and MANIFEST.json into dir.
func writeFixtures(dir string) (*synth.Manifest, error) {
	files, m, err := generateFixtures()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	return m, synth.WriteManifest(filepath.Join(dir, synth.ManifestName), m)
}
