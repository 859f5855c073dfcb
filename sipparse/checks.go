package sipparse

import "bytes"

// find returns the index of the first parsed header of kind k, or -1.
func (c *coreMsg) find(k HeaderKind) int {
	return int(c.first[k]) - 1
}

// errSpan is the first line of the bad header, for evidence.
func (c *coreMsg) errSpan(b []byte) [2]int {
	if !c.walkErr {
		return [2]int{0, 0}
	}
	e := c.errOff
	for e < len(b) && b[e] != '\n' && e-c.errOff < 80 {
		e++
	}
	return [2]int{c.errOff, e}
}

func (h *coreHdr) body() [2]int { return [2]int{h.bodyStart, h.bodyEnd} }

// checkRURIVersion is check_ruri_sip_version(): text after the first '/'
// of the request-line version must be exactly "2.0".
func checkRURIVersion(b []byte, c *coreMsg, r *result) bool {
	v := b[c.version[0]:c.version[1]]
	if string(v) == "SIP/2.0" || len(v) == 0 {
		return false // the first '/' is followed by exactly "2.0"
	}
	i := bytes.IndexByte(v, '/')
	if i < 0 {
		return r.silent(false, evidence{kind: evVersionNoSlash, span: toSpan(c.version)})
	}
	if string(v[i+1:]) != "2.0" {
		return r.reply(505, "Version Not Supported (R-URI)", evidence{kind: evVersionBad, span: toSpan(c.version)})
	}
	return false
}

// checkRequired is check_required_headers().
func (e *Engine) checkRequired(b []byte, c *coreMsg, r *result) bool {
	// check_transaction_quadruple(): all four found before any bad header
	if c.find(HdrFrom) < 0 || c.find(HdrTo) < 0 || c.find(HdrCallID) < 0 || c.find(HdrCSeq) < 0 {
		return r.silent(true, evidence{kind: evMissingHeaders, span: toSpan(c.errSpan(b))})
	}
	if !e.prof.dupCheck {
		return false
	}
	if c.walkErr {
		return r.reply(400, "Bad Headers", evidence{kind: evBadHeaders, span: toSpan(c.errSpan(b))})
	}
	if c.twice&(1<<HdrFrom|1<<HdrTo|1<<HdrCallID|1<<HdrCSeq) == 0 {
		return false
	}
	var seen [numHeaderKinds]bool
	for i := range c.hdrs {
		h := &c.hdrs[i]
		switch h.kind {
		case HdrFrom, HdrTo, HdrCallID, HdrCSeq:
			if seen[h.kind] {
				return r.silent(false, evidence{kind: evDuplicate, hdr: h.kind, span: toSpan(h.body())})
			}
			seen[h.kind] = true
		}
	}
	return false
}

// checkVia1 is check_via1_header(); the core already guarantees via1, so
// only master's host/branch rule can fail.
func (e *Engine) checkVia1(b []byte, c *coreMsg, r *result) bool {
	h := &c.hdrs[c.via1]
	if e.prof.master && (h.via.hostLen <= 0 || len(h.via.branch) == 0) {
		return r.silent(true, evidence{kind: evVia1, span: toSpan(h.body())})
	}
	return false
}

// checkRFC3261 is master's check_rfc3261_compliance(): z9hG4bK branch and
// an lr parameter on the first URI of every Route and Record-Route.
func checkRFC3261(b []byte, c *coreMsg, r *result) bool {
	h := &c.hdrs[c.via1]
	if !bytes.HasPrefix(h.via.branch, []byte("z9hG4bK")) {
		return r.silent(false, evidence{kind: evRFC3261, span: toSpan(h.body())})
	}
	if c.walkErr {
		return r.silent(false, evidence{kind: evRFC3261, span: toSpan(c.errSpan(b))})
	}
	for i := range c.hdrs {
		h := &c.hdrs[i]
		if h.kind != HdrRoute && h.kind != HdrRecordRoute {
			continue
		}
		u := firstRouteURI(b[h.bodyStart:h.bodyEnd])
		info, ok := parseURI(u, true)
		if !ok || !info.hasLR {
			return r.silent(false, evidence{kind: evRFC3261, span: toSpan(h.body())})
		}
	}
	return false
}

// firstRouteURI returns the URI inside the first <...> of a route body.
func firstRouteURI(b []byte) []byte {
	i := bytes.IndexByte(b, '<')
	if i < 0 {
		return nil
	}
	j := bytes.IndexByte(b[i:], '>')
	if j < 0 {
		return nil
	}
	return b[i+1 : i+j]
}

// checkCSeq is check_cseq_method() and check_cseq_value().
func (e *Engine) checkCSeq(bit Check, b []byte, c *coreMsg, r *result) bool {
	i := c.find(HdrCSeq)
	if i < 0 {
		if c.walkErr {
			return r.silent(true, evidence{kind: evCSeqUnreachable, hdr: HdrCSeq, span: toSpan(c.errSpan(b))})
		}
		return r.silent(bit == CheckCSeqValue, evidence{kind: evCSeqMissing})
	}
	h := &c.hdrs[i]
	if bit == CheckCSeqMethod {
		if !bytes.Equal(b[h.cseqMethod[0]:h.cseqMethod[1]], b[c.method[0]:c.method[1]]) {
			return r.reply(400, "CSeq method does not match request method", evidence{kind: evCSeqMethod, span: toSpan(h.cseqMethod)})
		}
		return false
	}
	num := b[h.cseqNum[0]:h.cseqNum[1]]
	valid := validUint(num)
	if e.prof.master {
		valid = validStr2Int31(num)
	}
	if !valid {
		return r.reply(400, "CSeq number is illegal", evidence{kind: evCSeqValue, span: toSpan(h.cseqNum)})
	}
	return false
}

// validUint is sanity's str2valid_uint(): at most 10 digits and, with 10,
// not lexicographically above "4294967296" (so 2^32 itself passes).
func validUint(n []byte) bool {
	if len(n) > 10 {
		return false
	}
	const mui = "4294967296"
	equal := len(n) == 10
	for i, ch := range n {
		if !isDigit(ch) {
			return false
		}
		if equal {
			if ch < mui[i] {
				equal = false
			} else if ch > mui[i] {
				return false
			}
		}
	}
	return true
}

// validStr2Int31 is master's rule: core str2int (optional '+', digits, no
// overflow past 2^32-1) and a value below 2^31.
func validStr2Int31(n []byte) bool {
	if len(n) > 0 && n[0] == '+' {
		n = n[1:]
	}
	var v uint64
	for _, ch := range n {
		if !isDigit(ch) {
			return false
		}
		v = v*10 + uint64(ch-'0')
		if v > 1<<32-1 {
			return false
		}
	}
	return v < 1<<31
}

// checkCL is check_cl().
func checkCL(b []byte, c *coreMsg, r *result) bool {
	i := c.find(HdrContentLength)
	if i < 0 {
		if c.walkErr {
			return r.reply(400, "Content-Length Failure", evidence{kind: evCLUnreachable, hdr: HdrContentLength, span: toSpan(c.errSpan(b))})
		}
		return false
	}
	h := &c.hdrs[i]
	if c.walkErr || c.eoh < 0 {
		return r.reply(400, "Content-Length Body Failure", evidence{kind: evCLNoBody, span: toSpan(h.body())})
	}
	off := c.eoh + 1
	if c.eoh+1 < len(b) && b[c.eoh] == '\r' && b[c.eoh+1] == '\n' {
		off = c.eoh + 2
	}
	if int64(len(b)-off) != int64(h.cl) {
		return r.reply(400, "Content-Length mis-match", evidence{kind: evCLMismatch, span: toSpan(h.body())})
	}
	return false
}

// checkExpires is check_expires_value() with parse_expires().
func checkExpires(b []byte, c *coreMsg, r *result) bool {
	i := c.find(HdrExpires)
	if i < 0 {
		if c.walkErr {
			return r.reply(400, "Bad Expires Header", evidence{kind: evExpiresUnreachable, hdr: HdrExpires, span: toSpan(c.errSpan(b))})
		}
		return false
	}
	h := &c.hdrs[i]
	t := trimWS(b[h.bodyStart:h.bodyEnd])
	if len(t) == 0 {
		return r.reply(400, "Bad Expires Header", evidence{kind: evExpiresEmpty, span: toSpan(h.body())})
	}
	if len(t) <= 10 {
		for j, ch := range t {
			if ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' {
				t = t[:j]
				break
			}
			if !isDigit(ch) {
				break
			}
		}
	}
	if !validUint(t) {
		start := h.bodyStart + bytes.Index(b[h.bodyStart:h.bodyEnd], t)
		return r.reply(400, "Expires value is illegal", evidence{kind: evExpiresValue, span: toSpan([2]int{start, start + len(t)})})
	}
	return false
}

// checkProxyRequire is check_proxy_require(): only the first Proxy-Require,
// split on every ',', tokens compared byte-exactly with the modparam list.
func (e *Engine) checkProxyRequire(b []byte, c *coreMsg, r *result) bool {
	i := c.find(HdrProxyRequire)
	if i < 0 {
		if c.walkErr {
			return r.reply(400, "Bad Proxy Require Header", evidence{kind: evPRUnreachable, hdr: HdrProxyRequire, span: toSpan(c.errSpan(b))})
		}
		return false
	}
	h := &c.hdrs[i]
	var bad []byte
	found := false
	if !forEachStrListToken(b[h.bodyStart:h.bodyEnd], func(tok []byte) bool {
		for _, l := range e.pr {
			if bytes.Equal(l, tok) {
				return true
			}
		}
		bad, found = tok, true
		return false
	}) {
		return r.reply(400, "Bad Proxy Require Header", evidence{kind: evPREmpty, span: toSpan(h.body())})
	}
	if found {
		start := h.bodyStart
		if len(bad) > 0 {
			start = int(offsetIn(b, bad))
		}
		return r.reply(420, "Bad Proxy Require Extension", evidence{kind: evPRToken, span: toSpan([2]int{start, start + len(bad)})})
	}
	return false
}

// offsetIn returns the offset of sub (a subslice of b) in b.
func offsetIn(b, sub []byte) int {
	if len(sub) == 0 {
		return 0
	}
	return cap(b) - cap(sub)
}
