package sipparse

import (
	"bytes"
	"math/rand"
	"testing"
)

// TestPlainViaAgreesWithParseVia: for every Via body the plain-shape
// shortcut takes, the full parse_via() port gives the same first-via-parm
// info (host length, branch) and the same end. Bodies are built from the
// pieces that decide the shape and mutated at random.
func TestPlainViaAgreesWithParseVia(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	const noise = ";=,:[]()\" \t\r\n\x00\x80_@ab"
	taken := 0
	for i := 0; i < 400000; i++ {
		// each part: a plain choice three times in four, else an odd one
		part := func(plain []string, odd ...string) string {
			if r.Intn(4) > 0 {
				return plain[r.Intn(len(plain))]
			}
			return odd[r.Intn(len(odd))]
		}
		body := part([]string{"SIP/2.0/", "sip/2.0/"}, "SIP/2.0 /", "SIP/2.1/", "SIP /2.0/") +
			part([]string{"UDP", "TCP", "tls", "WSS", "SCTP", "ws", "X1"}, "PDP", "U/DP", "", "idp", "2") +
			part([]string{" "}, "  ", "\t", "", " \r\n ") +
			part([]string{"100.64.0.150", "h.example.com", "h", "h-1.x", "1"}, "[::1]", "h_1", "", "h@x", "h\x80") +
			part([]string{"", ":5060", ":1", ":65535"}, ":", ":123456", ":50x", ": 5060", ":5060 ") +
			part([]string{"", ";branch=z9hG4bK1046290d0ff9;rport", ";branch=z9hG4bK1", ";rport;branch=z9hG4bKx", ";x", ";x=y",
				";branch=a;branch=b", ";ttl=1", ";received=1.2.3.4", ";i=1", ";maddr=h", ";rport=5060", ";BRANCH=Z", ";received"},
				";branch", ";branch=", ";hidden", ";alias=1", ";alias", ";ttl", ";x=", ";x=y;;z", ";x=\"q\"", ";branch=z (c)", ";x= y", ";x =y", ";x;") +
			part([]string{"\r\n"}, "\r", "\n", ", SIP/2.0/UDP h2\r\n", "", " \r\n", "\r\r\n") +
			part([]string{"Max-Forwards: 70\r\n", "", "\r\n"}, " ;x=1\r\n", "\t\r\n", "\x00", ",")
		b := []byte(body)
		for k := r.Intn(3); k > 0 && len(b) > 0; k-- {
			b[r.Intn(len(b))] = noise[r.Intn(len(noise))]
		}
		got, gnext, ok := plainVia(b, 0)
		if !ok {
			continue
		}
		taken++
		want, wnext, wok := parseViaFull(b, 0)
		if !wok || gnext != wnext || got.hostLen != want.hostLen || got.hasBranch != want.hasBranch ||
			!bytes.Equal(got.branch, want.branch) || (got.branch == nil) != (want.branch == nil) {
			t.Fatalf("%q: shortcut %+v next %d, parse_via port %+v next %d ok %v", b, got, gnext, want, wnext, wok)
		}
	}
	t.Logf("%d of 400000 taken", taken)
	if taken < 12000 {
		t.Errorf("only %d Via bodies had the plain shape", taken)
	}
}
