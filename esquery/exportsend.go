package esquery

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxReasons bounds ExportStats.RejectedByReason.
const maxReasons = 20

// run is the sending goroutine: one bulk request at a time, so at most one
// batch waits in the channel and Add blocks behind it.
func (e *Exporter) run() {
	defer close(e.done)
	for batch := range e.work {
		if e.err() != nil {
			e.mu.Lock()
			e.stats.Unsent += int64(len(batch))
			e.mu.Unlock()
			continue
		}
		e.send(batch)
		if e.opts.Progress != nil {
			e.mu.Lock()
			st := e.stats
			e.mu.Unlock()
			st.RejectedByReason = nil
			e.opts.Progress(st)
		}
	}
}

// retryable says whether a whole failed request may succeed when re-sent.
func retryable(err error) bool {
	return errors.Is(err, ErrRejected) || errors.Is(err, ErrServer) ||
		errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTimeout)
}

// send delivers one batch: items refused with 429 or 5xx (or the whole
// request failing that way, or the connection dropping) are re-sent with
// exponential backoff; other refusals are counted by reason; a fatal error
// (credentials, permissions, cancelled context) stops the export and counts
// the batch as unsent.
func (e *Exporter) send(items []item) {
	pending := items
	var why string // reason of the last refusal
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 {
			d := min(e.opts.Backoff<<(attempt-1), 10*time.Second)
			if e.opts.OnRetry != nil {
				e.opts.OnRetry(Retry{Attempt: attempt, Docs: len(pending), Delay: d, Reason: why})
			}
			select {
			case <-time.After(d):
			case <-e.ctx.Done():
				e.stop(classify("bulk", e.opts.Index, e.ctx.Err()), pending)
				return
			}
		}
		res, err := e.bulk(pending)
		e.mu.Lock()
		e.stats.Requests++
		e.mu.Unlock()
		if err != nil {
			cerr := classify("bulk", e.opts.Index, err)
			if !retryable(cerr) || e.ctx.Err() != nil {
				e.stop(cerr, pending)
				return
			}
			if attempt >= e.opts.MaxRetries {
				kind := ErrRejected
				var ee *Error
				if errors.As(cerr, &ee) {
					kind = ee.Kind
				}
				e.reject(pending, kind, fmt.Sprintf("%v after %d retries", kind, attempt))
				return
			}
			e.mu.Lock()
			e.stats.Retries += int64(len(pending))
			e.mu.Unlock()
			why = cerr.Error()
			continue
		}
		if len(res.Items) != len(pending) {
			e.reject(pending, ErrServer, fmt.Sprintf("bulk response with %d items for %d documents", len(res.Items), len(pending)))
			return
		}
		var retry []item
		var retryReason string
		e.mu.Lock()
		for i, m := range res.Items {
			for _, r := range m { // one action per item
				switch {
				case r.Status >= 200 && r.Status < 300:
					if pending[i].rollup {
						e.stats.Rollups++
					} else {
						e.stats.Verdicts++
					}
					if r.Result == "updated" {
						e.stats.Updated++
					} else {
						e.stats.Created++
					}
				case r.Status == 429 || r.Status >= 500:
					retry = append(retry, pending[i])
					retryReason = fmt.Sprintf("HTTP %d", r.Status)
					if r.Error != nil {
						retryReason += " " + r.Error.Type + ": " + r.Error.Reason
					}
				default:
					typ, reason := "", ""
					if r.Error != nil {
						typ, reason = r.Error.Type, r.Error.Reason
					}
					e.rejectLocked(1, kindOfStatus(r.Status, typ, reason),
						sanitize(fmt.Sprintf("HTTP %d %s: %s", r.Status, typ, reason), 200))
				}
			}
		}
		e.mu.Unlock()
		if len(retry) > 0 && attempt >= e.opts.MaxRetries {
			kind := ErrRejected
			if !strings.HasPrefix(retryReason, "HTTP 429") {
				kind = ErrServer
			}
			e.reject(retry, kind, sanitize(fmt.Sprintf("%s (after %d retries)", retryReason, attempt), 240))
			return
		}
		if len(retry) > 0 {
			e.mu.Lock()
			e.stats.Retries += int64(len(retry))
			e.mu.Unlock()
			why = sanitize(retryReason, 240)
		}
		pending = retry
	}
}

func (e *Exporter) stop(err error, pending []item) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fatal == nil {
		e.fatal = err
	}
	e.stats.Unsent += int64(len(pending))
}

func (e *Exporter) reject(items []item, kind error, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rejectLocked(int64(len(items)), kind, reason)
}

func (e *Exporter) rejectLocked(n int64, kind error, reason string) {
	if e.stats.RejectedByReason == nil {
		e.stats.RejectedByReason = map[string]int64{}
	}
	if _, ok := e.stats.RejectedByReason[reason]; !ok && len(e.stats.RejectedByReason) >= maxReasons {
		reason = "other"
	}
	e.stats.RejectedByReason[reason] += n
	e.stats.Rejected += n
	if e.firstKind == nil {
		e.firstKind = kind
	}
}
