package esquery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// BenchmarkReadLog measures the --logs path on journal text lines, nine in
// ten of them noise as in a real kamailio.log.
func BenchmarkReadLog(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 10000; i++ {
		ts := winFrom.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano)
		if i%10 == 0 {
			fmt.Fprintf(&buf, "%s edge1 kamailio[880]: NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G %d] received from <192.0.2.%d:5060>\n", ts, i%7, i%250)
		} else {
			fmt.Fprintf(&buf, "%s edge1 kamailio[880]: INFO: <core> [core/tcp_main.c:4370]: tcpconn_main_timeout(): connection %d timed out\n", ts, i)
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		tl := &Tally{}
		st, err := ReadLog(bytes.NewReader(data), "bench.log", Query{}, FileOptions{}, func(h Hit) error { tl.AddHit(h); return nil })
		if err != nil || st.Hits != 1000 {
			b.Fatal(st, err)
		}
	}
}

// BenchmarkNodeCollect measures counting 20000 log documents on the real
// node: paging through message-only documents versus aggregating ECS ones.
func BenchmarkNodeCollect(b *testing.B) {
	c := testNode(b)
	prefix := testIndex(b, c)
	const n = 20000
	docs := genLogs(n)
	span := docs[n-1].t.Add(time.Second)
	var msg, ecs []map[string]any
	for _, d := range docs {
		msg = append(msg, messageDoc(d))
		ecs = append(ecs, structuredDoc(d))
	}
	createIndex(b, c, prefix+"-msg", "")
	createIndex(b, c, prefix+"-ecs", ecsMapping)
	seed(b, c, prefix+"-msg", msg)
	seed(b, c, prefix+"-ecs", ecs)
	for _, bc := range []struct {
		name  string
		index string
		mode  Mode
	}{{"hits-message", "-msg", ModeHits}, {"hits-ecs", "-ecs", ModeHits}, {"aggregate-ecs", "-ecs", ModeAuto}} {
		b.Run(bc.name, func(b *testing.B) {
			q := Query{Indices: prefix + bc.index, From: winFrom.Add(-time.Minute), To: span, Mode: bc.mode}
			var st Stats
			for b.Loop() {
				tl := &Tally{}
				var err error
				if st, err = Collect(context.Background(), c, q, tl); err != nil || tl.Total() != n {
					b.Fatal(tl.Total(), err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(float64(st.Pages), "pages")
			js, _ := json.Marshal(st.Mode)
			b.Logf("mode %s, aggregated %d, hits %d", js, st.Aggregated, st.Hits)
		})
	}
}
