package correlate

import (
	"net/netip"
	"sort"
)

// A capture taken on the SIP server's interface holds both directions: what
// devices send to the server, which its sanity module judges, and what the
// server sends, which it never judges (its own replies, requests it forwards
// with the device's User-Agent still in them). Counting the second kind would
// blame devices twice, or for the server's own replies. ServerGuesser finds
// the server as the address that receives requests from the most distinct
// sources.

// Bounds of a ServerGuesser: it tracks this many destination addresses and,
// per destination, this many distinct sources (enough to rank them).
const (
	guessMaxDsts    = 1024
	guessMaxSources = 256
	// guessMinSources is the evidence needed: requests from at least this many
	// distinct source addresses.
	guessMinSources = 3
)

// ServerGuesser accumulates request flows. It is not safe for concurrent use.
type ServerGuesser struct {
	dsts map[netip.Addr]*dstFlows
}

type dstFlows struct {
	sources  map[netip.Addr]struct{}
	requests uint64
	replies  uint64 // replies this address sent
}

// NewServerGuesser returns an empty guesser.
func NewServerGuesser() *ServerGuesser {
	return &ServerGuesser{dsts: make(map[netip.Addr]*dstFlows)}
}

// Add records one SIP message from src to dst.
func (g *ServerGuesser) Add(src, dst netip.Addr, request bool) {
	if request {
		d := g.flows(dst)
		if d == nil {
			return
		}
		d.requests++
		if len(d.sources) < guessMaxSources {
			d.sources[src] = struct{}{}
		}
		return
	}
	if d := g.flows(src); d != nil {
		d.replies++
	}
}

func (g *ServerGuesser) flows(a netip.Addr) *dstFlows {
	if d, ok := g.dsts[a]; ok {
		return d
	}
	if len(g.dsts) >= guessMaxDsts {
		return nil
	}
	d := &dstFlows{sources: make(map[netip.Addr]struct{})}
	g.dsts[a] = d
	return d
}

// Settled reports whether more messages cannot change Guess: one address
// has requests from as many sources as are counted (guessMaxSources) and
// answered some, and no other address has requests from even
// guessMinSources sources. Guess then names it however long the sample
// goes on (another address would need requests from guessMaxSources
// sources to tie). It walks the destinations: call it now and then.
func (g *ServerGuesser) Settled() bool {
	leaders, others := 0, 0
	for _, d := range g.dsts {
		switch {
		case len(d.sources) >= guessMaxSources && d.replies > 0:
			leaders++
		case len(d.sources) >= guessMinSources:
			others++
		}
	}
	return leaders == 1 && others == 0
}

// ServerGuess is the result of Guess.
type ServerGuess struct {
	Addr     netip.Addr
	Sources  int    // distinct addresses that sent it requests (capped at 256)
	Requests uint64 // requests it received
	Replies  uint64 // replies it sent
}

// Guess returns the address that received requests from the most distinct
// sources and also answered some; ok is false when no address has requests
// from at least 3 sources, or when two addresses tie (a capture between
// peers, not at a server).
func (g *ServerGuesser) Guess() (ServerGuess, bool) {
	var cands []ServerGuess
	for a, d := range g.dsts {
		if len(d.sources) >= guessMinSources && d.replies > 0 {
			cands = append(cands, ServerGuess{Addr: a, Sources: len(d.sources), Requests: d.requests, Replies: d.replies})
		}
	}
	if len(cands) == 0 {
		return ServerGuess{}, false
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].Sources != cands[j].Sources {
			return cands[i].Sources > cands[j].Sources
		}
		return cands[i].Addr.Less(cands[j].Addr)
	})
	if len(cands) > 1 && cands[1].Sources == cands[0].Sources {
		return ServerGuess{}, false
	}
	return cands[0], true
}
