package correlate

import (
	"net/netip"
	"time"

	"github.com/sipcorr/sipcorr/sipparse"
)

// Source says where an Event was seen.
type Source uint8

const (
	// SourceCapture is a message judged from a packet capture.
	SourceCapture Source = iota + 1
	// SourceLog is a "Malformed SIP received" hit in the server's own logs.
	SourceLog
)

// String returns "capture", "log" or "unknown".
func (s Source) String() string {
	switch s {
	case SourceCapture:
		return "capture"
	case SourceLog:
		return "log"
	}
	return "unknown"
}

// Pseudo rule bits beside Kamailio's sanity bits (which use 1..65536), so
// that messages rejected for reasons other than a sanity check still form
// their own (UA, rule) cells.
const (
	// RuleCoreDrop marks a message Kamailio's core drops before sanity runs.
	RuleCoreDrop = sipparse.RuleCoreDrop
	// RuleUnknown marks a malformed message whose failing check is not known,
	// e.g. a log hit that only says "Malformed SIP received".
	RuleUnknown = sipparse.RuleUnknown
)

// Event is one SIP message (or one log hit) as correlate takes it. All rule
// masks are Kamailio sanity check bits (1 ruri_sip_version, 2 ruri_scheme,
// 4 required_headers, ... 512 proxy_require, ...), as in sipparse.Check.
type Event struct {
	Time time.Time // capture or log timestamp; the zero time is counted and ignored
	// UA is the raw User-Agent (or Server) header value; "" when absent.
	UA  string
	Src netip.AddrPort
	// Failed holds every failed sanity bit; First the check Kamailio reports
	// (the first failure in Kamailio's check order). Both 0: well-formed.
	// A log hit with an unknown check sets First = RuleUnknown.
	Failed, First uint32
	CoreDrop      bool   // the core drops the message before sanity runs
	Source        Source // 0 counts as SourceCapture
	// Example identifies the message for evidence (e.g. a packet number);
	// 0 when none. Header is the offending header as received, e.g.
	// "Proxy-Require: sip.mysipproxy.com", and Token the first unsupported
	// Proxy-Require option tag when First is 512 (empty, not nil, for the
	// empty tag of "foo,,"). Both are copied only for
	// the first example of a (UA, rule) cell, so they may alias a buffer.
	Example uint64
	Header  []byte
	Token   []byte
}

// ruleKey is the rule a message is counted under: the reported check, the
// core drop, or the failed bits when the reported one is not known.
func (e *Event) ruleKey() uint32 {
	switch {
	case e.First != 0:
		return e.First
	case e.CoreDrop:
		return RuleCoreDrop
	default:
		return e.Failed
	}
}

// Pool is a Kamailio memory pool.
type Pool uint8

const (
	// PoolPkg is a process's private (package) memory, -M, 8 MB by default.
	PoolPkg Pool = iota + 1
	// PoolShm is the shared memory of all processes, -m, 64 MB by default.
	PoolShm
)

// String returns "pkg", "shm" or "unknown".
func (p Pool) String() string {
	switch p {
	case PoolPkg:
		return "pkg"
	case PoolShm:
		return "shm"
	}
	return "unknown"
}

// MemSeries is one memory time series of the SIP server, as correlate takes
// it (cmd converts memstat series into it). Used always rises as memory is
// consumed: convert a free series to Total - free.
type MemSeries struct {
	Name string // e.g. "pkg rank 1 (udp receiver child=0)", "shm"
	Pool Pool
	// Metric names what Used measures, "used" or "real_used" (pkg.stats
	// free is total - real_used); "" when unknown. It decides which of a
	// known defect's sizes an estimate is compared with.
	Metric string
	// Aggregate is true when the series already combines processes (a sum
	// over workers, or the min-free "weakest" process of Munin); it is then
	// analysed as is and not summed into the pkg total.
	Aggregate bool
	// PerProcess is true for a series of one process at a time whose load
	// is shared with others: Munin's least-free process (min_used,
	// min_free), which switches between processes, or a lone process
	// series. It sees only its share of the messages, so its bytes per
	// message are scaled by Receivers to give the server's.
	PerProcess bool
	// Receiver marks a per-process pkg series of a process that reads SIP
	// (a UDP receiver): the processes the sum target's leak is spread over.
	Receiver bool
	// Receivers is the number of processes the SIP load is spread over (UDP
	// receivers), 0 when unknown; ReceiversFrom says where it comes from
	// ("kamailio.cfg: children=4 × 1 UDP socket", "pkg.stats: 4 UDP
	// receivers", "--receivers").
	Receivers     int
	ReceiversFrom string
	Total         float64 // pool size in bytes; 0 when unknown
	// Averaged says each point is the mean over the interval before its
	// time (RRD/Munin/Grafana consolidation), not a reading at that
	// instant. Where such rows are coarser than the analysis bucket, the
	// step between two of them weighs each message by a triangle over
	// both intervals (see "Coarse samples" in the README).
	Averaged bool
	Points   []MemPoint
}

// MemPoint is one sample. Segment changes when the process (or the server)
// restarted between two samples, as memstat detects it; growth is never
// measured across a segment change.
type MemPoint struct {
	Time    time.Time
	Used    float64 // bytes
	Segment int
}
