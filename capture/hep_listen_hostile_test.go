package capture

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"runtime"
	"testing"
)

// TestHEPFeedHostile sends hostile HEP to a listener: truncated messages,
// lengths past the datagram, empty payloads, non-SIP types, unknown
// chunks, garbage, and 100 000 valid messages of distinct capture ids.
// Every kind lands in its own counter, nothing panics, and the heap does
// not grow with the number of capture ids.
func TestHEPFeedHostile(t *testing.T) {
	src, dst := netip.MustParseAddrPort("10.0.0.1:5060"), netip.MustParseAddrPort("10.0.0.2:5060")
	valid := func(sec, usec, captureID uint32) []byte {
		cs := sipChunks4(src, dst, sec, usec, hepSIP)
		cs[9].val = u32b(captureID)
		return encodeHEP3(cs...)
	}
	pastTotal := valid(1, 0, 1)
	binary.BigEndian.PutUint16(pastTotal[4:], uint16(len(pastTotal)+100))
	underHeader := valid(1, 0, 1)
	binary.BigEndian.PutUint16(underHeader[4:], 3)
	pastChunk := valid(1, 1, 1)
	binary.BigEndian.PutUint16(pastChunk[len(pastChunk)-len(hepSIP)-2:], 0xffff) // the payload chunk's length
	rtcp := sipChunks4(src, dst, 1, 2, hepSIP)
	rtcp[8].val = []byte{5}
	unknown := append(sipChunks4(src, dst, 1, 3, hepSIP), hepChunk{9, 9, []byte("vendor")}, hepChunk{0, 99, nil})
	hostile := []struct {
		name  string
		msgs  [][]byte
		count func(s HEPStats) uint64
	}{
		{"cut: in the header, or before the total it announces", [][]byte{[]byte("HEP3\x00"), pastTotal}, func(s HEPStats) uint64 { return s.Short }},
		{"total under the header", [][]byte{underHeader}, func(s HEPStats) uint64 { return s.BadLength }},
		{"chunk past the total", [][]byte{pastChunk}, func(s HEPStats) uint64 { return s.BadChunk }},
		{"empty payload", [][]byte{encodeHEP3(sipChunks4(src, dst, 1, 4, "")...)}, func(s HEPStats) uint64 { return s.NoPayload }},
		{"RTCP", [][]byte{encodeHEP3(rtcp...)}, func(s HEPStats) uint64 { return s.NonSIP }},
		{"garbage", [][]byte{[]byte("\x07garbage")}, func(s HEPStats) uint64 { return s.BadMagic }},
	}
	const each, ids = 50, 100000
	f := NewHEPFeed(HEPFeedOptions{})
	defer f.Close()
	addr, err := f.Listen(context.Background(), "udp:127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent := 0
	send := func(b []byte) {
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		sent++ // at most 1000 ahead of the consumer: the socket buffer holds them
	}
	for _, h := range hostile {
		for _, m := range h.msgs {
			for range each {
				send(m)
			}
		}
	}
	for range each {
		send(encodeHEP3(unknown...))
	}
	sip := 0
	emit := func(*Datagram) { sip++ }
	pollUntil(f, sent, emit)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// in steps the consumer catches up with, so that no machine is too
	// slow for this test (drops have their own)
	const step = 1000
	for i := 0; i < ids; i += step {
		for j := i; j < i+step; j++ {
			// 20 ms apart: identical messages closer than DupWindow are
			// siptrace's doubles, whatever their capture ids
			send(valid(1700000000+uint32(j/50), uint32(j%50)*20000, uint32(j)))
		}
		if got := pollUntil(f, step, emit); got != step {
			t.Fatalf("step %d: took %d of %d; stats %+v", i/step, got, step, f.Stats())
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)

	st := f.Stats()
	for _, h := range hostile {
		if n := h.count(st.HEP); n != uint64(each*len(h.msgs)) {
			t.Errorf("%s: counted %d, sent %d", h.name, n, each*len(h.msgs))
		}
	}
	// the 50 identical messages with unknown chunks: each counts its two
	// chunks, the first is SIP and the rest are siptrace-like doubles
	if st.HEP.Unknown != 2*each || st.HEP.Duplicates != each-1 || st.Drops+st.SocketDrops != 0 || sip != ids+1 || st.HEP.SIP != uint64(sip) {
		t.Errorf("unknown chunks %d (want %d), duplicates %d, %d SIP messages (want %d); stats %+v", st.HEP.Unknown, 2*each, st.HEP.Duplicates, sip, ids+1, st)
	}
	agents, other := f.Agents()
	total := other
	for _, a := range agents {
		total += a.Messages
	}
	if len(agents) != maxHEPAgents || total != uint64(sip) {
		t.Errorf("%d agents told apart, %d messages counted (%d folded), %d sent", len(agents), total, other, sip)
	}
	if grow := int64(after.HeapInuse) - int64(before.HeapInuse); grow > 8<<20 {
		t.Errorf("heap grew %d bytes over %d capture ids", grow, ids)
	}
	t.Logf("%d datagrams; heap in use %d -> %d bytes", st.Datagrams, before.HeapInuse, after.HeapInuse)
}
