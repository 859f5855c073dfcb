package memstat

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
)

// ReadFile reads a memory file of any supported format: a JSONL recording
// (from Watcher / sipcorr memwatch) or a CSV / rrdtool export, optionally
// gzip-compressed. The format is detected from the content, not the name.
// opts applies to CSV input only, except opts.Limits, which bounds every
// format: lines, bytes after decompression (a gzip bomb or /dev/zero ends
// with a *LimitError naming the file and offset) and values kept.
// Non-regular files (devices, FIFOs) are streamed within the same bounds.
func ReadFile(path string, opts CSVOptions) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("memstat: %w", err)
	}
	defer f.Close()
	return Read(f, path, opts)
}

// Read is ReadFile for an open stream; name labels notes and errors.
func Read(r io.Reader, name string, opts CSVOptions) (*Set, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("memstat: reading %s: %w", name, err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("memstat: %s: gzip: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	if isRecording(br) {
		return ReadRecordingLimits(br, name, opts.Limits)
	}
	return ReadCSV(br, name, opts)
}

// isRecording peeks at the first non-blank byte: recordings are JSON
// objects, one per line; CSV never starts with '{'.
func isRecording(br *bufio.Reader) bool {
	for n := 64; n <= 4096; n *= 4 {
		b, err := br.Peek(n)
		t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
		if len(t) > 0 {
			return t[0] == '{'
		}
		if err != nil {
			return false
		}
	}
	return false
}
