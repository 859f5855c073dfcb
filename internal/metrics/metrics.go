// Package metrics exports sipcorr's live-capture counters to Prometheus.
//
// The capture loop owns its counters and publishes a plain Snapshot now and
// then (every second); a scrape renders the latest Snapshot as constant
// metrics. The hot path therefore never touches a Prometheus type, and
// per-UA series exist only for the current top N User-Agents plus "other",
// so hostile traffic that invents a User-Agent per packet cannot blow up
// the number of series. README.md lists every metric and label.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sipcorr/sipcorr/internal/textsafe"
)

// MaxLabelLen bounds a User-Agent label value, in bytes.
const MaxLabelLen = 128

// OtherUA is the label value of the User-Agents outside the top N.
const OtherUA = "other"

// Snapshot is everything exported, as of one moment. Counters are totals
// since the capture started.
type Snapshot struct {
	Interface string
	Running   bool // the capture is reading packets

	Packets       uint64 // frames read from the interface
	Bytes         uint64
	KernelPackets uint64 // accepted by the kernel filter, drops included
	KernelDrops   uint64 // dropped by the kernel: ring full
	QueueFreezes  uint64
	// Skipped are the decoder's counters of packets not analysed, by
	// reason (capture.Stats JSON names: port_filtered, ip_errors, ...).
	Skipped []Count

	SIPMessages uint64
	Malformed   uint64
	// MalformedByRule counts malformed messages by the check Kamailio
	// reports ("proxy_require", ...; "core_drop" for core drops).
	MalformedByRule []Count
	// FailedByRule counts every failed check (a message can fail several).
	FailedByRule []Count
	Unparsable   uint64 // framed as SIP but not parsable
	Incomplete   uint64 // cut by the snaplen or a TCP gap: not judged

	// TopUAs are the User-Agents with the most messages, at most N; Other
	// sums every other UA (including those folded over the cardinality cap).
	TopUAs      []UACount
	Other       UACount
	UAsFolded   uint64 // messages of UAs beyond the cardinality cap
	DistinctUAs int

	Suspects []Suspect

	MemoryPolls, MemoryPollErrors        uint64
	EvidenceWritten, EvidenceSkipped     uint64
	SnapshotsWritten, SnapshotWriteFails uint64
}

// Count is one labelled counter value.
type Count struct {
	Label string
	Value uint64
}

// UACount is one User-Agent's totals.
type UACount struct {
	UA                  string
	Messages, Malformed uint64
}

// Suspect is a (User-Agent, rule) whose malformed traffic explains memory
// growth, with the estimated bytes leaked per message.
type Suspect struct {
	UA, Rule        string
	BytesPerMessage float64
}

// Exporter is a prometheus.Collector over the latest Snapshot.
type Exporter struct {
	mu   sync.Mutex
	snap Snapshot
	d    descs
}

type descs struct {
	up, packets, bytes, kpackets, kdrops, freezes, skipped           *prometheus.Desc
	messages, malformed, malformedRule, failedRule, unparsable, inc  *prometheus.Desc
	uaMessages, uaMalformed, uaFolded, uaDistinct, suspects, suspect *prometheus.Desc
	polls, evidence, snapshots                                       *prometheus.Desc
}

// New returns an Exporter with an empty Snapshot.
func New() *Exporter {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("sipcorr_"+name, help, labels, nil)
	}
	return &Exporter{d: descs{
		up:            d("capture_up", "1 while the capture reads packets, 0 after it stopped (interface down, error).", "interface"),
		packets:       d("capture_packets_total", "Frames read from the interface."),
		bytes:         d("capture_bytes_total", "Bytes of the frames read."),
		kpackets:      d("kernel_packets_total", "Packets the kernel accepted for the capture socket after the filter, dropped ones included."),
		kdrops:        d("kernel_drops_total", "Packets the kernel dropped because the capture ring was full: SIP never seen."),
		freezes:       d("kernel_queue_freezes_total", "TPACKET_V3 ring freezes (ring full)."),
		skipped:       d("decode_skipped_total", "Packets or bytes not analysed, by reason (capture counters).", "reason"),
		messages:      d("sip_messages_total", "SIP messages parsed (the server's own included when --server is not given)."),
		malformed:     d("sip_malformed_total", "SIP messages Kamailio would reject (failed sanity check or core drop)."),
		malformedRule: d("sip_malformed_by_rule_total", "Malformed SIP messages by the check Kamailio reports (core_drop for core drops).", "rule"),
		failedRule:    d("sip_check_failures_total", "Failed sanity checks, every failing check of every message.", "rule"),
		unparsable:    d("sip_parse_failures_total", "Payloads framed as SIP that the parser could not read."),
		inc:           d("sip_incomplete_total", "SIP messages only partly captured (snaplen, TCP gap): counted, not judged."),
		uaMessages:    d("ua_messages", "SIP messages since start per User-Agent, for the current top N and \"other\" (a gauge: a UA can move in and out of the top N).", "ua"),
		uaMalformed:   d("ua_malformed", "Malformed SIP messages since start per User-Agent (top N and \"other\").", "ua"),
		uaFolded:      d("ua_folded_messages_total", "Messages of User-Agents beyond the cardinality cap, counted under \"other\"."),
		uaDistinct:    d("ua_distinct", "Distinct User-Agents tracked (capped)."),
		suspects:      d("suspects", "(User-Agent, rule) pairs whose malformed messages significantly explain memory growth."),
		suspect:       d("suspect_bytes_per_message", "Estimated memory leaked per malformed message of a suspect.", "ua", "rule"),
		polls:         d("memory_polls_total", "Polls of the SIP server's memory over JSON-RPC, by result.", "result"),
		evidence:      d("evidence_packets_total", "Offending packets for the evidence file, by result (written, skipped over the bounds).", "result"),
		snapshots:     d("snapshots_total", "JSON snapshots, by result.", "result"),
	}}
}

// Publish makes s the state the next scrape exports.
func (e *Exporter) Publish(s Snapshot) {
	e.mu.Lock()
	e.snap = s
	e.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{e.d.up, e.d.packets, e.d.bytes, e.d.kpackets, e.d.kdrops, e.d.freezes,
		e.d.skipped, e.d.messages, e.d.malformed, e.d.malformedRule, e.d.failedRule, e.d.unparsable, e.d.inc,
		e.d.uaMessages, e.d.uaMalformed, e.d.uaFolded, e.d.uaDistinct, e.d.suspects, e.d.suspect, e.d.polls,
		e.d.evidence, e.d.snapshots} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	s := e.snap
	e.mu.Unlock()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	up := 0.0
	if s.Running {
		up = 1
	}
	gauge(e.d.up, up, Label(s.Interface))
	counter(e.d.packets, s.Packets)
	counter(e.d.bytes, s.Bytes)
	counter(e.d.kpackets, s.KernelPackets)
	counter(e.d.kdrops, s.KernelDrops)
	counter(e.d.freezes, s.QueueFreezes)
	for _, c := range s.Skipped {
		counter(e.d.skipped, c.Value, c.Label)
	}
	counter(e.d.messages, s.SIPMessages)
	counter(e.d.malformed, s.Malformed)
	for _, c := range s.MalformedByRule {
		counter(e.d.malformedRule, c.Value, c.Label)
	}
	for _, c := range s.FailedByRule {
		counter(e.d.failedRule, c.Value, c.Label)
	}
	counter(e.d.unparsable, s.Unparsable)
	counter(e.d.inc, s.Incomplete)
	seen := map[string]bool{}
	for _, u := range s.TopUAs {
		l := Label(u.UA)
		if seen[l] || l == OtherUA {
			// two UAs equal after sanitising: fold, never emit a duplicate series
			s.Other.Messages += u.Messages
			s.Other.Malformed += u.Malformed
			continue
		}
		seen[l] = true
		gauge(e.d.uaMessages, float64(u.Messages), l)
		gauge(e.d.uaMalformed, float64(u.Malformed), l)
	}
	gauge(e.d.uaMessages, float64(s.Other.Messages), OtherUA)
	gauge(e.d.uaMalformed, float64(s.Other.Malformed), OtherUA)
	counter(e.d.uaFolded, s.UAsFolded)
	gauge(e.d.uaDistinct, float64(s.DistinctUAs))
	gauge(e.d.suspects, float64(len(s.Suspects)))
	seenSus := map[[2]string]bool{}
	for _, x := range s.Suspects {
		k := [2]string{Label(x.UA), x.Rule}
		if seenSus[k] {
			continue
		}
		seenSus[k] = true
		gauge(e.d.suspect, x.BytesPerMessage, k[0], k[1])
	}
	counter(e.d.polls, s.MemoryPolls-min(s.MemoryPolls, s.MemoryPollErrors), "ok")
	counter(e.d.polls, s.MemoryPollErrors, "error")
	counter(e.d.evidence, s.EvidenceWritten, "written")
	counter(e.d.evidence, s.EvidenceSkipped, "skipped")
	counter(e.d.snapshots, s.SnapshotsWritten, "written")
	counter(e.d.snapshots, s.SnapshotWriteFails, "failed")
}

// Label makes a hostile string a safe label value: valid UTF-8, no control
// characters, at most MaxLabelLen bytes, never empty ("(none)").
func Label(s string) string {
	if s == "" {
		return "(none)"
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if textsafe.IsUnsafe(r) { // internal/textsafe: controls, format and bidi characters
			return -1
		}
		return r
	}, s)
	if len(s) > MaxLabelLen {
		cut := MaxLabelLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if s == "" {
		return "(none)"
	}
	return s
}

// Registry returns a registry with e and the Go runtime and process
// collectors.
func (e *Exporter) Registry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(e, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Server serves /metrics on an address.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// Listen binds addr (":9102") at once, so that a bad address or a port in
// use is an error before the capture starts, and serves /metrics of e.
func Listen(addr string, e *Exporter) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(e.Registry(), promhttp.HandlerOpts{}))
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln, done: make(chan error, 1)}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Addr is the address actually bound (useful with ":0").
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server, waiting up to a second for scrapes in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; err == nil {
		err = serr
	}
	return err
}
