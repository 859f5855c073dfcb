package capture

import "testing"

func TestLooksLikeSIP(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"INVITE sip:bob@example.com SIP/2.0\r\n", true},
		{"SIP/2.0 200 OK\r\n", true},
		{"SIP/2.0 200\r\n", true},
		{"SIP/2.0 180 Ringing", true},                     // no line end
		{"invite sip:bob@example.com sip/2.0\n", true},    // lowercase, LF only
		{"INVITE sip:bob@example.com SIP/7.0\r\n", true},  // RFC 4475 badvers
		{"INVITE sip:x@y.z SIP/2.0/UDP\r\n", true},        // kamailio bad_via
		{"INVITE sip:alan@jasomi.com\nTO : alan\n", true}, // RFC 4475 test.dat, no version
		{"!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n", true},
		{"REGISTER sip:example.com SIP/2.0\r\n", true},
		{"FOO sip:x SIP/2.0", true},
		{"SIP/x.0 100 trying\r\n", true}, // fuzzed version
		{"INVITE sip:a@b  SIP/2.0\r\n", true},
		{"GET / HTTP/1.1\r\n", false},
		{"OPTIONS rtsp://x/ RTSP/1.0\r\n", false},
		{"HTTP/1.1 200 OK\r\n", false},
		{"SIP/2.0 2000 OK\r\n", false},
		{"SIP/2.0 OK\r\n", false},
		{"SIP/2.0", false},
		{"INVITE\r\n", false},
		{"FOO bar\r\n", false}, // unknown method without a version
		{"\x80\x00\x12\x34 rtp", false},
		{"", false},
		{"\r\n\r\n", false},
		{"INV\x00TE sip:x SIP/2.0\r\n", true},                             // PROTOS: NUL in the method
		{"\xe5\xe4\xf6\xe5\xe4\xf6 sip:tori@localhost SIP/2.0\r\n", true}, // PROTOS: binary method
		{"          sip:tori@localhost SIP/2.0\r\n", true},                // PROTOS: empty method
		{"\x80\x00 binary SIP/2.0\r\n", false},                            // odd method needs a URI with a scheme
		{"\xe5\xe4 sip:x SIP/2.0-a-very-long-version\r\n", false},         // and a short version
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},               // PROTOS overlong method cut by the datagram
	} {
		if got := LooksLikeSIP([]byte(tc.in)); got != tc.want {
			t.Errorf("LooksLikeSIP(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
