//go:build race

package esquery

// raceEnabled: the race detector changes allocation counts (sync.Pool drops
// items at random), so allocation guards only run without it.
const raceEnabled = true
