package correlate

import (
	"fmt"
	"net/netip"
	"testing"
)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestServerGuess(t *testing.T) {
	server := ip("198.51.100.10")
	for _, tc := range []struct {
		name string
		add  func(g *ServerGuesser)
		want netip.Addr
		ok   bool
	}{
		{"edge with phones", func(g *ServerGuesser) {
			for i := 1; i <= 20; i++ {
				phone := ip(fmt.Sprintf("100.64.0.%d", i))
				g.Add(phone, server, true)
				g.Add(server, phone, false)
				// the server forwards an INVITE to a phone, which answers
				g.Add(server, phone, true)
				g.Add(phone, server, false)
			}
		}, server, true},
		{"too few sources", func(g *ServerGuesser) {
			g.Add(ip("10.0.0.1"), server, true)
			g.Add(ip("10.0.0.2"), server, true)
			g.Add(server, ip("10.0.0.1"), false)
		}, netip.Addr{}, false},
		{"never answers: a scanned address, not a server", func(g *ServerGuesser) {
			for i := 1; i <= 10; i++ {
				g.Add(ip(fmt.Sprintf("203.0.113.%d", i)), server, true)
			}
		}, netip.Addr{}, false},
		{"tie between two peers", func(g *ServerGuesser) {
			a, b := ip("192.0.2.1"), ip("192.0.2.2")
			for i := 1; i <= 4; i++ {
				src := ip(fmt.Sprintf("100.64.1.%d", i))
				g.Add(src, a, true)
				g.Add(src, b, true)
			}
			g.Add(a, ip("100.64.1.1"), false)
			g.Add(b, ip("100.64.1.1"), false)
		}, netip.Addr{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewServerGuesser()
			tc.add(g)
			got, ok := g.Guess()
			if ok != tc.ok || got.Addr != tc.want {
				t.Fatalf("Guess() = %v, %v; want %v, %v", got.Addr, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestServerGuesserIsBounded(t *testing.T) {
	g := NewServerGuesser()
	for i := 0; i < 5000; i++ {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1})
		g.Add(a, netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), true)
	}
	if len(g.dsts) > guessMaxDsts {
		t.Fatalf("tracked %d destinations, cap %d", len(g.dsts), guessMaxDsts)
	}
}

// TestServerGuesserSettled: the guess is settled only when nothing more can
// change it: the leader counts as many sources as are kept, and no other
// address is a candidate at all.
func TestServerGuesserSettled(t *testing.T) {
	server, other := ip("198.51.100.10"), ip("198.51.100.20")
	g := NewServerGuesser()
	phone := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{100, 64, byte(i >> 8), byte(i)}) }
	for i := range guessMaxSources - 1 {
		g.Add(phone(i), server, true)
		g.Add(server, phone(i), false)
		g.Add(server, phone(i), true) // the server forwards to the phone: one source
	}
	if g.Settled() {
		t.Fatal("settled below the source cap")
	}
	g.Add(phone(guessMaxSources), server, true)
	if !g.Settled() {
		t.Fatal("not settled with the server at the source cap and no other candidate")
	}
	if got, ok := g.Guess(); !ok || got.Addr != server {
		t.Fatalf("settled on %v, %v", got.Addr, ok)
	}
	// A second server getting requests from three sources could still
	// reach the cap and tie: not settled.
	for i := range guessMinSources {
		g.Add(phone(1000+i), other, true)
	}
	if g.Settled() {
		t.Error("settled with a second candidate")
	}
}
