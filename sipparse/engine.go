package sipparse

// Engine judges messages like Kamailio's sanity module configured by a
// Config. It is immutable after NewEngine and safe for concurrent use (on
// different Messages).
type Engine struct {
	cfg   Config
	prof  profile
	pr    [][]byte
	order []Check // the enabled checks in evaluation order
}

// NewEngine validates cfg the way Kamailio validates sanity_check() arguments.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.Version == (Version{}) {
		cfg.Version = LatestRelease()
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, prof: cfg.Version.profile()}
	for _, bit := range evalOrder {
		if cfg.Checks&bit != 0 {
			e.order = append(e.order, bit)
		}
	}
	for _, t := range cfg.ProxyRequire {
		e.pr = append(e.pr, []byte(t))
	}
	return e, nil
}

// Config returns the engine's configuration.
func (e *Engine) Config() Config { return e.cfg }

// result is the outcome of a failed check run on its own. The checks
// return whether they failed and fill a result only then: most checks pass,
// and a struct this size returned by value cost more than the check itself
// (copied through the stack, read back a field at a time).
type result struct {
	nr   bool
	code int16
	ev   evidence
	why  string
}

// silent records a failure without a reply (nr: FL_MSG_NOREPLY too) and
// returns true, the failed check's return value.
func (r *result) silent(nr bool, ev evidence) bool {
	*r = result{nr: nr, ev: ev}
	return true
}

// reply records a failure answered with code and why and returns true.
func (r *result) reply(code int16, why string, ev evidence) bool {
	*r = result{code: code, why: why, ev: ev}
	return true
}

// Judge fills v with Kamailio's verdict on m, which must have been filled by
// Parse (Judge reads m.Raw through its own model of Kamailio's core parsers
// and uses Parse's header boundaries only as a shortcut). It caches that
// core view on m, so one Message must not be judged from two goroutines at
// once. It does not allocate once m's internal arrays have grown.
func (e *Engine) Judge(m *Message, v *Verdict) {
	v.reset(m.Raw, e.cfg.ProxyRequire)
	c := m.coreView(&e.prof)
	if reason := coreDrop(c, &e.prof); reason != "" {
		v.CoreDrop, v.CoreDropReason = true, reason
		return
	}
	v.ContactStar = contactStar(m.Raw, c)
	if e.prof.toParamLeak {
		h, _, ok := fromSpec(m.Raw, c)
		v.toParamBroken = h != nil && !ok
	}
	v.contactChecked = e.cfg.Checks&CheckParseURIs != 0 && e.cfg.URIChecks&URICheckContact != 0
	var r result
	for _, bit := range e.order {
		if !e.run(bit, m.Raw, c, &r) {
			continue
		}
		v.Failed |= bit
		if v.First == 0 {
			v.First, v.NoReplyFlag, v.firstEv = bit, r.nr, r.ev
			// sanity_reply() records nothing for replies and ACKs, and sl
			// cannot build a reply when the header walk fails (5.6.3).
			if r.code != 0 && !c.isReply && !c.methodACK && !c.walkErr {
				v.Code, v.Reason = int(r.code), r.why
			}
		}
	}
}

// JudgeCore fills v with the core's verdict alone: whether Kamailio's
// receive path drops m before any route runs. It is for messages no
// sanity_check() sees, such as replies when the cfg checks none, so the
// checks are not run only to be thrown away.
func (e *Engine) JudgeCore(m *Message, v *Verdict) {
	v.reset(m.Raw, e.cfg.ProxyRequire)
	if reason := coreDrop(m.coreView(&e.prof), &e.prof); reason != "" {
		v.CoreDrop, v.CoreDropReason = true, reason
	}
}

// coreDrop reports why Kamailio's receive_msg() would drop the message
// before the routing script runs ("" if it does not).
func coreDrop(c *coreMsg, p *profile) string {
	if !c.flineOK {
		return "bad first line"
	}
	if c.via1 < 0 && c.walkErr {
		return "header parse error before the first Via"
	}
	if !c.isReply && !c.protoSIP {
		return "request version is not SIP/2.0 (non-SIP message)"
	}
	if c.via1 < 0 {
		if c.isReply {
			return "no Via in reply"
		}
		return "no Via in request"
	}
	// 5.6 receive_msg(): From, To, Call-ID and CSeq must be reachable
	// ("required headers not found in request|reply"; verified on 5.6.3).
	if p.coreRequires && (c.find(HdrFrom) < 0 || c.find(HdrTo) < 0 || c.find(HdrCallID) < 0 || c.find(HdrCSeq) < 0) {
		if c.isReply {
			return "required headers not found in reply"
		}
		return "required headers not found in request"
	}
	return ""
}

// run runs one check; it returns whether the check fails and then fills *r.
func (e *Engine) run(bit Check, b []byte, c *coreMsg, r *result) bool {
	switch bit {
	case CheckRURISIPVersion:
		return checkRURIVersion(b, c, r)
	case CheckRURIScheme:
		if _, ok := e.parseURI(b[c.ruri[0]:c.ruri[1]]); !ok {
			return r.reply(400, "Bad Request URI", evidence{kind: evRURI, span: toSpan(c.ruri)})
		}
	case CheckRequiredHeaders:
		return e.checkRequired(b, c, r)
	case CheckVia1Header:
		return e.checkVia1(b, c, r)
	case CheckRFC3261:
		return checkRFC3261(b, c, r)
	case CheckCSeqMethod, CheckCSeqValue:
		return e.checkCSeq(bit, b, c, r)
	case CheckContentLength:
		return checkCL(b, c, r)
	case CheckExpiresValue:
		return checkExpires(b, c, r)
	case CheckProxyRequire:
		return e.checkProxyRequire(b, c, r)
	case CheckParseURIs:
		return e.checkParseURIs(b, c, r)
	case CheckDigest, CheckAuthorization:
		return checkAuth(bit, b, c, r)
	case CheckDuptags:
		return checkDuptags(b, c, r)
	case CheckSizes:
		return checkSizes(b, c, r)
	}
	return false
}
