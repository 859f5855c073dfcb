package report

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/sipparse"
)

// The *Doc types are the JSON document of SCHEMA.md. They are kept apart from
// the correlate types so that the wire format changes only on purpose.

type analyzeDoc struct {
	Schema       string      `json:"schema"`
	Summary      summaryDoc  `json:"summary"`
	Sanity       sanityDoc   `json:"sanity"`
	UAs          []uaDoc     `json:"uas"`
	KnownDefects []defectDoc `json:"known_defects"`
	Notes        []string    `json:"notes"`
	logDocs                  // log, log_crosscheck, es_export (logs_render.go)
}

type summaryDoc struct {
	Files       []fileDoc         `json:"files"`
	Packets     uint64            `json:"packets"`
	Bytes       uint64            `json:"bytes"`
	SIPMessages uint64            `json:"sip_messages"`
	Requests    uint64            `json:"requests"`
	Responses   uint64            `json:"responses"`
	Malformed   uint64            `json:"malformed"`
	CoreDrops   uint64            `json:"core_drops"`
	Unparsable  uint64            `json:"unparsable"`
	Incomplete  uint64            `json:"incomplete"`
	FromServer  uint64            `json:"from_server"`
	FirstSeen   *time.Time        `json:"first_seen,omitempty"`
	LastSeen    *time.Time        `json:"last_seen,omitempty"`
	Counters    map[string]uint64 `json:"counters"`
	UAsFolded   uint64            `json:"ua_messages_folded"`
	// FoldedUAs is how many User-Agents those messages came from (exact
	// below 4096, estimated beyond: FoldedUAsEstimated).
	FoldedUAs          int  `json:"uas_folded,omitempty"`
	FoldedUAsEstimated bool `json:"uas_folded_estimated,omitempty"`
}

type fileDoc struct {
	Path    string `json:"path"`
	Packets uint64 `json:"packets"`
	Error   string `json:"error,omitempty"`
}

type sanityDoc struct {
	KamailioVersion string   `json:"kamailio_version"`
	Checks          uint32   `json:"checks"`
	URIChecks       uint8    `json:"uri_checks"`
	ProxyRequire    []string `json:"proxy_require"`
	From            string   `json:"from"`
}

type uaDoc struct {
	UA            string            `json:"ua"`
	Present       bool              `json:"ua_present"`
	Other         bool              `json:"other,omitempty"`
	Messages      uint64            `json:"messages"`
	Requests      uint64            `json:"requests"`
	Responses     uint64            `json:"responses"`
	Malformed     uint64            `json:"malformed"`
	CoreDrops     uint64            `json:"core_drops"`
	Methods       map[string]uint64 `json:"methods"`
	ResponseCodes map[string]uint64 `json:"response_codes"`
	Sources       []sourceDoc       `json:"sources"`
	OtherSources  uint64            `json:"other_sources_messages"`
	FirstSeen     time.Time         `json:"first_seen"`
	LastSeen      time.Time         `json:"last_seen"`
	Rules         []ruleDoc         `json:"rules"`
}

type sourceDoc struct {
	Addr     string `json:"addr"`
	Messages uint64 `json:"messages"`
}

type ruleDoc struct {
	Bit      uint32 `json:"bit"`
	Name     string `json:"name"`
	Messages uint64 `json:"messages"` // messages failing this check
	First    uint64 `json:"first"`    // messages for which it is the reported failure
}

type defectDoc struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Rule     uint32 `json:"rule,omitempty"`
	Messages uint64 `json:"messages"`
	Effect   string `json:"effect"`
	FixedIn  string `json:"fixed_in"`
	Ref      string `json:"ref"`
}

// newAnalyzeDoc is the whole document, every UA included. The analyze
// writers stream the UAs instead (render_json.go); the offender report and
// the HTML page embed this one.
func newAnalyzeDoc(a *Analysis) analyzeDoc {
	d := newAnalyzeFrame(a)
	if a.Inventory != nil {
		for _, s := range a.Inventory.UAs() {
			d.UAs = append(d.UAs, newUADoc(s))
		}
	}
	return d
}

// newAnalyzeFrame is the document without its UAs: "uas" is empty.
func newAnalyzeFrame(a *Analysis) analyzeDoc {
	d := analyzeDoc{
		Schema: AnalyzeSchema,
		Summary: summaryDoc{
			Files:       []fileDoc{},
			Packets:     a.Totals.Packets,
			Bytes:       a.Totals.Bytes,
			SIPMessages: a.Totals.SIPMessages,
			Requests:    a.Totals.Requests,
			Responses:   a.Totals.Responses,
			Malformed:   a.Totals.Malformed,
			CoreDrops:   a.Totals.CoreDrops,
			Unparsable:  a.Totals.Unparsable,
			Incomplete:  a.Totals.Incomplete,
			FromServer:  a.Totals.FromServer,
			Counters:    map[string]uint64{},
		},
		Sanity: sanityDoc{
			KamailioVersion: a.Sanity.Version,
			Checks:          a.Sanity.Checks,
			URIChecks:       a.Sanity.URIChecks,
			ProxyRequire:    append([]string{}, a.Sanity.ProxyRequire...),
			From:            a.Sanity.From,
		},
		UAs:          []uaDoc{},
		KnownDefects: []defectDoc{},
		Notes:        append([]string{}, a.Notes...),
	}
	if !a.Totals.First.IsZero() {
		f, l := a.Totals.First.UTC(), a.Totals.Last.UTC()
		d.Summary.FirstSeen, d.Summary.LastSeen = &f, &l
	}
	for _, f := range a.Files {
		d.Summary.Files = append(d.Summary.Files, fileDoc(f))
	}
	for _, c := range a.Counters {
		d.Summary.Counters[c.Key] = c.Value
	}
	if a.Inventory != nil {
		d.Summary.UAsFolded = a.Inventory.Folded.UAMessages
		n, exact := a.Inventory.FoldedUAs()
		d.Summary.FoldedUAs, d.Summary.FoldedUAsEstimated = n, !exact && n > 0
	}
	for _, k := range a.Defects {
		d.KnownDefects = append(d.KnownDefects, defectDoc{ID: k.ID, Title: k.Title, Rule: k.Rule,
			Messages: k.Messages, Effect: k.Effect, FixedIn: k.FixedIn, Ref: k.Ref})
	}
	d.logDocs = newLogDocs(a.Logs)
	return d
}

func newUADoc(s *correlate.UAStats) uaDoc {
	u := uaDoc{
		UA: s.UA, Present: s.Present,
		Messages: s.Messages, Requests: s.Requests, Responses: s.Responses,
		Malformed: s.Malformed, CoreDrops: s.CoreDrops,
		Methods: map[string]uint64{}, ResponseCodes: map[string]uint64{},
		Sources: []sourceDoc{}, OtherSources: s.OtherSources,
		FirstSeen: s.First.UTC(), LastSeen: s.Last.UTC(),
		Rules: []ruleDoc{},
	}
	if s.UA == correlate.OtherUA {
		u.UA, u.Other = "", true
	}
	for _, m := range s.Methods() {
		u.Methods[m.Key] = m.Messages
	}
	if s.OtherMethods > 0 {
		u.Methods["(other)"] = s.OtherMethods
	}
	for _, c := range s.Codes() {
		u.ResponseCodes[strconv.Itoa(c.Key)] = c.Messages
	}
	for _, src := range s.Sources() {
		u.Sources = append(u.Sources, sourceDoc{Addr: addrString(src.Key), Messages: src.Messages})
	}
	first := s.Rules(true)
	for _, r := range s.Rules(false) {
		rd := ruleDoc{Bit: r.Key, Name: RuleName(r.Key), Messages: r.Messages}
		for _, f := range first {
			if f.Key == r.Key {
				rd.First = f.Messages
			}
		}
		u.Rules = append(u.Rules, rd)
	}
	return u
}

// RuleName is Kamailio's documented name of a sanity check bit.
func RuleName(bit uint32) string { return sipparse.Check(bit).String() }

func addrString(a netip.AddrPort) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
