package esquery

// Helpers for tests against the real Elasticsearch node that
// scripts/es/start.sh starts: export SIPCORR_ES_URL=$(scripts/es/start.sh)
// (the URL carries the test user's credentials).

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/olivere/elastic/v7"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// testNode connects to the node named by SIPCORR_ES_URL. Without it the
// test is skipped, except under CI=true, where it fails.
func testNode(t testing.TB) *Client {
	t.Helper()
	cfg := ConfigFromEnv(os.Getenv)
	if len(cfg.URLs) == 0 {
		needs.Skip(t, "no Elasticsearch (%s is not set): export %s=$(scripts/es/start.sh) before go test to run against a real node", EnvURL, EnvURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Connect(ctx, cfg)
	if err != nil {
		t.Fatalf("connect to %s: %v", cfg, err)
	}
	t.Cleanup(c.Close)
	return c
}

var indexSeq atomic.Int64

var unsafeIndexChars = regexp.MustCompile(`[^a-z0-9-]+`)

// testIndex returns an index name unique to this test and run, and deletes
// every index starting with it when the test ends.
func testIndex(t testing.TB, c *Client) string {
	t.Helper()
	name := fmt.Sprintf("sipcorr-test-%s-%d-%d", unsafeIndexChars.ReplaceAllString(strings.ToLower(t.Name()), "-"),
		os.Getpid(), indexSeq.Add(1))
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.es.DeleteIndex(name + "*").Do(ctx); err != nil {
			t.Errorf("delete test indices %s*: %v", name, err)
		}
		if _, err := c.es.IndexDeleteIndexTemplate(name + "*").Do(ctx); err != nil && !elastic.IsNotFound(err) {
			t.Errorf("delete test templates %s*: %v", name, err)
		}
	})
	return name
}

// createIndex creates index with the given mappings (JSON), one shard.
func createIndex(t testing.TB, c *Client, index, mappings string) {
	t.Helper()
	body := `{"settings":{"number_of_shards":1,"number_of_replicas":0}}`
	if mappings != "" {
		body = `{"settings":{"number_of_shards":1,"number_of_replicas":0},"mappings":` + mappings + `}`
	}
	if _, err := c.es.CreateIndex(index).BodyString(body).Do(context.Background()); err != nil {
		t.Fatalf("create index %s: %v", index, err)
	}
}

// seed bulk-indexes docs into index and refreshes it; any item failure
// fails the test.
func seed(t testing.TB, c *Client, index string, docs []map[string]any) {
	t.Helper()
	for start := 0; start < len(docs); start += 2000 {
		end := min(start+2000, len(docs))
		bulk := c.es.Bulk()
		for _, d := range docs[start:end] {
			bulk.Add(elastic.NewBulkIndexRequest().Index(index).Doc(d))
		}
		res, err := bulk.Do(context.Background())
		if err != nil {
			t.Fatalf("seed %s: %v", index, err)
		}
		if res.Errors {
			b, _ := json.Marshal(res.Failed()[0])
			t.Fatalf("seed %s: %d items failed, first: %s", index, len(res.Failed()), b)
		}
	}
	if _, err := c.es.Refresh(index).Do(context.Background()); err != nil {
		t.Fatalf("refresh %s: %v", index, err)
	}
}
