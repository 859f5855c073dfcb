package capture

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *FileError; test for them with errors.Is.
var (
	// ErrEmptyFile means the file has no bytes at all.
	ErrEmptyFile = errors.New("empty file")
	// ErrIsDirectory means a directory was given where a capture file was expected.
	ErrIsDirectory = errors.New("is a directory, not a capture file")
	// ErrBadMagic means the first bytes are neither pcap, pcapng nor gzip.
	ErrBadMagic = errors.New("unknown file format (bad magic number)")
	// ErrTruncated means the file ends inside a header or a record.
	ErrTruncated = errors.New("file truncated")
	// ErrBadRecordLength means a record or block length is impossible
	// (larger than the limit, shorter than its own header, misaligned, or
	// the trailing length of a pcapng block disagrees with the leading one).
	ErrBadRecordLength = errors.New("corrupt record length")
	// ErrBadHeader means a file or section header has impossible fields.
	ErrBadHeader = errors.New("corrupt file header")
	// ErrBadInterface means a pcapng packet names an interface that the
	// section did not describe.
	ErrBadInterface = errors.New("packet refers to an undeclared interface")
	// ErrGzip means the gzip stream is corrupt.
	ErrGzip = errors.New("corrupt gzip data")
	// ErrInterrupted means ReadFile stopped because its context ended
	// (SIGINT, SIGTERM); the *FileError carrying it says where.
	ErrInterrupted = errors.New("interrupted")
)

// FileError is the error for anything wrong with a capture file. It says
// where: the byte offset of the record or block that failed (in the
// uncompressed stream for gzip input) and the number of packets read
// successfully before it.
type FileError struct {
	Path   string
	Offset int64  // byte offset of the failing header, record or block
	Packet uint64 // 1-based number of the packet that failed (packets read before it + 1); 0 for file-level errors
	Gzip   bool   // Offset counts uncompressed bytes
	Err    error
}

// Error gives one line naming the file, the place and the cause.
func (e *FileError) Error() string {
	where := fmt.Sprintf("offset %d", e.Offset)
	if e.Gzip {
		where += " (uncompressed)"
	}
	if e.Packet > 0 {
		where = fmt.Sprintf("packet %d, %s", e.Packet, where)
	}
	return fmt.Sprintf("%s: %s: %v", e.Path, where, e.Err)
}

// Unwrap returns the cause, so errors.Is(err, ErrTruncated) works.
func (e *FileError) Unwrap() error { return e.Err }

// detailError adds detail to a sentinel while keeping it matchable.
type detailError struct {
	sentinel error
	detail   string
}

func (e *detailError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.sentinel }

func errDetail(sentinel error, format string, args ...any) error {
	return &detailError{sentinel: sentinel, detail: fmt.Sprintf(format, args...)}
}
