package kamcfg

import (
	"os"
	"testing"
)

// FuzzParse feeds arbitrary cfg text to the parser: it must never panic,
// hang or report a call without a position. Includes resolve to a small
// fixed set of files, one of which includes itself.
func FuzzParse(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c.cfg))
	}
	files := map[string][]byte{
		"/fuzz/a.cfg":    []byte("#!define A 17895\nmodparam(\"sanity\",\"uri_checks\",3)\n"),
		"/fuzz/self.cfg": []byte("include_file \"self.cfg\"\n"),
	}
	read := func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		return nil, os.ErrNotExist
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := Options{ReadFile: read, Defines: []string{"WITH_X", "V=1"}}.ParseBytes(src, "/fuzz/kamailio.cfg")
		if err != nil {
			return // ErrTooDeep: a loop or a bomb, reported as such
		}
		for _, c := range cfg.Calls {
			if c.Line < 1 || c.File == "" || c.MsgChecks < Variable || c.URIChecks < Variable {
				t.Fatalf("bad call %+v", c)
			}
		}
		for _, p := range cfg.Params {
			if p.Line < 1 {
				t.Fatalf("bad param %+v", p)
			}
		}
	})
}
