package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMemwatchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"memwatch"},
		{"memwatch", "--rpc", "ftp://x/RPC"},
		{"memwatch", "--rpc", "http://127.0.0.1:1/RPC", "--interval", "0s"},
		{"memwatch", "--rpc", "http://127.0.0.1:1/RPC", "--timeout", "-1s"},
		{"memwatch", "--rpc", "http://127.0.0.1:1/RPC", "extra"},
	} {
		if code, _, _ := runCmd(t, args...); code != exitUsage {
			t.Errorf("sipcorr %q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, _ := runCmd(t, "memwatch", "-h"); code != exitOK {
		t.Errorf("memwatch -h: exit %d", code)
	}
}

// TestMemwatchConfigErrorKeepsSecrets: a server without the RPC dispatch
// (404) is a configuration error: exit 1 at once with advice, the gap is
// recorded, and the basic-auth credentials appear nowhere.
func TestMemwatchConfigErrorKeepsSecrets(t *testing.T) {
	var gotUser, gotPass string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPass, _ = r.BasicAuth()
		http.NotFound(w, r)
	}))
	defer srv.Close()
	const secret = "s3cr3t-pw"
	out := filepath.Join(t.TempDir(), "mem.jsonl")
	url := strings.Replace(srv.URL, "http://", "http://op:"+secret+"@", 1) + "/RPC"
	code, stdout, stderr := runCmd(t, "memwatch", "--rpc", url, "--interval", "50ms", "-o", out)
	if code != exitInput {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInput, stderr)
	}
	if gotUser != "op" || gotPass != secret {
		t.Errorf("basic auth sent as %q/%q", gotUser, gotPass)
	}
	rec, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"stdout": stdout, "stderr": stderr, "recording": string(rec)} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains the password:\n%s", name, s)
		}
	}
	if !strings.Contains(string(rec), `"type":"gap"`) || !strings.Contains(stderr, "jsonrpc_dispatch") {
		t.Errorf("want a gap line and the configuration advice; recording:\n%s\nstderr:\n%s", rec, stderr)
	}
}
