package sipparse

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unsafe"
)

// fuzzConfigs are the profiles FuzzJudge runs: the oldest and the verified
// release, master with every check, and the newest release.
var fuzzConfigs = []Config{
	{Version: Version{Major: 5, Minor: 2, Patch: 3}, Checks: 32767, URIChecks: 15},
	{Version: Version{Major: 5, Minor: 6, Patch: 3}, Checks: 32767, URIChecks: 15, ProxyRequire: []string{"foo", ""}},
	{Version: Version{Major: 6, Minor: 2, Master: true}, Checks: 131071, URIChecks: 15},
	DefaultConfig(),
}

// within reports whether sub aliases b (zero-copy invariant).
func within(b, sub []byte) bool {
	if len(sub) == 0 {
		return true
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	s := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return s >= start && s+uintptr(len(sub)) <= start+uintptr(len(b))
}

func FuzzParse(f *testing.F) {
	for _, tc := range checkCases {
		f.Add(tc.raw)
	}
	for _, tc := range oracleRegressions {
		f.Add(tc.raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m Message
		err := Parse(raw, &m)
		if err != nil && err != ErrEmpty && err != ErrNotSIP {
			t.Fatalf("unexpected error %v", err)
		}
		for i, h := range m.Headers {
			if !within(raw, h.Name) || !within(raw, h.Value) {
				t.Fatalf("header %d does not alias the input", i)
			}
			if h.Offset < 0 || h.Offset >= len(raw) || h.Line < 2 {
				t.Fatalf("header %d position %d/%d", i, h.Offset, h.Line)
			}
		}
		for _, b := range [][]byte{m.Method, m.RequestURI, m.Version, m.Reason, m.Body} {
			if !within(raw, b) {
				t.Fatal("start line or body does not alias the input")
			}
		}
		// Parse is deterministic and reusing a Message changes nothing.
		m2 := m
		m2.Headers = append([]Header(nil), m.Headers...)
		if err2 := Parse(raw, &m); err2 != err || m.Defects != m2.Defects || len(m.Headers) != len(m2.Headers) {
			t.Fatalf("re-parse differs: %v/%v %v/%v", err, err2, m.Defects, m2.Defects)
		}
	})
}

func FuzzJudge(f *testing.F) {
	for _, tc := range checkCases {
		f.Add(tc.raw)
	}
	for _, tc := range oracleRegressions {
		f.Add(tc.raw)
	}
	engines := make([]*Engine, len(fuzzConfigs))
	for i, c := range fuzzConfigs {
		e, err := NewEngine(c)
		if err != nil {
			f.Fatal(err)
		}
		engines[i] = e
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m Message
		perr := Parse(raw, &m)
		for _, e := range engines {
			var v1, v2 Verdict
			e.Judge(&m, &v1)
			e.Judge(&m, &v2) // cached core view
			var fresh Message
			_ = Parse(raw, &fresh)
			var v3 Verdict
			e.Judge(&fresh, &v3)
			if summary(&v1) != summary(&v2) || summary(&v1) != summary(&v3) {
				t.Fatalf("%v: verdict not stable: %s / %s / %s", e.cfg.Version, summary(&v1), summary(&v2), summary(&v3))
			}
			if v1.First != 0 && v1.Failed&v1.First == 0 || v1.CoreDrop && v1.Failed != 0 {
				t.Fatalf("inconsistent verdict %s", summary(&v1))
			}
			_ = v1.Detail()
			if perr == nil && m.Defects == 0 {
				re := reserialize(&m)
				var rm Message
				if err := Parse(re, &rm); err != nil {
					t.Fatalf("re-serialised message does not parse: %v\n%q", err, re)
				}
				var rv Verdict
				e.Judge(&rm, &rv)
				if summary(&rv) != summary(&v1) {
					t.Fatalf("%v: re-serialising changed the verdict %s -> %s\n%q\n%q", e.cfg.Version, summary(&v1), summary(&rv), raw, re)
				}
			}
		}
	})
}

func summary(v *Verdict) string {
	return fmt.Sprintf("drop=%v failed=%d first=%d %d %q nr=%v", v.CoreDrop, v.Failed, v.First, v.Code, v.Reason, v.NoReplyFlag)
}

// reserialize writes m back in canonical form: single spaces in the start
// line, "Name: Value" headers, CRLF line ends, the same body. Whitespace
// after a value is kept: Kamailio reads a header body up to its line end,
// so "Authorization: Digest " and "Authorization: Digest" differ (the
// first is a Digest with no parameters, 400 for check 8192; the second is
// not Digest at all, which 8192 passes).
func reserialize(m *Message) []byte {
	var b bytes.Buffer
	if m.IsRequest {
		fmt.Fprintf(&b, "%s %s %s\r\n", m.Method, m.RequestURI, m.Version)
	} else {
		fmt.Fprintf(&b, "%s %03d %s\r\n", m.Version, m.StatusCode, m.Reason)
	}
	for _, h := range m.Headers {
		fmt.Fprintf(&b, "%s: %s%s\r\n", h.Name, h.Value, trailingSPHT(m, h.Value))
	}
	b.WriteString("\r\n")
	b.Write(m.Body)
	return b.Bytes()
}

// TestWriteFuzzSeeds holds the checked-in seed corpora to their
// generators, the check table and plainShapeSeeds: each seed-NNN file must
// equal what its generator writes now, and no seed-NNN may outlive its
// entry. SIPPARSE_WRITE_SEEDS=1 go test -run WriteFuzzSeeds rewrites them.
func TestWriteFuzzSeeds(t *testing.T) {
	write := os.Getenv("SIPPARSE_WRITE_SEEDS") != ""
	all := append(append(append([]checkCase(nil), checkCases...), oracleRegressions...), checkCase{name: "register500", raw: register500})
	raws := make([]string, len(all))
	for i, tc := range all {
		raws[i] = string(tc.raw)
	}
	for _, set := range []struct {
		target string
		seeds  []string
	}{{"FuzzParse", raws}, {"FuzzJudge", raws}, {"FuzzPlainShapes", plainShapeSeeds}} {
		dir := filepath.Join("testdata", "fuzz", set.target)
		if write {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for i, raw := range set.seeds {
			path := filepath.Join(dir, fmt.Sprintf("seed-%03d", i))
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", raw)
			if write {
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("seed %s: %v (SIPPARSE_WRITE_SEEDS=1 go test -run WriteFuzzSeeds)", path, err)
			} else if string(got) != body {
				t.Errorf("seed %s differs from its generator (SIPPARSE_WRITE_SEEDS=1 go test -run WriteFuzzSeeds)", path)
			}
		}
		for i := len(set.seeds); ; i++ {
			path := filepath.Join(dir, fmt.Sprintf("seed-%03d", i))
			if _, err := os.Stat(path); err != nil {
				break
			}
			if !write {
				t.Errorf("seed %s has no generator entry (SIPPARSE_WRITE_SEEDS=1 go test -run WriteFuzzSeeds)", path)
			} else if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// trailingSPHT returns the SP/HT bytes between value (a header value, which
// Parse trims) and the end of its line in m.Raw.
func trailingSPHT(m *Message, value []byte) []byte {
	if len(value) == 0 {
		return nil
	}
	// Value's capacity ends with it (Parse slices it with a limit), so the
	// offset comes from the addresses.
	end := int(uintptr(unsafe.Pointer(unsafe.SliceData(value)))-uintptr(unsafe.Pointer(unsafe.SliceData(m.Raw)))) + len(value)
	e := end
	for e < len(m.Raw) && (m.Raw[e] == ' ' || m.Raw[e] == '\t') {
		e++
	}
	return m.Raw[end:e]
}
