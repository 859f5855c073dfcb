package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/sipcorr/sipcorr/esquery"
	"github.com/sipcorr/sipcorr/report"
)

// esProgress draws one status line per Elasticsearch page on a terminal
// (like progress for captures: silent for the first second and when
// stderr is not a terminal). Query.Progress calls it from the goroutine
// that runs the query.
func esProgress(e *env, what string) func(esquery.Progress) {
	start := time.Now()
	var last time.Time
	return func(p esquery.Progress) {
		now := time.Now()
		if !e.stderrIsTerminal || now.Sub(start) < progressDelay || now.Sub(last) < progressEvery {
			return
		}
		last = now
		total := ""
		if p.Total > 0 {
			total = fmt.Sprintf(" of %d", p.Total)
		}
		fmt.Fprintf(e.stderr, "\r\033[K%s: %s page %d, %d%s", report.TerminalSafe(what), p.Phase, p.Pages, p.Docs, total)
	}
}

// endProgress clears the status line.
func endProgress(e *env) {
	if e.stderrIsTerminal {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
}

// pushback records the export's re-sends (Elasticsearch answering 429 or
// 5xx) from the sender goroutine, so that the main goroutine can tell the
// user without two goroutines writing to stderr.
type pushback struct {
	mu      sync.Mutex
	retries int
	docs    int
	reason  string
	shown   int
}

func (p *pushback) onRetry(r esquery.Retry) {
	p.mu.Lock()
	p.retries++
	p.docs += r.Docs
	p.reason = r.Reason
	p.mu.Unlock()
}

// report writes a line when re-sends happened since the last call.
func (p *pushback) report(e *env, index string) {
	p.mu.Lock()
	n, docs, reason := p.retries, p.docs, p.reason
	p.mu.Unlock()
	if n == p.shown {
		return
	}
	p.shown = n
	fmt.Fprintf(e.stderr, "sipcorr analyze: --es-export %s: Elasticsearch pushes back (%s); %d re-sends of %d documents so far\n",
		report.TerminalSafe(index), report.TerminalSafe(reason), n, docs)
}
