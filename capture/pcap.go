package capture

import (
	"encoding/binary"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Classic pcap magic numbers, as read little-endian from the first four
// bytes (a big-endian file shows them byte-swapped).
const (
	pcapMagicMicro    = 0xa1b2c3d4
	pcapMagicNano     = 0xa1b23c4d
	pcapMagicModified = 0xa1b2cd34 // Kuznetsov's patched libpcap: 8 more bytes per record header
)

// maxRecordLen bounds a classic pcap record when the snaplen is smaller:
// libpcap's largest snaplen (262144). A bigger length means corruption.
const maxRecordLen = 262144

// maxSnapLen is the largest snaplen we believe; beyond it the header is
// corrupt or hostile and must not size our buffers.
const maxSnapLen = 16 << 20

func isPcapMagic(m []byte) bool {
	switch binary.LittleEndian.Uint32(m) {
	case pcapMagicMicro, pcapMagicNano, pcapMagicModified:
		return true
	}
	switch binary.BigEndian.Uint32(m) {
	case pcapMagicMicro, pcapMagicNano, pcapMagicModified:
		return true
	}
	return false
}

// pcapReader reads classic pcap records.
//
//	file header (24 bytes): magic, version 2.4, thiszone, sigfigs, snaplen, linktype
//	record header (16 bytes): ts_sec, ts_usec|ts_nsec, incl_len, orig_len
type pcapReader struct {
	order   binary.ByteOrder
	big     bool // order is big-endian (records use u32, not the interface)
	nanos   bool
	extra   int // bytes after the standard record header (modified pcap)
	snaplen uint32
	link    layers.LinkType
	limit   uint32
}

func newPcapReader(r *FileReader) (*pcapReader, error) {
	hdr, err := r.readFull(24, false)
	if err != nil {
		return nil, err
	}
	p := &pcapReader{order: binary.LittleEndian}
	magic := binary.LittleEndian.Uint32(hdr)
	if m := binary.BigEndian.Uint32(hdr); m == pcapMagicMicro || m == pcapMagicNano || m == pcapMagicModified {
		p.order, p.big, magic = binary.BigEndian, true, m
	}
	p.nanos = magic == pcapMagicNano
	if magic == pcapMagicModified {
		p.extra = 8
	}
	p.snaplen = p.order.Uint32(hdr[16:20])
	// The upper bits of the link type field hold FCS information.
	p.link = layers.LinkType(p.order.Uint32(hdr[20:24]) & 0xffff)
	p.limit = maxRecordLen
	if p.snaplen > p.limit {
		p.limit = min(p.snaplen, maxSnapLen)
	}
	return p, nil
}

func (p *pcapReader) name() string {
	if p.nanos {
		return "pcap-ns"
	}
	return "pcap"
}

func (p *pcapReader) next(r *FileReader) (data []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error) {
	r.recOff = r.off
	// hdr aliases the read buffer: every field is read before the data.
	hdr, err := r.readView(16+p.extra, true)
	if err != nil {
		return nil, ci, 0, err
	}
	sec := p.u32(hdr[0:4])
	frac := p.u32(hdr[4:8])
	incl := p.u32(hdr[8:12])
	orig := p.u32(hdr[12:16])
	if incl > p.limit {
		return nil, ci, 0, errDetail(ErrBadRecordLength, "captured length %d exceeds limit %d", incl, p.limit)
	}
	data, err = r.readView(int(incl), false)
	if err != nil {
		return nil, ci, 0, err
	}
	r.stats.Records++
	ns := int64(frac)
	if !p.nanos {
		ns *= 1000
	}
	ci.Timestamp = time.Unix(int64(sec), ns).UTC()
	ci.CaptureLength = int(incl)
	ci.Length = int(orig)
	return data, ci, p.link, nil
}

// u32 reads a record header field in the file's byte order. It runs four
// times per packet, where a call through binary.ByteOrder costs more
// than the read.
func (p *pcapReader) u32(b []byte) uint32 {
	if p.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// LinkType of a classic pcap file; 0 (NULL) for pcapng, where each
// interface has its own.
func (r *FileReader) LinkType() layers.LinkType {
	if p, ok := r.fmt.(*pcapReader); ok {
		return p.link
	}
	return 0
}
