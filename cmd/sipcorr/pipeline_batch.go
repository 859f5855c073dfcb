package main

import (
	"context"
	"sync"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// batchPipeline is analyze's file loop on several cores. The calling
// goroutine reads, decodes and frames (capture); judge goroutines parse and
// judge (sipparse), a batch of messages at a time, one per CPU but the
// reader's. Parsing and judging cost about twice what reading does, so when
// every batch is queued or being judged the reader judges one too instead
// of waiting (see wait). The sinks still run on the calling goroutine, in capture
// order: they keep state (inventory, defects, offender timeline, evidence
// picks) that was written for one goroutine and would cost locks per
// message. Batches are numbered when sent and sunk in that order, whichever
// judge finishes first.
//
// capture reuses its buffers after each emit, so every payload is copied
// into its batch; a batch's slots, each with its own sipparse.Message and
// Verdict (Judge caches on the Message), are reused once the sinks are done
// with them, so a message costs no allocation in steady state. Every
// message of a file has been through the sinks before readFile returns:
// what analyzeFiles does between files (per-file counts, fault messages)
// happens in the same order as with pipeline.readFile.
type batchPipeline struct {
	p  *pipeline
	fn func(path string, j *judged)

	cur     *batch   // being filled; nil until the first message
	free    []*batch // empty ones, owned by the calling goroutine
	sent    uint64   // batches sent to the judges
	sunk    uint64   // batches through the sinks; the next to sink is number sunk
	held    []*batch // judged, waiting for their turn: number n at n % len(held)
	toJudge chan *batch
	judged  chan *batch // in the order the judges finish
	wg      sync.WaitGroup
	closed  bool
	// What the server sent is counted here by the reader (see add) and
	// added to the pipeline's totals at sync: the judges read the
	// pipeline's judge and servers for every message, and a counter
	// written per message next to them would bounce their cache line
	// between the CPUs.
	server       sipparse.Message
	serverTotals report.Totals
}

// Batch bounds: batchSize messages, or batchBytes of payload, whichever
// comes first. Per judge, the helping reader included, batchesPerJudge
// batches exist (one being judged, one queued, one filling or in the sinks
// or finished early and waiting for its turn), which bounds memory to a
// few MB (a warm slot holds about 4 KB of header arrays). Small batches
// keep the reader's turns at judging short, so that it is back at reading
// before the judges run dry; much smaller ones cost more hand-overs than
// they save. Measured on the bench capture, 2 CPUs (ns per message, one
// judge): 16: 770-870, 32: 710-760, 64: 700-710, 128: 860-900; more
// batches per judge (6, 12) were slower.
const (
	batchSize       = 64
	batchBytes      = 128 << 10
	batchesPerJudge = 3
)

// batch is a run of messages from one input, with copies of their payloads.
type batch struct {
	path  string
	seq   uint64 // order sent
	n     int
	slots [batchSize]batchSlot
	// buf holds the payloads back to back; a slot's dg.Payload is set to
	// its part of buf only when the batch is sealed, as buf may grow.
	buf []byte
	// totals counts the batch's messages; the judge writes it, the sinks
	// add it to the pipeline's, so the counts need no lock.
	totals report.Totals
}

type batchSlot struct {
	dg      capture.Datagram
	off     int // of the payload in batch.buf
	msg     sipparse.Message
	verdict sipparse.Verdict
	j       judged
	emit    bool // j goes to the sinks (see pipeline.judgeInto)
}

// newBatchPipelineN starts judges judge goroutines (analyze starts one
// per CPU but the reader's, which helps them); close stops them. p's decoder belongs to the batchPipeline
// until close returns.
func newBatchPipelineN(p *pipeline, fn func(path string, j *judged), judges int) *batchPipeline {
	judges = max(judges, 1)
	n := (judges + 1) * batchesPerJudge
	bp := &batchPipeline{p: p, fn: fn, held: make([]*batch, n),
		toJudge: make(chan *batch, n), judged: make(chan *batch, n)}
	for range n {
		bp.free = append(bp.free, &batch{buf: make([]byte, 0, batchBytes)})
	}
	bp.wg.Add(judges)
	for range judges {
		go bp.judgeLoop()
	}
	return bp
}

// judgeLoop parses and judges batches. It never blocks on sending: judged
// has room for every batch there is.
func (bp *batchPipeline) judgeLoop() {
	defer bp.wg.Done()
	for b := range bp.toJudge {
		bp.judgeBatch(b)
		bp.judged <- b
	}
}

// judgeBatch parses and judges every message of b, on a judge goroutine
// or on the reader's when it helps.
func (bp *batchPipeline) judgeBatch(b *batch) {
	b.totals = report.Totals{}
	for i := range b.slots[:b.n] {
		s := &b.slots[i]
		s.emit = bp.p.judgeInto(&b.totals, &s.dg, &s.msg, &s.verdict, &s.j)
	}
}

// wait blocks until a judged batch comes back and takes it. While the
// judges are behind, the reader judges a queued batch itself instead of
// sleeping: judging costs more than reading, so on two CPUs one judge and
// a helping reader keep both busy, where a second judge goroutine would
// compete with the reader for the CPU it needs.
func (bp *batchPipeline) wait() {
	select {
	case b := <-bp.judged:
		bp.finished(b)
		return
	default:
	}
	select {
	case b := <-bp.judged:
		bp.finished(b)
	case b, ok := <-bp.toJudge:
		if !ok {
			return // closed: only close drains it
		}
		bp.judgeBatch(b)
		bp.finished(b)
	}
}

// readFile runs one capture file through the pipeline, like
// pipeline.readFile: on a fault it returns the error after every message
// before the fault went through the sinks.
func (bp *batchPipeline) readFile(ctx context.Context, path string) error {
	err := capture.ReadFile(ctx, path, bp.p.decoder, func(dg *capture.Datagram) { bp.add(path, dg) })
	bp.sync()
	return err
}

// flush ends the run: messages still held in TCP streams are emitted, as
// part of the last input read.
func (bp *batchPipeline) flush(path string) {
	bp.p.decoder.Flush(func(dg *capture.Datagram) { bp.add(path, dg) })
	bp.sync()
}

// close stops the judges. It is safe to call more than once and after an
// early return: batches still queued are judged and dropped.
func (bp *batchPipeline) close() {
	if bp.closed {
		return
	}
	bp.closed = true
	close(bp.toJudge)
	bp.wg.Wait()
}

// add copies one emitted message into the batch being filled. What the
// server sent is only counted, here: its start line is all that is read
// of it, and close to half the bytes of a capture at a server need not be
// copied and handed to another CPU for that.
func (bp *batchPipeline) add(path string, dg *capture.Datagram) {
	if !dg.Truncated && bp.p.countFromServer(&bp.serverTotals, dg, &bp.server) {
		return
	}
	b := bp.cur
	if b != nil && (b.path != path || b.n == batchSize || len(b.buf)+len(dg.Payload) > cap(b.buf)) {
		bp.submit()
		b = nil
	}
	if b == nil {
		b = bp.take()
		b.path, b.n, b.buf = path, 0, b.buf[:0]
		bp.cur = b
	}
	s := &b.slots[b.n]
	b.n++
	s.dg = *dg
	s.off = len(b.buf)
	b.buf = append(b.buf, dg.Payload...) // a lone message larger than batchBytes grows buf once
}

// submit seals the batch being filled and hands it to the judges, then
// runs the sinks of every batch whose turn has come meanwhile.
func (bp *batchPipeline) submit() {
	b := bp.cur
	if b == nil {
		return
	}
	bp.cur = nil
	for i := range b.slots[:b.n] {
		s := &b.slots[i]
		end := len(b.buf)
		if i+1 < b.n {
			end = b.slots[i+1].off
		}
		s.dg.Payload = b.buf[s.off:end:end]
	}
	b.seq = bp.sent
	bp.sent++
	bp.toJudge <- b // never blocks: there are only as many batches as room
	for {
		select {
		case done := <-bp.judged:
			bp.finished(done)
		default:
			return
		}
	}
}

// take returns an empty batch, waiting for judged ones (and running their
// sinks) until one is free.
func (bp *batchPipeline) take() *batch {
	for len(bp.free) == 0 {
		bp.wait()
	}
	b := bp.free[len(bp.free)-1]
	bp.free = bp.free[:len(bp.free)-1]
	return b
}

// sync submits the batch being filled and waits until every message read
// so far has been through the sinks.
func (bp *batchPipeline) sync() {
	bp.submit()
	for bp.sunk < bp.sent {
		bp.wait()
	}
	addTotals(&bp.p.totals, &bp.serverTotals)
	bp.serverTotals = report.Totals{}
}

// finished takes a judged batch and runs the sinks of every batch whose
// turn it is.
func (bp *batchPipeline) finished(b *batch) {
	bp.held[b.seq%uint64(len(bp.held))] = b
	for {
		i := bp.sunk % uint64(len(bp.held))
		next := bp.held[i]
		if next == nil || next.seq != bp.sunk {
			return
		}
		bp.held[i] = nil
		bp.sunk++
		bp.sink(next)
	}
}

// sink hands a judged batch to fn in capture order, counts it and frees it.
func (bp *batchPipeline) sink(b *batch) {
	addTotals(&bp.p.totals, &b.totals)
	for i := range b.slots[:b.n] {
		if s := &b.slots[i]; s.emit {
			bp.fn(b.path, &s.j)
		}
	}
	bp.free = append(bp.free, b)
}

// addTotals adds the message counts of src to dst (packets and bytes are
// the decoder's, not counted per message).
func addTotals(dst, src *report.Totals) {
	dst.SIPMessages += src.SIPMessages
	dst.Requests += src.Requests
	dst.Responses += src.Responses
	dst.Malformed += src.Malformed
	dst.CoreDrops += src.CoreDrops
	dst.Unparsable += src.Unparsable
	dst.Incomplete += src.Incomplete
	dst.FromServer += src.FromServer
	if !src.First.IsZero() && (dst.First.IsZero() || src.First.Before(dst.First)) {
		dst.First = src.First
	}
	if src.Last.After(dst.Last) {
		dst.Last = src.Last
	}
}
