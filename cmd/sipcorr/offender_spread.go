package main

import (
	"fmt"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/memstat"
	"github.com/sipcorr/sipcorr/sipparse/kamcfg"
)

// loadSpread is how many processes share the server's SIP load and where
// that comes from: --receivers, the kamailio.cfg, the pkg.stats of the
// recording or of --rpc. n is 0 when nothing says.
type loadSpread struct {
	n    int
	from string
}

// spreadOf picks the most direct source: the flag, then the cfg (children
// per UDP listen socket: exactly the UDP receivers), then what the server
// reported in a recording's or the live pkg.stats (processes of rank 1 and
// up, or described as UDP receivers; before 5.3 pkg.stats has no
// description, so TCP receivers count too).
func spreadOf(flagN int, set *memstat.Set, live *memstat.Sample, cfg *kamcfg.Config) loadSpread {
	if flagN > 0 {
		return loadSpread{flagN, fmt.Sprintf("--receivers %d", flagN)}
	}
	if cfg != nil && cfg.Receivers.UDP > 0 {
		r := cfg.Receivers
		from := fmt.Sprintf("kamailio.cfg: children=%d × %d UDP listen socket(s)", r.Children, r.UDPSockets)
		if r.UDP != r.Children*r.UDPSockets {
			from = fmt.Sprintf("kamailio.cfg: %d UDP receivers over %d listen socket(s) (children=%d, socket_workers)", r.UDP, r.UDPSockets, r.Children)
		}
		if !r.ChildrenSet {
			from += ", Kamailio's default children"
		}
		return loadSpread{r.UDP, from}
	}
	if set != nil {
		seen := map[string]bool{}
		for _, s := range set.Select(memstat.PkgRealUsed, memstat.ScopeProcess) {
			if memstat.IsUDPReceiver(s.Process) {
				seen[s.Key] = true
			}
		}
		if n := len(seen); n > 0 {
			return loadSpread{n, fmt.Sprintf("pkg.stats of %s: %d UDP receivers", set.Source, n)}
		}
	}
	if live != nil {
		n := 0
		for _, p := range live.Pkg {
			if p.Reported() && memstat.IsUDPReceiver(p.Process()) {
				n++
			}
		}
		if n > 0 {
			return loadSpread{n, fmt.Sprintf("pkg.stats over --rpc: %d UDP receivers", n)}
		}
	}
	return loadSpread{}
}

// apply tells every pkg series how the load is spread.
func (l loadSpread) apply(mem []correlate.MemSeries) {
	for i := range mem {
		if mem[i].Pool == correlate.PoolPkg {
			mem[i].Receivers, mem[i].ReceiversFrom = l.n, l.from
		}
	}
}
