package kamailiotest

import (
	"fmt"
	"strings"

	"github.com/sipcorr/sipcorr/internal/checkline"
)

// Verdict is Kamailio's verdict on one message for one configuration
// (msg_checks mask, uri_checks), in the terms of sipcorr's check output.
type Verdict struct {
	CoreDrop bool
	Failed   uint32 // every bit of the mask whose check fails when run alone
	First    uint32 // the failure Kamailio reports for the whole mask; 0 = pass
	Code     int    // reply code Kamailio sends for First; 0 = none
	Reason   string // reply reason; "" when Code is 0
	// NoReply is true when First set FL_MSG_NOREPLY. Known only for
	// requests other than ACK (Kamailio never replies to the others);
	// NoReplyKnown says whether it is.
	NoReply, NoReplyKnown bool
	// Unsupported is the Unsupported header of a 420 reply.
	Unsupported string
	// Combined is set when the oracle also ran the whole mask as one call;
	// CombinedAgrees tells whether that call's result equals the one
	// derived from the single-check calls and Kamailio's check order.
	Combined, CombinedAgrees bool
	// Note explains a disagreement between the whole-mask call and the
	// derivation, or a reply that could not be sent.
	Note string
	// DropLog is Kamailio's log for a core drop.
	DropLog []string
}

// Verdict derives the verdict for sanity_check(mask, uri) from the
// observation. Failed comes from the single-check calls; First is the
// first failed bit in Kamailio's order (Order56), and Code/Reason are that
// call's reply. If the oracle also ran Call{mask, uri}, that call decides:
// First is then the first failed bit whose reply matches it, and
// CombinedAgrees records whether derivation and reality matched.
func (ob *Observation) Verdict(mask uint32, uri uint8) (Verdict, error) {
	if ob.Err != nil {
		return Verdict{}, ob.Err
	}
	if ob.CoreDrop {
		return Verdict{CoreDrop: true, DropLog: ob.DropLog}, nil
	}
	if mask&^uint32(AllChecks56) != 0 || mask == 0 {
		return Verdict{}, fmt.Errorf("mask %d outside Kamailio 5.6's 1..%d", mask, AllChecks56)
	}
	var v Verdict
	single := make(map[uint32]Outcome, len(bits56))
	for _, b := range bits56 {
		if mask&b == 0 {
			continue
		}
		c := Call{Msg: b, URI: 15}
		if b == 1024 {
			c.URI = uri
		}
		out, ok := ob.Outcome(c)
		if !ok {
			return Verdict{}, fmt.Errorf("oracle did not run %v", c)
		}
		single[b] = out
		if !out.Pass {
			v.Failed |= b
			if v.First == 0 {
				v.First = b
			}
		}
	}
	if v.First != 0 {
		ob.fillReply(&v, single[v.First])
	}
	comb, ok := ob.Outcome(Call{Msg: mask, URI: uri})
	if !ok {
		return v, nil
	}
	v.Combined = true
	derived := v
	switch {
	case comb.Pass && v.First == 0:
		v.CombinedAgrees = true
	case comb.Pass:
		v.First, v.Code, v.Reason, v.NoReply, v.Unsupported = 0, 0, "", false, ""
		v.Note = fmt.Sprintf("whole mask passes although %s fails alone", checkBit(derived.First))
	default:
		v.CombinedAgrees = v.First != 0 && comb.Reply == single[v.First].Reply && comb.ReplyErr == single[v.First].ReplyErr
		if !v.CombinedAgrees {
			v.First = 0
			for _, b := range bits56 {
				if v.Failed&b != 0 && single[b].Reply == comb.Reply {
					v.First = b
					break
				}
			}
			ob.fillReply(&v, comb)
			v.Note = fmt.Sprintf("whole mask replies %s; derived first failure %s replies %s",
				replyText(comb), checkBit(derived.First), replyText(single[derived.First]))
		}
	}
	return v, nil
}

func (ob *Observation) fillReply(v *Verdict, out Outcome) {
	v.NoReplyKnown = !ob.response && !ob.ack && !out.ReplyErr && !ob.noSanityReply
	switch out.Reply.Kind {
	case ReplyCode:
		v.Code, v.Reason, v.Unsupported = out.Reply.Code, out.Reply.Reason, out.Reply.Unsupported
	case ReplyNone:
		v.NoReply = v.NoReplyKnown
	}
	if out.ReplyErr {
		v.Note = "kamailio could not build its reply (the headers do not parse), so nothing is sent"
	}
}

func replyText(out Outcome) string {
	switch {
	case out.Pass:
		return "pass"
	case out.ReplyErr:
		return "reply-error"
	case out.Reply.Kind == ReplyCode:
		return fmt.Sprintf("%d %q", out.Reply.Code, out.Reply.Reason)
	}
	return out.Reply.Kind.String()
}

// checkBit is a check bit as notes print it ("check 512"): the names are
// sipparse's (sipparse.RuleName), which this package cannot import
// (sipparse's tests import it).
func checkBit(b uint32) string { return fmt.Sprintf("check %d", b) }

// Line is one line of `sipcorr check` output; the oracle writes the same
// shape, defined once in internal/checkline.
type Line = checkline.Line

// Line renders v as a check-output line for source.
func (v Verdict) Line(source string) Line {
	l := Line{Source: source, CoreDrop: v.CoreDrop, Failed: checkline.Bits(v.Failed), First: v.First, Code: v.Code, Reason: v.Reason}
	var d []string
	if v.CoreDrop {
		d = append(d, "kamailio core dropped the message")
		d = append(d, v.DropLog...)
	}
	if v.Unsupported != "" {
		d = append(d, "Unsupported: "+v.Unsupported)
	}
	if v.NoReply {
		d = append(d, "no-reply flag set")
	}
	if v.Note != "" {
		d = append(d, v.Note)
	}
	l.Detail = strings.Join(d, "; ")
	return l
}

// MarshalLine encodes l as one JSON line without a trailing newline, in
// the recorded verdict files' form (checkline.Marshal).
func MarshalLine(l Line) ([]byte, error) { return checkline.Marshal(l) }
