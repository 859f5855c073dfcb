package live

import (
	"errors"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// FuzzParseFilter: --bpf text never panics; what it accepts is a
// program of 1..4096 instructions (or none), and every error is
// ErrBadFilter.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "none", "4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0", "1\n6 0 0 262144\n",
		"2\n40 0 0 12\n6 0 0 0\n", "3\n6 0 0 0\n", "1,6 0 x 0", "0\n", "65536\n", "1\n6 0 0 4294967296\n", "@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 0 && (s[0] == '@' || (s[0] != '@' && s[0] > '9')) {
			return // files and expressions: not this parser
		}
		prog, err := ParseFilter(s, layers.LinkTypeEthernet)
		if err != nil {
			if !errors.Is(err, ErrBadFilter) {
				t.Fatalf("error %v is not ErrBadFilter", err)
			}
			return
		}
		if len(prog) > maxInstructions {
			t.Fatalf("%d instructions accepted", len(prog))
		}
		// whatever was accepted can be disassembled without panicking
		bpf.Disassemble(prog)
	})
}
