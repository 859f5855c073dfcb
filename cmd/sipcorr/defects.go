package main

import (
	"fmt"

	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// knownDefects is sipparse.KnownDefects(v) with the titles in sipcorr's
// terms (flagWords: "give --kamailio-version with the patch level").
func knownDefects(v sipparse.Version) []sipparse.KnownDefect {
	ds := sipparse.KnownDefects(v)
	for i := range ds {
		ds[i].Title = flagWords(ds[i].Title)
	}
	return ds
}

// defectCounter counts, per known Kamailio defect, the messages of a run that
// trigger it on the configured version.
type defectCounter struct {
	order []string
	seen  map[string]*report.KnownDefect
	buf   []sipparse.KnownDefect // reused per message: counting must not allocate
	// table holds sipparse.KnownDefects(ver): for a bare branch ("6.1") the
	// defects' texts name the affected patch releases, built once here
	// rather than for every message.
	table    []sipparse.KnownDefect
	tableFor sipparse.Version
	tableSet bool
}

func (d *defectCounter) add(v sipparse.Version, m *judged) {
	if !d.tableSet || d.tableFor != v {
		d.table, d.tableFor, d.tableSet = knownDefects(v), v, true
	}
	d.buf = sipparse.AppendTriggered(d.buf[:0], d.table, m.verdict)
	for _, k := range d.buf {
		kd, ok := d.seen[k.ID]
		if !ok {
			if d.seen == nil {
				d.seen = map[string]*report.KnownDefect{}
			}
			kd = &report.KnownDefect{ID: k.ID, Title: k.Title, Rule: uint32(k.Check), FixedIn: k.FixedIn,
				Ref: k.Ref, Effect: defectEffect(k)}
			d.seen[k.ID] = kd
			d.order = append(d.order, k.ID)
		}
		kd.Messages++
	}
}

func (d *defectCounter) list() []report.KnownDefect {
	out := make([]report.KnownDefect, 0, len(d.order))
	for _, id := range d.order {
		out = append(out, *d.seen[id])
	}
	return out
}

func defectEffect(k sipparse.KnownDefect) string {
	switch {
	case k.Crash:
		return "worker crash"
	case k.LeakUsedBytes > 0 && k.PerToken:
		return fmt.Sprintf("pkg leak: %d B used (~%d B real_used) per token per message", k.LeakUsedBytes, k.LeakRealUsedBytes)
	case k.LeakUsedBytes > 0:
		return fmt.Sprintf("pkg leak: %d B used per message", k.LeakUsedBytes)
	}
	return "pkg leak"
}
