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

// result is the outcome of one check run on its own.
type result struct {
	fail bool
	nr   bool
	code int16
	ev   evidence
	why  string
}

func pass() result { return result{} }

func silent(nr bool, ev evidence) result { return result{fail: true, nr: nr, ev: ev} }

func reply(code int16, why string, ev evidence) result {
	return result{fail: true, code: code, why: why, ev: ev}
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
	for _, bit := range e.order {
		r := e.run(bit, m.Raw, c)
		if !r.fail {
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

func (e *Engine) run(bit Check, b []byte, c *coreMsg) result {
	switch bit {
	case CheckRURISIPVersion:
		return checkRURIVersion(b, c)
	case CheckRURIScheme:
		if _, ok := parseURI(b[c.ruri[0]:c.ruri[1]], e.prof.strictURIHost); !ok {
			return reply(400, "Bad Request URI", evidence{kind: evRURI, span: toSpan(c.ruri)})
		}
	case CheckRequiredHeaders:
		return e.checkRequired(b, c)
	case CheckVia1Header:
		return e.checkVia1(b, c)
	case CheckRFC3261:
		return checkRFC3261(b, c)
	case CheckCSeqMethod, CheckCSeqValue:
		return e.checkCSeq(bit, b, c)
	case CheckContentLength:
		return checkCL(b, c)
	case CheckExpiresValue:
		return checkExpires(b, c)
	case CheckProxyRequire:
		return e.checkProxyRequire(b, c)
	case CheckParseURIs:
		return e.checkParseURIs(b, c)
	case CheckDigest, CheckAuthorization:
		return checkAuth(bit, b, c)
	case CheckDuptags:
		return checkDuptags(b, c)
	case CheckSizes:
		return checkSizes(b, c)
	}
	return pass()
}
