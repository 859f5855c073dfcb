package capture

import "time"

// The consumer side of a HEPFeed: waiting for datagrams and decoding
// them on the pipeline's goroutine.

// While HEP flows, Wait naps hepNap at a time instead of waking on each
// datagram: one wake-up per batch, like a capture ring's block timeout,
// rather than a futex wake and a park per message, which halved the
// drop-free rate. hepBusy after the last datagram taken it blocks on the
// queue, so an idle feed costs no CPU.
const (
	hepNap  = 500 * time.Microsecond
	hepBusy = 50 * time.Millisecond
)

// Wait blocks until a datagram is queued or timeout passes, and says
// whether one is. Only the consumer's goroutine may call it.
func (f *HEPFeed) Wait(timeout time.Duration) bool {
	if f.pending || len(f.queue) > 0 {
		return true
	}
	start := time.Now()
	for time.Since(f.lastTook) < hepBusy && time.Since(start) < timeout {
		time.Sleep(hepNap)
		if len(f.queue) > 0 {
			return true
		}
	}
	rest := timeout - time.Since(start)
	if rest <= 0 {
		return false
	}
	t := time.NewTimer(rest)
	defer t.Stop()
	select {
	case f.pend = <-f.queue:
		f.pending = true
		return true
	case <-t.C:
		return false
	}
}

// Poll decodes up to max queued datagrams without waiting and hands
// every SIP message to emit, with the HEP capture time and addresses;
// it returns the datagrams taken. Only the consumer's goroutine may call
// it.
func (f *HEPFeed) Poll(limit int, emit func(*Datagram)) int {
	n := 0
	defer func() {
		if n > 0 {
			f.lastTook = time.Now()
		}
	}()
	for ; n < limit; n++ {
		var d hepDatagram
		if f.pending {
			d, f.pending = f.pend, false
		} else {
			select {
			case d = <-f.queue:
			default:
				return n
			}
		}
		f.decode(d, emit)
	}
	return n
}

// decode runs one datagram through the reader and frees its slot.
func (f *HEPFeed) decode(d hepDatagram, emit func(*Datagram)) {
	defer f.recycle(d.buf)
	defer f.held.Add(-int64(d.n))
	f.packets++
	if _, err := f.reader.Decode(d.buf[:d.n], d.recv, f.packets, emit); err != nil {
		return // counted in HEPStats under its reason
	}
}
