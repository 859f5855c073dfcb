package capture

import (
	"bytes"
	"encoding/binary"
)

// HEP over TCP inside capture files (heplify -nt tcp recorded on the
// collector): a connection to or from a HEP port is a stream of HEPv3
// messages framed by their total length. The SIP framer's buffering, gap
// handling and memory budget are kept; only frame changes (frameHEP), and
// each framed message goes to the HEPReader instead of out as SIP.

var hep3Magic = []byte("HEP3")

// frameHEP is frame for a HEP stream: it hands out every complete HEPv3
// message in b and returns the bytes used. After a gap, a start without
// SYN, or bytes that are not HEPv3, it skips to the next "HEP3" (counted
// as skipped TCP bytes and a resync). With final set a partial message is
// skipped: a cut HEP message has no usable SIP.
func (f *framer) frameHEP(b []byte, final bool, out frameOut) int {
	off := 0
	for len(b)-off >= 6 {
		m := b[off:]
		if !bytes.HasPrefix(m, hep3Magic) {
			i := bytes.Index(m[1:], hep3Magic)
			if i < 0 {
				n := len(m) - (len(hep3Magic) - 1) // "HEP" may end this piece
				f.skip(n)
				off += n
				break
			}
			f.skip(i + 1)
			off += i + 1
			continue
		}
		total := int(binary.BigEndian.Uint16(m[4:6]))
		if total < 6 {
			f.skip(len(hep3Magic))
			off += len(hep3Magic)
			continue
		}
		if total > len(m) {
			break // wait for the rest
		}
		f.skipping = false
		out(m[:total], false)
		off += total
	}
	if final && off < len(b) {
		f.skip(len(b) - off)
		off = len(b)
	}
	return off
}

// emitHEP decodes one framed HEP message of this direction and hands its
// SIP on with the HEP time and addresses; the segment's time is used only
// for HEPv1, which TCP never carries.
func (h *streamHalf) emitHEP(msg []byte, _ bool) {
	d := h.s.t.d
	if _, err := d.hep.Decode(msg, h.time, h.pkt, func(dg *Datagram) {
		d.stats.SIPMessages++
		d.stats.SIPTCP++ // the carrier's transport; the HEP one is in dg
		if h.s.t.emit != nil {
			h.s.t.emit(dg)
		}
	}); err != nil {
		return // counted in HEPStats
	}
}
