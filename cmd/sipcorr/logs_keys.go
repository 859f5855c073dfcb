package main

import (
	"net/netip"
	"sort"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/report"
)

// uaKey cuts a User-Agent the way the Timeline and the Inventory key it
// (their first DefaultTimelineUALen bytes), so the three sides join.
func uaKey(ua string) string {
	if len(ua) > correlate.DefaultTimelineUALen {
		return ua[:correlate.DefaultTimelineUALen]
	}
	return ua
}

// ruleKeyOf keys captureRules: the UA, with messages without User-Agent
// apart from a UA that is the empty string.
func ruleKeyOf(ua string, present bool) string {
	if !present {
		return "\x00absent"
	}
	return ua
}

// logKey identifies whose log lines these are: a UA (present or not), or,
// for lines without UA that no capture attributes, their source address.
type logKey struct {
	ua       string
	present  bool
	unknown  bool
	overflow bool       // hits of identities beyond the esquery tally's cap
	src      netip.Addr // for unknown: where the lines came from
}

// srcName is the address of an unknown key for people.
func (k logKey) srcName() string {
	switch {
	case k.overflow:
		return "beyond the UA cap"
	case k.src.IsValid():
		return k.src.String()
	}
	return ""
}

func (k logKey) ruleKey() string { return ruleKeyOf(k.ua, k.present) }

// timelineUA is the UA the log events carry on the timeline. Lines nobody
// can attribute get a UA naming their source, so they form their own
// (bystander or suspect) row instead of merging with real UA-less traffic.
func (k logKey) timelineUA() string {
	switch {
	case k.overflow:
		return "(UAs beyond the log cap)"
	case k.unknown && k.src.IsValid():
		return "(unknown UA from " + k.src.String() + ")"
	case k.unknown:
		return "(unknown UA, no source logged)"
	}
	return k.ua
}

// maxLogKeys bounds the log summary's identities; hits of later ones are
// counted together.
const maxLogKeys = 10000

// maxLogRows is the number of log UAs the report lists.
const maxLogRows = 200

type logStat struct {
	hits, attributed uint64
	first, last      time.Time
	tlUA             string // the key's timelineUA, built once
}

// logUAs counts log lines per identity, bounded.
type logUAs struct {
	m        map[logKey]*logStat
	overHits uint64
}

func newLogUAs() *logUAs { return &logUAs{m: map[logKey]*logStat{}} }

// add counts n lines of k at t and returns k's stat, nil when k is beyond
// the bound (counted in overHits).
func (l *logUAs) add(k logKey, t time.Time, n int64, attributed bool) *logStat {
	s := l.m[k]
	if s == nil {
		if len(l.m) >= maxLogKeys {
			l.overHits += uint64(n)
			return nil
		}
		s = &logStat{first: t, last: t, tlUA: k.timelineUA()}
		l.m[k] = s
	}
	s.hits += uint64(n)
	if attributed {
		s.attributed += uint64(n)
	}
	if t.Before(s.first) {
		s.first = t
	}
	if t.After(s.last) {
		s.last = t
	}
	return s
}

// sorted returns the identities, most hits first, ties by UA and source.
func (l *logUAs) sorted() []logKey {
	keys := make([]logKey, 0, len(l.m))
	for k := range l.m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := l.m[keys[i]], l.m[keys[j]]
		if a.hits != b.hits {
			return a.hits > b.hits
		}
		if keys[i].ua != keys[j].ua {
			return keys[i].ua < keys[j].ua
		}
		if keys[i].present != keys[j].present {
			return keys[i].present
		}
		return keys[i].src.Less(keys[j].src)
	})
	return keys
}

// fill lists the per-UA counts in the report.
func (l *logUAs) fill(sig *report.LogSignal) {
	for i, k := range l.sorted() {
		s := l.m[k]
		if i >= maxLogRows {
			sig.OtherUAs++
			sig.OtherHits += s.hits
			continue
		}
		sig.UAs = append(sig.UAs, report.LogUA{UA: k.ua, Present: k.present, Unknown: k.unknown, Source: k.srcName(),
			Hits: s.hits, Attributed: s.attributed, First: s.first, Last: s.last})
	}
	if l.overHits > 0 {
		sig.OtherUAs++
		sig.OtherHits += l.overHits
	}
}

// Bounds of the source-address map.
const (
	maxAddrs      = 10000
	maxUAsPerAddr = 4
)

// addrMap learns from the capture which User-Agent each source address
// speaks for, so that log lines without UA ("Malformed SIP request from
// $si:$sp") can be attributed. An address is attributed only when one UA
// sent more than half of its messages (NAT puts several devices behind one
// address).
type addrMap struct {
	m         map[netip.Addr]*addrUAs
	interned  *uaInterner
	ambiguous int64 // log lines from addresses without a majority UA (counted by addLog)
	// unlearned counts the captured messages from addresses beyond
	// maxAddrs, whose UA is not learned (log lines from them stay without
	// UA); unlearnedAddrs estimates how many such addresses there were.
	unlearned      uint64
	unlearnedAddrs map[netip.Addr]struct{} // bounded by maxAddrs: past it only messages are counted
}

type addrUAs struct {
	uas   [maxUAsPerAddr]addrUA
	n     int
	other uint64 // messages of UAs beyond maxUAsPerAddr
	total uint64
}

type addrUA struct {
	ua      string
	present bool
	count   uint64
}

func newAddrMap() *addrMap {
	return &addrMap{m: map[netip.Addr]*addrUAs{}, interned: newUAInterner()}
}

// intern returns ua as a string, reusing known ones so a steady stream of
// messages does not allocate.
func (a *addrMap) intern(ua []byte) string { return a.interned.intern(ua) }

func (a *addrMap) add(addr netip.Addr, ua []byte, present bool) {
	addr = addr.Unmap()
	e := a.m[addr]
	if e == nil {
		if len(a.m) >= maxAddrs {
			a.unlearned++
			if a.unlearnedAddrs == nil {
				a.unlearnedAddrs = map[netip.Addr]struct{}{}
			}
			if len(a.unlearnedAddrs) < maxAddrs {
				a.unlearnedAddrs[addr] = struct{}{}
			}
			return
		}
		e = &addrUAs{}
		a.m[addr] = e
	}
	e.total++
	if len(ua) > correlate.DefaultTimelineUALen {
		ua = ua[:correlate.DefaultTimelineUALen]
	}
	for i := range e.n {
		if u := &e.uas[i]; u.present == present && u.ua == string(ua) {
			u.count++
			return
		}
	}
	if e.n < maxUAsPerAddr {
		e.uas[e.n] = addrUA{ua: a.intern(ua), present: present, count: 1}
		e.n++
		return
	}
	e.other++
}

// lookup returns the UA that sent the majority of addr's messages; ok is
// false when the capture never saw addr, or saw no majority (ambiguous).
func (a *addrMap) lookup(addr netip.Addr) (ua string, present, ok, ambiguous bool) {
	if a == nil || !addr.IsValid() {
		return "", false, false, false
	}
	e := a.m[addr.Unmap()]
	if e == nil {
		return "", false, false, false
	}
	best := -1
	for i := range e.n {
		if best < 0 || e.uas[i].count > e.uas[best].count {
			best = i
		}
	}
	if best < 0 || 2*e.uas[best].count <= e.total {
		return "", false, false, true
	}
	return e.uas[best].ua, e.uas[best].present, true, false
}
