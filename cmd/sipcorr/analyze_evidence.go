package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/internal/evidence"
)

// evidencePlan picks the evidence packets of analyze --evidence while the
// captures are judged, and writes them in a second pass over the inputs:
// the capture Decoder hands out messages, not the frames they came in, and
// a second read costs less than holding every frame in memory. The picks
// follow internal/evidence's bounds (first perRule messages per (UA,
// rule), at most evidenceKeys pairs and evidenceTotal packets); the packet
// that completed a message is the one written (for TCP, its last segment).
type evidencePlan struct {
	path    string
	perRule int
	// picks per input path: packet number → comments (a packet can
	// complete several offending messages).
	picks  map[string]map[uint64][]evidencePick
	inputs []string // in the order first seen
	seen   map[string]map[uint32]int
	keys   int
	total  int
	// skipped counts offending messages beyond the bounds.
	skipped uint64
}

type evidencePick struct {
	ua      string
	rule    uint32
	comment string
}

// Bounds of the evidence file besides the per-rule count.
const (
	evidenceKeys  = 2000
	evidenceTotal = 20000
)

func newEvidencePlan(path string, perRule int) *evidencePlan {
	if perRule <= 0 {
		perRule = 5
	}
	return &evidencePlan{path: path, perRule: perRule, picks: map[string]map[uint64][]evidencePick{},
		seen: map[string]map[uint32]int{}}
}

func (p *evidencePlan) add(input string, ua []byte, rule uint32, m *judged) {
	if len(ua) > evidenceUALen {
		ua = ua[:evidenceUALen]
	}
	rules := p.seen[string(ua)]
	n, known := rules[rule]
	switch {
	case p.total >= evidenceTotal, known && n >= p.perRule, !known && p.keys >= evidenceKeys:
		p.skipped++
		return
	}
	if rules == nil {
		rules = map[uint32]int{}
		p.seen[string(ua)] = rules
	}
	if !known {
		p.keys++
	}
	rules[rule]++
	p.total++
	v := m.verdict
	detail := ""
	switch {
	case v.CoreDrop:
		detail = "core drop: " + v.CoreDropReason
	case v.Code != 0:
		detail = fmt.Sprintf("Kamailio replies %d %s", v.Code, v.Reason)
	}
	if m.dg.Transport == capture.TransportTCP {
		detail += "; TCP: the message ends in this packet"
	}
	byPkt := p.picks[input]
	if byPkt == nil {
		byPkt = map[uint64][]evidencePick{}
		p.picks[input] = byPkt
		p.inputs = append(p.inputs, input)
	}
	byPkt[m.dg.Packet] = append(byPkt[m.dg.Packet], evidencePick{ua: string(ua), rule: rule,
		comment: evidence.Comment(ruleLabel(rule), rule, ua, m.dg.Packet, detail)})
}

// evidenceUALen is the bytes of a User-Agent used as its key, as the
// evidence writer cuts it.
const evidenceUALen = 512

// write reads the inputs again and writes the picked packets with their
// original timestamps and comments. It returns a one-line note for the
// report. Inputs whose link type differs from the first written one are
// left out and named in the note (one pcapng interface per file here).
// On an error the file is closed with what was written so far.
func (p *evidencePlan) write(ctx context.Context) (string, error) {
	out := &evidenceOut{plan: p}
	var err error
	for _, input := range p.inputs {
		if err = out.input(ctx, input); err != nil {
			break
		}
	}
	if err == nil && out.w == nil {
		// No offending packet: still leave a valid, empty pcapng behind,
		// so a script attaching it does not fail.
		out.w, err = evidence.Create(p.path, layers.LinkTypeEthernet, 0, evidenceIface, evidence.Limits{})
	}
	if out.w != nil {
		if cerr := out.w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return "", err
	}
	note := fmt.Sprintf("evidence: %d packets (first %d per User-Agent and rule, %d pairs) written to %s with a comment naming the failed rule",
		out.written, p.perRule, p.keys, p.path)
	if p.skipped > 0 {
		note += fmt.Sprintf("; %d more offending messages not written", p.skipped)
	}
	if len(out.otherLink) > 0 {
		note += fmt.Sprintf("; %d packets left out because their link type differs from the first one's (%s), e.g. %s",
			len(out.otherLink), out.link, out.otherLink[0])
	}
	return note, nil
}

const evidenceIface = "sipcorr analyze (evidence)"

// evidenceOut is one write of an evidencePlan.
type evidenceOut struct {
	plan      *evidencePlan
	w         *evidence.Writer // created at the first picked packet, with its link type
	link      layers.LinkType
	otherLink []string
	written   int
}

// input copies the picked packets of one input.
func (o *evidenceOut) input(ctx context.Context, input string) error {
	byPkt := o.plan.picks[input]
	left := len(byPkt)
	r, err := capture.OpenFile(input)
	if err != nil {
		return err
	}
	defer r.Close()
	for left > 0 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		data, ci, lt, err := r.Next()
		if err == io.EOF {
			return fmt.Errorf("re-reading %s: %d picked packets not found", input, left)
		}
		if err != nil {
			return fmt.Errorf("re-reading %s: %w", input, err)
		}
		picks, ok := byPkt[r.Packets()]
		if !ok {
			continue
		}
		left--
		if o.w == nil {
			o.link = lt
			// The plan applied the bounds; the writer only writes.
			if o.w, err = evidence.Create(o.plan.path, lt, 0, evidenceIface,
				evidence.Limits{PerKey: evidenceTotal, Keys: evidenceTotal, Total: evidenceTotal}); err != nil {
				return err
			}
		}
		if lt != o.link {
			o.otherLink = append(o.otherLink, fmt.Sprintf("%s packet %d (%s)", input, r.Packets(), lt))
			continue
		}
		comments := make([]string, len(picks))
		for i, pk := range picks {
			comments[i] = pk.comment
		}
		if err := o.w.Offer([]byte(picks[0].ua), picks[0].rule, ci, data, strings.Join(comments, " | ")); err != nil {
			return err
		}
		o.written++
	}
	return nil
}
