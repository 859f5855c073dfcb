package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
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
// imitated; messages they send are not judged. It is sorted and holds each
// address once. A slice, not a map: it has one or a few addresses, and it
// is asked about every message, where a scan costs a fraction of hashing
// the address.
type serverSet []netip.Addr

// newServerSet returns the set of addrs (IPv4-mapped IPv6 addresses taken
// as IPv4).
func newServerSet(addrs ...netip.Addr) serverSet {
	s := make(serverSet, 0, len(addrs))
	for _, a := range addrs {
		s = append(s, a.Unmap())
	}
	slices.SortFunc(s, netip.Addr.Compare)
	return slices.Compact(s)
}

// has reports whether a, already unmapped, is in s.
func (s serverSet) has(a netip.Addr) bool {
	for _, b := range s {
		if a == b {
			return true
		}
	}
	return false
}

func (s serverSet) String() string {
	parts := make([]string, len(s))
	for i, a := range s {
		parts[i] = a.String()
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
	var addrs []netip.Addr
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if ap, err := netip.ParseAddrPort(f); err == nil {
			addrs = append(addrs, ap.Addr())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, false, fmt.Errorf("%q is not an IP address", f)
		}
		addrs = append(addrs, a)
	}
	set = newServerSet(addrs...)
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
	return newServerSet(guess.Addr), fmt.Sprintf(
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
