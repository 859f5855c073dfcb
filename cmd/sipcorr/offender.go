package main

import (
	"bytes"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/sipparse"
)

// offenderCollector turns judged messages into correlate events on a
// Timeline, for the offender report. Per message it does not allocate once
// a User-Agent and its (rule, bucket chunk) have been seen: the offending
// header is built in a reused buffer, and the Timeline copies it only when
// the message becomes the example of its (UA, rule).
type offenderCollector struct {
	tl  *correlate.Timeline
	ev  correlate.Event
	hdr []byte
	uas *uaInterner
}

func newOffenderCollector(opts correlate.TimelineOptions) *offenderCollector {
	return &offenderCollector{tl: correlate.NewTimeline(opts), uas: newUAInterner()}
}

// add counts one judged message (well-formed ones form the control).
func (c *offenderCollector) add(m *judged) {
	if m.parseErr != nil {
		return
	}
	msg, v := m.msg, m.verdict
	c.ev = correlate.Event{Time: m.dg.Time, UA: c.uaString(m.ua), Src: m.dg.Src,
		Failed: uint32(v.Failed), First: uint32(v.First), CoreDrop: v.CoreDrop,
		Source: correlate.SourceCapture, Example: m.dg.Packet}
	if v.First != 0 || v.CoreDrop {
		c.hdr = offendingHeader(c.hdr[:0], msg, v)
		c.ev.Header = c.hdr
		if v.First == sipparse.CheckProxyRequire {
			c.ev.Token = v.UnsupportedToken()
		}
	}
	c.tl.Add(&c.ev)
}

func (c *offenderCollector) uaString(b []byte) string {
	if len(b) > correlate.DefaultTimelineUALen {
		return string(b) // the Timeline cuts it, and counts the cut
	}
	return c.uas.intern(b)
}

// headerOf is the header that shows why a message failed a check; the
// checks not listed concern the start line or the message as a whole.
var headerOf = map[sipparse.Check]sipparse.HeaderKind{
	sipparse.CheckViaSIPVersion: sipparse.HdrVia,
	sipparse.CheckViaProtocol:   sipparse.HdrVia,
	sipparse.CheckVia1Header:    sipparse.HdrVia,
	sipparse.CheckRFC3261:       sipparse.HdrVia,
	sipparse.CheckCSeqMethod:    sipparse.HdrCSeq,
	sipparse.CheckCSeqValue:     sipparse.HdrCSeq,
	sipparse.CheckContentLength: sipparse.HdrContentLength,
	sipparse.CheckExpiresValue:  sipparse.HdrExpires,
	sipparse.CheckProxyRequire:  sipparse.HdrProxyRequire,
	sipparse.CheckDuptags:       sipparse.HdrFrom,
}

// maxExampleLine bounds the example text taken from a message.
const maxExampleLine = 200

// offendingHeader appends to dst the header line (as received: name, colon,
// value) that made the message fail v.First, or its start line for checks
// about the start line (versions, Request-URI, URIs) and core drops.
// Authorization checks show the credentials header present.
func offendingHeader(dst []byte, m *sipparse.Message, v *sipparse.Verdict) []byte {
	i, start, none := offendingIndex(m, v)
	if none {
		return dst // nothing to point at: headers are missing, or sizes
	}
	if !start && i >= 0 {
		h := &m.Headers[i]
		dst = append(dst, h.Name...)
		dst = append(dst, ": "...)
		return append(dst, h.Value[:min(len(h.Value), maxExampleLine)]...)
	}
	line := m.Raw
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	return append(dst, line[:min(len(line), maxExampleLine)]...)
}

// offendingIndex picks what shows why m failed v.First: start when it is
// the start line (core drops, checks of versions, Request-URI and URIs),
// none when nothing can (missing headers, sizes), else i, the index in
// m.Headers of the header of headerOf's kind (Authorization checks: the
// credentials header present), -1 when m has none.
func offendingIndex(m *sipparse.Message, v *sipparse.Verdict) (i int, start, none bool) {
	if v.CoreDrop {
		return -1, true, false
	}
	k, ok := headerOf[v.First]
	switch v.First {
	case sipparse.CheckDigest, sipparse.CheckAuthorization:
		k, ok = sipparse.HdrAuthorization, true
		if m.Get(k) == nil {
			k = sipparse.HdrProxyAuthorization
		}
	case sipparse.CheckRequiredHeaders, sipparse.CheckSizes:
		return -1, false, true
	}
	if !ok {
		return -1, true, false
	}
	for i := range m.Headers {
		if m.Headers[i].Kind == k {
			return i, false, false
		}
	}
	return -1, false, false
}
