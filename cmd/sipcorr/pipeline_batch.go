package main

import (
	"context"
	"sync"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/sipparse"
)

// batchPipeline is analyze's file loop on two cores. Reading, decoding and
// framing (capture) cost about as much as parsing and judging (sipparse),
// so the calling goroutine reads and a judge goroutine parses and judges,
// a batch of messages at a time. The sinks still run on the calling
// goroutine, in capture order, while the judge works on the next batch:
// they keep state (inventory, defects, offender timeline, evidence picks)
// that was written for one goroutine and would cost locks per message.
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
	pending int      // sent to the judge, sinks not run yet
	toJudge chan *batch
	judged  chan *batch // in the order sent: the judge is one goroutine
	wg      sync.WaitGroup
	closed  bool
}

// Batch bounds: batchSize messages, or batchBytes of payload, whichever
// comes first; batchesInFlight batches exist (one filling or in the sinks,
// one being judged, one queued), which bounds memory to a few MB.
const (
	batchSize       = 256
	batchBytes      = 512 << 10
	batchesInFlight = 3
)

// batch is a run of messages from one input, with copies of their payloads.
type batch struct {
	path  string
	n     int
	slots [batchSize]batchSlot
	// buf holds the payloads back to back; a slot's dg.Payload is set to
	// its part of buf only when the batch is sealed, as buf may grow.
	buf []byte
}

type batchSlot struct {
	dg      capture.Datagram
	off     int // of the payload in batch.buf
	msg     sipparse.Message
	verdict sipparse.Verdict
	j       judged
	emit    bool // j goes to the sinks (see pipeline.judgeInto)
}

// newBatchPipeline starts the judge goroutine; close stops it. p's
// decoder, judge and totals belong to the batchPipeline until close
// returns (p.totals is written by the judge goroutine).
func newBatchPipeline(p *pipeline, fn func(path string, j *judged)) *batchPipeline {
	bp := &batchPipeline{p: p, fn: fn,
		toJudge: make(chan *batch, batchesInFlight), judged: make(chan *batch, batchesInFlight)}
	for range batchesInFlight {
		bp.free = append(bp.free, &batch{buf: make([]byte, 0, batchBytes)})
	}
	bp.wg.Add(1)
	go bp.judgeLoop()
	return bp
}

// judgeLoop parses and judges batches in the order they come. It never
// blocks on sending: judged has room for every batch there is.
func (bp *batchPipeline) judgeLoop() {
	defer bp.wg.Done()
	defer close(bp.judged)
	for b := range bp.toJudge {
		for i := range b.slots[:b.n] {
			s := &b.slots[i]
			s.emit = bp.p.judgeInto(&s.dg, &s.msg, &s.verdict, &s.j)
		}
		bp.judged <- b
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

// close stops the judge goroutine. It is safe to call more than once and
// after an early return: batches still queued are judged and dropped.
func (bp *batchPipeline) close() {
	if bp.closed {
		return
	}
	bp.closed = true
	close(bp.toJudge)
	for range bp.judged {
	}
	bp.wg.Wait()
}

// add copies one emitted message into the batch being filled.
func (bp *batchPipeline) add(path string, dg *capture.Datagram) {
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

// submit seals the batch being filled and hands it to the judge, then runs
// the sinks of every batch the judge has finished meanwhile.
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
	bp.toJudge <- b // never blocks: there are only batchesInFlight batches
	bp.pending++
	for bp.pending > 0 {
		select {
		case done := <-bp.judged:
			bp.sink(done)
		default:
			return
		}
	}
}

// take returns an empty batch, running the sinks of judged ones until one
// is free.
func (bp *batchPipeline) take() *batch {
	for len(bp.free) == 0 {
		bp.sink(<-bp.judged)
	}
	b := bp.free[len(bp.free)-1]
	bp.free = bp.free[:len(bp.free)-1]
	return b
}

// sync submits the batch being filled and waits until every message read
// so far has been through the sinks.
func (bp *batchPipeline) sync() {
	bp.submit()
	for bp.pending > 0 {
		bp.sink(<-bp.judged)
	}
}

// sink hands a judged batch to fn in capture order and frees it.
func (bp *batchPipeline) sink(b *batch) {
	bp.pending--
	for i := range b.slots[:b.n] {
		if s := &b.slots[i]; s.emit {
			bp.fn(b.path, &s.j)
		}
	}
	bp.free = append(bp.free, b)
}
