package memstat

import (
	"fmt"
	"time"
)

// poll is the answers of one cron run: at most one of each kind.
type poll struct {
	t      time.Time
	has    [kindCount]bool
	s      Sample
	absent []Metric // optional shm fields the chosen shm answer lacked
}

// add merges p into the poll. Shared memory from stats.get_statistics wins
// over core.shmmem, whose values are truncated for pools of 4 GiB or more
// before Kamailio 5.8.
func (pl *poll) add(p rpcPart) {
	pl.has[p.kind] = true
	switch p.kind {
	case kindPkg:
		pl.s.Pkg = p.pkg
	case kindStats:
		pl.s.Shm, pl.s.ShmSource, pl.absent = p.shm, "stats", p.absent
	case kindShmmem:
		if pl.s.ShmSource != "stats" {
			pl.s.Shm, pl.s.ShmSource, pl.absent = p.shm, "core.shmmem", p.absent
		}
	case kindVersion:
		pl.s.Version = p.version
	}
}

// polls groups the answers. Timed answers of the same time and different
// kinds are one poll. Without times, a poll ends where a kind repeats: a
// loop that asks pkg.stats then stats.get_statistics gives pairs.
func groupPolls(parts []rpcPart, timed bool) []*poll {
	var out []*poll
	var cur *poll
	for _, p := range parts {
		if timed && p.t.IsZero() {
			continue
		}
		if cur == nil || cur.has[p.kind] || (timed && !p.t.Equal(cur.t)) {
			cur = &poll{t: p.t}
			out = append(out, cur)
		}
		cur.add(p)
	}
	return out
}

func (rl *rpcLog) finish() (*Set, error) {
	set := rl.set
	if rl.pending != nil && !rl.pendingUsed {
		rl.skip(NoteSkipped, rl.pendAt, rl.pendOff, "time line without an answer after it")
	}
	timedParts := len(rl.parts) - rl.untimed
	if len(rl.parts) == 0 {
		first := ""
		for _, n := range set.Notes {
			if n.Kind == NoteSkipped || n.Kind == NoteGap || n.Kind == NotePartial || n.Kind == NoteIgnored {
				first = "; first problem: " + n.String()
				break
			}
		}
		return nil, fmt.Errorf("%w: %s: no usable JSON-RPC answer (%d answers)%s", ErrNoData, rl.name, rl.answers, first)
	}
	var polls []*poll
	if timedParts == 0 {
		if rl.opts.Interval <= 0 {
			return nil, fmt.Errorf("%w: %s: %w (%d answers; no time, ts or timestamp field, no time before them): give the loop's interval (CSVOptions.Interval) to space them, or add the time, e.g. curl ... | jq -c '. + {time: now}' >> file", ErrNoData, rl.name, ErrUntimed, len(rl.parts))
		}
		if rl.opts.End.IsZero() {
			return nil, fmt.Errorf("%w: %s: the answers carry no time and the end time is unknown (CSVOptions.End; ReadFile takes the file's modification time)", ErrNoData, rl.name)
		}
		polls = groupPolls(rl.parts, false)
		end := rl.opts.End.UTC()
		for i, pl := range polls {
			pl.t = end.Add(-time.Duration(len(polls)-1-i) * rl.opts.Interval)
		}
		set.note(NoteInfo, 0, time.Time{}, "the answers carry no time: %d polls spaced by %s, the last at %s (the given end: the file's modification time for ReadFile); the times are assumed, not measured",
			len(polls), rl.opts.Interval, end.Format(time.RFC3339))
		if rl.bad > 0 {
			set.note(NoteInfo, 0, time.Time{}, "%d answers were RPC errors and %d lines or answers unusable: runs without a usable answer are not counted, so the assumed times before them may be early by as many intervals (add times to the loop)",
				rl.failed, rl.bad-rl.failed)
		}
	} else {
		if rl.untimed > 0 {
			set.note(NoteSkipped, 0, time.Time{}, "%d answers without a time among %d with one: left out", rl.untimed, timedParts)
		}
		polls = groupPolls(rl.parts, true)
	}
	if rl.zonless {
		set.note(NoteInfo, 0, time.Time{}, "times carry no zone: read as %s", rl.opts.Location)
	}
	samples := make([]Sample, 0, len(polls))
	shmOnly := true
	absent := map[Metric]map[time.Time]bool{}
	for _, pl := range polls {
		for _, m := range pl.absent {
			if absent[m] == nil {
				absent[m] = map[time.Time]bool{}
			}
			absent[m][pl.t] = true
		}
		if len(pl.s.Pkg) == 0 && pl.s.Shm == (ShmStat{}) {
			if pl.s.Version != "" && set.Version == "" {
				set.Version = pl.s.Version
			}
			continue // core.version alone has no values
		}
		if len(pl.s.Pkg) > 0 {
			shmOnly = false
		}
		pl.s.Time = pl.t
		samples = append(samples, pl.s)
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("%w: %s: the answers hold no memory values (only core.version)", ErrNoData, rl.name)
	}
	b := newBuilder(set)
	b.add(samples)
	dropAbsent(set, absent)
	set.Sort()
	dropAboveTotal(set)
	if shmOnly {
		SplitRestarts(set, rl.opts.Split) // no pids: infer restarts from drops
	}
	set.closeNotes()
	if len(set.Series) == 0 {
		return nil, fmt.Errorf("%w: %s: no usable values (every value is above its pool size)", ErrNoData, rl.name)
	}
	return set, nil
}

// dropAbsent removes the shm points of fields an answer did not have
// (core.shmmem or stats.fetch without max_used or fragments): their 0 is
// not a reading, and would look like a restart to SplitRestarts.
func dropAbsent(set *Set, absent map[Metric]map[time.Time]bool) {
	if len(absent) == 0 {
		return
	}
	out := set.Series[:0]
	for _, x := range set.Series {
		if miss := absent[x.Metric]; miss != nil && x.Scope == ScopeShared {
			kept := x.Points[:0]
			for _, p := range x.Points {
				if !miss[p.Time] {
					kept = append(kept, p)
				}
			}
			x.Points = kept
		}
		if len(x.Points) > 0 {
			out = append(out, x)
		}
	}
	for i := len(out); i < len(set.Series); i++ {
		set.Series[i] = nil
	}
	set.Series = out
}
