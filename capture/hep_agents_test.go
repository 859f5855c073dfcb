package capture

import (
	"fmt"
	"testing"
)

// TestHEPAgents: agents are told apart by capture id and node name,
// listed most messages first, bounded at maxHEPAgents (the rest counted),
// and a known agent is counted without allocating.
func TestHEPAgents(t *testing.T) {
	cases := []struct {
		name      string
		adds      func(a *hepAgents)
		wantFirst HEPAgent
		wantLen   int
		wantOther uint64
	}{
		{"one agent", func(a *hepAgents) {
			for range 3 {
				a.add(2001, []byte("edge1"))
			}
		}, HEPAgent{2001, "edge1", 3}, 1, 0},
		{"same id, two nodes", func(a *hepAgents) {
			a.add(7, []byte("a"))
			a.add(7, []byte("b"))
			a.add(7, []byte("b"))
		}, HEPAgent{7, "b", 2}, 2, 0},
		{"flood of ids", func(a *hepAgents) {
			for i := range 1000 {
				a.add(uint32(i), nil)
			}
			a.add(0, nil)
		}, HEPAgent{0, "", 2}, maxHEPAgents, 1000 - maxHEPAgents},
		{"flood of names", func(a *hepAgents) {
			for i := range 1000 {
				a.add(1, fmt.Appendf(nil, "node-%d", i))
			}
		}, HEPAgent{1, "node-0", 1}, maxHEPAgents, 1000 - maxHEPAgents},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var a hepAgents
			tc.adds(&a)
			got, other := a.list()
			if len(got) != tc.wantLen || other != tc.wantOther || got[0] != tc.wantFirst {
				t.Fatalf("%d agents, first %+v, other %d", len(got), got[0], other)
			}
		})
	}
	var a hepAgents
	node := []byte("edge1")
	a.add(2001, node)
	if n := testing.AllocsPerRun(1000, func() { a.add(2001, node) }); n != 0 {
		t.Fatalf("%v allocations per message of a known agent", n)
	}
}
