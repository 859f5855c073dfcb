package esquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// genVerdicts makes n verdicts of agent over 5 minutes from four UAs (one
// hostile, one absent), with a few out of order so that late rollups occur.
func genVerdicts(agent string, n int) []VerdictDoc {
	uas := []string{"Yealink SIP-T48G 35.80.0.95", "Evil] \"ua\" \x1b[2J<b>", "", "Grandstream GXP2170"}
	rules := []string{"proxy_require", "cseq_method", "via_sip_version"}
	out := make([]VerdictDoc, n)
	for i := range out {
		v := VerdictDoc{
			Time:   winFrom.Add(time.Duration(i) * 300 * time.Second / time.Duration(n)).Add(123456 * time.Nanosecond),
			Src:    netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 7)}), 5060),
			Dst:    netip.MustParseAddrPort("[2001:db8::53]:5060"),
			Method: "REGISTER", First: rules[i%3], Failed: []string{rules[i%3], "ruri_sip_version"},
			ReplyCode: 420, Detail: "Bad Extension: sip.mysipproxy.com",
			Agent: agent, Source: "edge1.pcapng", Packet: uint64(i + 1),
		}
		if ua := uas[i%4]; ua != "" {
			v.UA, v.HasUA = ua, true
		} else {
			v.Src = netip.MustParseAddrPort("[2001:db8::7]:5062")
		}
		out[i] = v
	}
	// Send two verdicts 4 minutes late: their minute is already flushed.
	if n > 10 {
		out[10], out[n-1] = out[n-1], out[10]
	}
	return out
}

func export(t *testing.T, c *Client, index, agent string, vs []VerdictDoc) ExportStats {
	t.Helper()
	ex, err := c.NewExporter(context.Background(), ExportOptions{Index: index, Agent: agent, BatchDocs: 40, Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if err := ex.Add(v); err != nil {
			t.Fatal(err)
		}
	}
	st, err := ex.Close()
	if err != nil {
		t.Fatalf("export: %v (%+v)", err, st)
	}
	return st
}

func verdictKey(start time.Time, ua string, hasUA bool, rule string) string {
	return fmt.Sprintf("%s %q %v %s", start.Format("15:04"), ua, hasUA, rule)
}

// TestNodeExportReadBack exports verdicts from two agents, reads them back
// document by document and aggregated, checks the rollups sum to the same
// counts, and re-exports to show that deterministic ids do not duplicate.
func TestNodeExportReadBack(t *testing.T) {
	c := testNode(t)
	index := testIndex(t, c)
	a, b := genVerdicts("agent-a", 300), genVerdicts("agent-b", 100)
	want := map[string]int64{}
	for _, v := range slices.Concat(a, b) {
		want[verdictKey(BucketStart(v.Time, time.Minute), v.UA, v.HasUA, v.First)]++
	}

	sa := export(t, c, index, "agent-a", a)
	sb := export(t, c, index, "agent-b", b)
	if sa.Verdicts != 300 || sb.Verdicts != 100 || sa.Rejected+sb.Rejected != 0 || sa.Updated != 0 || sa.LateVerdicts == 0 {
		t.Fatalf("export stats: %+v / %+v", sa, sb)
	}

	ctx := context.Background()
	vq := VerdictQuery{Index: index, From: winFrom, To: winTo, PageSize: 64}
	var back []VerdictDoc
	st, err := c.Verdicts(ctx, vq, func(v VerdictDoc) error { back = append(back, v); return nil })
	if err != nil || len(back) != 400 || st.Unparsed != 0 {
		t.Fatalf("read back %d verdicts, %+v, %v", len(back), st, err)
	}
	orig := map[string]VerdictDoc{}
	for _, v := range slices.Concat(a, b) {
		orig[v.DocID()] = v
	}
	for _, v := range back {
		o, ok := orig[v.DocID()]
		if !ok {
			t.Fatalf("read back a verdict not exported: %+v", v)
		}
		if !o.Time.Equal(v.Time) || o.Src != v.Src || o.Dst != v.Dst || o.UA != v.UA || o.HasUA != v.HasUA ||
			o.First != v.First || !slices.Equal(o.Failed, v.Failed) || o.ReplyCode != v.ReplyCode ||
			o.Detail != v.Detail || o.Method != v.Method || o.Packet != v.Packet {
			t.Errorf("round trip:\n got %+v\nwant %+v", v, o)
		}
	}

	got := map[string]int64{}
	if _, err := c.VerdictBuckets(ctx, vq, func(b VerdictBucket) error {
		got[verdictKey(b.Start, b.UA, b.HasUA, b.Rule)] += b.Count
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	diffCounts(t, "verdict buckets", got, want)
	diffCounts(t, "rollups", rollupCounts(t, c, index), want)

	// Only agent-b's documents when filtered.
	var nb int64
	vq.Agents = []string{"agent-b"}
	if _, err := c.VerdictBuckets(ctx, vq, func(b VerdictBucket) error { nb += b.Count; return nil }); err != nil || nb != 100 {
		t.Errorf("agent filter: %d verdicts, %v", nb, err)
	}

	again := export(t, c, index, "agent-a", a)
	if again.Created != 0 || again.Updated != sa.Verdicts+sa.Rollups {
		t.Errorf("re-export: %+v, want all %d updated", again, sa.Verdicts+sa.Rollups)
	}
	for _, idx := range []string{index, index + rollupSuffix} {
		n, err := c.es.Count(idx).Do(ctx)
		wantN := int64(400)
		if idx != index {
			wantN = sa.Rollups + sb.Rollups
		}
		if err != nil || n != wantN {
			t.Errorf("%s holds %d documents after re-export, want %d (%v)", idx, n, wantN, err)
		}
	}
}

func rollupCounts(t *testing.T, c *Client, index string) map[string]int64 {
	t.Helper()
	res, err := c.es.Search(index + rollupSuffix).Size(1000).Do(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, h := range res.Hits.Hits {
		var d esDoc
		if err := json.Unmarshal(h.Source, &d); err != nil {
			t.Fatal(err)
		}
		ts, _ := time.Parse(time.RFC3339Nano, d.Timestamp)
		ua, has := "", d.UserAgent != nil
		if has {
			ua = d.UserAgent.Original
		}
		m[verdictKey(ts, ua, has, d.Sanity.First)] += d.Sipcorr.Count
	}
	return m
}

// TestNodeExportMappingConflict: an index that maps a key field differently
// is refused before anything is written; a conflict the check cannot see
// shows up per document, counted and named in the error.
func TestNodeExportMappingConflict(t *testing.T) {
	c := testNode(t)
	ctx := context.Background()

	index := testIndex(t, c)
	createIndex(t, c, index, `{"properties":{"source":{"properties":{"ip":{"type":"keyword"}}}}}`)
	// Force: the test made these indices, not sipcorr (TestNodeExportGuard).
	_, err := c.NewExporter(ctx, ExportOptions{Index: index, Force: true})
	if !errors.Is(err, ErrMappingConflict) || !strings.Contains(err.Error(), "source.ip as keyword") {
		t.Fatalf("err = %v, want ErrMappingConflict naming source.ip", err)
	}

	index2 := testIndex(t, c)
	createIndex(t, c, index2, `{"properties":{"sipcorr":{"properties":{"packet":{"type":"ip"}}}}}`)
	ex, err := c.NewExporter(ctx, ExportOptions{Index: index2, BatchDocs: 16, Refresh: true, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	vs := genVerdicts("a", 50)
	for _, v := range vs {
		if err := ex.Add(v); err != nil {
			t.Fatal(err)
		}
	}
	st, err := ex.Close()
	if !errors.Is(err, ErrMappingConflict) || !strings.Contains(err.Error(), "50 of ") || !strings.Contains(err.Error(), "mapper_parsing_exception") {
		t.Fatalf("err = %v, want 50 documents rejected for the mapping", err)
	}
	if st.Rejected != 50 || st.Verdicts != 0 || st.Rollups == 0 || st.Unsent != 0 {
		t.Errorf("stats %+v", st)
	}
	if n, err := c.es.Count(index2).Do(ctx); err != nil || n != 0 {
		t.Errorf("%d documents in the conflicting index (%v)", n, err)
	}
}

// TestNodeTemplate: the template is installed under the index name and
// covers both indices, with strict mappings.
func TestNodeTemplate(t *testing.T) {
	c := testNode(t)
	index := testIndex(t, c)
	export(t, c, index, "a", genVerdicts("a", 20))
	res, err := c.es.GetMapping().Index(index + rollupSuffix).Do(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	for _, want := range []string{`"dynamic":"strict"`, `"ip":{"type":"ip"}`, `"original":{"fields"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("rollup mapping lacks %s: %s", want, b)
		}
	}
	_, err = c.es.Index().Index(index).BodyString(`{"@timestamp":"2026-11-29T10:00:00Z","surprise":1}`).Do(context.Background())
	if !errors.Is(classify("index", index, err), ErrMappingConflict) {
		t.Errorf("strict mapping: unknown field accepted (%v)", err)
	}
}

// setFloodBlock may run in a goroutine other than the test's: it reports
// with Errorf.
func setFloodBlock(t *testing.T, c *Client, index string, on bool) {
	t.Helper()
	_, err := c.es.IndexPutSettings(index).BodyJson(map[string]any{"index.blocks.read_only_allow_delete": on}).Do(context.Background())
	if err != nil {
		t.Errorf("set flood-stage block on %s: %v", index, err)
	}
}

// TestNodeBulk429 gets real 429s from the node: the flood-stage disk block
// (index.blocks.read_only_allow_delete) makes Elasticsearch refuse every
// write to the index with 429 TOO_MANY_REQUESTS. While the block holds,
// retries back off; once it is lifted they get through. If it never lifts,
// every refused document is counted in the error.
func TestNodeBulk429(t *testing.T) {
	c := testNode(t)
	ctx := context.Background()
	vs := genVerdicts("a", 120)

	t.Run("lifted", func(t *testing.T) {
		index := testIndex(t, c)
		createIndex(t, c, index, "")
		setFloodBlock(t, c, index, true)
		var retries []Retry
		// Lift the block once the exporter has met it: from the sending
		// goroutine, before its first re-send.
		onRetry := func(r Retry) {
			if retries = append(retries, r); len(retries) == 1 {
				setFloodBlock(t, c, index, false)
			}
		}
		ex, err := c.NewExporter(ctx, ExportOptions{Index: index, BatchDocs: 50, Backoff: 10 * time.Millisecond,
			MaxRetries: 3, Refresh: true, OnRetry: onRetry, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if err := ex.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		st, err := ex.Close()
		if err != nil || st.Verdicts != 120 || st.Retries == 0 || st.Rejected != 0 {
			t.Fatalf("%+v, %v", st, err)
		}
		if len(retries) != 1 || retries[0].Docs == 0 || retries[0].Docs > 50 || !strings.Contains(retries[0].Reason, "HTTP 429 cluster_block_exception") {
			t.Errorf("retries: %+v", retries)
		}
		if n, err := c.es.Count(index).Do(ctx); err != nil || n != 120 {
			t.Errorf("index holds %d documents (%v)", n, err)
		}
	})

	t.Run("held", func(t *testing.T) {
		index := testIndex(t, c)
		createIndex(t, c, index, "")
		setFloodBlock(t, c, index, true)
		defer setFloodBlock(t, c, index, false)
		ex, err := c.NewExporter(ctx, ExportOptions{Index: index, BatchDocs: 50, Backoff: 10 * time.Millisecond, MaxRetries: 2, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if err := ex.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		st, err := ex.Close()
		if !errors.Is(err, ErrRejected) || st.Rejected != 120 || st.Verdicts != 0 || st.Rollups == 0 ||
			!strings.Contains(err.Error(), "120 of ") {
			t.Fatalf("%+v, %v", st, err)
		}
		t.Logf("error as the user sees it: %v", err)
	})
}
