package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// The analyze JSON is streamed. Everything but the UAs (summary, sanity,
// known defects, notes, the log signal: small and bounded) is encoded by
// encoding/json as before, with "uas" left empty; the UA objects, up to one
// per inventory entry, are appended by hand one at a time into a buffer
// that is written out whenever it fills. The bytes are those of
// json.Encoder with SetIndent("", "  ") over the whole document
// (TestStreamedWritersMatchLegacy), but the report's memory no longer grows
// with the number of UAs, and no reflection or re-indenting runs per UA.

// flushSize is how much encoded output the writers hold before writing it.
const flushSize = 64 << 10

// Errors that mean a bug in the streaming writer, never bad input.
var (
	errNoUAsKey = errors.New("report: the document has no empty \"uas\" where the analyze document's should be")
	errJSONTime = errors.New("report: a UA time unchecked before streaming cannot be written as JSON")
)

func writeJSON(w io.Writer, a *Analysis) error {
	return writeJSONWithUAs(w, newAnalyzeFrame(a), func() any { return newAnalyzeDoc(a) }, a.Inventory, nil, "  ")
}

// writeJSONWithUAs writes frame, a document holding an analyze document
// with "uas" empty, as encodeIndented would write it with the inventory's
// UAs in that array. The array is the first "uas" key indented by indent
// after the text after (nil: from the start). When a UA's time cannot be
// written as JSON, full builds the whole document for encoding/json to
// fail on, as it did before.
func writeJSONWithUAs(w io.Writer, frame any, full func() any, inv *correlate.Inventory, after []byte, indent string) error {
	var uas []*correlate.UAStats
	if inv != nil {
		uas = inv.UAs()
	}
	for _, s := range uas {
		if !jsonTimeOK(s.First) || !jsonTimeOK(s.Last) {
			// encoding/json cannot write the document: let it say why,
			// exactly as before, and write nothing.
			return encodeIndented(w, full())
		}
	}
	var fb bytes.Buffer
	if err := encodeIndented(&fb, frame); err != nil {
		return err
	}
	doc := fb.Bytes()
	if len(uas) == 0 {
		_, err := w.Write(doc)
		return err
	}
	// A key is unique in its object, and a string cannot hold a raw
	// newline: the first empty "uas" at this indentation after the
	// enclosing key is the analyze document's.
	start := bytes.Index(doc, after)
	marker := []byte("\n" + indent + `"uas": []`)
	at := bytes.Index(doc[max(start, 0):], marker)
	if start < 0 || at < 0 {
		return errNoUAsKey
	}
	at += start + len(marker) - len("[]")
	head, tail := doc[:at], doc[at+len("[]"):]

	buf := append(append(make([]byte, 0, flushSize+flushSize/4), head...), '[')
	buf, err := streamUAs(w, buf, uas, newUAJSON(indent))
	if err != nil {
		return err
	}
	buf = append(append(append(append(buf, '\n'), indent...), ']'), tail...)
	_, err = w.Write(buf)
	return err
}

// encodeIndented is what writeJSON did for the whole document before it
// streamed, and still does for the frame.
func encodeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// uaJSON appends UA objects of the analyze document; its scratch space is
// reused from one UA to the next.
type uaJSON struct {
	row  uaRow
	addr []byte
	// nl[k] starts a line k levels inside the UA objects: their braces
	// (0), their fields (1), the fields' elements (2), the fields of a
	// source or rule (3).
	nl [4]string
}

// newUAJSON returns an encoder for the elements of a "uas" key indented by
// indent.
func newUAJSON(indent string) *uaJSON {
	e := new(uaJSON)
	for k := range e.nl {
		e.nl[k] = "\n" + indent + strings.Repeat("  ", k+1)
	}
	return e
}

// appendUA appends uas[i], s, with the comma before every UA but the first.
func (e *uaJSON) appendUA(dst []byte, i int, s *correlate.UAStats) ([]byte, error) {
	if i > 0 {
		dst = append(dst, ',')
	}
	return e.append(dst, s)
}

// append appends s as a uaDoc, indented as an element of "uas", without the
// separating comma. Its times must pass jsonTimeOK; writeJSONWithUAs checks
// every UA before it writes the first byte, so errJSONTime means a bug here.
func (e *uaJSON) append(dst []byte, s *correlate.UAStats) ([]byte, error) {
	e.row.reset(s)
	return e.appendRow(dst)
}

// key appends a comma unless first, the line start of level and key.
func (e *uaJSON) key(dst []byte, first bool, level int, key string) []byte {
	if !first {
		dst = append(dst, ',')
	}
	return append(append(dst, e.nl[level]...), key...)
}

// num appends a number field of level.
func (e *uaJSON) num(dst []byte, level int, key string, v uint64) []byte {
	return strconv.AppendUint(e.key(dst, false, level, key), v, 10)
}

// close closes a field's object or array of n elements: json.Indent
// writes an empty one as {} or [], a full one with its closer on its own
// line.
func (e *uaJSON) close(dst []byte, n int, closer byte) []byte {
	if n > 0 {
		dst = append(dst, e.nl[1]...)
	}
	return append(dst, closer)
}

// appendRow appends e.row; it does not allocate once dst and e's scratch
// have grown to the sizes the UAs need.
func (e *uaJSON) appendRow(dst []byte) ([]byte, error) {
	r := &e.row
	if !jsonTimeOK(r.first) || !jsonTimeOK(r.last) {
		return dst, errJSONTime
	}
	dst = append(append(dst, e.nl[0]...), '{')
	dst = appendJSONString(e.key(dst, true, 1, `"ua": `), r.ua)
	dst = strconv.AppendBool(e.key(dst, false, 1, `"ua_present": `), r.present)
	if r.other {
		dst = e.key(dst, false, 1, `"other": true`)
	}
	dst = e.num(dst, 1, `"messages": `, r.messages)
	dst = e.num(dst, 1, `"requests": `, r.requests)
	dst = e.num(dst, 1, `"responses": `, r.responses)
	dst = e.num(dst, 1, `"malformed": `, r.malformed)
	dst = e.num(dst, 1, `"core_drops": `, r.coreDrops)

	dst = e.key(dst, false, 1, `"methods": {`)
	for i, m := range r.methodsByKey() {
		dst = appendJSONString(e.key(dst, i == 0, 2, ""), m.Key)
		dst = strconv.AppendUint(append(dst, ": "...), m.Messages, 10)
	}
	dst = e.close(dst, len(r.methods), '}')

	dst = e.key(dst, false, 1, `"response_codes": {`)
	for i := range r.codesByKey() {
		c := &r.codes[i]
		dst = append(e.key(dst, i == 0, 2, `"`), c.keyBytes()...) // digits need no escaping
		dst = strconv.AppendUint(append(dst, `": `...), c.messages, 10)
	}
	dst = e.close(dst, len(r.codes), '}')

	dst = e.key(dst, false, 1, `"sources": [`)
	for i, src := range r.sources {
		e.addr = src.Key.AppendTo(e.addr[:0]) // addrString's text: "" when invalid
		dst = e.key(dst, i == 0, 2, "{")
		dst = appendJSONString(e.key(dst, true, 3, `"addr": `), string(e.addr))
		dst = e.num(dst, 3, `"messages": `, src.Messages)
		dst = append(append(dst, e.nl[2]...), '}')
	}
	dst = e.close(dst, len(r.sources), ']')

	dst = e.num(dst, 1, `"other_sources_messages": `, r.otherSources)
	dst = r.first.AppendFormat(e.key(dst, false, 1, `"first_seen": "`), time.RFC3339Nano)
	dst = r.last.AppendFormat(e.key(append(dst, '"'), false, 1, `"last_seen": "`), time.RFC3339Nano)
	dst = append(dst, '"')

	dst = e.key(dst, false, 1, `"rules": [`)
	for i, rr := range r.rules {
		dst = e.key(dst, i == 0, 2, "{")
		dst = strconv.AppendUint(e.key(dst, true, 3, `"bit": `), uint64(rr.bit), 10)
		dst = appendJSONString(e.key(dst, false, 3, `"name": `), r.names.name(rr.bit))
		dst = e.num(dst, 3, `"messages": `, rr.messages)
		dst = e.num(dst, 3, `"first": `, rr.first)
		dst = append(append(dst, e.nl[2]...), '}')
	}
	dst = e.close(dst, len(r.rules), ']')
	return append(append(dst, e.nl[0]...), '}'), nil
}
