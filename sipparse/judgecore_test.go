package sipparse

import "testing"

// TestJudgeCore: only the core's drop decision, never a failed check.
func TestJudgeCore(t *testing.T) {
	e, err := NewEngine(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, raw string
		drop      bool
	}{
		// A reply fails check 1 (its reason phrase has no '/') under the
		// default mask, but the core keeps it.
		{"reply", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", false},
		{"reply without Via", "SIP/2.0 200 OK\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", true},
	} {
		var m Message
		if err := Parse([]byte(tc.raw), &m); err != nil {
			t.Fatal(err)
		}
		var full, core Verdict
		e.Judge(&m, &full)
		e.JudgeCore(&m, &core)
		if core.CoreDrop != tc.drop || core.CoreDrop != full.CoreDrop || core.Failed != 0 || core.First != 0 || core.Code != 0 {
			t.Errorf("%s: JudgeCore %+v (Judge: drop %v, failed %v)", tc.name, core, full.CoreDrop, full.Failed)
		}
		if tc.name == "reply" && full.Failed == 0 {
			t.Errorf("the fixture should fail a check under the default mask, or the test proves nothing")
		}
	}
}
