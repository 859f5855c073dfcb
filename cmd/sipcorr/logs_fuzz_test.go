package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/esquery"
	"github.com/sipcorr/sipcorr/report"
)

// FuzzLogSignal feeds arbitrary log text through the --logs path (reader,
// attribution by source address, timeline events, cross-check against a
// small capture side) and renders the result: no panic, and no control
// character reaches the terminal table.
func FuzzLogSignal(f *testing.F) {
	for _, s := range []string{
		"2026-11-29T16:07:46.874080+00:00 edge1 kamailio[1]: NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G] received from <127.0.0.2:5060>\n",
		"2026-11-29T16:07:47+00:00 h kamailio[1]: ERROR: <script>: Malformed SIP request from 127.0.0.3:32911\n",
		"Nov 29 16:07:48 h kamailio[1]: Malformed SIP received. ua: [<null>] received from <[2001:db8::1%eth0]:5060>\n",
		`{"@timestamp":"2026-11-29T16:07:49Z","message":"Malformed SIP received. ua: [\u001b[31m] received from <1.2.3.4:1>"}` + "\n",
		"2026-11-29T16:07:50Z h k: Malformed SIP message from ::ffff:10.0.0.1:5060\n",
	} {
		f.Add([]byte(s))
	}
	t0 := time.Date(2026, 11, 29, 16, 7, 40, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &logRun{f: &logFlags{}, addrs: newAddrMap(), uas: newLogUAs(), sig: &report.LogSignal{},
			tl: correlate.NewTimeline(correlate.TimelineOptions{}), ownTL: true,
			ruleOf: map[string]uint32{"Yealink SIP-T48G": 512}}
		r.addrs.add(netip.MustParseAddr("127.0.0.3"), []byte("Grandstream"), true)
		r.tl.Add(&correlate.Event{Time: t0.Add(5 * time.Second), UA: "Yealink SIP-T48G", First: 512, Failed: 512, Source: correlate.SourceCapture})
		r.capFrom, r.capTo = t0, t0.Add(time.Minute)
		if _, err := esquery.ReadLog(bytes.NewReader(data), "fuzz.log", esquery.Query{}, esquery.FileOptions{Year: 2026}, func(h esquery.Hit) error {
			r.addLog(h.Time, h.UA, h.HasUA, h.Src, 1)
			return nil
		}); err != nil {
			t.Logf("read: %v (hits before it count)", err) // readFile reports these; the conversion is under test
		}
		r.uas.fill(r.sig)
		r.sig.Cross = r.crossCheck([]capUA{{key: logKey{ua: "Yealink SIP-T48G", present: true}, rules: []uint32{512}}})
		r.sig.Inputs = []report.LogInput{{Kind: "file", Name: "fuzz.log"}}
		a := &report.Analysis{Logs: r.sig}
		var buf bytes.Buffer
		for _, format := range []report.Format{report.FormatTable, report.FormatJSON, report.FormatCSV} {
			buf.Reset()
			if err := report.WriteAnalysis(&buf, format, a); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if format == report.FormatTable && strings.ContainsFunc(buf.String(), func(c rune) bool { return (c < 0x20 && c != '\n') || c == 0x7f }) {
				t.Fatalf("control character in the table:\n%q", buf.String())
			}
		}
	})
}
