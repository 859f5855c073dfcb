package sipparse

import (
	"math/rand"
	"testing"
)

// TestPlainSIPURIAgreesWithStates: every URI the plain-shape shortcut
// accepts is accepted by the parse_uri() state machine under both host
// rules, without an lr parameter. Random URIs from the oracle generator's
// pieces and random bytes over the alphabet that matters.
func TestPlainSIPURIAgreesWithStates(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	const alphabet = "sipSIP:@.-09azAZ;?[]&%+ \t\x00\x80\xff=,<>\"lr"
	plain := 0
	for i := 0; i < 300000; i++ {
		var u []byte
		switch i % 3 {
		case 0:
			u = []byte(randomURI(r))
		default:
			u = []byte(pick(r, "sip:", "SIP:", "sIp:", "sips:", "sip", ""))
			for n := r.Intn(24); n > 0; n-- {
				u = append(u, alphabet[r.Intn(len(alphabet))])
			}
		}
		if !plainSIPURI(u) {
			continue
		}
		plain++
		for _, strict := range []bool{false, true} {
			if info, ok := parseURIStates(u, strict); !ok || info.hasLR {
				t.Fatalf("%q: plainSIPURI accepts, parseURIStates(strict %v) gives ok %v, lr %v", u, strict, ok, info.hasLR)
			}
		}
	}
	for _, u := range []string{"sip:h", "SIP:a.b", "sip:u@h", "sip:2109@198.51.100.10:5060", "sip:u@h:", "sip:u@h:65535", "sip:a b"} {
		if !plainSIPURI([]byte(u)) {
			t.Errorf("%q not taken by the shortcut", u)
		}
	}
	for _, u := range []string{"sip:", "sip:@h", "sip:u@", "sip:u@_h", "sip:u@h:65536", "sip:u@h:123456", "sip:u@h;lr", "sips:h", "sip:u@h.c_m", "sip:[::1]", "tel:1", "sip:u@h:5x"} {
		if plainSIPURI([]byte(u)) {
			t.Errorf("%q taken by the shortcut", u)
		}
	}
	if plain < 20000 {
		t.Errorf("only %d random URIs had the plain shape", plain)
	}
}
