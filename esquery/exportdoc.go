package esquery

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// VerdictDoc is one malformed SIP message as sipcorr judged it: the input
// of Exporter.Add and the output of Client.Verdicts. cmd fills it from a
// capture Datagram and a sipparse Verdict.
type VerdictDoc struct {
	Time      time.Time      // capture timestamp
	Src, Dst  netip.AddrPort // Dst may be zero
	UA        string         // raw; cut to MaxUALen on export
	HasUA     bool
	Method    string   // sip.method: request method or CSeq method of a reply
	Failed    []string // sanity.failed: names of all failed checks
	First     string   // sanity.first: the check Kamailio stops at
	ReplyCode int      // sanity.reply_code: what Kamailio answers (0: drops silently)
	Detail    string   // sanity.detail

	// Identity. The document _id is a hash of Key if set, otherwise of
	// (Agent, Source, Packet, Seq, Time, Src): re-exporting the same
	// capture overwrites instead of duplicating.
	Agent  string // observer.name: which capture agent saw it
	Source string // capture file or interface
	Packet uint64 // packet number in Source, 1-based
	Seq    int    // message number within the packet or stream segment
	Key    string
}

// DocID returns the deterministic _id of v.
func (v *VerdictDoc) DocID() string {
	if v.Key != "" {
		return hashID("key", v.Key)
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v.Time.UnixNano()))
	return hashID("verdict", v.Agent, v.Source, fmt.Sprint(v.Packet), fmt.Sprint(v.Seq), string(b[:]), v.Src.String())
}

// hashID hashes length-prefixed parts (so no two part lists collide) to a
// 22-character URL-safe _id.
func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// Document shapes as they are indexed (ECS field names where ECS has one).
type (
	esEvent struct {
		Kind    string `json:"kind"`
		Dataset string `json:"dataset"`
	}
	esEndpoint struct {
		IP   string `json:"ip"`
		Port uint16 `json:"port"`
	}
	esUA struct {
		Original string `json:"original"`
	}
	esSIP struct {
		Method string `json:"method,omitempty"`
	}
	esSanity struct {
		Failed    []string `json:"failed,omitempty"`
		First     string   `json:"first,omitempty"`
		ReplyCode int      `json:"reply_code,omitempty"`
		Detail    string   `json:"detail,omitempty"`
	}
	esObserver struct {
		Name string `json:"name,omitempty"`
	}
	esSipcorr struct {
		Type   string `json:"type"`
		Source string `json:"source,omitempty"`
		Packet uint64 `json:"packet,omitempty"`
		Seq    int    `json:"seq,omitempty"`
		Count  int64  `json:"count,omitempty"`
	}
	esDoc struct {
		Timestamp   string      `json:"@timestamp"`
		Event       esEvent     `json:"event"`
		Source      *esEndpoint `json:"source,omitempty"`
		Destination *esEndpoint `json:"destination,omitempty"`
		UserAgent   *esUA       `json:"user_agent,omitempty"`
		SIP         *esSIP      `json:"sip,omitempty"`
		Sanity      esSanity    `json:"sanity"`
		Observer    esObserver  `json:"observer"`
		Sipcorr     esSipcorr   `json:"sipcorr"`
	}
)

const (
	docTypeVerdict = "verdict"
	docTypeRollup  = "rollup"
)

func endpoint(ap netip.AddrPort) *esEndpoint {
	if !ap.IsValid() {
		return nil
	}
	return &esEndpoint{IP: ap.Addr().Unmap().String(), Port: ap.Port()}
}

func (v *VerdictDoc) esDoc() esDoc {
	d := esDoc{
		Timestamp:   v.Time.UTC().Format(time.RFC3339Nano),
		Event:       esEvent{Kind: "event", Dataset: "sipcorr.verdict"},
		Source:      endpoint(v.Src),
		Destination: endpoint(v.Dst),
		Sanity:      esSanity{Failed: v.Failed, First: v.First, ReplyCode: v.ReplyCode, Detail: TruncateUA(v.Detail)},
		Observer:    esObserver{Name: v.Agent},
		Sipcorr:     esSipcorr{Type: docTypeVerdict, Source: v.Source, Packet: v.Packet, Seq: v.Seq},
	}
	if v.HasUA {
		d.UserAgent = &esUA{Original: TruncateUA(v.UA)}
	}
	if v.Method != "" {
		d.SIP = &esSIP{Method: v.Method}
	}
	return d
}

// fromESDoc is the inverse of esDoc, for reading verdicts back.
func fromESDoc(d *esDoc) (VerdictDoc, error) {
	t, err := time.Parse(time.RFC3339Nano, d.Timestamp)
	if err != nil {
		return VerdictDoc{}, fmt.Errorf("%w: @timestamp %q", ErrBadTime, sanitize(d.Timestamp, 40))
	}
	v := VerdictDoc{Time: t, Failed: d.Sanity.Failed, First: d.Sanity.First, ReplyCode: d.Sanity.ReplyCode,
		Detail: d.Sanity.Detail, Agent: d.Observer.Name, Source: d.Sipcorr.Source, Packet: d.Sipcorr.Packet, Seq: d.Sipcorr.Seq}
	if d.Source != nil {
		if a, err := netip.ParseAddr(d.Source.IP); err == nil {
			v.Src = netip.AddrPortFrom(a, d.Source.Port)
		}
	}
	if d.Destination != nil {
		if a, err := netip.ParseAddr(d.Destination.IP); err == nil {
			v.Dst = netip.AddrPortFrom(a, d.Destination.Port)
		}
	}
	if d.UserAgent != nil {
		v.UA, v.HasUA = d.UserAgent.Original, true
	}
	if d.SIP != nil {
		v.Method = d.SIP.Method
	}
	return v, nil
}

// templateBody is the composable index template for the verdict and rollup
// indices. dynamic:strict turns any drift between this code and the index
// into a clear mapping error instead of silently wrong field types.
func templateBody(index string) map[string]any {
	return map[string]any{
		"index_patterns": []string{index, index + rollupSuffix},
		"priority":       templatePriority,
		"_meta":          map[string]any{"managed_by": managedBy, "version": 1},
		"template": map[string]any{
			"settings": map[string]any{"number_of_shards": 1},
			"mappings": json.RawMessage(mappingBody),
		},
	}
}

// templatePriority is the priority of sipcorr's template: above the
// stock ones (logs-*, metrics-* have 100), so they do not take its indices.
const templatePriority = 200

// rollupSuffix names the rollup index after the verdict index.
const rollupSuffix = "-rollup"

// The mapping's _meta marks the indices as sipcorr's (guardIndex).
const mappingBody = `{"dynamic":"strict","_meta":{"managed_by":"sipcorr"},"properties":{` +
	`"@timestamp":{"type":"date_nanos"},` +
	`"event":{"properties":{"kind":{"type":"keyword"},"dataset":{"type":"keyword"}}},` +
	`"source":{"properties":{"ip":{"type":"ip"},"port":{"type":"integer"}}},` +
	`"destination":{"properties":{"ip":{"type":"ip"},"port":{"type":"integer"}}},` +
	`"user_agent":{"properties":{"original":{"type":"keyword","ignore_above":1024,"fields":{"text":{"type":"text"}}}}},` +
	`"sip":{"properties":{"method":{"type":"keyword"}}},` +
	`"sanity":{"properties":{"failed":{"type":"keyword"},"first":{"type":"keyword"},` +
	`"reply_code":{"type":"short"},"detail":{"type":"keyword","ignore_above":1024}}},` +
	`"observer":{"properties":{"name":{"type":"keyword"}}},` +
	`"sipcorr":{"properties":{"type":{"type":"keyword"},"source":{"type":"keyword"},` +
	`"packet":{"type":"long"},"seq":{"type":"integer"},"count":{"type":"long"}}}}}`

// wantTypes are the fields whose type an existing index must share with the
// template for export and read-back to work.
var wantTypes = map[string][]string{
	"@timestamp":          {"date_nanos", "date"},
	"source.ip":           {"ip"},
	"user_agent.original": {"keyword"},
	"sanity.first":        {"keyword"},
	"sipcorr.type":        {"keyword"},
	"sipcorr.count":       {"long"},
}

// validIndexName reports why name cannot be an Elasticsearch index name.
func validIndexName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("empty index name")
	case len(name) > 200:
		return fmt.Errorf("index name longer than 200 bytes")
	case strings.ContainsAny(name, `\/*?"<>| ,#:`):
		return fmt.Errorf(`index name contains one of the characters \/*?"<>| ,#: (colon included)`)
	case strings.ToLower(name) != name:
		return fmt.Errorf("index name must be lowercase")
	case strings.IndexAny(name[:1], "-_+") == 0:
		return fmt.Errorf("index name starts with - _ or +")
	}
	return nil
}
