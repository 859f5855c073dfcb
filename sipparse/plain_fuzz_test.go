package sipparse

import (
	"bytes"
	"testing"
)

// plainShapeSeeds start FuzzPlainShapes at the shapes the shortcuts take
// and at their edges (testdata/fuzz/FuzzPlainShapes holds them too).
var plainShapeSeeds = []string{
	"sip:2109@198.51.100.10:5060",
	"sip:sip.example.net",
	"sip:u@h:65536",
	"<sip:3127@sip.example.net>;tag=4bf4ed4e\r\nCall-ID: x\r\n",
	"\"2248\" <sip:2248@sip.example.net>;tag=7d92f7ba\r",
	"<sip:a@b>\r\n,",
	"SIP/2.0/UDP 100.64.0.150:5060;branch=z9hG4bK1046290d0ff9;rport\r\nMax-Forwards: 70\r\n",
	"SIP/2.0/TCP h;received=1.2.3.4;x\r\n\tmore",
	"SIP/2.0/UDP h:5060;ttl\r\n",
}

// FuzzPlainShapes holds the plain-shape shortcuts to the full ports on any
// input: whatever plainSIPURI, plainAddrSpec and plainVia take, the state
// machines and parse_via port must answer the same way.
func FuzzPlainShapes(f *testing.F) {
	for _, s := range plainShapeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if plainSIPURI(b) {
			for _, strict := range []bool{false, true} {
				if info, ok := parseURIStates(b, strict); !ok || info.hasLR {
					t.Fatalf("%q: plainSIPURI accepts, parseURIStates(strict %v) ok %v lr %v", b, strict, ok, info.hasLR)
				}
			}
		}
		for _, end := range []int{len(b), len(b) / 2} {
			if got, next, ok := plainAddrSpec(b[:end], 0); ok {
				want, wnext, wok := parseAddrSpecStates(b, 0, end)
				if !wok || got != want || next != wnext {
					t.Fatalf("%q to %d: plainAddrSpec %+v %d, state machine %+v %d %v", b, end, got, next, want, wnext, wok)
				}
			}
		}
		if got, next, ok := plainVia(b, 0); ok {
			want, wnext, wok := parseViaFull(b, 0)
			if !wok || next != wnext || got.hostLen != want.hostLen || got.hasBranch != want.hasBranch ||
				!bytes.Equal(got.branch, want.branch) || (got.branch == nil) != (want.branch == nil) {
				t.Fatalf("%q: plainVia %+v %d, parse_via port %+v %d %v", b, got, next, want, wnext, wok)
			}
		}
	})
}
