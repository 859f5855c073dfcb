package sipparse

import "bytes"

// digest results of parse_credentials()/check_dig_cred().
const (
	digOK = iota
	digNotDigest
	digParseErr
	digBadCred
	digEmptyUser
	digEmptyNonce
	digEmptyResponse
)

// checkAuth is check_digest_only() for 2048 (non-digest fails silently) and
// 8192 (non-digest passes).
func checkAuth(bit Check, b []byte, c *coreMsg, r *result) bool {
	if c.walkErr {
		return r.reply(400, "Bad Headers", evidence{kind: evAuthHeaders, hdr: HdrAuthorization, span: toSpan(c.errSpan(b))})
	}
	for _, k := range [2]HeaderKind{HdrAuthorization, HdrProxyAuthorization} {
		if c.kinds&(1<<k) == 0 {
			continue
		}
		for i := range c.hdrs {
			h := &c.hdrs[i]
			if h.kind != k {
				continue
			}
			ev := evidence{span: toSpan(h.body())}
			switch checkDigest(b[h.bodyStart:h.bodyEnd]) {
			case digNotDigest:
				if bit == CheckAuthorization {
					return false
				}
				ev.kind = evAuthScheme
				return r.silent(false, ev)
			case digParseErr:
				ev.kind = evAuthParse
				return r.reply(400, "Bad Auth Header", ev)
			case digBadCred:
				ev.kind = evAuthCred
				return r.reply(400, "Bad Auth Credentials", ev)
			case digEmptyUser:
				ev.kind = evAuthEmpty
				return r.reply(400, "Auth Empty User", ev)
			case digEmptyNonce:
				ev.kind = evAuthEmpty
				return r.reply(400, "Auth Empty Nonce", ev)
			case digEmptyResponse:
				ev.kind = evAuthEmpty
				return r.reply(400, "Auth Empty Response", ev)
			}
		}
	}
	return false
}

// checkDigest ports parse_digest_cred() and the checks sanity runs on it.
func checkDigest(s []byte) int {
	s = trimLeftWS(s)
	if len(s) < 7 || !equalFold(s[:6], "digest") {
		return digNotDigest
	}
	switch s[6] {
	case ' ', '\r', '\n', '\t', ',':
	default:
		return digNotDigest
	}
	s = trimLeftWS(s[7:])
	var have [10]bool
	var empty [10]bool
	var qop []byte
	for {
		eq := indexByteNear(s, '=')
		if eq < 0 {
			return digParseErr
		}
		name := trimRightWS(s[:eq])
		t := digestParam(s, len(name)) // name is s[:len(name)]
		s = trimLeftWS(s[eq+1:])
		if len(s) == 0 {
			return digParseErr
		}
		var val []byte
		if s[0] == '"' {
			if len(s) < 2 {
				return digParseErr
			}
			q := bytes.IndexByte(s[1:], '"')
			if q < 0 {
				return digParseErr
			}
			val, s = s[1:1+q], s[q+2:]
		} else {
			i := 0
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != ',' {
				i++
			}
			if i == 0 {
				return digParseErr
			}
			val, s = s[:i], s[i:]
		}
		if t >= 0 {
			have[t], empty[t] = true, len(val) == 0
			if t == 7 {
				qop = val
			}
		}
		comma := indexByteNear(s, ',')
		if comma < 0 {
			break
		}
		s = trimLeftWS(s[comma+1:])
	}
	// username realm nonce uri response cnonce opaque qop nc algorithm
	if !have[0] || !have[1] || !have[2] || !have[3] || !have[4] {
		return digBadCred
	}
	q := trimWS(qop)
	if have[7] && (equalFold(q, "auth") || equalFold(q, "auth-int")) && (!have[5] || !have[8]) {
		return digBadCred
	}
	switch {
	case empty[0]:
		return digEmptyUser
	case empty[2]:
		return digEmptyNonce
	case empty[4]:
		return digEmptyResponse
	}
	return digOK
}

var digestNames = [10]string{"username", "realm", "nonce", "uri", "response", "cnonce", "opaque", "qop", "nc", "algorithm"}

// digestWords are digestNames as foldedWord gives them (0 for "algorithm",
// longer than a word).
var digestWords = func() (w [len(digestNames)]uint64) {
	for i, n := range digestNames {
		if len(n) <= 8 {
			w[i] = foldedWord([]byte(n), 0, len(n))
		}
	}
	return w
}()

// digestParam returns the index of the parameter name s[:n] in digestNames
// (case-insensitive), or -1. The names are letters only, so a folded word
// compares them; it is read from s, which goes on past the name.
func digestParam(s []byte, n int) int {
	if n == 0 || n > 9 {
		return -1
	}
	if n == 9 {
		if equalFold(s[:n], "algorithm") {
			return 9
		}
		return -1
	}
	w := foldedWord(s, 0, n)
	for i, dw := range digestWords {
		if w == dw {
			return i
		}
	}
	return -1
}

// checkDuptags is check_duptags().
func checkDuptags(b []byte, c *coreMsg, r *result) bool {
	fh, fa, ok := fromSpec(b, c)
	ti := c.find(HdrTo)
	if fh == nil || !ok || ti < 0 {
		return r.silent(true, evidence{kind: evTagsParse})
	}
	if fa.tagSet && fa.tags > 1 {
		return r.reply(400, "Many From Tag Params", evidence{kind: evTagsMany, hdr: HdrFrom, span: toSpan(fh.body())})
	}
	th := &c.hdrs[ti]
	if th.to.tagSet && th.to.tags > 1 {
		return r.reply(400, "Many To Tag Params", evidence{kind: evTagsMany, hdr: HdrTo, span: toSpan(th.body())})
	}
	return false
}

// checkSizes is master's sanity_check_sizes() with the default limits.
func checkSizes(b []byte, c *coreMsg, r *result) bool {
	ev := evidence{kind: evSizes}
	if len(b) > 16384 || (!c.isReply && c.ruri[1]-c.ruri[0] > 256) || c.walkErr {
		ev.span = toSpan(c.errSpan(b))
		return r.silent(false, ev)
	}
	if !c.isReply && c.method[1]-c.method[0] > 32 {
		return r.silent(false, ev)
	}
	for i := range c.hdrs {
		h := &c.hdrs[i]
		end := len(b)
		if i+1 < len(c.hdrs) {
			end = c.hdrs[i+1].start
		} else if c.eoh >= 0 {
			end = c.eoh
		}
		if end-h.start > 2048 {
			ev.span = toSpan(h.body())
			return r.silent(false, ev)
		}
	}
	fh, fa, ok := fromSpec(b, c)
	ti := c.find(HdrTo)
	if fh == nil || !ok || ti < 0 || fa.uriEnd-fa.uriStart > 256 || c.hdrs[ti].to.uriEnd-c.hdrs[ti].to.uriStart > 256 {
		return r.silent(false, ev)
	}
	if c.eoh >= 0 && len(b)-c.eoh > 8192+2 {
		return r.silent(false, ev)
	}
	if c.eoh >= 0 && c.eoh-c.headersOff > 8192 {
		return r.silent(false, ev)
	}
	for i := range c.hdrs {
		h := &c.hdrs[i]
		if h.kind != HdrContact {
			continue
		}
		star, uri, ok := parseContactBody(b[h.bodyStart:h.bodyEnd])
		if !ok || (!star && len(uri) > 256) {
			return r.silent(false, ev)
		}
	}
	return false
}
