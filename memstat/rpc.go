package memstat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// PkgStat is one process entry of kex pkg.stats.
type PkgStat struct {
	Entry      int    `json:"entry"`
	PID        int    `json:"pid"`
	Rank       int    `json:"rank"`
	Desc       string `json:"desc,omitempty"` // Kamailio 5.4+
	Used       uint64 `json:"used"`
	Free       uint64 `json:"free"`
	RealUsed   uint64 `json:"real_used"`
	TotalSize  uint64 `json:"total_size"`
	TotalFrags uint64 `json:"total_frags"` // free fragments
}

// Reported says whether the process ever published its pkg statistics.
// kex fills entries whose process never ran its child init with rank -128,
// the pid from the process table, entry 0's total_size and zeros: their
// free of 0 is not a measurement and must not make them "the weakest".
func (p PkgStat) Reported() bool { return p.RealUsed != 0 || p.Free != 0 }

// Process returns the identity part of p.
func (p PkgStat) Process() Process {
	return Process{Entry: p.Entry, PID: p.PID, Rank: p.Rank, Desc: p.Desc}
}

// ShmStat is the shared memory pool as core.shmmem or
// stats.get_statistics shmem: report it.
type ShmStat struct {
	Total     uint64 `json:"total"`
	Free      uint64 `json:"free"`
	Used      uint64 `json:"used"`
	RealUsed  uint64 `json:"real_used"`
	MaxUsed   uint64 `json:"max_used"`
	Fragments uint64 `json:"fragments"` // free fragments
}

// ParsePkgStats decodes the result of pkg.stats: an array of objects. It
// accepts Kamailio 5.2's signed fields (a negative value is an unsigned
// 32-bit quantity printed as int and is unwrapped), 5.5+'s unsigned ones,
// and entries with or without desc. Missing pid, used, free, real_used or
// total_size is an error naming the entry.
func ParsePkgStats(result []byte) ([]PkgStat, error) {
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(result, &raw); err != nil {
		return nil, fmt.Errorf("%w: pkg.stats result is not an array of objects: %v", ErrBadResponse, err)
	}
	out := make([]PkgStat, 0, len(raw))
	for i, m := range raw {
		p := PkgStat{Entry: i}
		var err error
		get := func(key string, required bool, dst *uint64) {
			v, ok := m[key]
			if !ok {
				if required && err == nil {
					err = fmt.Errorf("%w: pkg.stats entry %d: no %q", ErrBadResponse, i, key)
				}
				return
			}
			n, e := parseUint(v)
			if e != nil && err == nil {
				err = fmt.Errorf("%w: pkg.stats entry %d: %s: %v", ErrBadResponse, i, key, e)
			}
			*dst = n
		}
		var entry, pid uint64
		get("entry", false, &entry)
		get("pid", true, &pid)
		get("used", true, &p.Used)
		get("free", true, &p.Free)
		get("real_used", true, &p.RealUsed)
		get("total_size", true, &p.TotalSize)
		get("total_frags", false, &p.TotalFrags)
		if _, ok := m["entry"]; ok {
			p.Entry = int(min(entry, math.MaxInt32))
		}
		p.PID = int(min(pid, math.MaxInt32))
		if v, ok := m["rank"]; ok {
			r, e := parseInt(v)
			if e != nil && err == nil {
				err = fmt.Errorf("%w: pkg.stats entry %d: rank: %v", ErrBadResponse, i, e)
			}
			p.Rank = int(max(min(r, math.MaxInt32), math.MinInt32))
		}
		if v, ok := m["desc"]; ok {
			if e := json.Unmarshal(v, &p.Desc); e != nil && err == nil {
				err = fmt.Errorf("%w: pkg.stats entry %d: desc is not a string", ErrBadResponse, i)
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParseShmStatistics decodes the result of stats.get_statistics: an array
// of "group:name = value" strings. Only the shmem: group is used; the
// other groups (when asked for "all") are ignored. It also takes the
// object form of stats.fetch and stats.fetchn ({"shmem.free_size": "123"}
// or numbers; "shmem:" keys too), which operators poll for the same
// values. All four size values total, free, used and real_used must be
// present.
func ParseShmStatistics(result []byte) (ShmStat, error) {
	var s ShmStat
	dst := map[string]*uint64{
		"total_size": &s.Total, "free_size": &s.Free, "used_size": &s.Used,
		"real_used_size": &s.RealUsed, "max_used_size": &s.MaxUsed, "fragments": &s.Fragments,
	}
	seen := map[string]bool{}
	if t := bytes.TrimSpace(result); len(t) > 0 && t[0] == '{' {
		if err := shmStatisticsObject(t, dst, seen); err != nil {
			return ShmStat{}, err
		}
	} else {
		var lines []string
		if err := json.Unmarshal(result, &lines); err != nil {
			return ShmStat{}, fmt.Errorf("%w: stats.get_statistics result is not an array of strings: %v", ErrBadResponse, err)
		}
		for _, l := range lines {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				return ShmStat{}, fmt.Errorf("%w: stats.get_statistics line %q has no '='", ErrBadResponse, cleanSnippet([]byte(l), 80))
			}
			k = strings.TrimSpace(k)
			name, found := strings.CutPrefix(k, "shmem:")
			if !found {
				continue
			}
			p := dst[name]
			if p == nil {
				continue
			}
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return ShmStat{}, fmt.Errorf("%w: stats.get_statistics %s: %v", ErrBadResponse, k, err)
			}
			*p, seen[name] = n, true
		}
	}
	for _, k := range []string{"total_size", "free_size", "used_size", "real_used_size"} {
		if !seen[k] {
			return ShmStat{}, fmt.Errorf("%w: stats.get_statistics: no shmem:%s", ErrBadResponse, k)
		}
	}
	return s, nil
}

// ParseCoreShmmem decodes the result of core.shmmem (an object). Before
// Kamailio 5.8 each value is an unsigned 32-bit quantity printed as a
// signed int: negative values are unwrapped, but pools of 4 GiB or more
// are truncated modulo 4 GiB by Kamailio itself; prefer
// stats.get_statistics there.
func ParseCoreShmmem(result []byte) (ShmStat, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(result, &m); err != nil || m == nil {
		return ShmStat{}, fmt.Errorf("%w: core.shmmem result is not an object", ErrBadResponse)
	}
	var s ShmStat
	for _, f := range []struct {
		key      string
		dst      *uint64
		required bool
	}{{"total", &s.Total, true}, {"free", &s.Free, true}, {"used", &s.Used, true},
		{"real_used", &s.RealUsed, true}, {"max_used", &s.MaxUsed, false}, {"fragments", &s.Fragments, false}} {
		v, ok := m[f.key]
		if !ok {
			if f.required {
				return ShmStat{}, fmt.Errorf("%w: core.shmmem: no %q", ErrBadResponse, f.key)
			}
			continue
		}
		n, err := parseUint(v)
		if err != nil {
			return ShmStat{}, fmt.Errorf("%w: core.shmmem %s: %v", ErrBadResponse, f.key, err)
		}
		*f.dst = n
	}
	return s, nil
}

// parseUint reads a JSON number (or a string of digits, as stats.fetch
// gives) as an unsigned quantity. Negative values down to -2^31 are
// unsigned 32-bit values that Kamailio printed as signed int (5.2 pkg.stats,
// core.shmmem before 5.8) and get 2^32 added.
func parseUint(v json.RawMessage) (uint64, error) {
	s := strings.TrimSpace(string(v))
	if unq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(unq)
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		if n < 0 && n >= math.MinInt32 {
			return uint64(n + 1<<32), nil
		}
		return 0, fmt.Errorf("value %d out of range", n)
	}
	f, ferr := strconv.ParseFloat(s, 64)
	if ferr != nil || f < 0 || f != math.Trunc(f) || f >= 1<<64 {
		return 0, fmt.Errorf("not an unsigned integer: %q", cleanSnippet([]byte(s), 40))
	}
	return uint64(f), nil
}

func parseInt(v json.RawMessage) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not an integer: %q", cleanSnippet(v, 40))
	}
	return n, nil
}

// PkgStats calls pkg.stats (all processes).
func (c *Client) PkgStats(ctx context.Context) ([]PkgStat, error) {
	res, err := c.Call(ctx, "pkg.stats")
	if err != nil {
		return nil, err
	}
	p, err := ParsePkgStats(res)
	return p, c.wrapParse("pkg.stats", err)
}

// ShmStats calls stats.get_statistics "shmem:". Its values are unsigned in
// every version, unlike core.shmmem's before 5.8.
func (c *Client) ShmStats(ctx context.Context) (ShmStat, error) {
	res, err := c.Call(ctx, "stats.get_statistics", "shmem:")
	if err != nil {
		return ShmStat{}, err
	}
	s, err := ParseShmStatistics(res)
	return s, c.wrapParse("stats.get_statistics", err)
}

// CoreShmmem calls core.shmmem (bytes, no unit argument).
func (c *Client) CoreShmmem(ctx context.Context) (ShmStat, error) {
	res, err := c.Call(ctx, "core.shmmem")
	if err != nil {
		return ShmStat{}, err
	}
	s, err := ParseCoreShmmem(res)
	return s, c.wrapParse("core.shmmem", err)
}

// CoreVersion calls core.version, e.g. "kamailio 5.6.3 (x86_64/linux)"
// (Kamailio's trailing space is trimmed).
func (c *Client) CoreVersion(ctx context.Context) (string, error) {
	res, err := c.Call(ctx, "core.version")
	if err != nil {
		return "", err
	}
	var v string
	if err := json.Unmarshal(res, &v); err != nil {
		return "", c.wrapParse("core.version", fmt.Errorf("%w: result is not a string", ErrBadResponse))
	}
	return strings.TrimSpace(v), nil
}

func (c *Client) wrapParse(method string, err error) error {
	if err == nil {
		return nil
	}
	return &CallError{URL: c.URL, Method: method, Attempts: 1, Kind: ErrBadResponse, Err: err}
}

// Sample is one poll of the server: what a recording line holds.
type Sample struct {
	Time      time.Time // when the poll started (local clock of the poller)
	Version   string    // core.version; empty if it failed
	Pkg       []PkgStat
	Shm       ShmStat
	ShmSource string // "stats" (stats.get_statistics) or "core.shmmem"
}

// Sampler takes samples; *Client is the real one.
type Sampler interface {
	Sample(ctx context.Context) (Sample, error)
}

// Sample polls pkg.stats, shared memory and core.version. Shared memory
// comes from stats.get_statistics; if Kamailio rejects that with an RPC
// error (statistics disabled), core.shmmem is used instead. A failed
// core.version is not fatal: Version stays empty.
func (c *Client) Sample(ctx context.Context) (Sample, error) {
	s := Sample{Time: time.Now()}
	var err error
	if s.Pkg, err = c.PkgStats(ctx); err != nil {
		return Sample{}, err
	}
	s.ShmSource = "stats"
	if s.Shm, err = c.ShmStats(ctx); err != nil {
		if !errors.Is(err, ErrRPC) {
			return Sample{}, err
		}
		s.ShmSource = "core.shmmem"
		if s.Shm, err = c.CoreShmmem(ctx); err != nil {
			return Sample{}, err
		}
	}
	if v, err := c.CoreVersion(ctx); err == nil {
		s.Version = v
	} else if ctx.Err() != nil {
		return Sample{}, err
	}
	return s, nil
}

// Summary is a one-line progress text for a poll, e.g.
// "shm real_used 632.9 KiB of 64.0 MiB (1.0%), least pkg free 7.2 MiB (entry 6 pid 812: tcp receiver (generic) child=0), 2 UDP receivers real_used 1.4 MiB".
// Process descriptions are stripped of control characters.
func (s Sample) Summary() string {
	var b strings.Builder
	if s.Shm.Total > 0 {
		fmt.Fprintf(&b, "shm real_used %s of %s (%.1f%%)", IEC(float64(s.Shm.RealUsed)), IEC(float64(s.Shm.Total)),
			100*float64(s.Shm.RealUsed)/float64(s.Shm.Total))
	}
	weakest, udp, nUDP := -1, uint64(0), 0
	for i, p := range s.Pkg {
		if !p.Reported() {
			continue
		}
		if weakest < 0 || p.Free < s.Pkg[weakest].Free {
			weakest = i
		}
		if IsUDPReceiver(p.Process()) {
			udp += p.RealUsed
			nUDP++
		}
	}
	if weakest >= 0 {
		w := s.Pkg[weakest]
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "least pkg free %s (entry %d pid %d", IEC(float64(w.Free)), w.Entry, w.PID)
		if w.Desc != "" {
			b.WriteString(": " + cleanSnippet([]byte(w.Desc), 60))
		}
		b.WriteString(")")
	}
	if nUDP > 0 {
		fmt.Fprintf(&b, ", %d UDP receivers real_used %s", nUDP, IEC(float64(udp)))
	}
	return b.String()
}

// IEC formats a byte count with binary prefixes: "512 B", "7.2 MiB".
func IEC(v float64) string {
	const units = "KMGTPE"
	if math.Abs(v) < 1024 {
		return fmt.Sprintf("%.0f B", v)
	}
	i := -1
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, units[i])
}
