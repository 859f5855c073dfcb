package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/esquery"
)

// esPoller asks Elasticsearch every interval for the SIP server's own
// "Malformed SIP received" log lines of the time since the last poll (up to
// lag ago, for ingestion delay) and hands the per-UA buckets to the capture
// goroutine, which adds them to the timeline as log events.
type esPoller struct {
	ch       chan esBatch
	finished chan struct{}

	mu      sync.Mutex
	polls   uint64
	errs    uint64
	lastErr string
}

// esBatch is the result of one poll: buckets of [from, to).
type esBatch struct {
	from, to time.Time
	bucket   time.Duration
	buckets  []esquery.Bucket
	// unattributed counts hits with neither UA nor source (not in buckets).
	unattributed int64
}

func startESPoller(ctx context.Context, s esquery.Searcher, q esquery.Query, every, lag time.Duration, start time.Time) *esPoller {
	p := &esPoller{ch: make(chan esBatch, 16), finished: make(chan struct{})}
	go func() {
		defer close(p.finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		from := start
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				to := esquery.BucketStart(now.Add(-lag), q.Bucket)
				if !to.After(from) {
					continue
				}
				qq := q
				qq.From, qq.To = from, to
				tally := &esquery.Tally{Bucket: q.Bucket}
				_, err := esquery.Collect(ctx, s, qq, tally)
				p.mu.Lock()
				p.polls++
				if err != nil {
					p.errs++
					p.lastErr = err.Error()
				}
				p.mu.Unlock()
				if err != nil {
					continue // the same window is asked again next time
				}
				select {
				case p.ch <- esBatch{from: from, to: to, bucket: q.Bucket, buckets: tally.Buckets(), unattributed: tally.Unattributed}:
					from = to
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return p
}

func (p *esPoller) counts() (polls, errs uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.polls, p.errs
}

func (p *esPoller) notes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.errs == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d of %d Elasticsearch polls failed (last: %s)", p.errs, p.polls, p.lastErr)}
}

// logTally counts the log hits the capture took.
type logTally struct {
	hits         int64 // lines with a UA, added to the timeline
	unattributed int64 // lines without UA, or over the Tally's key cap
}

// takeLogBatches adds every batch the ES poller has ready.
func (r *liveRun) takeLogBatches() {
	if r.es == nil {
		return
	}
	for {
		select {
		case b := <-r.es.ch:
			r.addLogBatch(b)
		default:
			return
		}
	}
}

// maxLogEventsPerBucket bounds the events one bucket adds: the Timeline
// counts one event per Add.
const maxLogEventsPerBucket = 1 << 20

func (r *liveRun) addLogBatch(b esBatch) {
	r.tl.cover(correlate.SourceLog, b.from, b.to)
	r.logs.unattributed += b.unattributed
	for _, bk := range b.buckets {
		if !bk.HasUA || bk.Overflow {
			r.logs.unattributed += bk.Count
			continue
		}
		ev := correlate.Event{Time: bk.Start, UA: bk.UA, First: correlate.RuleUnknown, Source: correlate.SourceLog}
		n := min(bk.Count, maxLogEventsPerBucket)
		for i := int64(0); i < n; i++ {
			r.tl.add(&ev)
		}
		r.logs.hits += n
		r.logs.unattributed += bk.Count - n
	}
}
