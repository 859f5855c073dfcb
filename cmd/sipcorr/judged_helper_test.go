package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/sipparse"
)

// judgedMessage parses raw (bare LF line ends become CRLF) and judges it with the newest release's default
// checks, as one message of a capture (packet 1, from 198.51.100.7:5060);
// the per-message hook tests of every sink start from it.
func judgedMessage(tb testing.TB, raw string) *judged {
	tb.Helper()
	eng, err := sipparse.NewEngine(sipparse.Config{Version: sipparse.LatestRelease(), Checks: 3047, URIChecks: 7})
	if err != nil {
		tb.Fatal(err)
	}
	var m sipparse.Message
	crlf := strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
	if err := sipparse.Parse([]byte(crlf), &m); err != nil {
		tb.Fatal(err)
	}
	var v sipparse.Verdict
	eng.Judge(&m, &v)
	dg := &capture.Datagram{Time: time.Unix(1_800_000_000, 0), Src: netip.MustParseAddrPort("198.51.100.7:5060"), Packet: 1}
	j := &judged{dg: dg, msg: &m, verdict: &v}
	j.lookUp()
	return j
}
