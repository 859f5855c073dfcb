package capture

import (
	"encoding/binary"
	"math/bits"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pcapng block types we read; every other block is skipped and counted.
const (
	ngBlockSHB = 0x0A0D0D0A // Section Header Block
	ngBlockIDB = 0x00000001 // Interface Description Block
	ngBlockOPB = 0x00000002 // Packet Block (obsolete)
	ngBlockSPB = 0x00000003 // Simple Packet Block
	ngBlockEPB = 0x00000006 // Enhanced Packet Block
	ngBOM      = 0x1A2B3C4D // byte-order magic in the SHB
)

// maxBlockLen bounds a pcapng block. Wireshark uses the same 16 MiB.
const maxBlockLen = 16 << 20

// maxInterfaces bounds the interfaces of one section (hostile files could
// otherwise grow the table without limit).
const maxInterfaces = 1 << 16

func isPcapngMagic(m []byte) bool {
	return binary.LittleEndian.Uint32(m) == ngBlockSHB
}

// ngInterface is what an IDB says about packets of that interface.
type ngInterface struct {
	link    layers.LinkType
	snaplen uint32
	pow2    bool  // if_tsresol: units are 2^-exp seconds, else 10^-exp
	exp     uint8 // resolution exponent, default 6 (microseconds)
	offset  int64 // if_tsoffset, seconds added to every timestamp
}

// pcapngReader reads pcapng sections, possibly several per file with
// different byte orders, each with its own interfaces.
type pcapngReader struct {
	order  binary.ByteOrder
	ifaces []ngInterface
	last   time.Time // timestamp of the previous packet, for SPBs
}

func newPcapngReader(r *FileReader) (*pcapngReader, error) {
	p := &pcapngReader{order: binary.LittleEndian}
	r.recOff = r.off
	hdr, err := r.readFull(8, false)
	if err != nil {
		return nil, err
	}
	if err := p.section(r, hdr); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *pcapngReader) name() string { return "pcapng" }

// section reads the rest of a Section Header Block whose 8-byte block
// header is hdr. The byte order comes from the byte-order magic, which
// follows the (so far unreadable) block length.
func (p *pcapngReader) section(r *FileReader, hdr []byte) error {
	var rawLen [4]byte
	copy(rawLen[:], hdr[4:8])
	bom, err := r.readFull(4, false)
	if err != nil {
		return err
	}
	switch {
	case binary.LittleEndian.Uint32(bom) == ngBOM:
		p.order = binary.LittleEndian
	case binary.BigEndian.Uint32(bom) == ngBOM:
		p.order = binary.BigEndian
	default:
		return errDetail(ErrBadHeader, "section header byte-order magic %s", hex4(bom))
	}
	n := p.order.Uint32(rawLen[:])
	if n < 28 || n%4 != 0 || n > maxBlockLen {
		return errDetail(ErrBadRecordLength, "section header block length %d", n)
	}
	// version, section length, options: nothing we need
	if err := r.discard(int(n) - 16); err != nil {
		return err
	}
	if err := p.trailer(r, n); err != nil {
		return err
	}
	p.ifaces = p.ifaces[:0]
	return nil
}

// trailer checks the block length repeated at the end of a block.
func (p *pcapngReader) trailer(r *FileReader, n uint32) error {
	t, err := r.readFull(4, false)
	if err != nil {
		return err
	}
	if got := p.order.Uint32(t); got != n {
		return errDetail(ErrBadRecordLength, "block length %d, trailing length %d", n, got)
	}
	return nil
}

func (p *pcapngReader) next(r *FileReader) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	for {
		r.recOff = r.off
		hdr, err := r.readFull(8, true)
		if err != nil {
			return nil, gopacket.CaptureInfo{}, 0, err
		}
		typ := p.order.Uint32(hdr[0:4])
		if typ == ngBlockSHB {
			if err := p.section(r, hdr); err != nil {
				return nil, gopacket.CaptureInfo{}, 0, err
			}
			continue
		}
		n := p.order.Uint32(hdr[4:8])
		if n < 12 || n%4 != 0 || n > maxBlockLen {
			return nil, gopacket.CaptureInfo{}, 0, errDetail(ErrBadRecordLength, "block type 0x%x length %d", typ, n)
		}
		if typ != ngBlockIDB && typ != ngBlockEPB && typ != ngBlockSPB && typ != ngBlockOPB {
			r.stats.SkippedBlocks++
			if err := r.discard(int(n) - 12); err != nil {
				return nil, gopacket.CaptureInfo{}, 0, err
			}
			if err := p.trailer(r, n); err != nil {
				return nil, gopacket.CaptureInfo{}, 0, err
			}
			continue
		}
		// Body and trailer in one read, the last of the record: the packet
		// data stays in the read buffer (or r.buf) until the next record.
		body, err := r.readView(int(n)-8, false)
		if err != nil {
			return nil, gopacket.CaptureInfo{}, 0, err
		}
		if got := p.order.Uint32(body[len(body)-4:]); got != n {
			return nil, gopacket.CaptureInfo{}, 0, errDetail(ErrBadRecordLength, "block length %d, trailing length %d", n, got)
		}
		body = body[:len(body)-4]
		if typ == ngBlockIDB {
			if err := p.addInterface(body); err != nil {
				return nil, gopacket.CaptureInfo{}, 0, err
			}
			continue
		}
		data, ci, link, ok, err := p.packet(r, typ, body)
		if err != nil {
			return nil, ci, 0, err
		}
		r.stats.Records++
		if !ok {
			r.stats.BadInterface++
			continue
		}
		return data, ci, link, nil
	}
}

// addInterface reads an IDB: link type (2), reserved (2), snaplen (4),
// options. Only if_tsresol (9) and if_tsoffset (14) matter here.
func (p *pcapngReader) addInterface(b []byte) error {
	if len(b) < 8 {
		return errDetail(ErrBadRecordLength, "interface description block body of %d bytes", len(b))
	}
	if len(p.ifaces) >= maxInterfaces {
		return errDetail(ErrBadHeader, "more than %d interfaces in a section", maxInterfaces)
	}
	ifc := ngInterface{
		link:    layers.LinkType(p.order.Uint16(b[0:2])),
		snaplen: p.order.Uint32(b[4:8]),
		exp:     6,
	}
	for off := 8; off+4 <= len(b); {
		code := p.order.Uint16(b[off:])
		l := int(p.order.Uint16(b[off+2:]))
		off += 4
		if code == 0 || off+l > len(b) {
			break // opt_endofopt, or an option running past the block: ignore the rest
		}
		v := b[off : off+l]
		switch {
		case code == 9 && l >= 1:
			pow2, exp := v[0]&0x80 != 0, v[0]&0x7f
			if (pow2 && exp < 64) || (!pow2 && exp <= 19) {
				ifc.pow2, ifc.exp = pow2, exp
			}
		case code == 14 && l >= 8:
			ifc.offset = int64(p.order.Uint64(v))
		}
		off += (l + 3) &^ 3
	}
	p.ifaces = append(p.ifaces, ifc)
	return nil
}

// packet decodes an EPB, SPB or OPB body. ok is false when the packet
// names an undeclared interface: it is skipped, the file goes on.
func (p *pcapngReader) packet(r *FileReader, typ uint32, b []byte) (data []byte, ci gopacket.CaptureInfo, link layers.LinkType, ok bool, err error) {
	switch typ {
	case ngBlockSPB:
		// original length (4), data: no interface id (always 0), no timestamp.
		if len(b) < 4 {
			return nil, ci, 0, false, errDetail(ErrBadRecordLength, "simple packet block body of %d bytes", len(b))
		}
		if len(p.ifaces) == 0 {
			return nil, ci, 0, false, nil
		}
		ifc := &p.ifaces[0]
		orig := p.order.Uint32(b[0:4])
		caplen := min(uint32(len(b)-4), orig)
		if ifc.snaplen > 0 {
			caplen = min(caplen, ifc.snaplen)
		}
		r.stats.NoTimestamp++
		ci = gopacket.CaptureInfo{Timestamp: p.last, CaptureLength: int(caplen), Length: int(orig)}
		return b[4 : 4+caplen], ci, ifc.link, true, nil
	default:
		// EPB: interface (4), ts high (4), ts low (4), caplen (4), origlen (4), data, options.
		// OPB: interface (2), drops (2), then the same.
		if len(b) < 20 {
			return nil, ci, 0, false, errDetail(ErrBadRecordLength, "packet block body of %d bytes", len(b))
		}
		var id uint32
		if typ == ngBlockEPB {
			id = p.order.Uint32(b[0:4])
		} else {
			id = uint32(p.order.Uint16(b[0:2]))
		}
		units := uint64(p.order.Uint32(b[4:8]))<<32 | uint64(p.order.Uint32(b[8:12]))
		caplen := p.order.Uint32(b[12:16])
		orig := p.order.Uint32(b[16:20])
		if uint64(caplen) > uint64(len(b)-20) {
			return nil, ci, 0, false, errDetail(ErrBadRecordLength, "captured length %d exceeds block body %d", caplen, len(b)-20)
		}
		if uint64(id) >= uint64(len(p.ifaces)) {
			return nil, ci, 0, false, nil
		}
		ifc := &p.ifaces[id]
		p.last = ifc.time(units)
		ci = gopacket.CaptureInfo{Timestamp: p.last, CaptureLength: int(caplen), Length: int(orig), InterfaceIndex: int(id)}
		return b[20 : 20+caplen], ci, ifc.link, true, nil
	}
}

var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// time converts a timestamp in interface units to UTC time.
func (ifc *ngInterface) time(units uint64) time.Time {
	var sec, ns uint64
	if ifc.pow2 {
		sec = units >> ifc.exp
		frac := units & (1<<ifc.exp - 1)
		hi, lo := bits.Mul64(frac, 1e9)
		// (hi:lo) >> exp; frac < 2^exp so the result is < 1e9.
		if ifc.exp == 0 {
			ns = 0
		} else {
			ns = lo>>ifc.exp | hi<<(64-uint(ifc.exp))
		}
	} else {
		div := pow10[ifc.exp]
		sec, ns = units/div, units%div
		if ifc.exp <= 9 {
			ns *= pow10[9-ifc.exp]
		} else {
			ns /= pow10[ifc.exp-9]
		}
	}
	return time.Unix(int64(sec)+ifc.offset, int64(ns)).UTC()
}
