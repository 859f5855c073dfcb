package main

import (
	"errors"

	"github.com/sipcorr/sipcorr/internal/synth"
)

func writeBench(path string, n int, seed uint64) (*synth.FileEntry, error) {
	return nil, errors.New("todo")
}
func writeDemo(dir string) (*synth.FileEntry, error) { return nil, errors.New("todo") }
