package sipparse

import (
	"strings"
	"testing"
)

// register500 is a 500-byte REGISTER as a Yealink phone sends it (the
// device of the GH #1990 story), used by the allocation test and benchmark.
var register500 = func() []byte {
	b := crlf(register500Text)
	// pad the User-Agent to exactly 500 bytes so the benchmark is the size
	// the brief names
	pad := 500 - len(b)
	if pad < 0 {
		panic("register fixture longer than 500 bytes")
	}
	s := strings.Replace(string(b), "User-Agent: Yealink SIP-T48G 35.72.188.7", "User-Agent: Yealink SIP-T48G 35.72.188.7"+strings.Repeat("x", pad), 1)
	return []byte(s)
}()

const register500Text = `REGISTER sip:sip.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1928301774;rport
From: "2001" <sip:2001@sip.example.com>;tag=1928301774
To: "2001" <sip:2001@sip.example.com>
Call-ID: a84b4c76e66710@192.0.2.10
CSeq: 314159 REGISTER
Contact: <sip:2001@192.0.2.10:5060>;expires=3600
Max-Forwards: 70
Expires: 3600
User-Agent: Yealink SIP-T48G 35.72.188.7
Proxy-Require: sip.mysipproxy.com
Content-Length: 0

`

func mustEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestParseJudgeZeroAlloc(t *testing.T) {
	if len(register500) != 500 {
		t.Fatalf("fixture is %d bytes", len(register500))
	}
	for _, cfg := range []Config{
		DefaultConfig(),
		{Version: LatestRelease(), Checks: 32767, URIChecks: 15},
		{Version: Version{Major: 5, Minor: 2, Patch: 3}, Checks: 32767, URIChecks: 15},
		{Version: Version{Major: 6, Minor: 2, Master: true}, Checks: 131071, URIChecks: 15},
	} {
		e := mustEngine(t, cfg)
		var m Message
		var v Verdict
		// warm up: Headers and the core header array grow once
		if err := Parse(register500, &m); err != nil {
			t.Fatal(err)
		}
		e.Judge(&m, &v)
		allocs := testing.AllocsPerRun(200, func() {
			if err := Parse(register500, &m); err != nil {
				t.Fatal(err)
			}
			e.Judge(&m, &v)
		})
		if allocs != 0 {
			t.Errorf("checks %d: Parse+Judge allocates %.1f times per message, want 0", cfg.Checks, allocs)
		}
		if cfg.Checks == DefaultChecks && (v.First != CheckProxyRequire || v.Code != 420) {
			t.Errorf("checks %d: verdict %v %d, want proxy_require 420", cfg.Checks, v.First, v.Code)
		}
	}
}

func BenchmarkParseJudgeRegister(b *testing.B) {
	e := mustEngine(b, DefaultConfig())
	var m Message
	var v Verdict
	b.SetBytes(int64(len(register500)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Parse(register500, &m)
		e.Judge(&m, &v)
	}
}

func BenchmarkParseRegister(b *testing.B) {
	var m Message
	b.SetBytes(int64(len(register500)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Parse(register500, &m)
	}
}

// TestEngineConcurrent: one Engine, many goroutines, one Message each
// (run with -race).
func TestEngineConcurrent(t *testing.T) {
	e := mustEngine(t, DefaultConfig())
	done := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			var m Message
			var v Verdict
			for i := 0; i < 200; i++ {
				_ = Parse(register500, &m)
				e.Judge(&m, &v)
			}
			done <- v.Reason
		}()
	}
	for g := 0; g < 4; g++ {
		if r := <-done; r != "Bad Proxy Require Extension" {
			t.Errorf("goroutine verdict %q", r)
		}
	}
}
