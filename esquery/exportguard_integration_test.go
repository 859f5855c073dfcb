package esquery

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// putTemplate installs a composable index template as an operator would.
func putTemplate(t *testing.T, c *Client, name, body string) {
	t.Helper()
	if _, err := c.es.IndexPutIndexTemplate(name).BodyString(body).Do(context.Background()); err != nil {
		t.Fatalf("put template %s: %v", name, err)
	}
}

// templateOwner returns the _meta.managed_by of template name ("" if none).
func templateOwner(t *testing.T, c *Client, name string) string {
	t.Helper()
	res, err := c.es.IndexGetIndexTemplate(name).Do(context.Background())
	if err != nil {
		t.Fatalf("get template %s: %v", name, err)
	}
	for _, tp := range res.IndexTemplates {
		if tp.Name == name && tp.IndexTemplate != nil {
			return metaOwner(tp.IndexTemplate.Meta)
		}
	}
	t.Fatalf("template %s not found", name)
	return ""
}

// docCount counts the documents in index (0 if it does not exist).
func docCount(t *testing.T, c *Client, index string) int64 {
	t.Helper()
	if _, err := c.es.Refresh(index).Do(context.Background()); err != nil {
		if errors.Is(classify("refresh", index, err), ErrIndexNotFound) {
			return 0
		}
		t.Fatal(err)
	}
	n, err := c.es.Count(index).Do(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNodeExportGuard: the export refuses, before it changes anything, an
// index template of the same name that sipcorr did not create, an
// existing index without sipcorr's marker and a foreign template that
// would win over sipcorr's for a new index; Force overrides each. Indices
// sipcorr made (with the marker, or the strict mapping of older versions)
// are exported into without it.
func TestNodeExportGuard(t *testing.T) {
	c := testNode(t)
	ctx := context.Background()
	vs := genVerdicts("a", 30)
	const logDoc = `{"@timestamp":"2026-11-29T10:00:00Z","message":"Malformed SIP received. ua: [x]"}`

	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, index string)
		want  []string // in the error without Force; nil: no error
		// after checks the state after the refused (force=false) or
		// forced (force=true) export.
		after func(t *testing.T, index string, force bool)
	}{
		{
			name: "foreign template of the same name",
			setup: func(t *testing.T, index string) {
				putTemplate(t, c, index, `{"index_patterns":["`+index+`-logs-*"],"priority":50,"_meta":{"managed_by":"ops-team"}}`)
			},
			want: []string{"index template", "already exists", `"ops-team"`, "-logs-*", "another name", "force"},
			after: func(t *testing.T, index string, force bool) {
				want := map[bool]string{false: "ops-team", true: managedBy}[force]
				if got := templateOwner(t, c, index); got != want {
					t.Errorf("template managed_by %q, want %q", got, want)
				}
			},
		},
		{
			name: "foreign template without _meta",
			setup: func(t *testing.T, index string) {
				putTemplate(t, c, index, `{"index_patterns":["`+index+`-other"],"priority":51}`)
			},
			want: []string{"already exists", "managed_by absent"},
		},
		{
			name: "existing log index",
			setup: func(t *testing.T, index string) {
				createIndex(t, c, index, `{"properties":{"@timestamp":{"type":"date"},"message":{"type":"text"}}}`)
				if _, err := c.es.Index().Index(index).BodyString(logDoc).Refresh("true").Do(ctx); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"check index", "exists and sipcorr did not create it", "message", `e.g. "`},
			after: func(t *testing.T, index string, force bool) {
				want := map[bool]int64{false: 1, true: 1 + 30}[force]
				if n := docCount(t, c, index); n != want {
					t.Errorf("log index holds %d documents, want %d", n, want)
				}
				if _, err := c.es.IndexGetIndexTemplate(index).Do(ctx); force == (err != nil) {
					t.Errorf("template installed: %v, want %v (%v)", err == nil, force, err)
				}
			},
		},
		{
			name: "existing foreign rollup index",
			setup: func(t *testing.T, index string) {
				createIndex(t, c, index+rollupSuffix, "")
			},
			want: []string{rollupSuffix + `"`, "did not create it"},
			after: func(t *testing.T, index string, force bool) {
				if n := docCount(t, c, index); force != (n == 30) {
					t.Errorf("verdict index holds %d documents (force %v)", n, force)
				}
			},
		},
		{
			name: "higher-priority foreign template covers the name",
			setup: func(t *testing.T, index string) {
				putTemplate(t, c, index+"-ops", `{"index_patterns":["`+index+`*"],"priority":500,`+
					`"template":{"mappings":{"properties":{"message":{"type":"text"}}}}}`)
			},
			want: []string{"would be created from another index template", "-ops, priority 500"},
			after: func(t *testing.T, index string, force bool) {
				if n := docCount(t, c, index); force != (n == 30) {
					t.Errorf("verdict index holds %d documents (force %v)", n, force)
				}
			},
		},
		{
			name: "sipcorr index of an older version (no marker)",
			setup: func(t *testing.T, index string) {
				var m map[string]any
				if err := json.Unmarshal([]byte(mappingBody), &m); err != nil {
					t.Fatal(err)
				}
				delete(m, "_meta")
				b, err := json.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				createIndex(t, c, index, string(b))
			},
		},
		{
			name:  "nothing there",
			setup: func(t *testing.T, index string) {},
		},
	} {
		for _, force := range []bool{false, true} {
			if force && tc.want == nil {
				continue
			}
			t.Run(tc.name+map[bool]string{false: "", true: "/force"}[force], func(t *testing.T) {
				index := testIndex(t, c)
				tc.setup(t, index)
				ex, err := c.NewExporter(ctx, ExportOptions{Index: index, Refresh: true, Force: force})
				if tc.want != nil && !force {
					if !errors.Is(err, ErrNotOwned) {
						t.Fatalf("err = %v, want ErrNotOwned", err)
					}
					for _, w := range append(tc.want, index) {
						if !strings.Contains(err.Error(), w) {
							t.Errorf("error %q does not say %q", err, w)
						}
					}
					t.Logf("as the user sees it: %v", err)
					if tc.after != nil {
						tc.after(t, index, false)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vs {
					if err := ex.Add(v); err != nil {
						t.Fatal(err)
					}
				}
				if st, err := ex.Close(); err != nil || st.Verdicts != 30 {
					t.Fatalf("%+v, %v", st, err)
				}
				if tc.after != nil {
					tc.after(t, index, true)
				}
				// What this export created is sipcorr's: a second one needs no force.
				if tc.want == nil {
					again, err := c.NewExporter(ctx, ExportOptions{Index: index})
					if err != nil {
						t.Fatalf("re-export into sipcorr's own index: %v", err)
					}
					if _, err := again.Close(); err != nil {
						t.Error(err)
					}
				}
			})
		}
	}
}

func TestSimpleMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"logs", "logs", true},
		{"logs", "logs2", false},
		{"*", "anything", true},
		{"logs-*", "logs-sip", true},
		{"logs-*", "log-sip", false},
		{"logs-*-*", "logs-sip-edge", true},
		{"logs-*-*", "logs-sip", false},
		{"*-rollup", "v-rollup", true},
		{"*-rollup", "v-rollup2", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "acb", false},
		{"a*a", "a", false},
	} {
		if got := simpleMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("simpleMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
