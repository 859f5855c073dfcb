package synth

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// PacketWriter writes one captured frame. ci.CaptureLength must equal
// len(data) and be at most ci.Length; InterfaceIndex selects the pcapng
// interface and must be 0 for classic pcap.
type PacketWriter interface {
	WritePacket(ci gopacket.CaptureInfo, data []byte) error
}

// PcapOptions selects the classic pcap variant.
type PcapOptions struct {
	// BigEndian writes the header and record headers big-endian, as a
	// SPARC or PowerPC capture host does.
	BigEndian bool
	// Nanos writes nanosecond timestamps (magic 0xa1b23c4d) instead of
	// microseconds (0xa1b2c3d4).
	Nanos bool
	// Snaplen goes into the file header; 0 means 262144.
	Snaplen uint32
}

// Magic numbers of classic pcap (the value as read in the file's order).
const (
	pcapMagicMicros = 0xa1b2c3d4
	pcapMagicNanos  = 0xa1b23c4d
)

// NewPcapWriter writes a classic pcap file header for link and returns a
// writer for the records. Little-endian files are written by gopacket's
// pcapgo.Writer; pcapgo writes no other byte order, so big-endian files
// go through this package's own writer.
func NewPcapWriter(w io.Writer, link layers.LinkType, o PcapOptions) (PacketWriter, error) {
	snap := o.Snaplen
	if snap == 0 {
		snap = 262144
	}
	if !o.BigEndian {
		var pw *pcapgo.Writer
		if o.Nanos {
			pw = pcapgo.NewWriterNanos(w)
		} else {
			pw = pcapgo.NewWriter(w)
		}
		if err := pw.WriteFileHeader(snap, link); err != nil {
			return nil, fmt.Errorf("synth: pcap header: %w", err)
		}
		return zeroTimeGuard{pw}, nil
	}
	bw := &bePcapWriter{w: w, nanos: o.Nanos}
	var h [24]byte
	magic := uint32(pcapMagicMicros)
	if o.Nanos {
		magic = pcapMagicNanos
	}
	binary.BigEndian.PutUint32(h[0:], magic)
	binary.BigEndian.PutUint16(h[4:], 2)
	binary.BigEndian.PutUint16(h[6:], 4)
	binary.BigEndian.PutUint32(h[16:], snap)
	binary.BigEndian.PutUint32(h[20:], uint32(link))
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("synth: pcap header: %w", err)
	}
	return bw, nil
}

// zeroTimeGuard refuses zero timestamps, which pcapgo.Writer would
// silently replace with time.Now() and so break determinism.
type zeroTimeGuard struct{ w PacketWriter }

// WritePacket implements PacketWriter.
func (g zeroTimeGuard) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	if ci.Timestamp.IsZero() {
		return fmt.Errorf("synth: zero timestamp")
	}
	return g.w.WritePacket(ci, data)
}

// bePcapWriter writes big-endian classic pcap records.
type bePcapWriter struct {
	w     io.Writer
	nanos bool
	hdr   [16]byte
}

// WritePacket implements PacketWriter.
func (b *bePcapWriter) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	if ci.CaptureLength != len(data) || ci.CaptureLength > ci.Length {
		return fmt.Errorf("synth: bad capture info %+v for %d bytes", ci, len(data))
	}
	if ci.Timestamp.IsZero() {
		return fmt.Errorf("synth: zero timestamp")
	}
	frac := uint32(ci.Timestamp.Nanosecond())
	if !b.nanos {
		frac /= 1000
	}
	binary.BigEndian.PutUint32(b.hdr[0:], uint32(ci.Timestamp.Unix()))
	binary.BigEndian.PutUint32(b.hdr[4:], frac)
	binary.BigEndian.PutUint32(b.hdr[8:], uint32(ci.CaptureLength))
	binary.BigEndian.PutUint32(b.hdr[12:], uint32(ci.Length))
	if _, err := b.w.Write(b.hdr[:]); err != nil {
		return err
	}
	_, err := b.w.Write(data)
	return err
}

// RecordHeaderLen is the size of a classic pcap record header; FileHeaderLen
// the size of the file header. Fixtures that corrupt files use them to
// compute offsets.
const (
	RecordHeaderLen = 16
	FileHeaderLen   = 24
)

// Truncate returns the first snaplen bytes of frame (all of it when
// snaplen is 0 or larger) and the CaptureInfo describing it.
func Truncate(ts time.Time, frame []byte, snaplen int) (gopacket.CaptureInfo, []byte) {
	data := frame
	if snaplen > 0 && len(frame) > snaplen {
		data = frame[:snaplen]
	}
	return gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(frame)}, data
}
