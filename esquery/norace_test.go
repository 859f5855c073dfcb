//go:build !race

package esquery

const raceEnabled = false
