package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/memstat"
)

// timelineWindow keeps the correlation timeline of a long capture bounded:
// two overlapping generations of correlate.Timeline. Every event goes into
// both; when the older one spans the window it is dropped and the younger,
// which started half a window later, takes its place. Attribution always
// sees between half a window and a window of per-bucket history; older
// buckets survive only as the per-UA totals of the inventory (rolled up).
type timelineWindow struct {
	opts         correlate.TimelineOptions
	window       time.Duration
	old, young   *correlate.Timeline
	oldStart     time.Time
	youngStart   time.Time
	rotations    int
	foldedEvents uint64 // of generations dropped, for the notes
}

func newTimelineWindow(window time.Duration, opts correlate.TimelineOptions) *timelineWindow {
	return &timelineWindow{opts: opts, window: window}
}

func (w *timelineWindow) add(e *correlate.Event) {
	if w.old == nil {
		w.old, w.oldStart = correlate.NewTimeline(w.opts), e.Time
	}
	if e.Time.Sub(w.oldStart) >= w.window/2 && w.young == nil {
		w.young, w.youngStart = correlate.NewTimeline(w.opts), e.Time
	}
	if e.Time.Sub(w.oldStart) >= w.window && w.young != nil {
		w.foldedEvents += w.old.Stats().FoldedEvents
		w.old, w.oldStart = w.young, w.youngStart
		w.young = nil
		w.rotations++
	}
	w.old.Add(e)
	if w.young != nil {
		w.young.Add(e)
	}
}

// cover declares a span of src as observed in both generations.
func (w *timelineWindow) cover(src correlate.Source, from, to time.Time) {
	for _, tl := range []*correlate.Timeline{w.old, w.young} {
		if tl != nil {
			tl.Cover(src, from, to)
		}
	}
}

// timeline returns the generation to analyse (nil before any event).
func (w *timelineWindow) timeline() *correlate.Timeline { return w.old }

// memPoller polls the SIP server's memory on its own goroutine with
// memstat's Watcher and keeps the samples of the last window.
type memPoller struct {
	source string
	window time.Duration

	mu       sync.Mutex
	samples  []memstat.Sample
	polls    uint64
	errs     uint64
	lastErr  string
	runErr   error
	trimmed  int
	finished chan struct{}
}

func startMemPoller(ctx context.Context, s memstat.Sampler, source string, interval, window time.Duration, record io.Writer) *memPoller {
	m := &memPoller{source: source, window: window, finished: make(chan struct{})}
	if record == nil {
		record = io.Discard
	}
	w := &memstat.Watcher{Sampler: s, Interval: interval, Out: record, Source: source, OnPoll: m.onPoll}
	go func() {
		defer close(m.finished)
		if err := w.Run(ctx); err != nil {
			m.mu.Lock()
			m.runErr = err
			m.mu.Unlock()
		}
	}()
	return m
}

func (m *memPoller) onPoll(s memstat.Sample, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.polls++
	if err != nil {
		m.errs++
		m.lastErr = err.Error()
		return
	}
	m.samples = append(m.samples, s)
	cut := 0
	for cut < len(m.samples) && s.Time.Sub(m.samples[cut].Time) > m.window {
		cut++
	}
	if cut > 0 {
		m.trimmed += cut
		m.samples = append(m.samples[:0], m.samples[cut:]...)
	}
}

// counts returns polls and failed polls so far.
func (m *memPoller) counts() (polls, errs uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.polls, m.errs
}

// set returns the samples so far as a memstat Set.
func (m *memPoller) set() *memstat.Set {
	m.mu.Lock()
	samples := append([]memstat.Sample(nil), m.samples...)
	m.mu.Unlock()
	return memstat.FromSamples(m.source, samples)
}

func (m *memPoller) notes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	if m.runErr != nil {
		out = append(out, fmt.Sprintf("memory polling of %s stopped: %v", m.source, m.runErr))
	}
	if m.errs > 0 {
		out = append(out, fmt.Sprintf("%d of %d memory polls of %s failed (last: %s)", m.errs, m.polls, m.source, m.lastErr))
	}
	return out
}

// memTrend is the memory line of the live view: shared memory and the
// process with the least free pkg memory, with their slopes.
type memTrend struct {
	ok                 bool
	shmUsed, shmTotal  float64
	shmSlope           float64 // bytes/s over the window
	pkgName            string
	pkgFree, pkgSlope  float64 // least free process, its used slope
	polls, errs        uint64
	lastErr            string
	samplesInWindow    int
	windowCoveredSince time.Time
}

func (m *memPoller) trend() memTrend {
	set := m.set()
	t := memTrend{}
	t.polls, t.errs = m.counts()
	m.mu.Lock()
	t.lastErr, t.samplesInWindow = m.lastErr, len(m.samples)
	if len(m.samples) > 0 {
		t.windowCoveredSince = m.samples[0].Time
	}
	m.mu.Unlock()
	for _, ms := range offenderSeries(set, nil) {
		n := len(ms.Points)
		if n == 0 {
			continue
		}
		last := ms.Points[n-1]
		slope := 0.0
		if n > 1 && last.Segment == ms.Points[0].Segment {
			if dt := last.Time.Sub(ms.Points[0].Time).Seconds(); dt > 0 {
				slope = (last.Used - ms.Points[0].Used) / dt
			}
		}
		switch ms.Pool {
		case correlate.PoolShm:
			t.ok, t.shmUsed, t.shmTotal, t.shmSlope = true, last.Used, ms.Total, slope
		case correlate.PoolPkg:
			if ms.Total > 0 && (t.pkgName == "" || ms.Total-last.Used < t.pkgFree) {
				t.ok, t.pkgName, t.pkgFree, t.pkgSlope = true, ms.Name, ms.Total-last.Used, slope
			}
		}
	}
	return t
}
