package livetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Plan bounds one run of the sender.
type Plan struct {
	// Kinds is the mix (Mix() when nil).
	Kinds []Kind
	// Total is the number of messages to send; it must be positive.
	Total int
	// Rate is messages per second; 0 sends as fast as the socket takes them.
	Rate float64
	// MaxDuration stops the sender even if Total was not reached
	// (default: twice the planned time plus 10 s).
	MaxDuration time.Duration
	// Batch is the number of messages per sendmmsg call (default 32).
	Batch int
	// Wrap, when set, turns every message into what is sent, e.g. a HEP
	// encapsulation stamped with its own capture time: it appends to dst
	// (a buffer per batch slot, reused) the wrapping of msg, the seq-th
	// message sent. It runs in the send loop, so its cost is measured.
	// Bytes count what is sent.
	Wrap func(dst, msg []byte, seq uint64) []byte
}

// Result is what the sender did: every message it counts as sent was
// accepted by the kernel.
type Result struct {
	Sent    map[string]int // by kind name
	ByUA    map[string]int // by User-Agent
	Total   int
	Bytes   int // UDP payload bytes
	Retries int // sends retried after ENOBUFS/EAGAIN
	Elapsed time.Duration
}

// Rate returns the achieved messages per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Total) / r.Elapsed.Seconds()
}

// variants is how many distinct messages (Call-ID, branch, CSeq) are made
// per kind; the sender cycles through them so that it can send fast.
const variants = 256

// Send sends plan.Total messages of the mix to dst over conn (a UDP
// socket), weighted round-robin, paced to plan.Rate.
func Send(ctx context.Context, conn *net.UDPConn, dst *net.UDPAddr, plan Plan) (Result, error) {
	if plan.Total <= 0 {
		return Result{}, errors.New("livetest: Plan.Total must be positive")
	}
	kinds := plan.Kinds
	if kinds == nil {
		kinds = Mix()
	}
	if plan.Batch <= 0 {
		plan.Batch = 32
	}
	if plan.MaxDuration <= 0 {
		plan.MaxDuration = 10 * time.Second
		if plan.Rate > 0 {
			plan.MaxDuration += 2 * time.Duration(float64(plan.Total)/plan.Rate*float64(time.Second))
		}
	}
	// the schedule: kind indexes repeated by weight
	var sched []int
	msgs := make([][][]byte, len(kinds))
	for i := range kinds {
		for w := 0; w < max(kinds[i].Weight, 1); w++ {
			sched = append(sched, i)
		}
		msgs[i] = make([][]byte, variants)
		for v := range msgs[i] {
			msgs[i][v] = kinds[i].Message(uint64(v))
		}
	}
	if err := conn.SetWriteBuffer(4 << 20); err != nil {
		return Result{}, err
	}
	// ipv4.Message and ipv6.Message are the same type: pick sendmmsg by family
	var pc interface {
		WriteBatch([]ipv4.Message, int) (int, error)
	} = ipv4.NewPacketConn(conn)
	if dst.IP.To4() == nil {
		pc = ipv6.NewPacketConn(conn)
	}
	batch := make([]ipv4.Message, plan.Batch)
	wrapped := make([][]byte, plan.Batch)
	which := make([]int, plan.Batch)
	res := Result{Sent: map[string]int{}, ByUA: map[string]int{}}
	ctx, cancel := context.WithTimeout(ctx, plan.MaxDuration)
	defer cancel()
	start := time.Now()
	var seq uint64
	for res.Total < plan.Total {
		if ctx.Err() != nil {
			res.Elapsed = time.Since(start)
			return res, fmt.Errorf("livetest: stopped after %d of %d messages: %w", res.Total, plan.Total, ctx.Err())
		}
		n := min(plan.Batch, plan.Total-res.Total)
		if plan.Rate > 0 {
			due := int(plan.Rate*time.Since(start).Seconds()) - res.Total
			if due <= 0 {
				time.Sleep(200 * time.Microsecond)
				continue
			}
			n = min(n, due)
		}
		for i := 0; i < n; i++ {
			k := sched[int(seq%uint64(len(sched)))]
			which[i] = k
			msg := msgs[k][(seq/uint64(len(sched)))%variants]
			if plan.Wrap != nil {
				wrapped[i] = plan.Wrap(wrapped[i][:0], msg, seq)
				msg = wrapped[i]
			}
			batch[i] = ipv4.Message{Buffers: [][]byte{msg}, Addr: dst}
			seq++
		}
		sent := 0
		for sent < n {
			m, err := pc.WriteBatch(batch[sent:n], 0)
			if err != nil {
				if errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.EAGAIN) {
					res.Retries++
					time.Sleep(100 * time.Microsecond)
					continue
				}
				res.Elapsed = time.Since(start)
				return res, fmt.Errorf("livetest: send: %w", err)
			}
			for i := sent; i < sent+m; i++ {
				k := &kinds[which[i]]
				res.Sent[k.Name]++
				res.ByUA[k.UA]++
				res.Bytes += len(batch[i].Buffers[0])
				res.Total++
			}
			sent += m
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}
