// Package evidence keeps the packets that prove a finding: the first few
// offending packets of every (User-Agent, rule), written to a pcapng file
// with their original capture timestamps and a packet comment naming the
// rule that failed. Everything is bounded: packets per (UA, rule), distinct
// (UA, rule) pairs, and packets in all; what does not fit is counted.
package evidence

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/sipcorr/sipcorr/internal/pcapng"
)

// Limits bound an evidence file. Zero fields take the defaults.
type Limits struct {
	PerKey int // packets per (UA, rule) [5]
	Keys   int // distinct (UA, rule) pairs [2000]
	Total  int // packets in all [20000]
	// MaxUALen is the bytes of a UA used as its key [512].
	MaxUALen int
}

func (l Limits) withDefaults() Limits {
	if l.PerKey <= 0 {
		l.PerKey = 5
	}
	if l.Keys <= 0 {
		l.Keys = 2000
	}
	if l.Total <= 0 {
		l.Total = 20000
	}
	if l.MaxUALen <= 0 {
		l.MaxUALen = 512
	}
	return l
}

// Writer writes evidence packets to a pcapng file. It is not safe for
// concurrent use.
type Writer struct {
	path   string
	f      *os.File
	bw     *bufio.Writer
	ng     *pcapng.Writer
	limits Limits
	seen   map[string]map[uint32]int // UA → rule → packets written
	keys   int
	// Written and Skipped count packets offered: written, or left out
	// over a bound.
	Written, Skipped uint64
}

// Create opens path (truncating it) for frames of the given link type.
func Create(path string, link layers.LinkType, snaplen int, iface string, l Limits) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	ng, err := pcapng.NewWriter(bw, nil, "sipcorr capture (evidence)")
	if err == nil {
		_, err = ng.AddInterface(pcapng.Interface{LinkType: link, Snaplen: uint32(snaplen), Name: iface, TSResol: 9})
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("evidence: %s: %w", path, err)
	}
	return &Writer{path: path, f: f, bw: bw, ng: ng, limits: l.withDefaults(), seen: map[string]map[uint32]int{}}, nil
}

// Want reports whether a packet of (ua, rule) would be written now; the
// caller can skip building the comment otherwise. It does not allocate.
func (w *Writer) Want(ua []byte, rule uint32) bool {
	if len(ua) > w.limits.MaxUALen {
		ua = ua[:w.limits.MaxUALen]
	}
	if int(w.Written) >= w.limits.Total {
		return false
	}
	rules, ok := w.seen[string(ua)]
	if !ok {
		return w.keys < w.limits.Keys
	}
	n, ok := rules[rule]
	if !ok {
		return w.keys < w.limits.Keys
	}
	return n < w.limits.PerKey
}

// Offer writes frame as evidence of (ua, rule) if the bounds allow, with
// comment as the packet comment; otherwise it counts it as skipped.
// frame and ci are the packet as captured (ci.InterfaceIndex is ignored).
func (w *Writer) Offer(ua []byte, rule uint32, ci gopacket.CaptureInfo, frame []byte, comment string) error {
	if !w.Want(ua, rule) {
		w.Skipped++
		return nil
	}
	if len(ua) > w.limits.MaxUALen {
		ua = ua[:w.limits.MaxUALen]
	}
	rules, ok := w.seen[string(ua)]
	if !ok {
		rules = map[uint32]int{}
		w.seen[string(ua)] = rules
	}
	if _, ok := rules[rule]; !ok {
		w.keys++
	}
	rules[rule]++
	ci.InterfaceIndex = 0
	ci.CaptureLength = len(frame)
	if ci.Length < len(frame) {
		ci.Length = len(frame)
	}
	if err := w.ng.WriteEPB(ci, frame, comment); err != nil {
		return fmt.Errorf("evidence: %s: %w", w.path, err)
	}
	w.Written++
	return nil
}

// Comment is the packet comment sipcorr writes: the failed rule and the
// User-Agent, with control characters made visible.
func Comment(ruleName string, rule uint32, ua []byte, packet uint64, detail string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sipcorr: failed %s (%d); packet %d; User-Agent: %q", ruleName, rule, packet, ua)
	if detail != "" {
		fmt.Fprintf(&b, "; %s", detail)
	}
	return b.String()
}

// Close flushes and closes the file.
func (w *Writer) Close() error {
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("evidence: %s: %w", w.path, err)
	}
	return nil
}
