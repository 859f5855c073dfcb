package esquery

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func sourceJSON(t *testing.T, s interface{ Source() (any, error) }) string {
	t.Helper()
	src, err := s.Source()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestQueryJSON pins the query sipcorr sends. Hostile phrases and extra
// query text stay JSON string values: the query is a typed tree, never text
// spliced together.
func TestQueryJSON(t *testing.T) {
	q, err := Query{From: winFrom, To: winTo, Phrases: []string{`Malformed "SIP"] OR *:* \`},
		Extra: `host.name:"edge1"`}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	got := sourceJSON(t, q.esQuery(docSubset{field: "user_agent.original", present: false}))
	want := `{"bool":{"filter":[{"range":{"@timestamp":{"format":"epoch_millis","from":1795946400000,"include_lower":true,"include_upper":false,"to":1795947000000}}},` +
		`{"bool":{"minimum_should_match":"1","should":{"match_phrase":{"message":{"query":"Malformed \"SIP\"] OR *:* \\"}}}}},` +
		`{"query_string":{"query":"host.name:\"edge1\""}}],` +
		`"must_not":{"exists":{"field":"user_agent.original"}}}}`
	if got != want {
		t.Errorf("query\n got %s\nwant %s", got, want)
	}
	agg := sourceJSON(t, q.compositeAgg("user_agent.original", map[string]any{"ua": "x", "t": 1}))
	wantAgg := `{"composite":{"after":{"t":1,"ua":"x"},"size":1000,"sources":[{"ua":{"terms":{"field":"user_agent.original"}}},` +
		`{"t":{"date_histogram":{"field":"@timestamp","fixed_interval":"60000ms"}}}]}}`
	if agg != wantAgg {
		t.Errorf("aggregation\n got %s\nwant %s", agg, wantAgg)
	}
}

func TestQueryDefaultsAndValidation(t *testing.T) {
	q, err := Query{From: winFrom, To: winTo}.normalize()
	if err != nil || q.Indices != DefaultIndices || len(q.Phrases) != 4 || q.Bucket != time.Minute || q.PageSize != DefaultPageSize {
		t.Fatalf("defaults: %+v, %v", q, err)
	}
	if l := q.indexList(); strings.Join(l, "|") != "logstash-*|filebeat-*" {
		t.Errorf("index list %q", l)
	}
	for name, bad := range map[string]Query{
		"no window":     {},
		"reversed":      {From: winTo, To: winFrom},
		"sub-ms bucket": {From: winFrom, To: winTo, Bucket: 1500 * time.Microsecond},
		"huge page":     {From: winFrom, To: winTo, PageSize: 20000},
		"empty phrase":  {From: winFrom, To: winTo, Phrases: []string{" "}},
		"bad mode":      {From: winFrom, To: winTo, Mode: 7},
	} {
		if _, err := bad.normalize(); !errors.Is(err, ErrQuery) {
			t.Errorf("%s: err = %v, want ErrQuery", name, err)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{EnvURL: " http://a:9200, https://b:9200 ,", EnvUsername: "u", EnvPassword: "p", EnvInsecure: "1"}
	c := ConfigFromEnv(func(k string) string { return env[k] })
	if len(c.URLs) != 2 || c.URLs[1] != "https://b:9200" || c.Username != "u" || c.Password != "p" || !c.Insecure {
		t.Errorf("%#v", c)
	}
	if s := c.String(); strings.Contains(s, "p}") || !strings.Contains(s, "basic(u)") {
		t.Errorf("String() = %s", s)
	}
}

func TestValidIndexName(t *testing.T) {
	for _, ok := range []string{"sipcorr-verdicts", "a.b_c"} {
		if err := validIndexName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Upper", "a b", `a"b`, "-x", "a*", "a,b", strings.Repeat("x", 201)} {
		if validIndexName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
