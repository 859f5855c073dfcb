package kamtest_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/kamtest"
	"github.com/sipcorr/sipcorr/memstat"
	"github.com/sipcorr/sipcorr/sipparse"
)

// The known defects of sipparse's table, measured on the real binaries
// (../shared/kamailio, unpacked to /opt by .ci/run; Debian's 5.6.3).

// allReleases are the six real Kamailio versions CI runs.
var allReleases = []string{"5.2.3", "5.2.4", "5.6.3", "5.8.7", "6.0.7", "6.1.4"}

// register is a device REGISTER; contact is its Contact value.
func register(n int, contact string) []byte {
	return fmt.Appendf(nil, "REGISTER sip:127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bK-star-%d\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:201@127.0.0.1>;tag=%d\r\nTo: <sip:201@127.0.0.1>\r\n"+
		"Call-ID: star-%d@sipcorr.test\r\nCSeq: %d REGISTER\r\nContact: %s\r\nExpires: 0\r\n"+
		"User-Agent: Yealink SIP-T46S 66.85.0.5\r\nContent-Length: 0\r\n\r\n", n, n, n, n+1, contact)
}

// signalRe finds the main process's report of a dead worker.
var signalRe = regexp.MustCompile(`child process (\d+) exited by a signal (\d+)`)

// TestContactStarCrash sends "Contact: *" to sanity_check("1024", "8") on
// each real release: a crashing worker takes Kamailio down (the main
// process reports the signal and exits). sipparse's CONTACT-STAR-CRASH
// range must say exactly which ones crash.
func TestContactStarCrash(t *testing.T) {
	for _, v := range allReleases {
		t.Run(v, func(t *testing.T) {
			bin, mods := kamtest.Release(t, v)
			srv := kamtest.Start(t, kamtest.Config{Bin: bin, Modules: mods, Children: 1,
				Route: `if (!sanity_check("1024", "8")) { exit; } sl_send_reply("200", "OK"); exit;`})
			// A normal REGISTER first: its reply shows the UDP worker is up
			// (the RPC answering only shows the TCP one is).
			if line, err := srv.AskUDP(register(1, "<sip:201@127.0.0.1:5999>"), 20*time.Second); err != nil {
				t.Fatalf("kamailio %s gave no reply to a plain REGISTER (%v):\n%s", v, err, tail(srv.Log(), 2000))
			} else if !strings.Contains(line, " 200 ") {
				t.Fatalf("kamailio %s answered a plain REGISTER with %q", v, line)
			}
			if err := srv.SendUDP(register(2, "*")); err != nil {
				t.Fatal(err)
			}
			// One UDP worker takes datagrams in order: a reply to the next
			// REGISTER proves it survived the star; no reply, and the main
			// process must go down. Both are waited for with a deadline
			// that a loaded CI machine does not reach (the first version
			// gave a crash 3 s, and a busy run took longer to notice it).
			_, askErr := srv.AskUDP(register(3, "<sip:201@127.0.0.1:5999>"), 10*time.Second)
			crashed := false
			if askErr != nil {
				for range 200 {
					if crashed = srv.Exited(); crashed {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if !crashed {
					t.Fatalf("kamailio %s neither answered after the star (%v) nor exited:\n%s", v, askErr, tail(srv.Log(), 2000))
				}
			}
			sig := ""
			if m := signalRe.FindStringSubmatch(srv.Log()); m != nil {
				sig = m[2]
			}
			ver, err := sipparse.ParseVersion(v)
			if err != nil {
				t.Fatal(err)
			}
			want := false
			for _, d := range sipparse.KnownDefects(ver) {
				if d.ID == "CONTACT-STAR-CRASH" {
					want = true
				}
			}
			t.Logf("kamailio %s, sanity_check(1024, 8), REGISTER with \"Contact: *\": crashed=%v signal=%q", v, crashed, sig)
			if crashed != want {
				t.Errorf("kamailio %s crashed=%v, but sipparse's CONTACT-STAR-CRASH says %v", v, crashed, want)
			}
			if crashed && sig != "11" {
				t.Errorf("kamailio %s: expected a worker killed by signal 11, log:\n%s", v, tail(srv.Log(), 2000))
			}
		})
	}
}

// subscribe is the Yealink SUBSCRIBE of the original incident:
// Proxy-Require: sip.mysipproxy.com, which fails check 512 (420) against
// the module's empty proxy_require list.
func subscribe(n int, proxyRequire string) []byte {
	return fmt.Appendf(nil, "SUBSCRIBE sip:201@127.0.0.1 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-gh1990-%d\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:201@127.0.0.1>;tag=%d\r\nTo: <sip:201@127.0.0.1>\r\n"+
		"Call-ID: gh1990-%d@sipcorr.test\r\nCSeq: 1 SUBSCRIBE\r\n"+
		"Contact: <sip:201@127.0.0.1:5999>\r\nEvent: message-summary\r\nExpires: 3600\r\n"+
		"Proxy-Require: %s\r\nUser-Agent: Yealink SIP-T46S 66.85.0.5\r\nContent-Length: 0\r\n\r\n", n, n, n, proxyRequire)
}

// receiversRealUsed sums pkg real_used and used over the UDP receivers
// (ranks 1..children; 5.2 has no "desc" field).
func receiversRealUsed(t *testing.T, c *memstat.Client, children int) (realUsed, used uint64) {
	t.Helper()
	stats, err := c.PkgStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range stats {
		if s.Rank >= 1 && s.Rank <= children {
			realUsed += s.RealUsed
			used += s.Used
			n++
		}
	}
	if n != children {
		t.Fatalf("pkg.stats lists %d UDP receivers (ranks 1..%d), want %d: %+v", n, children, children, stats)
	}
	return realUsed, used
}

// TestGH1990Leak measures pkg growth per Proxy-Require failure: 5.2.3
// leaks the parsed token list (kamailio#1990), 5.2.4 must stay flat.
// The figures are compared with sipparse's GH1990 entry.
func TestGH1990Leak(t *testing.T) {
	const children, warm, count = 4, 400, 4000
	for _, tc := range []struct{ v, pr string }{
		{"5.2.3", "sip.mysipproxy.com"}, {"5.2.3", "sip.mysipproxy.com, x-two, x-three"},
		{"5.2.4", "sip.mysipproxy.com"}, {"5.2.4", "sip.mysipproxy.com, x-two, x-three"},
	} {
		v, pr := tc.v, tc.pr
		tokens := len(sipparse.ParseProxyRequireList(pr))
		t.Run(fmt.Sprintf("%s/%d-tokens", v, tokens), func(t *testing.T) {
			bin, mods := kamtest.Release(t, v)
			srv := kamtest.Start(t, kamtest.Config{Bin: bin, Modules: mods, Children: children,
				Route: gh1990Route})
			c, err := memstat.NewClient(srv.RPCURL)
			if err != nil {
				t.Fatal(err)
			}
			sendPaced(t, srv, 0, warm, pr) // first-message allocations of each receiver
			r0, u0 := settled(t, c, children)
			sendPaced(t, srv, warm, count, pr)
			r1, u1 := settled(t, c, children)
			// GH1990 leaks the whole token list: the figures are per token.
			perReal := float64(int64(r1)-int64(r0)) / count / float64(tokens)
			perUsed := float64(int64(u1)-int64(u0)) / count / float64(tokens)
			t.Logf("kamailio %s: %d SUBSCRIBEs, Proxy-Require %q (%d tokens), 420 over %d UDP receivers: pkg real_used %+d B (%.1f B/message/token), used %+d B (%.1f B/message/token)",
				v, count, pr, tokens, children, int64(r1)-int64(r0), perReal, int64(u1)-int64(u0), perUsed)
			ver, _ := sipparse.ParseVersion(v)
			var gh *sipparse.KnownDefect
			for _, d := range sipparse.KnownDefects(ver) {
				if d.ID == "GH1990" {
					gh = &d
				}
			}
			switch {
			case gh == nil && perReal > 1:
				t.Errorf("kamailio %s grows %.1f B/message but sipparse lists no GH1990 for it", v, perReal)
			case gh != nil && (perReal < float64(gh.LeakRealUsedBytes)*0.9 || perReal > float64(gh.LeakRealUsedBytes)*1.1):
				t.Errorf("kamailio %s grows %.1f B real_used/message; sipparse's GH1990 says %d", v, perReal, gh.LeakRealUsedBytes)
			case gh != nil && (perUsed < float64(gh.LeakUsedBytes)*0.9 || perUsed > float64(gh.LeakUsedBytes)*1.1):
				t.Errorf("kamailio %s grows %.1f B used/message; sipparse's GH1990 says %d", v, perUsed, gh.LeakUsedBytes)
			}
		})
	}
}

// sendPaced sends count SUBSCRIBEs numbered from from, in bursts the
// receivers keep up with.
func sendPaced(t *testing.T, srv *kamtest.Server, from, count int, pr string) {
	t.Helper()
	for i := 0; i < count; i += 50 {
		var batch [][]byte
		for j := i; j < min(i+50, count); j++ {
			batch = append(batch, subscribe(from+j, pr))
		}
		if err := srv.SendUDP(batch...); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settled polls the receivers' pkg figures until two reads 300 ms apart
// agree (the receivers have drained their sockets).
func settled(t *testing.T, c *memstat.Client, children int) (uint64, uint64) {
	t.Helper()
	pr, pu := receiversRealUsed(t, c, children)
	for range 50 {
		time.Sleep(300 * time.Millisecond)
		r, u := receiversRealUsed(t, c, children)
		if r == pr && u == pu {
			return r, u
		}
		pr, pu = r, u
	}
	t.Fatalf("pkg memory did not settle")
	return 0, 0
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}

// gh1990Route is the route of the leak runs: sanity's default checks
// (3047/7, as a plain sanity_check() runs them), a 420 on the Proxy-Require
// failure, 200 otherwise. KAMTEST_GH1990_ROUTE replaces it for experiments.
var gh1990Route = func() string {
	if r := os.Getenv("KAMTEST_GH1990_ROUTE"); r != "" {
		return r
	}
	return `if (!sanity_check()) { exit; } sl_send_reply("200", "OK"); exit;`
}()
