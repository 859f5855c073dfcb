package esquery

// Error paths against an httptest fake of Elasticsearch. Behaviour that a
// fake cannot vouch for (queries, aggregations, mappings) is tested against
// the real node in integration_test.go.

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const fakeRootBody = `{"name":"fake","version":{"number":"7.17.29","build_flavor":"default"},"tagline":"You Know, for Search"}`

func esError(w http.ResponseWriter, status int, typ, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"status": status, "error": map[string]any{"type": typ, "reason": reason}})
	w.Write(b)
}

// fakeES serves GET / and hands everything else to h.
func fakeES(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(fakeRootBody))
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func fakeConnect(t *testing.T, srv *httptest.Server, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{URLs: []string{srv.URL}, Timeout: 2 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := Connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestFake401(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		esError(w, 401, "security_exception", "unable to authenticate user [ops] for REST request [/]")
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://ops:s3cr3t-pw@", 1)
	cfg := Config{URLs: []string{u}}
	_, err := Connect(context.Background(), cfg)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	for _, s := range []string{err.Error(), cfg.String(), fmt.Sprintf("%#v %v %+v", cfg, cfg, cfg)} {
		if strings.Contains(s, "s3cr3t-pw") {
			t.Errorf("password printed: %s", s)
		}
	}
	if !strings.Contains(err.Error(), strings.TrimPrefix(srv.URL, "http://")) || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("error does not name the server and status: %v", err)
	}
}

func TestFakeAPIKey(t *testing.T) {
	const want = "ApiKey aWQxOmtleTE=" // base64("id1:key1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			esError(w, 401, "security_exception", "missing authentication credentials")
			return
		}
		w.Write([]byte(fakeRootBody))
	}))
	defer srv.Close()
	for _, key := range []string{"id1:key1", "aWQxOmtleTE="} {
		c, err := Connect(context.Background(), Config{URLs: []string{srv.URL}, APIKey: key})
		if err != nil {
			t.Errorf("API key %q: %v", key, err)
			continue
		}
		if v, d := c.Version(); v != "7.17.29" || d != "" || !c.hasPIT() {
			t.Errorf("version %q %q", v, d)
		}
		c.Close()
	}
}

func TestFakeMissingIndexAnd500(t *testing.T) {
	srv := fakeES(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/_field_caps"):
			esError(w, 404, "index_not_found_exception", "no such index [logs-x]")
		default:
			esError(w, 500, "null_pointer_exception", "boom")
		}
	})
	c := fakeConnect(t, srv)
	q := Query{Indices: "logs-x", From: winFrom, To: winTo}
	_, err := Collect(context.Background(), c, q, &Tally{})
	if !errors.Is(err, ErrIndexNotFound) || !strings.Contains(err.Error(), "logs-x") {
		t.Errorf("field caps 404: %v", err)
	}
	_, err = c.Hits(context.Background(), q, func(Hit) error { return nil })
	if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("search 500: %v", err)
	}
}

func TestFakeTimeout(t *testing.T) {
	srv := fakeES(t, func(w http.ResponseWriter, r *http.Request) {
		// Only with the body consumed does the server notice the client leave.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	c := fakeConnect(t, srv, func(c *Config) { c.Timeout = 150 * time.Millisecond })
	_, err := c.Hits(context.Background(), Query{Indices: "x", From: winFrom, To: winTo}, func(Hit) error { return nil })
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
}

func TestFakeConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = Connect(context.Background(), Config{URLs: []string{"http://" + addr}})
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want ErrUnavailable naming %s", err, addr)
	}
}

func TestFakeTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(fakeRootBody))
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Connect(context.Background(), Config{URLs: []string{srv.URL}}); !errors.Is(err, ErrTLS) {
		t.Errorf("unknown CA: err = %v, want ErrTLS", err)
	}
	if _, err := Connect(context.Background(), Config{URLs: []string{srv.URL}, CAFile: ca}); err != nil {
		t.Errorf("with CA file: %v", err)
	}
	if _, err := Connect(context.Background(), Config{URLs: []string{srv.URL}, Insecure: true}); err != nil {
		t.Errorf("insecure: %v", err)
	}
	if _, err := Connect(context.Background(), Config{URLs: []string{srv.URL}, CAFile: ca + ".missing"}); !errors.Is(err, ErrQuery) {
		t.Errorf("missing CA file: %v", err)
	}
}
