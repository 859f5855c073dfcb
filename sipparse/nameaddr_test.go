package sipparse

import (
	"math/rand"
	"testing"
)

// TestPlainAddrSpecAgreesWithStates: for every body the plain-shape
// shortcut takes, parse_addr_spec's state machine gives the same URI span,
// tag count, tag flag and end. Bodies are built from the pieces that decide
// the shape (display names, URIs, parameters, line ends, the next line's
// first byte), mutated at random, and parsed to the end of the buffer and,
// as From is, to one byte past the body.
func TestPlainAddrSpecAgreesWithStates(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	const noise = "<>\";=,\\ \t\r\n\x00tagTAG@:x"
	taken := 0
	for i := 0; i < 400000; i++ {
		body := pick(r, "", "", `"A" `, `"" `, `"A B"`, `"a\"b" `, `"A"  `, "\"A\"\t", `"A `, "A ") +
			pick(r, "<sip:a@b.com>", "<sip:3127@sip.example.net>", "<sip:a@b.com>", "<sip:3127@sip.example.net>", "<;x>", "< sip:a@b>", "<sip:a@b;lr>", "<>", "<sip:a@b", "sip:a@b>", "<tel:1>") +
			pick(r, "", "", ";tag=1928301774", ";TAG=x", ";tag=", ";tag", ";tag=a,b", ";x=y", ";tag=1;tag=2", ";tag=\"q\"", ";tag=a b") +
			pick(r, "\r\n", "\r\n", "\r\n", "\r\n", "\r", "\n", "\r\r\n", "") +
			pick(r, "Call-ID: x\r\n", "", "Call-ID: x\r\n", "CSeq: 1 INVITE", " folded\r\n", "\tx", "\x00", "\\", ",", "\r\n", ";", "<")
		b := []byte(body)
		for k := r.Intn(3); k > 0 && len(b) > 0; k-- {
			b[r.Intn(len(b))] = noise[r.Intn(len(noise))]
		}
		for _, end := range []int{len(b), r.Intn(len(b) + 1)} {
			got, gnext, ok := plainAddrSpec(b[:end], 0)
			if !ok {
				continue
			}
			taken++
			want, wnext, wok := parseAddrSpecStates(b, 0, end)
			if !wok || got != want || gnext != wnext {
				t.Fatalf("%q to %d: shortcut %+v next %d, state machine %+v next %d ok %v", b, end, got, gnext, want, wnext, wok)
			}
		}
	}
	if taken < 10000 {
		t.Errorf("only %d bodies had the plain shape", taken)
	}
}
