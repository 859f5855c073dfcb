package memstat

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// ReadFile reads a memory file of any supported format: a JSONL recording
// (from Watcher / sipcorr memwatch), a file of raw JSON-RPC answers (a cron
// + curl loop, ReadRPCLog), an `rrdtool xport` export (XML or --json,
// ReadXport), or a CSV / rrdtool fetch export, optionally gzip-compressed.
// The format is detected from the content, not the name.
// opts applies to the exports, except opts.Limits, which bounds every
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

// Read is ReadFile for an open stream; name labels notes and errors. When
// r is an *os.File and opts.End is zero, its modification time is the end
// of a file of JSON-RPC answers without times.
func Read(r io.Reader, name string, opts CSVOptions) (*Set, error) {
	if f, ok := r.(*os.File); ok && opts.End.IsZero() {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			opts.End = st.ModTime()
		}
	}
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
	switch detect(br, opts.Location) {
	case formatRecording:
		return ReadRecordingLimits(br, name, opts.Limits)
	case formatRPC:
		return ReadRPCLog(br, name, opts)
	case formatXport:
		return ReadXport(br, name, opts)
	}
	return ReadCSV(br, name, opts)
}

// format is a kind of memory file.
type format uint8

const (
	formatCSV       format = iota // CSV, Grafana, rrdtool fetch
	formatRecording               // memwatch JSONL
	formatRPC                     // raw JSON-RPC answers
	formatXport                   // rrdtool xport, XML or JSON
)

// detect tells the formats apart from the first bytes. JSON objects are
// told apart by their first key: recordings begin with "v", Kamailio's
// answers with "jsonrpc" (or a time field added in front), rrdtool's JSON
// with "about" or "meta". A first line "<time> {" or a time alone followed
// by a line starting with '{' is a file of answers with times before them.
func detect(br *bufio.Reader, loc *time.Location) format {
	var b []byte
	for n := 4096; n <= 64<<10; n *= 4 {
		var err error
		b, err = br.Peek(n)
		if len(bytes.TrimSpace(b)) > 0 || err != nil {
			break
		}
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) == 0 {
		return formatCSV
	}
	switch t[0] {
	case '<':
		return formatXport
	case '[':
		return formatRPC
	case '{':
		switch firstKey(t[1:]) {
		case "about", "meta", "data":
			return formatXport
		case "jsonrpc", "result", "error", "id", "time", "ts", "timestamp":
			return formatRPC
		}
		return formatRecording
	}
	if loc == nil {
		loc = time.UTC
	}
	first, rest, _ := bytes.Cut(t, []byte("\n"))
	for bytes.HasPrefix(first, []byte("#")) && len(rest) > 0 { // comments, e.g. the cron line
		first, rest, _ = bytes.Cut(bytes.TrimLeft(rest, " \t\r\n"), []byte("\n"))
	}
	if i := bytes.IndexByte(first, '{'); i > 0 {
		_, _, ok := parseTime(string(first[:i]), loc)
		return pick(ok, formatRPC)
	}
	if _, _, ok := parseTime(strings.TrimSpace(string(first)), loc); ok {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		return pick(len(rest) > 0 && rest[0] == '{', formatRPC)
	}
	return formatCSV
}

func pick(ok bool, f format) format {
	if ok {
		return f
	}
	return formatCSV
}

// firstKey returns the first key of a JSON object (or of rrdtool 1.4's
// JavaScript-like output: unquoted or single-quoted keys) after its '{'.
func firstKey(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return ""
	}
	if q := b[0]; q == '"' || q == '\'' {
		if i := bytes.IndexByte(b[1:], q); i >= 0 {
			return string(b[1 : 1+i])
		}
		return ""
	}
	i := 0
	for i < len(b) && (b[i] == '_' || b[i] >= 'a' && b[i] <= 'z' || b[i] >= 'A' && b[i] <= 'Z' || b[i] >= '0' && b[i] <= '9') {
		i++
	}
	return string(b[:i])
}
