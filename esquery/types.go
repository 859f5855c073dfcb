// Package esquery finds Kamailio's "Malformed SIP received" log lines in
// Elasticsearch (or in a log file), parses the User-Agent and source address
// out of them, and counts them per UA and time bucket. It also bulk-exports
// sipcorr's own verdicts to Elasticsearch and reads them back, so several
// capture agents can feed one analysis.
//
// The package speaks to Elasticsearch through github.com/olivere/elastic/v7,
// but no olivere type appears in its exported API: a move to another client
// touches this package only. Everything a caller gets back is a plain value
// (Hit, Bucket, VerdictBucket) that correlate-side code can consume without
// importing esquery's dependencies.
package esquery

import (
	"net/netip"
	"regexp"
	"time"
)

// Defaults for a Query; each applies when the corresponding field is empty.
const (
	DefaultIndices      = "logstash-*,filebeat-*"
	DefaultTimeField    = "@timestamp"
	DefaultMessageField = "message"
	DefaultUAField      = "user_agent.original"
	DefaultSourceField  = "source.ip"
	DefaultPortField    = "source.port"
	DefaultBucket       = time.Minute
	// DefaultPageSize is the number of hits or composite buckets per request.
	DefaultPageSize = 1000
)

// DefaultPhrases are matched (any of them) against the message field. The
// first is the operators' own xlog line; the others are the lines the stock
// kamailio.cfg and Kamailio's example configs log for sanity failures.
var DefaultPhrases = []string{
	"Malformed SIP received",
	"Malformed SIP request from",
	"Malformed SIP response from",
	"Malformed SIP message from",
}

// Hit is one malformed-SIP log line, from Elasticsearch or a log file.
// UA is the raw User-Agent text as logged: attacker-controlled, never to be
// printed or logged without escaping.
type Hit struct {
	Time  time.Time
	UA    string
	HasUA bool           // false for lines that carry no UA (the stock "from $si:$sp" line)
	Src   netip.AddrPort // zero if the line named no parsable source
	Index string         // index name, or the file path for log files
	ID    string         // document _id, or "line N" for log files
}

// Bucket counts malformed-SIP log lines of one UA in one time bucket
// [Start, Start+Query.Bucket). Lines without a UA are counted per source
// address instead (HasUA false, Src set), so that a caller holding a capture
// can attribute them to the UA seen from that address. A bucket with
// neither UA nor valid Src counts lines nobody can attribute (the pattern
// matched no source); they are counted, not dropped.
type Bucket struct {
	Start time.Time
	UA    string
	HasUA bool
	Src   netip.Addr // only for HasUA == false
	// Overflow marks the bucket collecting UAs beyond Tally.MaxKeys; its UA
	// and Src are empty.
	Overflow bool
	Count    int64
}

// Mode selects how Collect gets counts out of Elasticsearch.
type Mode int

const (
	// ModeAuto aggregates server-side the documents that carry an
	// aggregatable UA field and pages through the rest.
	ModeAuto Mode = iota
	// ModeHits pages through every matching document.
	ModeHits
	// ModeAggregate aggregates server-side; it fails with ErrNotStructured
	// when no index maps the UA field as aggregatable.
	ModeAggregate
)

// String names the mode as the CLI spells it.
func (m Mode) String() string {
	switch m {
	case ModeAuto:
		return "auto"
	case ModeHits:
		return "hits"
	case ModeAggregate:
		return "aggregate"
	}
	return "invalid"
}

// Query selects malformed-SIP log documents. The zero value of every field
// means its default, so Query{From: f, To: t} is a complete query.
type Query struct {
	Indices      string    // comma-separated index patterns (DefaultIndices)
	From, To     time.Time // window [From, To); both required
	TimeField    string    // DefaultTimeField
	MessageField string    // DefaultMessageField
	Phrases      []string  // any of them must occur as a phrase (DefaultPhrases)
	Extra        string    // optional query_string ANDed to the query (Lucene syntax, the user's own)
	Pattern      *regexp.Regexp
	Bucket       time.Duration // DefaultBucket; buckets are aligned to the Unix epoch
	UAField      string        // structured UA field (DefaultUAField)
	SourceField  string        // structured source address field (DefaultSourceField)
	PortField    string        // structured source port field (DefaultPortField)
	Mode         Mode
	PageSize     int // DefaultPageSize
	// TopUAs bounds the UAs the server-side histogram path keeps apart
	// (DefaultTopUAs); the others are counted together per bucket.
	TopUAs int
	// bucketsPerRequest overrides histBucketsPerRequest (tests).
	bucketsPerRequest int
	// ExcludeField makes Hits skip documents that have this field; Collect
	// sets it to the field it aggregated on, so no document counts twice.
	ExcludeField string
	// Progress, if set, is called after every page fetched.
	Progress func(Progress)
}

// Progress reports paging through Elasticsearch, once per page.
type Progress struct {
	Phase string // "hits" or "aggregate"
	Pages int
	Docs  int64 // hits or composite buckets seen so far
	Total int64 // total hits if known (hits phase), else 0
}

// Stats summarises one Collect or file read.
type Stats struct {
	Indices    []string // concrete indices the pattern matched
	Aggregated int64    // documents counted server-side
	Hits       int64    // documents paged through
	Unparsed   int64    // hits whose message matched no pattern (counted as unattributed)
	NoSource   int64    // hits without UA whose source was unparsable (counted as unattributed)
	Pages      int
	PIT        bool   // paging used a point-in-time
	Mode       string // what Collect did: "aggregate+hits", "hits"
	Reason     string // why, when Auto chose hits only
	// FailedShards counts shard failures tolerated with
	// Config.AllowPartial (without it they are an ErrPartial error);
	// Partial names them (index[shard] and the reason), at most 20 notes.
	FailedShards int64
	Partial      []string
	// FoldedUAs counts the UAs the histogram path counted together
	// (Overflow buckets) because they were not among the Query.TopUAs
	// heaviest; FoldedHits their documents.
	FoldedUAs, FoldedHits int64
}
