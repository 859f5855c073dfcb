package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

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

// emptyUAs is where "uas" sits in the indented frame. It is found once:
// a depth-1 key is unique, and a string cannot hold a raw newline.
var emptyUAs = []byte("\n  \"uas\": []")

// Errors that mean a bug in the streaming writer, never bad input.
var (
	errNoUAsKey = errors.New("report: the analyze document has no empty \"uas\" at depth 1")
	errJSONTime = errors.New("report: a UA time unchecked before streaming cannot be written as JSON")
)

func writeJSON(w io.Writer, a *Analysis) error {
	var uas []*correlate.UAStats
	if a.Inventory != nil {
		uas = a.Inventory.UAs()
	}
	for _, s := range uas {
		if !jsonTimeOK(s.First) || !jsonTimeOK(s.Last) {
			// encoding/json cannot write the document: let it say why,
			// exactly as before, and write nothing.
			return encodeIndented(w, newAnalyzeDoc(a))
		}
	}
	var frame bytes.Buffer
	if err := encodeIndented(&frame, newAnalyzeFrame(a)); err != nil {
		return err
	}
	if len(uas) == 0 {
		_, err := w.Write(frame.Bytes())
		return err
	}
	doc := frame.Bytes()
	at := bytes.Index(doc, emptyUAs)
	if at < 0 {
		return errNoUAsKey
	}
	head, tail := doc[:at+len(emptyUAs)-len("[]")], doc[at+len(emptyUAs):]

	buf := make([]byte, 0, flushSize+flushSize/4)
	buf = append(append(buf, head...), '[')
	buf, err := streamUAs(w, buf, uas, new(uaJSON))
	if err != nil {
		return err
	}
	buf = append(append(buf, "\n  ]"...), tail...)
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
	row   uaRow
	addr  []byte
	times utcTimes
}

// Indentation of a UA object's lines: the object is an element of "uas"
// (depth 2), its fields at depth 3, their elements at depth 4, and the
// fields of a source or rule object at depth 5.
const (
	ind2 = "\n    "
	ind3 = "\n      "
	ind4 = "\n        "
	ind5 = "\n          "
)

// appendUA appends uas[i], s, with the comma before every UA but the first.
func (e *uaJSON) appendUA(dst []byte, i int, s *correlate.UAStats) ([]byte, error) {
	if i > 0 {
		dst = append(dst, ',')
	}
	return e.append(dst, s)
}

// append appends s as a uaDoc, indented as an element of "uas", without the
// separating comma. Its times must pass jsonTimeOK; writeJSON checks every
// UA before it writes the first byte, so errJSONTime means a bug here.
func (e *uaJSON) append(dst []byte, s *correlate.UAStats) ([]byte, error) {
	e.row.reset(s)
	return e.appendRow(dst)
}

// appendRow appends e.row; it does not allocate once dst and e's scratch
// have grown to the sizes the UAs need.
func (e *uaJSON) appendRow(dst []byte) ([]byte, error) {
	r := &e.row
	dst = append(dst, ind2+"{"+ind3+`"ua": `...)
	dst = appendJSONString(dst, r.ua)
	dst = append(dst, ","+ind3+`"ua_present": `...)
	dst = strconv.AppendBool(dst, r.present)
	if r.other {
		dst = append(dst, ","+ind3+`"other": true`...)
	}
	dst = appendJSONUint(dst, `"messages": `, r.messages)
	dst = appendJSONUint(dst, `"requests": `, r.requests)
	dst = appendJSONUint(dst, `"responses": `, r.responses)
	dst = appendJSONUint(dst, `"malformed": `, r.malformed)
	dst = appendJSONUint(dst, `"core_drops": `, r.coreDrops)

	dst = append(dst, ","+ind3+`"methods": {`...)
	for i, m := range r.methodsByKey() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, ind4...)
		dst = appendJSONString(dst, m.Key)
		dst = append(dst, ": "...)
		dst = strconv.AppendUint(dst, m.Messages, 10)
	}
	dst = closeJSON(dst, len(r.methods), '}')

	dst = append(dst, ","+ind3+`"response_codes": {`...)
	for i := range r.codesByKey() {
		c := &r.codes[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, ind4+`"`...) // decimal digits need no escaping
		dst = append(dst, c.keyBytes()...)
		dst = append(dst, `": `...)
		dst = strconv.AppendUint(dst, c.messages, 10)
	}
	dst = closeJSON(dst, len(r.codes), '}')

	dst = append(dst, ","+ind3+`"sources": [`...)
	for i, src := range r.sources {
		if i > 0 {
			dst = append(dst, ',')
		}
		e.addr = src.Key.AppendTo(e.addr[:0]) // addrString's text: "" when invalid
		dst = append(dst, ind4+"{"+ind5+`"addr": `...)
		dst = appendJSONString(dst, string(e.addr))
		dst = append(dst, ","+ind5+`"messages": `...)
		dst = strconv.AppendUint(dst, src.Messages, 10)
		dst = append(dst, ind4+"}"...)
	}
	dst = closeJSON(dst, len(r.sources), ']')

	dst = appendJSONUint(dst, `"other_sources_messages": `, r.otherSources)
	if !jsonTimeOK(r.first) || !jsonTimeOK(r.last) {
		return dst, errJSONTime
	}
	dst = append(dst, ","+ind3+`"first_seen": "`...)
	dst = e.times.appendRFC3339Nano(dst, r.first)
	dst = append(dst, "\","+ind3+`"last_seen": "`...)
	dst = e.times.appendRFC3339Nano(dst, r.last)
	dst = append(dst, '"')

	dst = append(dst, ","+ind3+`"rules": [`...)
	for i, rr := range r.rules {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, ind4+"{"+ind5+`"bit": `...)
		dst = strconv.AppendUint(dst, uint64(rr.bit), 10)
		dst = append(dst, ","+ind5+`"name": `...)
		dst = appendJSONString(dst, r.names.name(rr.bit))
		dst = appendJSONField5(dst, `"messages": `, rr.messages)
		dst = appendJSONField5(dst, `"first": `, rr.first)
		dst = append(dst, ind4+"}"...)
	}
	dst = closeJSON(dst, len(r.rules), ']')
	return append(dst, ind2+"}"...), nil
}

// appendJSONUint appends a number field of a UA object after a comma.
func appendJSONUint(dst []byte, key string, v uint64) []byte {
	dst = append(dst, ","+ind3...)
	dst = append(dst, key...)
	return strconv.AppendUint(dst, v, 10)
}

// appendJSONField5 appends a number field of a source or rule object.
func appendJSONField5(dst []byte, key string, v uint64) []byte {
	dst = append(dst, ","+ind5...)
	dst = append(dst, key...)
	return strconv.AppendUint(dst, v, 10)
}

// closeJSON closes a UA field's object or array: json.Indent writes an
// empty one as {} or [], a full one with its closer on its own line.
func closeJSON(dst []byte, n int, closer byte) []byte {
	if n > 0 {
		dst = append(dst, ind3...)
	}
	return append(dst, closer)
}
