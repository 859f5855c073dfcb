package kamailiotest

import (
	"fmt"
	"strings"
	"testing"
)

// invite builds a well-formed INVITE; extra headers go before Content-Length.
func invite(extra string) []byte {
	return []byte("INVITE sip:bob@example.com SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n" +
		"Max-Forwards: 70\r\n" +
		"From: Alice <sip:alice@example.com>;tag=1928301774\r\n" +
		"To: Bob <sip:bob@example.com>\r\n" +
		"Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
		"CSeq: 314159 INVITE\r\n" +
		"Contact: <sip:alice@192.0.2.1>\r\n" +
		extra +
		"Content-Length: 0\r\n\r\n")
}

func TestOracleSmoke(t *testing.T) {
	o := Start(t, Options{})
	cases := []struct {
		name  string
		msg   []byte
		check func(t *testing.T, v Verdict)
	}{
		{"valid INVITE passes every check", invite(""), func(t *testing.T, v Verdict) {
			if v.CoreDrop || v.Failed != 0 || v.First != 0 || v.Code != 0 {
				t.Errorf("got %+v, want pass", v)
			}
		}},
		{"Proxy-Require token not in the empty list", invite("Proxy-Require: sip.mysipproxy.com\r\n"), func(t *testing.T, v Verdict) {
			if v.Failed != 512 || v.First != 512 || v.Code != 420 || v.Reason != "Bad Proxy Require Extension" || v.Unsupported != "sip.mysipproxy.com" {
				t.Errorf("got %+v, want 420 Bad Proxy Require Extension for 512 only", v)
			}
		}},
		{"not SIP: core drop", []byte("this is not a SIP message at all\r\n\r\n"), func(t *testing.T, v Verdict) {
			if !v.CoreDrop || v.Failed != 0 {
				t.Errorf("got %+v, want core drop", v)
			}
		}},
		{"CSeq method mismatch", []byte(strings.Replace(string(invite("")), "CSeq: 314159 INVITE", "CSeq: 314159 BYE", 1)), func(t *testing.T, v Verdict) {
			if v.Failed&32 == 0 || v.First != 32 || v.Code != 400 {
				t.Errorf("got %+v, want 400 for 32", v)
			}
		}},
	}
	msgs := make([][]byte, len(cases))
	for i, c := range cases {
		msgs[i] = c.msg
	}
	obs, err := o.JudgeBatch(msgs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := obs[i].Verdict(AllChecks56, 15)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, v)
			if v.Combined && !v.CombinedAgrees {
				t.Errorf("whole-mask call disagrees: %s", v.Note)
			}
		})
	}
}

// TestOracleKeepsSync interleaves passing, failing and dropped messages so
// that a lost probe, reply or log line would shift every later result.
func TestOracleKeepsSync(t *testing.T) {
	o := Start(t, Options{Calls: []Call{{Msg: 512, URI: 15}, {Msg: 3047, URI: 7}}})
	var msgs [][]byte
	for i := range 600 {
		switch i % 3 {
		case 0:
			msgs = append(msgs, invite(""))
		case 1:
			msgs = append(msgs, invite(fmt.Sprintf("Proxy-Require: ext%d\r\n", i)))
		case 2:
			msgs = append(msgs, []byte(fmt.Sprintf("garbage %d that no SIP parser accepts", i)))
		}
	}
	obs, err := o.JudgeBatch(msgs)
	if err != nil {
		t.Fatal(err)
	}
	for i, ob := range obs {
		v, err := ob.Verdict(512, 15)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		switch i % 3 {
		case 0:
			if v.CoreDrop || v.Failed != 0 {
				t.Fatalf("message %d: %+v, want pass", i, v)
			}
		case 1:
			if want := fmt.Sprintf("ext%d", i); v.Code != 420 || v.Unsupported != want {
				t.Fatalf("message %d: %+v, want 420 Unsupported %s", i, v, want)
			}
		case 2:
			if !v.CoreDrop {
				t.Fatalf("message %d: %+v, want core drop", i, v)
			}
		}
	}
}
