package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/esquery"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// exportSink turns every malformed judged message into an esquery
// VerdictDoc and bulk-exports it (--es-export). The document id is a hash
// of (agent, capture file name, packet number, message number in the
// packet, capture time, source): re-exporting the same capture overwrites
// instead of duplicating.
type exportSink struct {
	exp   *esquery.Exporter
	index string
	agent string
	err   error // the export's fatal error, once Add returned one

	pushback           pushback
	e                  *env
	messages, notAdded int64
	lastSource         string
	lastPacket         uint64
	seq                int
	names              map[sipparse.Check][]string // failed masks → check names
}

// newExportSink starts the export into index. force (--es-export-force)
// lets it replace a template or write into an index sipcorr did not create.
func newExportSink(ctx context.Context, e *env, c *esquery.Client, index, agent string, retries int, force bool) (*exportSink, error) {
	s := &exportSink{index: index, agent: agent, e: e, names: map[sipparse.Check][]string{}}
	// Refresh: what the run exported is searchable when it ends, so a
	// --from-es right after it sees everything.
	exp, err := c.NewExporter(ctx, esquery.ExportOptions{Index: index, Agent: agent, Refresh: true, MaxRetries: retries,
		OnRetry: s.pushback.onRetry, Force: force})
	if errors.Is(err, esquery.ErrNotOwned) {
		return nil, fmt.Errorf("%w (choose another --es-export name, or add --es-export-force to override)", err)
	}
	if err != nil {
		return nil, err
	}
	s.exp = exp
	return s, nil
}

// add exports m if Kamailio rejects it. After a fatal error (credentials,
// server gone) the rest are counted as not added, never silently dropped.
func (s *exportSink) add(path string, m *judged) {
	v := m.verdict
	if v.First == 0 && !v.CoreDrop {
		return
	}
	s.messages++
	if s.messages%4096 == 0 {
		s.pushback.report(s.e, s.index)
	}
	source := filepath.Base(path)
	if source != s.lastSource || m.dg.Packet != s.lastPacket {
		s.lastSource, s.lastPacket, s.seq = source, m.dg.Packet, 0
	}
	s.seq++
	if s.err != nil {
		s.notAdded++
		return
	}
	if err := s.exp.Add(s.doc(source, m)); err != nil {
		s.err = err
		s.notAdded++
	}
}

// doc builds the verdict document of one message.
func (s *exportSink) doc(source string, m *judged) esquery.VerdictDoc {
	v := m.verdict
	d := esquery.VerdictDoc{Time: m.dg.Time, Src: m.dg.Src, Dst: m.dg.Dst, UA: string(m.ua), HasUA: m.ua != nil,
		Method: string(m.method), Failed: s.checkNames(v.Failed), ReplyCode: v.Code, Detail: v.Detail(),
		Agent: s.agent, Source: source, Packet: m.dg.Packet, Seq: s.seq}
	if v.CoreDrop {
		d.First = sipparse.RuleNameCoreDrop
		if v.CoreDropReason != "" && d.Detail == "" {
			d.Detail = v.CoreDropReason
		}
	} else {
		d.First = v.First.String()
	}
	return d
}

// checkNames returns the names of the bits of mask, shared per mask.
func (s *exportSink) checkNames(mask sipparse.Check) []string {
	if mask == 0 {
		return nil
	}
	if n, ok := s.names[mask]; ok {
		return n
	}
	var out []string
	for _, b := range mask.Bits() {
		out = append(out, b.String())
	}
	if len(s.names) < 256 {
		s.names[mask] = out
	}
	return out
}

// close flushes the export and summarises it for the report.
func (s *exportSink) close() *report.ExportSummary {
	st, err := s.exp.Close()
	s.pushback.report(s.e, s.index)
	sum := &report.ExportSummary{Index: s.index, Agent: s.agent, Messages: s.messages, NotAdded: s.notAdded,
		Verdicts: st.Verdicts, Rollups: st.Rollups, Updated: st.Updated, Retries: st.Retries, Rejected: st.Rejected,
		Unsent: st.Unsent, Late: st.LateVerdicts, Rejections: st.RejectedByReason}
	switch {
	case err != nil:
		sum.Error = err.Error()
	case s.err != nil:
		sum.Error = s.err.Error()
	}
	return sum
}

// ruleBit maps an exported sanity.first back to correlate's rule key.
func ruleBit(name string) uint32 {
	if r, ok := sipparse.ParseRule(name); ok {
		return r
	}
	return correlate.RuleUnknown // missing, or a name this version does not know
}
