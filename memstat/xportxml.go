package memstat

import (
	"bytes"
	"io"
	"strings"
)

// maxDepth bounds the element nesting of an xport (it has four levels).
const maxDepth = 32

// readXML reads the XML form with a small scanner: the format is fixed
// and flat, and a scanner of its own bounds every tag and text (a
// general XML decoder buffers a text node of any length).
func (x *xportSink) readXML() error {
	var path []string
	var text []byte
	var cells []string
	tcell, rowLine := "", 0
	for {
		c, err := x.sc.read()
		if err != nil {
			if err == io.EOF && len(path) == 0 {
				return nil
			}
			return x.readErr(err, "an XML element")
		}
		if c != '<' {
			if len(path) > 0 && len(text) < maxToken {
				text = append(text, c)
			} else if len(path) > 0 {
				return x.tokenError("text longer than %d bytes in <%s>", maxToken, path[len(path)-1])
			}
			continue
		}
		tag, err := x.xmlTag()
		if err != nil {
			return err
		}
		switch {
		case tag == "" || tag[0] == '?' || tag[0] == '!': // declaration, comment, doctype
			continue
		case tag[0] == '/':
			name := strings.TrimSpace(tag[1:])
			if len(path) == 0 || path[len(path)-1] != name {
				return x.tokenError("</%s> does not close an open element", cleanSnippet([]byte(name), 40))
			}
			val := entityReplacer.Replace(trimSpace(text))
			text = text[:0]
			parent := ""
			if len(path) > 1 {
				parent = path[len(path)-2]
			}
			path = path[:len(path)-1]
			switch {
			case parent == "meta":
				if err := x.setMeta(name, val); err != nil {
					return err
				}
			case parent == "legend" && name == "entry":
				x.meta.legend = append(x.meta.legend, val)
			case parent == "row" && name == "t":
				tcell = val
			case parent == "row" && strings.HasPrefix(name, "v"):
				if err := x.xmlValue(name, val, &cells); err != nil {
					return err
				}
			case name == "row":
				if err := x.row(tcell, cells, rowLine); err != nil {
					return err
				}
				tcell, cells = "", cells[:0]
			case name == "meta":
				if err := x.begin(); err != nil {
					return err
				}
			}
		default:
			selfClosing := strings.HasSuffix(tag, "/")
			name, _, _ := strings.Cut(strings.TrimSuffix(tag, "/"), " ")
			name = strings.TrimSpace(name)
			if name == "" {
				return x.tokenError("an element without a name")
			}
			if len(path) == 0 && name != "xport" {
				return x.tokenError("root element <%s> is not <xport>", cleanSnippet([]byte(name), 40))
			}
			if selfClosing { // an empty value or legend entry
				parent := ""
				if len(path) > 0 {
					parent = path[len(path)-1]
				}
				switch {
				case parent == "row" && strings.HasPrefix(name, "v"):
					if err := x.xmlValue(name, "", &cells); err != nil {
						return err
					}
				case parent == "legend" && name == "entry":
					x.meta.legend = append(x.meta.legend, "")
				}
				continue
			}
			if len(path) >= maxDepth {
				return x.tokenError("elements nested deeper than %d", maxDepth)
			}
			if name == "row" {
				rowLine = x.sc.line
			}
			path = append(path, name)
			text = text[:0]
		}
	}
}

// xmlValue stores a <v> or --enumds <vN> cell in its column.
func (x *xportSink) xmlValue(name, val string, cells *[]string) error {
	idx := len(*cells)
	if name != "v" {
		n, ok := metaInt(name[1:])
		if !ok || n < 0 || n >= maxColumns {
			return nil // not a value element
		}
		idx = int(n)
	}
	for len(*cells) <= idx {
		*cells = append(*cells, "")
	}
	(*cells)[idx] = val
	return nil
}

// xmlTag reads a tag after its '<', up to '>'; comments are skipped to
// their end.
func (x *xportSink) xmlTag() (string, error) {
	var b []byte
	for {
		c, err := x.sc.read()
		if err != nil {
			return "", x.readErr(err, "an XML tag")
		}
		if c == '>' && !(bytes.HasPrefix(b, []byte("!--")) && !bytes.HasSuffix(b, []byte("--"))) {
			return string(b), nil
		}
		if len(b) >= maxToken {
			return "", x.tokenError("XML tag longer than %d bytes", maxToken)
		}
		b = append(b, c)
	}
}
