// Package pcapng writes pcapng files block by block: a Section Header
// Block, Interface Description Blocks with if_name and if_tsresol,
// Enhanced Packet Blocks with opt_comment, and Simple Packet Blocks
// (draft-ietf-opsawg-pcapng). It is shared by the evidence writer that
// ships in the sipcorr binary and by the test-capture generator
// internal/synth, so the binary does not link the generator.
//
// gopacket's pcapgo.NgWriter fixes if_tsresol to 9, has no Simple Packet
// Blocks and writes the host's GOARCH/GOOS into the section header, which
// makes its files differ from machine to machine; this writer's output
// depends only on what it is given.
package pcapng

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pcapng block types and option codes (draft-ietf-opsawg-pcapng).
const (
	ngBlockSHB = 0x0A0D0D0A
	ngBlockIDB = 0x00000001
	ngBlockSPB = 0x00000003
	ngBlockEPB = 0x00000006

	ngByteOrderMagic = 0x1A2B3C4D

	ngOptEnd      = 0
	ngOptComment  = 1
	ngOptShbAppl  = 4
	ngOptIfName   = 2
	ngOptIfTSResl = 9
)

// ByteOrder is a byte order that can also append (binary.LittleEndian,
// binary.BigEndian).
type ByteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// Interface describes one Interface Description Block.
type Interface struct {
	LinkType layers.LinkType
	// Snaplen is the IDB snap length; 0 means no limit. Simple Packet
	// Blocks are truncated to interface 0's snaplen by readers.
	Snaplen uint32
	Name    string
	// TSResol is the raw if_tsresol byte: n < 128 means units of 10^-n s,
	// 0x80|n means units of 2^-n s. 0 means the pcapng default, 6
	// (microseconds), and no option is written.
	TSResol uint8
}

// Writer writes one pcapng section. It is not safe for concurrent use.
type Writer struct {
	w      io.Writer
	bo     ByteOrder
	ifaces []Interface
	buf    []byte
}

// NewWriter writes a Section Header Block in byte order bo (nil means
// little-endian) with shb_userappl set to app, and returns the writer.
func NewWriter(w io.Writer, bo ByteOrder, app string) (*Writer, error) {
	if bo == nil {
		bo = binary.LittleEndian
	}
	n := &Writer{w: w, bo: bo}
	body := n.bo.AppendUint32(nil, ngByteOrderMagic)
	body = n.bo.AppendUint16(body, 1) // major
	body = n.bo.AppendUint16(body, 0) // minor
	body = n.bo.AppendUint64(body, 0xFFFFFFFFFFFFFFFF)
	body = n.appendOptions(body, opt{ngOptShbAppl, []byte(app)})
	return n, n.block(ngBlockSHB, body)
}

// opt is one pcapng option.
type opt struct {
	code  uint16
	value []byte
}

// appendOptions appends options and the end-of-options marker (none when
// there are no options).
func (n *Writer) appendOptions(b []byte, opts ...opt) []byte {
	written := false
	for _, o := range opts {
		if len(o.value) == 0 {
			continue
		}
		b = n.bo.AppendUint16(b, o.code)
		b = n.bo.AppendUint16(b, uint16(len(o.value)))
		b = append(b, o.value...)
		b = pad4(b)
		written = true
	}
	if written {
		b = n.bo.AppendUint32(b, ngOptEnd)
	}
	return b
}

// pad4 pads b with zeros to a multiple of 4 bytes.
func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// block writes a block: type, total length, body (already padded), length.
func (n *Writer) block(typ uint32, body []byte) error {
	total := uint32(12 + len(body))
	n.buf = n.bo.AppendUint32(n.buf[:0], typ)
	n.buf = n.bo.AppendUint32(n.buf, total)
	n.buf = append(n.buf, body...)
	n.buf = n.bo.AppendUint32(n.buf, total)
	_, err := n.w.Write(n.buf)
	return err
}

// AddInterface writes an Interface Description Block and returns its
// interface ID.
func (n *Writer) AddInterface(i Interface) (int, error) {
	body := n.bo.AppendUint16(nil, uint16(i.LinkType))
	body = n.bo.AppendUint16(body, 0)
	body = n.bo.AppendUint32(body, i.Snaplen)
	var tsresol []byte
	if i.TSResol != 0 {
		tsresol = []byte{i.TSResol}
	}
	body = n.appendOptions(body, opt{ngOptIfName, []byte(i.Name)}, opt{ngOptIfTSResl, tsresol})
	n.ifaces = append(n.ifaces, i)
	return len(n.ifaces) - 1, n.block(ngBlockIDB, body)
}

// tsUnits converts t to units of the interface's resolution.
func tsUnits(t time.Time, tsresol uint8) uint64 {
	ns := big.NewInt(t.UnixNano())
	var num, den *big.Int
	switch {
	case tsresol == 0:
		num, den = big.NewInt(1), big.NewInt(1000)
	case tsresol&0x80 != 0:
		num, den = new(big.Int).Lsh(big.NewInt(1), uint(tsresol&0x7f)), big.NewInt(1e9)
	default:
		num, den = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(tsresol)), nil), big.NewInt(1e9)
	}
	ns.Mul(ns, num)
	ns.Quo(ns, den)
	return ns.Uint64()
}

// WritePacket writes an Enhanced Packet Block on ci.InterfaceIndex with
// the timestamp in that interface's resolution; it has the signature of
// pcapgo.Writer.WritePacket so either can stand behind one interface.
func (n *Writer) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	return n.WriteEPB(ci, data)
}

// WriteEPB writes an Enhanced Packet Block with one opt_comment per
// comment.
func (n *Writer) WriteEPB(ci gopacket.CaptureInfo, data []byte, comments ...string) error {
	if ci.InterfaceIndex < 0 || ci.InterfaceIndex >= len(n.ifaces) {
		return fmt.Errorf("pcapng: no interface %d", ci.InterfaceIndex)
	}
	if ci.CaptureLength != len(data) || ci.CaptureLength > ci.Length {
		return fmt.Errorf("pcapng: bad capture info %+v for %d bytes", ci, len(data))
	}
	if ci.Timestamp.IsZero() {
		return fmt.Errorf("pcapng: zero timestamp")
	}
	ts := tsUnits(ci.Timestamp, n.ifaces[ci.InterfaceIndex].TSResol)
	body := n.bo.AppendUint32(nil, uint32(ci.InterfaceIndex))
	body = n.bo.AppendUint32(body, uint32(ts>>32))
	body = n.bo.AppendUint32(body, uint32(ts))
	body = n.bo.AppendUint32(body, uint32(len(data)))
	body = n.bo.AppendUint32(body, uint32(ci.Length))
	body = pad4(append(body, data...))
	opts := make([]opt, len(comments))
	for i, c := range comments {
		opts[i] = opt{ngOptComment, []byte(c)}
	}
	return n.block(ngBlockEPB, n.appendOptions(body, opts...))
}

// WriteSPB writes a Simple Packet Block: no interface ID (always 0), no
// timestamp, no options. origLen is the length on the wire; data must
// already be cut to interface 0's snaplen.
func (n *Writer) WriteSPB(data []byte, origLen int) error {
	if len(n.ifaces) == 0 {
		return fmt.Errorf("pcapng: simple packet block before any interface")
	}
	body := n.bo.AppendUint32(nil, uint32(origLen))
	return n.block(ngBlockSPB, pad4(append(body, data...)))
}
