package memstat

import (
	"io"
	"strings"
)

// jsonTok is a token of rrdtool's JSON: a delimiter ({ } [ ] : ,), a
// string (double or single quotes) or a bare word (number, null, NaN,
// or rrdtool 1.4's unquoted key).
type jsonTok struct {
	delim byte // 0 for strings and words
	text  string
	str   bool
}

// token reads the next token; io.EOF at the end of the input.
func (x *xportSink) token() (jsonTok, error) {
	if _, err := x.sc.peekNonSpace(); err != nil {
		return jsonTok{}, err
	}
	c, err := x.sc.read()
	if err != nil {
		return jsonTok{}, err
	}
	switch c {
	case '{', '}', '[', ']', ':', ',':
		return jsonTok{delim: c}, nil
	case '"', '\'':
		var b []byte
		esc := false
		for {
			d, err := x.sc.read()
			if err != nil {
				return jsonTok{}, x.readErr(err, "a string")
			}
			switch {
			case esc:
				esc = false
			case d == '\\':
				esc = true
				continue
			case d == c:
				return jsonTok{text: string(b), str: true}, nil
			case d == '\n':
				return jsonTok{}, x.tokenError("newline inside a string")
			}
			if len(b) >= maxToken {
				return jsonTok{}, x.tokenError("string longer than %d bytes", maxToken)
			}
			b = append(b, d)
		}
	}
	b := []byte{c}
	for {
		d, err := x.sc.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return jsonTok{}, x.readErr(err, "a value")
		}
		if strings.IndexByte("{}[]:,\"' \t\r\n", d) >= 0 {
			x.sc.unread()
			break
		}
		if len(b) >= maxToken {
			return jsonTok{}, x.tokenError("value longer than %d bytes", maxToken)
		}
		b = append(b, d)
	}
	return jsonTok{text: string(b)}, nil
}

// expect reads a delimiter.
func (x *xportSink) expect(delim byte) error {
	t, err := x.token()
	if err != nil {
		return x.readErr(err, "the export")
	}
	if t.delim != delim {
		return x.tokenError("expected %q, found %q", delim, cleanSnippet([]byte(t.text+string(t.delim)), 40))
	}
	return nil
}

// members calls f for each key of an object whose '{' was read; f reads
// the value. It stops at the matching '}'.
func (x *xportSink) members(f func(key string) error) error {
	for {
		t, err := x.token()
		if err != nil {
			return x.readErr(err, "an object")
		}
		switch {
		case t.delim == '}':
			return nil
		case t.delim == ',':
			continue
		case t.delim != 0:
			return x.tokenError("expected a key, found %q", t.delim)
		}
		if err := x.expect(':'); err != nil {
			return err
		}
		if err := f(t.text); err != nil {
			return err
		}
	}
}

// skipValue skips a value of any shape (prints, gprints, unknown keys).
func (x *xportSink) skipValue() error {
	depth := 0
	for {
		t, err := x.token()
		if err != nil {
			return x.readErr(err, "a value")
		}
		switch t.delim {
		case '{', '[':
			if depth++; depth > maxDepth {
				return x.tokenError("values nested deeper than %d", maxDepth)
			}
		case '}', ']':
			depth--
		}
		if depth <= 0 && t.delim != ',' && t.delim != ':' {
			return nil
		}
	}
}

// readJSON reads the --json form: {about, meta: {start, step, end,
// legend: [...]}, data: [[v, ...], ...]}.
func (x *xportSink) readJSON() error {
	if err := x.expect('{'); err != nil {
		return err
	}
	return x.members(func(key string) error {
		switch key {
		case "meta":
			if err := x.expect('{'); err != nil {
				return err
			}
			return x.members(func(k string) error {
				if k != "legend" {
					t, err := x.token()
					if err != nil {
						return x.readErr(err, "the meta")
					}
					if t.delim != 0 {
						x.sc.unread() // a delimiter is one byte
						return x.skipValue()
					}
					return x.setMeta(k, t.text)
				}
				return x.jsonLegend()
			})
		case "data":
			return x.jsonData()
		}
		return x.skipValue()
	})
}

func (x *xportSink) jsonLegend() error {
	if err := x.expect('['); err != nil {
		return err
	}
	for {
		t, err := x.token()
		if err != nil {
			return x.readErr(err, "the legend")
		}
		switch {
		case t.delim == ']':
			return nil
		case t.delim == ',':
		case t.delim != 0:
			return x.tokenError("expected a legend entry, found %q", t.delim)
		default:
			if len(x.meta.legend) >= maxColumns {
				return x.tokenError("more than %d legend entries", maxColumns)
			}
			x.meta.legend = append(x.meta.legend, t.text)
		}
	}
}

// jsonData reads the rows. With --showtime each row starts with its time,
// so it has one value more than the legend.
func (x *xportSink) jsonData() error {
	if err := x.expect('['); err != nil {
		return err
	}
	var cells []string
	for {
		t, err := x.token()
		if err != nil {
			return x.readErr(err, "the data")
		}
		switch t.delim {
		case ']':
			return nil
		case ',':
			continue
		case '[':
		default:
			return x.tokenError("expected a row, found %q", cleanSnippet([]byte(t.text+string(t.delim)), 40))
		}
		line := x.sc.line
		cells = cells[:0]
		for {
			v, err := x.token()
			if err != nil {
				return x.readErr(err, "a row")
			}
			if v.delim == ']' {
				break
			}
			if v.delim == ',' {
				continue
			}
			if v.delim != 0 {
				return x.tokenError("expected a value, found %q", v.delim)
			}
			if len(cells) > maxColumns {
				return x.tokenError("a row of more than %d values", maxColumns)
			}
			cells = append(cells, v.text)
		}
		tcell := ""
		if len(cells) == len(x.meta.legend)+1 {
			tcell, cells = cells[0], cells[1:]
		}
		if err := x.row(tcell, cells, line); err != nil {
			return err
		}
	}
}
