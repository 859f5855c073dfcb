package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRegressionIssue16Point4NothingUsableMemory: an all-NaN memory CSV
// exited 0 with 0 samples while an all-garbage one exited 1. One rule now:
// a --memory input with nothing usable exits 1 with "no usable memory
// data" naming the file, and the report is still written.
func TestRegressionIssue16Point4NothingUsableMemory(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, text string }{
		{"all NaN", "time,shm_real_used\n2026-11-29T16:07:47Z,NaN\n2026-11-29T16:08:47Z,NaN\n"},
		{"all garbage values", "time,shm_real_used\n2026-11-29T16:07:47Z,abc\n2026-11-29T16:08:47Z,xyz\n"},
		{"all negative", "time,shm_real_used\n2026-11-29T16:07:47Z,-5\n2026-11-29T16:08:47Z,-7\n"},
		{"header only", "time,shm_real_used\n"},
		{"no time column", "garbage\nxx yy\n"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			if err := os.WriteFile(mem, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, stderr := runCmd(t, "analyze", "--server", "none", "--memory", mem, repo("testdata", "captures", "eth_udp_v4.pcap"))
			if code != exitInput || !strings.Contains(stderr, "no usable memory data") || !strings.Contains(stderr, mem) {
				t.Errorf("exit %d, stderr %q; want 1 and 'no usable memory data' naming the file", code, stderr)
			}
			if !strings.Contains(out, "0 samples") {
				t.Errorf("no report written:\n%s", out)
			}
		})
	}
}

// TestRegressionIssue16Point7MaxUAs: --max-uas 0 and -1 silently became
// 10000; they are usage errors now.
func TestRegressionIssue16Point7MaxUAs(t *testing.T) {
	for _, v := range []string{"0", "-1"} {
		code, _, stderr := runCmd(t, "analyze", "--max-uas", v, repo("testdata", "captures", "eth_udp_v4.pcap"))
		if code != exitUsage || !strings.Contains(stderr, "--max-uas "+v+": must be at least 1") {
			t.Errorf("--max-uas %s: exit %d, %q", v, code, stderr)
		}
	}
}

// TestRegressionIssue16Point3SideInputsDevZero: --kamailio-cfg and --logs
// on /dev/zero end with a clear error (they grew or spun forever).
func TestRegressionIssue16Point3SideInputsDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	capPath := repo("testdata", "captures", "eth_udp_v4.pcap")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--kamailio-cfg", "/dev/zero"}, exitUsage, "/dev/zero: binary data at byte 0"},
		{[]string{"--logs", "/dev/zero"}, exitInput, "/dev/zero: binary data at byte 0"},
	} {
		args := append(append([]string{"analyze", "--server", "none"}, tc.args...), capPath)
		code, _, stderr := runCmd(t, args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d with %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
