package kamailiotest

import (
	"fmt"
	"testing"

	"github.com/sipcorr/sipcorr/sipparse/kamcfg"
)

// TestKamcfgAgreesWithKamailio holds sipparse/kamcfg's reading of a cfg
// against Kamailio running that cfg. For each case, kamcfg resolves the
// sanity_check() call (defines, substdef, modparam defaults, ifdef) to
// masks; a reference oracle then predicts, from single-check calls, what
// sanity_check(masks) does on every testdata/sip message; and a Kamailio
// running the case's own text must do exactly that on each message.
func TestKamcfgAgreesWithKamailio(t *testing.T) {
	own, err := LoadSIPDir(sipDir, repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	msgs := raws(own)
	cases := []struct{ name, preamble, args string }{
		{"define", "#!define MASK 17895\n", `MASK, "7"`},
		{"substdef inside a string", "#!substdef \"/URIS/2/\"\n", `"1024", "URIS"`},
		{"no arguments take the modparams", "modparam(\"sanity\", \"default_checks\", 512)\nmodparam(\"sanity\", \"uri_checks\", 2)\n", ``},
		{"one argument takes uri_checks", "modparam(\"sanity\", \"uri_checks\", 4)\n", `"1024"`},
		{"ifdef, else and nested defines", "#!define WITH_STRICT\n#!ifdef WITH_STRICT\n#!define M 32767\n#!else\n#!define M 3047\n#!endif\n#!define OUTER M\n", `OUTER, 15`},
		{"proxy_require from substdef", "#!substdef \"/PRLIST/foo,sip.mysipproxy.com/\"\nmodparam(\"sanity\", \"proxy_require\", \"PRLIST\")\n", `"512"`},
		{"commented-out modparams", "/* modparam(\"sanity\", \"default_checks\", 1) */\n# modparam(\"sanity\", \"default_checks\", 2)\n// modparam(\"sanity\", \"default_checks\", 4)\n", ``},
		{"trydef and redefine", "#!define M 4\n#!trydef M 512\n#!redefine M 32\n", `M`},
		{"hex constant", "", `0x200`},
	}
	refs := map[string][]*Observation{} // by proxy_require
	compared := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The text kamcfg reads is what the oracle's cfg holds around
			// the call: the preamble, then the call in request_route.
			kc, err := kamcfg.Options{}.ParseBytes([]byte(c.preamble+"request_route {\n\tsanity_check("+c.args+");\n}\n"), c.name)
			if err != nil {
				t.Fatal(err)
			}
			if len(kc.Calls) != 1 || len(kc.Warnings) > 0 {
				t.Fatalf("kamcfg: calls %+v, warnings %q", kc.Calls, kc.Warnings)
			}
			msg, uri, ok := kc.Calls[0].Effective(kc)
			if !ok {
				t.Fatalf("kamcfg: %s not constant", kc.Calls[0].Raw)
			}
			ref, done := refs[kc.ProxyRequire]
			if !done {
				o := Start(t, Options{ProxyRequire: kc.ProxyRequire})
				if ref, err = o.JudgeBatch(msgs); err != nil {
					t.Fatal(err)
				}
				refs[kc.ProxyRequire] = ref
			}
			act := Start(t, Options{Calls: []Call{{Msg: 1}}, preamble: c.preamble, rawArgs: []string{c.args}})
			got, err := act.JudgeBatch(msgs)
			if err != nil {
				t.Fatal(err)
			}
			fails := 0
			for i := range msgs {
				v, err := ref[i].Verdict(uint32(msg), uint8(uri))
				if err != nil {
					t.Fatalf("%s: %v", own[i].Source, err)
				}
				out, _ := got[i].Outcome(Call{Msg: 1})
				want := Outcome{Routed: !v.CoreDrop, Pass: !v.CoreDrop && v.First == 0}
				if v.First != 0 {
					c := Call{Msg: v.First, URI: 15}
					if v.First == 1024 {
						c.URI = uint8(uri)
					}
					want, _ = ref[i].Outcome(c)
				}
				if out.Routed != want.Routed || out.Pass != want.Pass || out.Reply != want.Reply || out.ReplyErr != want.ReplyErr {
					fails++
					if fails <= 5 {
						t.Errorf("%s: kamcfg reads sanity_check(%d, %d), which predicts %s; the cfg's Kamailio did %s",
							own[i].Source, msg, uri, outcomeText(want), outcomeText(out))
					}
				}
				compared++
			}
			if fails > 0 {
				t.Errorf("%d of %d messages disagree", fails, len(msgs))
			}
		})
	}
	t.Logf("compared %d message verdicts over %d cfg cases", compared, len(cases))
}

func outcomeText(o Outcome) string {
	if !o.Routed {
		return "core drop"
	}
	if o.Pass {
		return "pass"
	}
	return fmt.Sprintf("fail, %s", replyText(o))
}
