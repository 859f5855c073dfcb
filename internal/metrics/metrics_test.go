package metrics

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func sample() Snapshot {
	return Snapshot{
		Interface: "eth0", Running: true,
		Packets: 1000, Bytes: 600000, KernelPackets: 1010, KernelDrops: 10, QueueFreezes: 1,
		Skipped:     []Count{{"port_filtered", 3}},
		SIPMessages: 990, Malformed: 300,
		MalformedByRule: []Count{{"proxy_require", 250}, {"core_drop", 50}},
		FailedByRule:    []Count{{"proxy_require", 250}, {"content_length", 7}},
		Unparsable:      2, Incomplete: 1,
		TopUAs: []UACount{
			{UA: "Yealink SIP-T48G 66.86.0.15", Messages: 500, Malformed: 250},
			{UA: "evil\x1b[31m\xffUA", Messages: 100, Malformed: 50},
			{UA: "evil[31m\uFFFDUA", Messages: 1, Malformed: 0}, // same label once sanitised
			{UA: "", Messages: 10},
		},
		Other:     UACount{Messages: 379},
		UAsFolded: 20, DistinctUAs: 1000,
		Suspects:    []Suspect{{UA: "Yealink SIP-T48G 66.86.0.15", Rule: "proxy_require", BytesPerMessage: 24.5}},
		MemoryPolls: 10, MemoryPollErrors: 1,
	}
}

func TestExporterValues(t *testing.T) {
	e := New()
	e.Publish(sample())
	want := `
# HELP sipcorr_kernel_drops_total Packets the kernel dropped because the capture ring was full: SIP never seen.
# TYPE sipcorr_kernel_drops_total counter
sipcorr_kernel_drops_total 10
# HELP sipcorr_ua_messages SIP messages since start per User-Agent, for the current top N and "other" (a gauge: a UA can move in and out of the top N).
# TYPE sipcorr_ua_messages gauge
sipcorr_ua_messages{ua="(none)"} 10
sipcorr_ua_messages{ua="Yealink SIP-T48G 66.86.0.15"} 500
sipcorr_ua_messages{ua="evil[31m` + "\uFFFD" + `UA"} 100
sipcorr_ua_messages{ua="other"} 380
# HELP sipcorr_sip_malformed_by_rule_total Malformed SIP messages by the check Kamailio reports (core_drop for core drops).
# TYPE sipcorr_sip_malformed_by_rule_total counter
sipcorr_sip_malformed_by_rule_total{rule="core_drop"} 50
sipcorr_sip_malformed_by_rule_total{rule="proxy_require"} 250
# HELP sipcorr_memory_polls_total Polls of the SIP server's memory over JSON-RPC, by result.
# TYPE sipcorr_memory_polls_total counter
sipcorr_memory_polls_total{result="error"} 1
sipcorr_memory_polls_total{result="ok"} 9
# HELP sipcorr_suspect_bytes_per_message Estimated memory leaked per malformed message of a suspect.
# TYPE sipcorr_suspect_bytes_per_message gauge
sipcorr_suspect_bytes_per_message{rule="proxy_require",ua="Yealink SIP-T48G 66.86.0.15"} 24.5
`
	if err := testutil.CollectAndCompare(e, strings.NewReader(want), "sipcorr_kernel_drops_total", "sipcorr_ua_messages",
		"sipcorr_sip_malformed_by_rule_total", "sipcorr_memory_polls_total", "sipcorr_suspect_bytes_per_message"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(e); n < 30 {
		t.Errorf("only %d metrics", n)
	}
	if problems, err := testutil.CollectAndLint(e); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

func TestLabel(t *testing.T) {
	long := strings.Repeat("é", 200)
	for in, want := range map[string]string{
		"":             "(none)",
		"\x00\x01":     "(none)",
		"ok/1.0":       "ok/1.0",
		"a\r\nb":       "ab",
		"\xff":         "\uFFFD",
		long:           strings.Repeat("é", MaxLabelLen/2),
		"x\u0085y\x7f": "xy",
	} {
		if got := Label(in); got != want {
			t.Errorf("Label(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServe(t *testing.T) {
	e := New()
	e.Publish(sample())
	s, err := Listen("127.0.0.1:0", e)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sipcorr_kernel_drops_total 10", "sipcorr_capture_up{interface=\"eth0\"} 1", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if _, err := Listen("256.0.0.1:1", e); err == nil {
		t.Error("no error for a bad address")
	}
}
