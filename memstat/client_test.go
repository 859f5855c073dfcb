package memstat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fake is an httptest JSON-RPC endpoint for error paths. handler answers
// each request; hits counts them.
type fake struct {
	*httptest.Server
	hits atomic.Int32
}

func newFake(t *testing.T, handler func(n int32, w http.ResponseWriter, r *http.Request)) (*fake, *Client) {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice a client that hangs up
		// (r.Context() is cancelled only after that).
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		handler(f.hits.Add(1), w, r)
	}))
	t.Cleanup(f.Close)
	c, err := NewClient(f.URL + "/RPC")
	if err != nil {
		t.Fatal(err)
	}
	c.Backoff = time.Millisecond
	return f, c
}

// kamailioError answers like jsonrpcs: HTTP 500 with the message as reason.
func kamailioError(w http.ResponseWriter, fixture string) {
	b, err := os.ReadFile(filepath.Join("testdata", "rpc", fixture))
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(500)
	w.Write(b)
}

func TestClientErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		handler  func(n int32, w http.ResponseWriter, r *http.Request)
		call     func(c *Client) error
		is       []error
		not      []error
		contains string
		hits     int32
	}{
		{
			name:    "404 from xhttp route",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) { http.Error(w, "no such path", 404) },
			call:    func(c *Client) error { _, err := c.CoreVersion(context.Background()); return err },
			is:      []error{ErrHTTPStatus}, not: []error{ErrRPC}, contains: "event_route[xhttp:request]", hits: 1,
		},
		{
			name: "kex not loaded",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				kamailioError(w, "kam563-method-not-found.json")
			},
			call: func(c *Client) error { _, err := c.PkgStats(context.Background()); return err },
			is:   []error{ErrRPC, ErrMethodNotFound}, not: []error{ErrHTTPStatus}, contains: `loadmodule "kex.so"`, hits: 1,
		},
		{
			name: "error object",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				kamailioError(w, "kam563-pkg.stats-no-such-pid.json")
			},
			call: func(c *Client) error { _, err := c.PkgStats(context.Background()); return err },
			is:   []error{ErrRPC}, not: []error{ErrMethodNotFound}, contains: `500 "No such pid"`, hits: 1,
		},
		{
			name: "json-rpc -32601",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Unknown method"},"id":1}`)
			},
			call: func(c *Client) error { _, err := c.ShmStats(context.Background()); return err },
			is:   []error{ErrMethodNotFound}, contains: "kex", hits: 1,
		},
		{
			name:    "garbage is not retried",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "<html>hello</html>") },
			call:    func(c *Client) error { _, err := c.CoreShmmem(context.Background()); return err },
			is:      []error{ErrBadResponse}, contains: "not JSON", hits: 1,
		},
		{
			name: "wrong result shape",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, `{"jsonrpc":"2.0","result":{"x":1},"id":1}`)
			},
			call: func(c *Client) error { _, err := c.PkgStats(context.Background()); return err },
			is:   []error{ErrBadResponse}, contains: "pkg.stats", hits: 1,
		},
		{
			name: "id mismatch",
			handler: func(_ int32, w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, `{"jsonrpc":"2.0","result":"v","id":99}`)
			},
			call: func(c *Client) error { _, err := c.CoreVersion(context.Background()); return err },
			is:   []error{ErrBadResponse}, contains: "does not match", hits: 1,
		},
		{
			name: "slow server times out, retried",
			handler: func(_ int32, w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
			},
			call: func(c *Client) error {
				c.Timeout, c.Retries = 50*time.Millisecond, 1
				_, err := c.CoreVersion(context.Background())
				return err
			},
			is: []error{ErrTimeout}, contains: "after 2 attempts", hits: 2,
		},
		{
			name: "503 then success",
			handler: func(n int32, w http.ResponseWriter, _ *http.Request) {
				if n < 3 {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				io.WriteString(w, `{"jsonrpc":"2.0","result":"kamailio 5.6.3 (x86_64/linux) ","id":1}`)
			},
			call: func(c *Client) error {
				v, err := c.CoreVersion(context.Background())
				if err == nil && v != "kamailio 5.6.3 (x86_64/linux)" {
					return errors.New("bad version " + v)
				}
				return err
			},
			hits: 3,
		},
		{
			name: "basic auth",
			handler: func(_ int32, w http.ResponseWriter, r *http.Request) {
				if u, p, ok := r.BasicAuth(); !ok || u != "ops" || p != "s3cret" || r.Header.Get("Content-Type") != "application/json" {
					http.Error(w, "who are you", http.StatusUnauthorized)
					return
				}
				io.WriteString(w, `{"jsonrpc":"2.0","result":"ok","id":1}`)
			},
			call: func(c *Client) error {
				c.Username, c.Password = "ops", "s3cret"
				_, err := c.CoreVersion(context.Background())
				return err
			},
			hits: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t, tc.handler)
			err := tc.call(c)
			if len(tc.is) == 0 && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			for _, want := range tc.is {
				if !errors.Is(err, want) {
					t.Errorf("error %v is not %v", err, want)
				}
			}
			for _, no := range tc.not {
				if errors.Is(err, no) {
					t.Errorf("error %v must not be %v", err, no)
				}
			}
			if tc.contains != "" && (err == nil || !strings.Contains(err.Error(), tc.contains)) {
				t.Errorf("error %v does not mention %q", err, tc.contains)
			}
			if got := f.hits.Load(); got != tc.hits {
				t.Errorf("%d requests, want %d", got, tc.hits)
			}
		})
	}
}

func TestClientConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, err := NewClient("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != "http://"+addr+"/RPC" {
		t.Errorf("default path: %s", c.URL)
	}
	c.Backoff, c.Retries = time.Millisecond, 2
	_, err = c.PkgStats(context.Background())
	if !errors.Is(err, ErrConnect) || !strings.Contains(err.Error(), "after 3 attempts") || !strings.Contains(err.Error(), "tcp_accept_no_cl") {
		t.Fatalf("got %v", err)
	}
}

func TestClientContextCancel(t *testing.T) {
	_, c := newFake(t, func(_ int32, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.CoreVersion(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
}

func TestNewClientURLs(t *testing.T) {
	c, err := NewClient("http://ops:pw@127.0.0.1:5060/jsonrpc")
	if err != nil || c.URL != "http://127.0.0.1:5060/jsonrpc" || c.Username != "ops" || c.Password != "pw" {
		t.Errorf("got %+v, %v", c, err)
	}
	for _, bad := range []string{"127.0.0.1:5060", "ftp://x/RPC", "http:///RPC", "http://[::1"} {
		if _, err := NewClient(bad); err == nil {
			t.Errorf("NewClient(%q) accepted", bad)
		}
	}
}

// TestClientSampleWithoutStatistics: a Kamailio built without statistics
// answers stats.get_statistics with 400; Sample falls back to core.shmmem,
// and a failing core.version leaves Version empty.
func TestClientSampleWithoutStatistics(t *testing.T) {
	c, err := NewClient("http://kamailio.invalid/RPC")
	if err != nil {
		t.Fatal(err)
	}
	c.HTTP = &http.Client{Transport: methodRouter{t: t, routes: map[string]string{
		"pkg.stats":            "kam52-pkg.stats.json",
		"stats.get_statistics": `{"jsonrpc":"2.0","error":{"code":400,"message":"stats support not enabled"},"id":1}`,
		"core.shmmem":          "kam52-core.shmmem.json",
		"core.version":         "kam563-method-not-found.json",
	}}}
	s, err := c.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.ShmSource != "core.shmmem" || s.Shm.Total != 3221225472 || s.Version != "" || len(s.Pkg) != 6 || s.Time.IsZero() {
		t.Errorf("Sample = %+v", s)
	}
	_, err = c.ShmStats(context.Background())
	if !errors.Is(err, ErrRPC) || !strings.Contains(err.Error(), "use core.shmmem") {
		t.Errorf("ShmStats: %v", err)
	}
}

// methodRouter answers each JSON-RPC method with a fixture file or text,
// in-process (no sockets), the way jsonrpcs would.
type methodRouter struct {
	t      *testing.T
	routes map[string]string
}

func (m methodRouter) RoundTrip(r *http.Request) (*http.Response, error) {
	var req rpcRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, err
	}
	body := m.routes[req.Method]
	if !strings.HasPrefix(body, "{") {
		b, err := os.ReadFile(filepath.Join("testdata", "rpc", body))
		if err != nil {
			m.t.Fatalf("method %s: %v", req.Method, err)
		}
		body = string(b)
	}
	// Echo the request id, as jsonrpcs does.
	var answer map[string]any
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		m.t.Fatalf("method %s: %v", req.Method, err)
	}
	answer["id"] = req.ID
	b, err := json.Marshal(answer)
	if err != nil {
		return nil, err
	}
	body = string(b)
	status := 200
	if strings.Contains(body, `"error"`) {
		status = 500
	}
	return &http.Response{StatusCode: status, Status: fmt.Sprint(status), Body: io.NopCloser(strings.NewReader(body)),
		Header: http.Header{"Content-Type": {"application/json"}}, Request: r}, nil
}

func TestMetricNames(t *testing.T) {
	pkg, shm := 0, 0
	for m := PkgUsed; m < metricEnd; m++ {
		back, ok := ParseMetric(m.String())
		if !ok || back != m {
			t.Errorf("%v does not round-trip", m)
		}
		if m.IsPkg() {
			pkg++
		}
		if m.IsShm() {
			shm++
		}
		if m.IsBytes() == (m == PkgFragments || m == ShmFragments) {
			t.Errorf("%v IsBytes = %v", m, m.IsBytes())
		}
	}
	if pkg != 5 || shm != 6 {
		t.Errorf("%d pkg, %d shm metrics", pkg, shm)
	}
	if _, ok := ParseMetric("pkg.leak"); ok || Metric(200).String() != "metric(200)" || Scope(9).String() != "scope(9)" || NoteKind(42).String() != "note(42)" {
		t.Error("unknown values")
	}
}
