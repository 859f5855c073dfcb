package memstat

import (
	"bufio"
	"bytes"
	"io"
)

// docScanner splits a file of JSON-RPC answers into documents. A cron +
// curl loop appends Kamailio's answers as they come: compact one per line
// (jsonrpcs pretty_format=0, or piped through jq -c), pretty-printed over
// many lines (the default), and without a trailing newline, so one answer
// can end "}" and the next begin "{" on the same line. Text outside the
// documents is returned as lines (a time written by `date`, or garbage).
//
// A document is cut off (a killed curl, a full disk) when a line inside
// it starts at column 0 with anything but a closing bracket (Kamailio, jq
// and json.tool indent nested lines), or when an object meets a second
// "jsonrpc" key: the answer that follows was appended after the broken
// one. Both resynchronise the scan, so one broken answer costs one note.
type docScanner struct {
	br     *bufio.Reader
	maxDoc int   // the most bytes of one document buffered
	off    int64 // bytes consumed
	line   int   // current line, 1-based
	bol    bool  // at the beginning of a line
	// pending is a byte read but not yet consumed (resynchronisation).
	pending    int
	hasPending bool
	// resume is a document found inside a cut-off one, to be continued.
	resume *docState
}

// docItem is a document or a line of text between documents.
type docItem struct {
	doc      bool
	data     []byte // the document (nil when longer than maxDoc) or the text
	tooLong  bool   // the document exceeded maxDoc
	complete bool   // a document that was closed (false: cut off)
	prefix   []byte // text before the document on its first line
	line     int    // line where the item starts
	off      int64  // byte offset where the item starts
}

// maxText bounds the text kept of a line outside documents (for notes
// and the time prefix); the rest of the line is counted, not kept.
const maxText = 4096

func newDocScanner(r io.Reader, maxDoc int) *docScanner {
	return &docScanner{br: bufio.NewReaderSize(r, 64<<10), maxDoc: maxDoc, line: 1, bol: true}
}

func (d *docScanner) readByte() (byte, error) {
	if d.hasPending {
		d.hasPending = false
		return byte(d.pending), nil
	}
	c, err := d.br.ReadByte()
	if err != nil {
		return 0, err
	}
	d.off++
	return c, nil
}

// unread gives c back, to be read again by the next readByte.
func (d *docScanner) unread(c byte) { d.pending, d.hasPending = int(c), true }

// offset is the byte offset of the next byte to read.
func (d *docScanner) offset() int64 {
	if d.hasPending {
		return d.off - 1
	}
	return d.off
}

// next returns the next item, or io.EOF. Other errors come from the
// reader (a *LimitError from the bounded reader below).
func (d *docScanner) next() (docItem, error) {
	if st := d.resume; st != nil {
		d.resume = nil
		return d.scanDoc(st)
	}
	var text []byte
	textLine, textOff := 0, int64(-1)
	for {
		off := d.offset()
		c, err := d.readByte()
		if err != nil {
			if err == io.EOF && len(bytes.TrimSpace(text)) > 0 {
				return docItem{data: text, line: textLine, off: textOff}, nil
			}
			return docItem{}, err
		}
		if textOff < 0 {
			textLine, textOff = d.line, off
		}
		switch c {
		case '\n':
			d.line++
			d.bol = true
			if len(bytes.TrimSpace(text)) > 0 {
				return docItem{data: text, line: textLine, off: textOff}, nil
			}
			text, textOff = text[:0], -1
			continue
		case '{', '[':
			if !bytes.HasPrefix(bytes.TrimSpace(text), []byte("#")) { // not in a comment
				d.bol = false
				return d.document(c, bytes.TrimSpace(text), d.line, off)
			}
		}
		d.bol = false
		if len(text) < maxText {
			text = append(text, c)
		}
	}
}

// docState is the scan state inside a document.
type docState struct {
	it          docItem
	open        byte // the first byte: '{' or '[' (a batch)
	depth       int
	inStr, esc  bool
	strStart    int
	lastOpen    int // index in it.data of the last '{' (0: none after the first)
	jsonrpcKeys int
}

// document reads one document whose first byte open has been read.
func (d *docScanner) document(open byte, prefix []byte, line int, off int64) (docItem, error) {
	st := &docState{open: open, depth: 1, it: docItem{doc: true, prefix: append([]byte(nil), prefix...), line: line, off: off, data: []byte{open}}}
	return d.scanDoc(st)
}

func (d *docScanner) scanDoc(st *docState) (docItem, error) {
	it := &st.it
	keep := func(c byte) {
		if it.tooLong {
			return
		}
		if len(it.data) >= d.maxDoc {
			it.tooLong, it.data = true, nil
			return
		}
		it.data = append(it.data, c)
	}
	for {
		c, err := d.readByte()
		if err == io.EOF {
			return *it, nil // cut off by the end of the input
		}
		if err != nil {
			return docItem{}, err
		}
		if d.bol && !st.inStr {
			d.bol = false
			switch c {
			case ' ', '\t', '\r', '\n', '}', ']':
			default:
				d.unread(c) // a new answer began: this one was cut off
				return *it, nil
			}
		}
		if c == '\n' {
			d.line++
			d.bol = true
			st.inStr, st.esc = false, false // JSON strings hold no raw newline
		}
		keep(c)
		if c == '{' && !it.tooLong {
			st.lastOpen = len(it.data) - 1 // in a string too: a cut-off string may hold the next answer's '{'
		}
		switch {
		case st.esc:
			st.esc = false
		case st.inStr && c == '\\':
			st.esc = true
		case c == '"':
			st.inStr = !st.inStr
			if st.inStr {
				st.strStart = len(it.data)
			} else if !it.tooLong && st.open == '{' && string(it.data[st.strStart:len(it.data)-1]) == "jsonrpc" {
				// Kamailio writes "jsonrpc" first: the new answer began at
				// the last '{' before it (even one swallowed by a cut-off
				// string of the broken answer).
				if st.jsonrpcKeys++; st.jsonrpcKeys > 1 && st.lastOpen > 0 && st.lastOpen < st.strStart {
					return d.splitAt(st), nil
				}
			}
		case st.inStr:
		case c == '{' || c == '[':
			st.depth++
		case c == '}' || c == ']':
			st.depth--
			if st.depth == 0 {
				it.complete = true
				return *it, nil
			}
		}
	}
}

// splitAt handles an object that met a second "jsonrpc" key: the answer
// before was cut off and a new one began at st.lastOpen. It returns the
// broken part and leaves the new answer, scanned so far, to be resumed.
func (d *docScanner) splitAt(st *docState) docItem {
	rest := append([]byte(nil), st.it.data[st.lastOpen:]...)
	broken := st.it
	broken.data = broken.data[:st.lastOpen]
	depth, inStr, esc := 0, false, false
	for _, c := range rest {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	// The new answer's line and offset: count back from where the scan is.
	line := d.line - bytes.Count(rest, []byte("\n"))
	d.resume = &docState{open: '{', depth: max(depth, 1), jsonrpcKeys: 1,
		it: docItem{doc: true, data: rest, line: line, off: d.offset() - int64(len(rest))}}
	return broken
}
