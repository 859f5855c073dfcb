package kamcfg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Reading bounds. A real kamailio.cfg with its includes is well under a
// megabyte; these leave two orders of magnitude of room while keeping a
// device (/dev/zero), a FIFO that never ends or a binary file from
// costing more than MaxFileSize of memory and a fraction of a second.
const (
	// MaxFileSize is the most bytes read from one cfg file (the main one
	// or an include). A longer input is an ErrInput error.
	MaxFileSize = 16 << 20
	// MaxTotalSize is the most bytes read over the main file and all its
	// includes (an include graph that fans out without a loop).
	MaxTotalSize = 64 << 20
	// MaxLineLen is the longest line accepted.
	MaxLineLen = 1 << 20
)

// ErrInput means a cfg input is not a cfg text within the bounds: too
// large, a line too long, or binary data (a NUL byte). Errors matching it
// name the file and the byte offset.
var ErrInput = errors.New("kamcfg: unusable cfg input")

// readBounded reads at most MaxFileSize bytes from r: a regular file, a
// FIFO or a device are all read this way, so none can grow without
// bound; a longer input is an error naming the bound.
func readBounded(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > MaxFileSize {
		if err := checkText(b, name); err != nil {
			return nil, err // binary data says more than the size
		}
		return nil, fmt.Errorf("%w: %s: more than %d bytes (the bound of one cfg file; a device or a binary file is no Kamailio cfg)", ErrInput, name, MaxFileSize)
	}
	return b, nil
}

// readFileBounded is the default Options.ReadFile: os.ReadFile with the
// MaxFileSize bound.
func readFileBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, path)
}

// checkText rejects what no cfg holds, before the lexer sees it: a NUL
// byte (binary data; the lexer would otherwise take it for tokens and
// fail later with a misleading message) and over-long lines.
func checkText(src []byte, name string) error {
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return fmt.Errorf("%w: %s: binary data at byte %d (line %d): a NUL byte, no Kamailio cfg holds one", ErrInput, name, i, bytes.Count(src[:i], []byte("\n"))+1)
	}
	start, line := 0, 1
	for start < len(src) {
		n := bytes.IndexByte(src[start:], '\n')
		if n < 0 {
			n = len(src) - start
		}
		if n > MaxLineLen {
			return fmt.Errorf("%w: %s: line %d (byte %d) longer than %d bytes", ErrInput, name, line, start, MaxLineLen)
		}
		start += n + 1
		line++
	}
	return nil
}
