package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/sipparse"
)

// guessSample is how many SIP messages the --server auto pre-pass reads at
// most. It stops sooner, checking every guessSettleEvery messages, once
// the guess is settled (correlate.ServerGuesser.Settled): on a busy edge a
// few thousand messages name the server, and the pre-pass is time the
// main pass waits for.
const (
	guessSample      = 20000
	guessSettleEvery = 1000
)

// serverSet is the set of addresses of the SIP server whose sanity module is
// imitated; messages they send are not judged.
type serverSet map[netip.Addr]bool

func (s serverSet) String() string {
	var parts []string
	for a := range s {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, ",")
}

// parseServerFlag reads --server: "auto", "none" or a comma-separated list
// of IP addresses (ports are ignored: the server's own messages leave from
// any of its sockets).
func parseServerFlag(v string) (set serverSet, auto bool, err error) {
	switch strings.TrimSpace(v) {
	case "auto":
		return nil, true, nil
	case "none", "":
		return nil, false, nil
	}
	set = serverSet{}
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if ap, err := netip.ParseAddrPort(f); err == nil {
			set[ap.Addr().Unmap()] = true
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, false, fmt.Errorf("%q is not an IP address", f)
		}
		set[a.Unmap()] = true
	}
	return set, false, nil
}

// guessServer reads the first SIP messages of the inputs and returns the
// server address, with a note saying how it was found (or why not).
func guessServer(ctx context.Context, paths []string, opts capture.Options) (serverSet, string) {
	g := correlate.NewServerGuesser()
	d := capture.NewDecoder(opts)
	var m sipparse.Message
	n := 0
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	emit := func(dg *capture.Datagram) {
		if dg.Truncated || sipparse.Parse(startLine(dg.Payload), &m) != nil {
			return
		}
		g.Add(dg.Src.Addr().Unmap(), dg.Dst.Addr().Unmap(), m.IsRequest)
		if n++; n >= guessSample || n%guessSettleEvery == 0 && g.Settled() {
			cancel()
		}
	}
	for _, p := range paths {
		// Faults are reported by the main pass; the guess uses what it got.
		if err := capture.ReadFile(ctx, p, d, emit); errors.Is(err, context.Canceled) {
			break
		}
	}
	guess, ok := g.Guess()
	if !ok {
		return nil, "no SIP server address stands out (one that receives requests from 3 or more sources and answers): every message is judged; name the server with --server"
	}
	return serverSet{guess.Addr: true}, fmt.Sprintf(
		"found by --server auto: it received requests from %d source addresses and sent %d replies in the first %d messages",
		guess.Sources, guess.Replies, n)
}

// startLine cuts b after the line end of its start line (leading blank
// lines and whitespace included, as Parse skips them). Parse fails only on
// the start line and sets IsRequest from it, so counting a message needs
// no more: the --server auto pre-pass and the server's own messages
// (pipeline.judgeInto) parse no headers. TestStartLineParsesAlike holds
// Parse to this.
func startLine(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n' || b[i] == ' ' || b[i] == '\t' || b[i] == 0) {
		i++
	}
	if nl := bytes.IndexByte(b[i:], '\n'); nl >= 0 {
		return b[:i+nl+1]
	}
	return b
}
