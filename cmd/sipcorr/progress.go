package main

import (
	"fmt"
	"path/filepath"
	"time"
)

// progress draws a one-line status on stderr while a long run goes on. It
// stays silent when stderr is not a terminal and for runs shorter than a
// second, so scripts and quick runs see no noise.
type progress struct {
	e        *env
	start    time.Time
	last     time.Time
	files    int
	fileNo   int
	name     string
	messages uint64
	drawn    bool
}

const (
	progressDelay = time.Second
	progressEvery = 250 * time.Millisecond
	// progressCheck is how many messages pass between clock reads.
	progressCheck = 4096
)

func newProgress(e *env, files int) *progress {
	now := time.Now()
	return &progress{e: e, start: now, last: now, files: files}
}

func (p *progress) file(path string) {
	p.fileNo++
	p.name = filepath.Base(path)
	p.maybeDraw()
}

func (p *progress) message() {
	p.messages++
	if p.messages%progressCheck == 0 {
		p.maybeDraw()
	}
}

func (p *progress) maybeDraw() {
	if !p.e.stderrIsTerminal {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < progressDelay || now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	rate := float64(p.messages) / now.Sub(p.start).Seconds()
	fmt.Fprintf(p.e.stderr, "\r\033[Kfile %d/%d %s: %d SIP messages (%.0f/s)", p.fileNo, p.files, truncName(p.name), p.messages, rate)
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.e.stderr, "\r\033[K")
	}
}

func truncName(s string) string {
	const max = 40
	if len(s) > max {
		return "…" + s[len(s)-max+1:]
	}
	return s
}
