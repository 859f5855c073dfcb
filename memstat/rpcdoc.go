package memstat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// rpcKind is which RPC an answer in a file of answers came from, told
// from the shape of its result (the answers do not name their method).
type rpcKind uint8

const (
	kindPkg     rpcKind = iota // pkg.stats: an array of process objects
	kindStats                  // stats.get_statistics / stats.fetch: shmem values
	kindShmmem                 // core.shmmem: an object with total, free, ...
	kindVersion                // core.version: "kamailio 5.6.3 (...)"
	kindCount
)

// rpcPart is what one answer contributes to a poll.
type rpcPart struct {
	kind    rpcKind
	t       time.Time // zero when the answer carries no time
	pkg     []PkgStat
	shm     ShmStat
	version string
	// absent lists the optional shm fields (max_used, fragments) the
	// answer did not have: the parsers leave them 0, which is no reading.
	absent []Metric
	line   int
	off    int64
}

// rpcAnswer is the envelope of one JSON-RPC answer; Time, TS and Timestamp
// are the fields a `jq '. + {time: now}'` or a small script adds.
type rpcAnswer struct {
	JSONRPC   string          `json:"jsonrpc"`
	Result    json.RawMessage `json:"result"`
	Error     json.RawMessage `json:"error"`
	Time      json.RawMessage `json:"time"`
	TS        json.RawMessage `json:"ts"`
	Timestamp json.RawMessage `json:"timestamp"`
}

// answerTime returns the time field of an answer; has is false when there
// is none, ok false when there is one that is not a time.
func (a *rpcAnswer) answerTime(loc *time.Location) (t time.Time, zoned, has, ok bool) {
	for _, raw := range []json.RawMessage{a.Time, a.TS, a.Timestamp} {
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		t, zoned, ok = parseTime(string(raw), loc)
		return t, zoned, true, ok
	}
	return time.Time{}, false, false, false
}

// classifyResult decodes the result of an answer with the parsers of the live
// client (ParsePkgStats, ParseShmStatistics, ParseCoreShmmem). why is
// non-empty when the result is not one memstat reads.
func classifyResult(result json.RawMessage) (p rpcPart, why string) {
	t := bytes.TrimSpace(result)
	if len(t) == 0 || string(t) == "null" {
		return p, "no result"
	}
	var err error
	switch t[0] {
	case '[':
		// The first element's first byte tells the shapes apart; the
		// parsers check the rest (no third decoding of a big answer).
		e := bytes.TrimLeft(t[1:], " \t\r\n")
		if len(e) == 0 || e[0] == ']' {
			return p, "empty result array"
		}
		if e[0] == '{' {
			p.kind = kindPkg
			p.pkg, err = ParsePkgStats(t)
		} else {
			p.kind = kindStats
			p.shm, err = ParseShmStatistics(t)
		}
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(t, &m) != nil {
			return p, "unreadable result object"
		}
		if _, ok := m["total"]; ok {
			p.kind = kindShmmem
			p.shm, err = ParseCoreShmmem(t)
			break
		}
		shmem := false
		for k := range m {
			shmem = shmem || strings.HasPrefix(k, "shmem.") || strings.HasPrefix(k, "shmem:")
		}
		if !shmem {
			return p, "an object result that is neither core.shmmem nor stats.fetch of shmem (core.uptime, another module's stats?)"
		}
		p.kind = kindStats
		p.shm, err = ParseShmStatistics(t)
	case '"':
		var s string
		if json.Unmarshal(t, &s) != nil || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "kamailio") {
			return p, "a string result that is not core.version"
		}
		p.kind, p.version = kindVersion, strings.TrimSpace(s)
	default:
		return p, "result is neither pkg.stats, stats.get_statistics, core.shmmem nor core.version"
	}
	if err != nil {
		return p, err.Error()
	}
	if p.kind == kindStats || p.kind == kindShmmem {
		for _, f := range []struct {
			m           Metric
			stats, core string
		}{{ShmMaxUsed, "max_used_size", `"max_used"`}, {ShmFragments, "fragments", `"fragments"`}} {
			has := bytes.Contains(t, []byte(f.core))
			if p.kind == kindStats {
				has = bytes.Contains(t, []byte("shmem:"+f.stats)) || bytes.Contains(t, []byte("shmem."+f.stats))
			}
			if !has {
				p.absent = append(p.absent, f.m)
			}
		}
	}
	return p, ""
}

// rpcErrorText describes a JSON-RPC error object for a gap note.
func rpcErrorText(raw json.RawMessage) string {
	var e struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return cleanSnippet(raw, 200)
	}
	return fmt.Sprintf("error %s %q", cleanSnippet(e.Code, 20), cleanSnippet([]byte(e.Message), 200))
}

// shmStatisticsObject reads the stats.fetch object form into dst. Keys
// are visited in sorted order so that the error for a bad input is
// always the same one.
func shmStatisticsObject(result []byte, dst map[string]*uint64, seen map[string]bool) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(result, &m); err != nil {
		return fmt.Errorf("%w: stats result is not an object of values: %v", ErrBadResponse, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, found := strings.CutPrefix(k, "shmem.")
		if !found {
			name, found = strings.CutPrefix(k, "shmem:")
		}
		p := dst[name]
		if !found || p == nil {
			continue
		}
		n, err := parseUint(m[k])
		if err != nil {
			return fmt.Errorf("%w: stats %s: %v", ErrBadResponse, cleanSnippet([]byte(k), 60), err)
		}
		*p, seen[name] = n, true
	}
	return nil
}
