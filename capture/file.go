package capture

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Read buffer of the streaming reader. Packet data is handed out of it
// where it lies (headers, and records larger than the buffer, are copied
// into one reused record buffer), so memory does not grow with the file.
const readBufferSize = 256 << 10

// FileStats counts what the file reader met that is not a packet error.
type FileStats struct {
	// Records is the number of packet records (pcap records, pcapng EPB,
	// SPB and OPB) read, including skipped ones.
	Records uint64 `json:"records"`
	// SkippedBlocks counts pcapng blocks that carry no packets (name
	// resolution, statistics, custom, decryption secrets, unknown types).
	SkippedBlocks uint64 `json:"skipped_blocks"`
	// BadInterface counts pcapng packets naming an interface the section
	// did not declare; they are skipped (their framing is intact).
	BadInterface uint64 `json:"bad_interface"`
	// NoTimestamp counts pcapng Simple Packet Blocks, which have no
	// timestamp: they get the timestamp of the packet before them.
	NoTimestamp uint64 `json:"no_timestamp"`
}

// recordReader is one container format (pcap or pcapng) on top of the
// FileReader's byte stream.
type recordReader interface {
	next(r *FileReader) ([]byte, gopacket.CaptureInfo, layers.LinkType, error)
	name() string
}

// FileReader streams packets out of a classic pcap or pcapng file, either
// of them possibly gzip-compressed. The format is found by content, not
// by file name. It is not safe for concurrent use.
type FileReader struct {
	path string
	file *os.File
	gz   *gzip.Reader
	br   *bufio.Reader
	// win is a view of what br holds buffered, of which the first used
	// bytes are consumed but not yet discarded from br: record headers
	// and packet data are cut out of it without a call into bufio (a Peek
	// and a Discard per read otherwise, two reads per packet).
	win    []byte
	used   int
	off    int64 // bytes consumed from br (win[:used] included)
	recOff int64 // offset of the record being read, for errors
	fmt    recordReader
	buf    []byte // reused record buffer
	err    error  // sticky error
	stats  FileStats
}

// OpenFile opens a capture file and reads its file header. Errors are
// *FileError values naming the file.
func OpenFile(path string) (*FileReader, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if st.IsDir() {
		return nil, &FileError{Path: path, Err: ErrIsDirectory}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	r, err := NewReader(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads a capture from any stream (standard input, a pipe);
// name is used in errors. Close does not close rd.
func NewReader(name string, rd io.Reader) (*FileReader, error) {
	r := &FileReader{path: name, br: bufio.NewReaderSize(rd, readBufferSize)}
	if err := r.start(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// start detects gzip, then the capture format, and reads the file header.
func (r *FileReader) start() error {
	magic, err := r.br.Peek(4)
	if len(magic) == 0 {
		if err == nil || err == io.EOF {
			return r.fail(ErrEmptyFile)
		}
		return r.fail(err)
	}
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(r.br)
		if err != nil {
			return r.fail(errDetail(ErrGzip, "%v", err))
		}
		gz.Multistream(true)
		r.gz = gz
		r.br = bufio.NewReaderSize(gz, readBufferSize)
		magic, err = r.br.Peek(4)
		if len(magic) == 0 {
			if err == nil || err == io.EOF {
				return r.fail(ErrEmptyFile)
			}
			return r.fail(mapReadErr(err))
		}
	}
	if len(magic) < 4 {
		return r.fail(errDetail(ErrTruncated, "only %d bytes", len(magic)))
	}
	switch {
	case isPcapMagic(magic):
		r.fmt, err = newPcapReader(r)
	case isPcapngMagic(magic):
		r.fmt, err = newPcapngReader(r)
	default:
		err = errDetail(ErrBadMagic, "%s", describeMagic(magic))
	}
	if err != nil {
		return r.fail(err)
	}
	return nil
}

// describeMagic names well-known formats we do not read, so the error says
// what the file is rather than only what it is not.
func describeMagic(m []byte) string {
	switch string(m) {
	case "GMBU":
		return "Microsoft Network Monitor capture, convert it to pcapng (e.g. with editcap)"
	case "XCP\x00":
		return "NetXray/Sniffer capture"
	}
	return "first bytes " + hex4(m)
}

func hex4(m []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 11)
	for i, b := range m {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, digits[b>>4], digits[b&15])
	}
	return string(out)
}

// Next returns the next packet. data is valid until the next call. At the
// end it returns io.EOF; on a fault a *FileError, and the same error on
// every later call.
func (r *FileReader) Next() (data []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error) {
	if r.err != nil {
		return nil, ci, 0, r.err
	}
	data, ci, link, err = r.fmt.next(r)
	if err != nil {
		if err != io.EOF {
			err = r.fail(err)
		}
		r.err = err
	}
	return data, ci, link, err
}

// Packets is the number of packet records read so far, which is also the
// 1-based number of the packet Next returned last.
func (r *FileReader) Packets() uint64 { return r.stats.Records }

// Stats returns what the reader counted so far.
func (r *FileReader) Stats() FileStats { return r.stats }

// Format names the detected container: "pcap", "pcap-ns", "pcapng",
// with "+gzip" when compressed.
func (r *FileReader) Format() string {
	if r.fmt == nil {
		return ""
	}
	if r.gz != nil {
		return r.fmt.name() + "+gzip"
	}
	return r.fmt.name()
}

// Path is the file name given to OpenFile.
func (r *FileReader) Path() string { return r.path }

// Close releases the file (if OpenFile opened it) and the decompressor.
func (r *FileReader) Close() error {
	var err error
	if r.gz != nil {
		err = r.gz.Close()
	}
	if r.file != nil {
		if cerr := r.file.Close(); err == nil {
			err = cerr
		}
		r.file = nil
	}
	return err
}

// fail wraps err into a *FileError at the current record.
func (r *FileReader) fail(err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	pkt := uint64(0)
	if r.fmt != nil {
		pkt = r.stats.Records + 1
	}
	return &FileError{Path: r.path, Offset: r.recOff, Packet: pkt, Gzip: r.gz != nil, Err: err}
}

// readFull reads exactly n bytes into the reused buffer. EOF after zero
// bytes is io.EOF only when eofOK; any other short read is ErrTruncated.
func (r *FileReader) readFull(n int, eofOK bool) ([]byte, error) {
	if cap(r.buf) < n {
		r.buf = make([]byte, n, max(n, 2*cap(r.buf)))
	}
	if err := r.commit(); err != nil {
		return nil, err
	}
	b := r.buf[:n]
	got, err := io.ReadFull(r.br, b)
	r.off += int64(got)
	if err != nil {
		if err == io.EOF && eofOK {
			return nil, io.EOF
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errDetail(ErrTruncated, "needed %d bytes, got %d", n, got)
		}
		return nil, mapReadErr(err)
	}
	return b, nil
}

// readView is readFull without the copy when the read buffer holds the n
// bytes: the slice then aliases the buffer and is valid only until the
// next read. Record headers and packet data are read with it.
func (r *FileReader) readView(n int, eofOK bool) ([]byte, error) {
	if n <= len(r.win)-r.used {
		b := r.win[r.used : r.used+n : r.used+n]
		r.used += n
		r.off += int64(n)
		return b, nil
	}
	return r.readViewSlow(n, eofOK)
}

// readViewSlow is readView when the window runs out: br refills and the
// window starts again at what it holds.
func (r *FileReader) readViewSlow(n int, eofOK bool) ([]byte, error) {
	if err := r.commit(); err != nil {
		return nil, err
	}
	if n <= r.br.Size() {
		if _, err := r.br.Peek(n); err == nil {
			// Peek of what is buffered neither reads nor fails.
			if r.win, err = r.br.Peek(r.br.Buffered()); err != nil {
				return nil, err
			}
			r.used = n
			r.off += int64(n)
			return r.win[:n:n], nil
		}
	}
	// Too big for the buffer, or the input ends (or fails) first. A short
	// Peek consumed nothing: readFull reads the same bytes and says whether
	// that is a clean end, a truncation or a read error.
	return r.readFull(n, eofOK)
}

// commit discards the consumed part of the window from br, before br is
// read any other way.
func (r *FileReader) commit() error {
	if r.used > 0 {
		if _, err := r.br.Discard(r.used); err != nil {
			return mapReadErr(err) // cannot happen: the bytes are buffered
		}
	}
	r.win, r.used = nil, 0
	return nil
}

// discard skips n bytes without keeping them.
func (r *FileReader) discard(n int) error {
	if err := r.commit(); err != nil {
		return err
	}
	got, err := r.br.Discard(n)
	r.off += int64(got)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return errDetail(ErrTruncated, "needed %d bytes, got %d", n, got)
		}
		return mapReadErr(err)
	}
	return nil
}

// mapReadErr turns decompression failures into ErrGzip.
func mapReadErr(err error) error {
	var ce flate.CorruptInputError
	if errors.As(err, &ce) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return errDetail(ErrGzip, "%v", err)
	}
	if err == io.ErrUnexpectedEOF {
		return ErrTruncated
	}
	return err
}

// ReadFile feeds every packet of one file to d, then flushes d (TCP
// streams and fragments do not continue across files; packet numbers are
// per file). On a fault it returns the *FileError after everything read
// before the fault was decoded and emitted. When ctx ends it stops,
// within 1024 packets or at once if a read blocks (a FIFO, a pipe), and
// returns a *FileError wrapping ErrInterrupted and context.Cause(ctx)
// that names the last packet read and the offset reached.
func ReadFile(ctx context.Context, path string, d *Decoder, emit func(*Datagram)) error {
	r, err := OpenFile(path)
	if err != nil {
		d.stats.Files++
		d.stats.FileErrors++
		return err
	}
	defer r.Close()
	if f := r.file; f != nil {
		// A read blocked on a FIFO or pipe returns at once once ctx ends.
		// Regular files have no deadlines (the call fails) and never
		// block, so the result is of no use either way.
		stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
		defer stop()
	}
	var runErr error
	for {
		data, ci, link, err := r.Next()
		if err != nil {
			switch {
			case ctx.Err() != nil:
				runErr = r.interrupted(ctx)
			case err != io.EOF:
				runErr = err
			}
			break
		}
		d.Decode(ci, link, data, r.Packets(), emit)
		if r.Packets()%1024 == 0 && ctx.Err() != nil {
			runErr = r.interrupted(ctx)
			break
		}
	}
	d.Flush(emit)
	d.stats.Files++
	if runErr != nil {
		d.stats.FileErrors++
	}
	fs := r.Stats()
	d.stats.BadInterface += fs.BadInterface
	d.stats.NoTimestamp += fs.NoTimestamp
	d.stats.SkippedBlocks += fs.SkippedBlocks
	return runErr
}

// interrupted is the *FileError of a read stopped by ctx: the last packet
// read and the offset reached.
func (r *FileReader) interrupted(ctx context.Context) error {
	return &FileError{Path: r.path, Offset: r.off, Packet: r.stats.Records, Gzip: r.gz != nil,
		Err: fmt.Errorf("%w (%w) after packet %d", ErrInterrupted, context.Cause(ctx), r.stats.Records)}
}
