package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// judged is one SIP message with Kamailio's verdict on it. Its slices alias
// the capture buffer and are only valid during the callback.
type judged struct {
	dg      *capture.Datagram
	msg     *sipparse.Message
	verdict *sipparse.Verdict
	// parseErr is set when the payload was framed as SIP but is not SIP at
	// all; msg and verdict are then not meaningful.
	parseErr error
	// ua is the User-Agent value (nil when absent) and method the request
	// method or, for a reply, its CSeq method. Every sink wants them; they
	// are looked up where the message is parsed, while its header list is
	// in that CPU's cache, rather than by each sink on the reader's.
	ua, method []byte
}

// pipeline reads captures, parses and judges every SIP message, and hands
// each to a callback. One value serves a whole run, so its buffers are
// reused across files and messages.
type pipeline struct {
	decoder *capture.Decoder
	judge   *judge
	msg     sipparse.Message
	verdict sipparse.Verdict
	// servers are the addresses of the SIP server being imitated. What they
	// send never meets their own sanity module: counted, not judged.
	servers serverSet
	// totals counts messages. Incomplete ones (cut by the snaplen, or a TCP
	// gap) are counted and not judged: judging them would blame the device
	// for the capture's loss.
	totals report.Totals
	cur    judged // the message being handed out
}

func newPipeline(opts capture.Options, j *judge) *pipeline {
	return &pipeline{decoder: capture.NewDecoder(opts), judge: j}
}

// readFile runs one capture file through the pipeline. On a fault in the
// file it returns the error after every message before the fault was handed
// to fn; the run goes on with the next file.
func (p *pipeline) readFile(ctx context.Context, path string, fn func(*judged)) error {
	return capture.ReadFile(ctx, path, p.decoder, func(dg *capture.Datagram) { p.handle(dg, fn) })
}

// flush ends the run: messages still held in TCP streams are emitted.
func (p *pipeline) flush(fn func(*judged)) {
	p.decoder.Flush(func(dg *capture.Datagram) { p.handle(dg, fn) })
}

func (p *pipeline) handle(dg *capture.Datagram, fn func(*judged)) {
	// j lives in the pipeline: a judged value built here would escape to the
	// heap through fn and cost an allocation per message.
	j := &p.cur
	if p.judgeInto(&p.totals, dg, &p.msg, &p.verdict, j) {
		fn(j)
	}
}

// judgeInto parses and judges dg into msg and verdict, counts it in t and
// points j at them. It says whether j goes to the sinks: incomplete
// messages and what the server sent are only counted. The batched file
// loop (pipeline_batch.go) calls it from its judge goroutines, with one
// msg and verdict per batch slot and the batch's own totals; it reads
// nothing of p that changes during a run.
func (p *pipeline) judgeInto(t *report.Totals, dg *capture.Datagram, msg *sipparse.Message, verdict *sipparse.Verdict, j *judged) bool {
	if dg.Truncated {
		t.Incomplete++
		return false
	}
	*j = judged{dg: dg, msg: msg, verdict: verdict}
	if p.countFromServer(t, dg, msg) {
		return false
	}
	if err := sipparse.Parse(dg.Payload, msg); err != nil {
		t.Unparsable++
		j.parseErr = err
		return true
	}
	countParsed(t, dg, msg)
	j.lookUp()
	p.judge.Judge(msg, verdict)
	if verdict.CoreDrop {
		t.CoreDrops++
	}
	if verdict.CoreDrop || verdict.First != 0 {
		t.Malformed++
	}
	return true
}

// countFromServer counts dg in t and reports true when the server sent it.
// What the server sends is counted, not judged: its start line says all
// the totals need (Parse fails only there), its headers are not parsed. A
// failing one is left to judgeInto, which parses it whole, as it goes to
// the sinks. The batched file loop calls it on the reader's goroutine,
// before a payload is copied into a batch.
func (p *pipeline) countFromServer(t *report.Totals, dg *capture.Datagram, msg *sipparse.Message) bool {
	if len(p.servers) == 0 || !p.servers.has(dg.Src.Addr().Unmap()) {
		return false
	}
	if sipparse.Parse(startLine(dg.Payload), msg) != nil {
		return false
	}
	countParsed(t, dg, msg)
	t.FromServer++
	return true
}

// lookUp sets j.ua and j.method from the parsed j.msg.
func (j *judged) lookUp() {
	j.ua = j.msg.Get(sipparse.HdrUserAgent)
	if j.msg.IsRequest {
		j.method = j.msg.Method
	} else {
		j.method = j.msg.CSeqMethod()
	}
}

// countParsed counts a message that parsed as SIP.
func countParsed(t *report.Totals, dg *capture.Datagram, msg *sipparse.Message) {
	t.SIPMessages++
	if msg.IsRequest {
		t.Requests++
	} else {
		t.Responses++
	}
	if t.First.IsZero() || dg.Time.Before(t.First) {
		t.First = dg.Time
	}
	if dg.Time.After(t.Last) {
		t.Last = dg.Time
	}
}

// fileError renders a reader error as one line naming the file. capture's
// errors already name file and offset; anything else gets the path added.
func fileError(path string, err error) string {
	var fe *capture.FileError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return fmt.Sprintf("%s: %v", path, err)
}
