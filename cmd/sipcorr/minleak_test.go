package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRegressionMinLeakKeepsDriftOffSuspects: a real-Kamailio proof run once
// named the Grandstream (bad CSeq, stores nothing) a suspect at 1.7 B/message,
// CI [0.14, 3.1]: drift lent to a busy sender. --min-leak (default 8 B, the
// smallest q_malloc allocation) keeps such estimates off the suspect list;
// here a minimum above the Yealink's real 455 B shows the rule applies.
func TestRegressionMinLeakKeepsDriftOffSuspects(t *testing.T) {
	code, stdout, stderr := runCmd(t, "analyze", "--format", "json", "--min-leak", "1000",
		"--memory", leakFile("mem.jsonl"), leakFile("edge.pcapng"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out struct {
		Suspects []struct {
			UA string `json:"ua"`
		} `json:"suspects"`
		Without []struct {
			UA     string `json:"ua"`
			Reason string `json:"reason"`
		} `json:"malformed_without_impact"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Suspects) != 0 {
		t.Errorf("suspects %+v with --min-leak 1000", out.Suspects)
	}
	found := false
	for _, w := range out.Without {
		found = found || (strings.HasPrefix(w.UA, "Yealink") && strings.Contains(w.Reason, "below the minimum"))
	}
	if !found {
		t.Errorf("the Yealink is not listed below the minimum: %s", stdout[:min(len(stdout), 2000)])
	}
}
