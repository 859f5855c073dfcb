package main

import (
	"bytes"
	"context"
	"flag"
	goldenfile "github.com/sipcorr/sipcorr/internal/golden"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// runCmd runs sipcorr in-process and returns its exit code, stdout, stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

// repo returns a path relative to the repository root.
func repo(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Compare(t, name, got, *update)
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"analyze"},
		{"analyze", "--format", "xml", "x.pcap"},
		{"analyze", "--ports", "50600000", "x.pcap"},
		{"analyze", "--no-such-flag", "x.pcap"},
		{"analyze", "--kamailio-version", "4.x", "x.pcap"},
		{"analyze", "--checks", "0", "x.pcap"},
		{"analyze", "--hep-ports", "9060,x", "x.pcap"},
		{"capture"},
		{"capture", "--hep", "sctp:127.0.0.1:9060"},
		{"capture", "--hep", "udp:127.0.0.1"},
		{"check"},
	} {
		if code, _, _ := runCmd(t, args...); code != exitUsage {
			t.Errorf("sipcorr %q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestHelpExits0(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"analyze", "-h"}, {"check", "-h"}, {"version"}} {
		if code, _, _ := runCmd(t, args...); code != exitOK {
			t.Errorf("sipcorr %q: exit %d, want 0", args, code)
		}
	}
}
