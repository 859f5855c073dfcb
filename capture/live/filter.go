package live

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// ParseFilter reads a user-supplied filter (the --bpf flag) for frames of
// link type link:
//
//   - "" gives nil: use the default filter (BuildFilter);
//   - "none" gives an empty program: capture everything;
//   - a compiled program in the numeric form `tcpdump -ddd EXPR` prints
//     (the count, then one "code jt jf k" line per instruction) or
//     iptables' bpf-bytecode form ("4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0");
//     "@FILE" reads either form from a file;
//   - anything else is a tcpdump expression, compiled with libpcap when
//     built with -tags pcap.
//
// A hand-written filter replaces the default one entirely: it must let IP
// fragments through itself (see FilterSpec).
func ParseFilter(s string, link layers.LinkType) ([]bpf.RawInstruction, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, nil
	case s == "none":
		return []bpf.RawInstruction{}, nil
	case strings.HasPrefix(s, "@"):
		b, err := os.ReadFile(s[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadFilter, err)
		}
		prog, err := parseNumeric(string(b))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadFilter, s[1:], err)
		}
		return prog, nil
	case s[0] >= '0' && s[0] <= '9':
		prog, err := parseNumeric(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadFilter, err)
		}
		return prog, nil
	}
	return compileExpression(s, link)
}

// parseNumeric reads `tcpdump -ddd` / iptables bpf-bytecode programs.
func parseNumeric(s string) ([]bpf.RawInstruction, error) {
	s = strings.ReplaceAll(s, ",", "\n")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("empty program")
	}
	n, err := strconv.Atoi(lines[0])
	if err != nil {
		return nil, fmt.Errorf("line 1: instruction count %q: %v", lines[0], err)
	}
	if n != len(lines)-1 {
		return nil, fmt.Errorf("line 1 announces %d instructions, %d follow", n, len(lines)-1)
	}
	if n == 0 || n > maxInstructions {
		return nil, fmt.Errorf("%d instructions (want 1..%d)", n, maxInstructions)
	}
	prog := make([]bpf.RawInstruction, n)
	for i, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want \"code jt jf k\", got %q", i+2, l)
		}
		var v [4]uint64
		for j, bits := range []int{16, 8, 8, 32} {
			if v[j], err = strconv.ParseUint(f[j], 10, bits); err != nil {
				return nil, fmt.Errorf("line %d: field %d: %v", i+2, j+1, err)
			}
		}
		prog[i] = bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}
	}
	return prog, nil
}
