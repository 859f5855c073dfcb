package correlate

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// classify applies the significance rule to every candidate group and
// fills the suspects (ranked) and the UAs without impact.
func (a *analysis) classify(r *Report) {
	tested := 0
	for ti := range a.res {
		if len(a.res[ti]) > 0 && a.ncand > 0 && a.res[ti][0].tested {
			tested++
		}
	}
	m := float64(max(a.ncand*tested, 1)) // Bonferroni: every (group, target) test
	thr := a.o.Alpha / m
	type ranked struct {
		s []Suspect
		z float64
	}
	var found []ranked
	isSuspect := map[*uaEntry]bool{}
	a.best = make([]int, a.ncand)
	for j := 0; j < a.ncand; j++ {
		bt := -1
		for ti := range a.res {
			cr := a.res[ti][j]
			if !cr.tested {
				continue
			}
			if bt < 0 || cr.p < a.res[bt][j].p || (cr.p == a.res[bt][j].p && cr.partial > a.res[bt][j].partial) {
				bt = ti
			}
		}
		a.best[j] = bt
		if bt < 0 {
			continue
		}
		cr := a.res[bt][j]
		if !(cr.beta > 0 && cr.ci.Low > 0 && cr.p < thr && cr.beta >= a.o.MinBytesPerMessage && cr.share >= a.o.MinShare) {
			continue
		}
		z := math.Inf(1)
		if cr.se > 0 {
			z = cr.beta / cr.se
		}
		ss := a.suspects(j, bt, r)
		for _, s := range a.cols[j].leaves() {
			isSuspect[s.ua] = true
		}
		found = append(found, ranked{ss, z})
	}
	slices.SortStableFunc(found, func(x, y ranked) int {
		if x.z != y.z {
			if x.z > y.z {
				return -1
			}
			return 1
		}
		return strings.Compare(x.s[0].UA, y.s[0].UA)
	})
	for _, f := range found {
		r.Suspects = append(r.Suspects, f.s...)
	}
	a.bystanders(r, isSuspect, thr)
}

// suspects turns significant group j (best in target bt) into one Suspect
// per UA of the group.
func (a *analysis) suspects(j, bt int, r *Report) []Suspect {
	col, cr, t := a.cols[j], a.res[bt][j], &a.targets[bt]
	secs := r.End.Sub(r.Start).Seconds()
	byUA := map[*uaEntry][]*column{}
	var order []*uaEntry
	for _, l := range col.leaves() {
		if byUA[l.ua] == nil {
			order = append(order, l.ua)
		}
		byUA[l.ua] = append(byUA[l.ua], l)
	}
	var out []Suspect
	for _, u := range order {
		s := Suspect{UA: u.raw, Device: u.info(), Sources: top(u.sources.sorted(), 5), Target: t.name, Pool: t.pool.String(),
			BytesPerMessage: cr.beta, CI: cr.ci, PValue: cr.p, PartialR2: cr.partial, R2: a.fits[bt].R2,
			Share: cr.share, Lift: cr.lift, Lag: cr.lag}
		var big *cell
		for _, l := range byUA[u] {
			c := l.cells[0]
			s.First |= c.rule
			s.Rules |= c.failed
			if c.rule < RuleCoreDrop {
				s.Rules |= c.rule
			}
			s.Count += uint64(l.total)
			if big == nil || c.n > big.n {
				big = c
			}
			s.Tokens = append(s.Tokens, c.tokens...)
		}
		s.Example = big.example
		s.CountCapture, s.CountLog = malformedBySource(u)
		for _, o := range order {
			if o != u {
				s.Indistinguishable = append(s.Indistinguishable, uaName(o))
			}
		}
		s.Indistinguishable = append(s.Indistinguishable, col.joined...)
		a.spread(&s, t)
		if secs > 0 {
			s.Rate = s.BytesPerMessage * float64(s.Count) / secs
			if t.pool == PoolPkg {
				s.ProcessRate = s.Rate
				switch {
				case s.LoadSpread == "scaled":
					s.ProcessRate = cr.beta * float64(s.Count) / secs
				case len(t.names) > 0:
					s.ProcessRate = s.Rate / float64(t.sumSpread())
				}
			}
		}
		s.Defect = matchDefect(&s, t.metric, t.pool, a.o)
		s.Evidence = evidence(&s, a.fits[bt], a.g.step.String())
		out = append(out, s)
	}
	return out
}

// defaultChildren is Kamailio's default number of UDP receivers per
// listen socket (children=8): the "if spread" figure when nothing says how
// many processes share the load.
const defaultChildren = 8

// spread relates the estimate to the server: a per-process series (Munin's
// least-free process) sees only its share of the messages, so its bytes
// per message are multiplied by the number of processes sharing the load.
func (a *analysis) spread(s *Suspect, t *target) {
	s.LoadSpread = "server"
	if !t.perProcess {
		return
	}
	s.PerProcessBytes = s.BytesPerMessage
	if t.spread <= 0 {
		s.LoadSpread, s.AssumedReceivers = "unknown", defaultChildren
		s.IfSpreadBytes = s.BytesPerMessage * defaultChildren
		return
	}
	n := float64(t.spread)
	s.LoadSpread, s.Receivers, s.ReceiversFrom = "scaled", t.spread, t.spreadFrom
	s.BytesPerMessage *= n
	s.CI.Low *= n
	s.CI.High *= n
}

// sumSpread is the number of processes a pkg sum target's leak is spread
// over: the receivers it is told of, else the receivers among its members,
// else all members.
func (t *target) sumSpread() int {
	switch {
	case t.spread > 0:
		return t.spread
	case len(t.receivers) > 0:
		return len(t.receivers)
	}
	return max(len(t.names), 1)
}

// bystanders lists every UA with malformed messages that is not a suspect.
func (a *analysis) bystanders(r *Report, isSuspect map[*uaEntry]bool, thr float64) {
	groupOf := map[*column]int{}
	for j := 0; j < a.ncand; j++ {
		for _, l := range a.cols[j].leaves() {
			groupOf[l] = j
		}
	}
	inAll := map[*uaEntry][]*column{}
	for _, c := range a.all {
		inAll[c.ua] = append(inAll[c.ua], c)
	}
	for _, u := range a.tl.entries() {
		if isSuspect[u] {
			continue
		}
		b := Bystander{UA: u.raw, Device: u.info(), Sources: top(u.sources.sorted(), 5)}
		var big *cell
		for _, c := range u.cells {
			if c.rule == 0 {
				continue
			}
			b.Rules |= c.failed
			if c.rule < RuleCoreDrop {
				b.Rules |= c.rule
			}
			if c.source == a.src {
				b.Count += c.n
			}
			if big == nil || c.n > big.n {
				big = c
			}
		}
		if big == nil {
			continue
		}
		if b.Count == 0 {
			b.Count = big.n
		}
		b.Example = big.example
		b.Reason = a.reason(u, inAll[u], groupOf, &b, thr)
		r.MalformedWithoutImpact = append(r.MalformedWithoutImpact, b)
	}
	slices.SortStableFunc(r.MalformedWithoutImpact, func(x, y Bystander) int {
		if x.Count != y.Count {
			if x.Count > y.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(x.UA, y.UA)
	})
	if n := len(r.MalformedWithoutImpact); n > a.o.MaxBystanders {
		r.Notes = append(r.Notes, Note{"cardinality", fmt.Sprintf("%d UAs sent malformed SIP without impact; the %d largest are listed", n, a.o.MaxBystanders)})
		r.MalformedWithoutImpact = r.MalformedWithoutImpact[:a.o.MaxBystanders]
	}
}

// reason explains why a UA is not a suspect, filling the estimate of its
// largest tested cell.
func (a *analysis) reason(u *uaEntry, cols []*column, groupOf map[*column]int, b *Bystander, thr float64) string {
	if len(cols) == 0 {
		if a.g.n == 0 || a.res == nil {
			return "not tested: no analysis window (see notes)"
		}
		return fmt.Sprintf("no malformed %s messages inside the analysis window", a.src)
	}
	for _, c := range cols { // by volume: the first tested one speaks for the UA
		j, ok := groupOf[c]
		if !ok || a.best[j] < 0 {
			continue
		}
		cr := a.res[a.best[j]][j]
		b.Tested, b.BytesPerMessage, b.CI, b.Lift = true, cr.beta, cr.ci, cr.lift
		switch {
		case cr.ci.Low <= 0:
			return fmt.Sprintf("no memory effect: 95%% interval [%.3g, %.3g] B/message includes 0 (%s)", cr.ci.Low, cr.ci.High, a.targets[a.best[j]].name)
		case cr.p >= thr:
			return fmt.Sprintf("not significant: p = %.2g above the corrected threshold %.2g", cr.p, thr)
		case cr.share < a.o.MinShare:
			return fmt.Sprintf("explains %.1f%% of the growth of %s, below the %.0f%% a suspect must explain (%.3g B/message, p = %.2g)",
				100*cr.share, a.targets[a.best[j]].name, 100*a.o.MinShare, cr.beta, cr.p)
		default:
			return fmt.Sprintf("estimate %.3g B/message below the minimum %.3g", cr.beta, a.o.MinBytesPerMessage)
		}
	}
	for _, c := range cols {
		if !slices.Contains(a.constant, c) {
			continue
		}
		why := "constant message rate: indistinguishable from baseline drift (a capture covering a change in its traffic can tell)"
		if cr, ok := a.flat[c]; ok {
			b.BytesPerMessage, b.CI, b.Lift = cr.beta, cr.ci, cr.lift
			why += fmt.Sprintf("; assuming memory is flat without it (BaselineZero): %.3g B/message, 95%% interval [%.3g, %.3g] on %s", cr.beta, cr.ci.Low, cr.ci.High, a.targets[cr.target].name)
		}
		return why
	}
	if a.res == nil || len(a.targets) == 0 {
		return "not tested: no memory series to regress"
	}
	return fmt.Sprintf("not tested individually: below the %d largest (UA, rule) cells (part of the other-malformed control)", a.o.MaxCandidates)
}

func malformedBySource(u *uaEntry) (capture, log uint64) {
	for _, c := range u.cells {
		switch {
		case c.rule == 0:
		case c.source == SourceCapture:
			capture += c.n
		case c.source == SourceLog:
			log += c.n
		}
	}
	return capture, log
}

func uaName(u *uaEntry) string {
	if u.folded {
		return "(folded UAs)"
	}
	return u.raw
}

func top(s []SourceCount, n int) []SourceCount {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// evidence is the one-line summary of a suspect.
func evidence(s *Suspect, f TargetFit, step string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d malformed messages (rule %s) from %d source(s): %.3g B/message, 95%% CI [%.3g, %.3g], p = %.2g on %s; model R² %.2f, partial R² %.2f, %.0f%% of the growth; lift %.2f; lag %d × %s",
		s.Count, ruleText(s.First), len(s.Sources), s.BytesPerMessage, s.CI.Low, s.CI.High, s.PValue, s.Target, s.R2, s.PartialR2, 100*s.Share, s.Lift, s.Lag, step)
	if len(s.Indistinguishable) > 0 {
		fmt.Fprintf(&b, "; indistinguishable from %s", strings.Join(s.Indistinguishable, ", "))
	}
	if d := s.Defect; d != nil && d.Consistent {
		fmt.Fprintf(&b, "; consistent with %s (%s)", d.ID, d.Expected)
	}
	return b.String()
}

// ruleText names a rule key: sanity bits joined by "+", or the pseudo rule.
func ruleText(r uint32) string {
	var parts []string
	if r&RuleCoreDrop != 0 {
		parts = append(parts, "core-drop")
	}
	if r&RuleUnknown != 0 {
		parts = append(parts, "unknown")
	}
	if b := bitList(r); b != "" {
		parts = append(parts, b)
	}
	return strings.Join(parts, "+")
}
