package esquery

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// fieldSet holds a Query's field names with defaults applied.
type fieldSet struct {
	time, msg, ua, ip, port string
}

func (q *Query) fields() fieldSet {
	return fieldSet{
		time: or(q.TimeField, DefaultTimeField),
		msg:  or(q.MessageField, DefaultMessageField),
		ua:   or(q.UAField, DefaultUAField),
		ip:   or(q.SourceField, DefaultSourceField),
		port: or(q.PortField, DefaultPortField),
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lookup finds a field by its dotted path in a decoded JSON document,
// whether the document spells it flat ("user_agent.original": ...) or nested
// ({"user_agent": {"original": ...}}), as Elasticsearch treats both alike.
func lookup(m map[string]any, path string) (any, bool) {
	if v, ok := m[path]; ok {
		return v, true
	}
	for i := strings.IndexByte(path, '.'); i >= 0; {
		if sub, ok := m[path[:i]].(map[string]any); ok {
			if v, ok := lookup(sub, path[i+1:]); ok {
				return v, true
			}
		}
		j := strings.IndexByte(path[i+1:], '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return nil, false
}

// stringValue renders a scalar JSON value as text. journald exports
// messages that are not valid UTF-8 as arrays of byte values.
func stringValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case []any:
		b := make([]byte, 0, len(x))
		for _, e := range x {
			n, ok := e.(json.Number)
			if !ok {
				return "", false
			}
			c, err := strconv.ParseUint(n.String(), 10, 8)
			if err != nil {
				return "", false
			}
			b = append(b, byte(c))
		}
		return string(b), true
	}
	return "", false
}

// docHit turns one decoded log document into a Hit. Structured fields win
// when present (UA from f.ua, source from f.ip and f.port); otherwise the
// message is parsed. The error (ErrNoMatch or ErrBadSource from the parser)
// is set only when neither UA nor source is known; the Hit is returned all
// the same so the caller counts it as unattributed rather than drop it.
func docHit(doc map[string]any, f fieldSet, p *LineParser) (Hit, error) {
	var h Hit
	if v, ok := lookup(doc, f.ua); ok {
		if ua, ok := stringValue(v); ok {
			h.UA, h.HasUA = TruncateUA(ua), true
		}
	}
	srcOK := false
	if v, ok := lookup(doc, f.ip); ok {
		if s, ok := stringValue(v); ok {
			if a, err := netip.ParseAddr(s); err == nil {
				var port uint64
				if pv, ok := lookup(doc, f.port); ok {
					// A port that is missing or does not parse leaves 0:
					// the address alone still maps the hit to a UA.
					if ps, ok := stringValue(pv); ok {
						if p, err := strconv.ParseUint(ps, 10, 16); err == nil {
							port = p
						}
					}
				}
				h.Src, srcOK = netip.AddrPortFrom(a.Unmap(), uint16(port)), true
			}
		}
	}
	if h.HasUA && srcOK {
		return h, nil
	}
	msg, ok := docMessage(doc, f)
	if !ok {
		if h.HasUA {
			return h, nil
		}
		return h, ErrNoMatch
	}
	l, err := p.Parse(msg)
	if !h.HasUA {
		h.UA, h.HasUA = l.UA, l.HasUA
	}
	if !srcOK {
		h.Src = l.Src
	}
	if h.HasUA || h.Src.IsValid() {
		return h, nil
	}
	return h, err
}

func docMessage(doc map[string]any, f fieldSet) (string, bool) {
	for _, name := range []string{f.msg, "MESSAGE"} {
		if v, ok := lookup(doc, name); ok {
			if s, ok := stringValue(v); ok {
				return s, true
			}
		}
	}
	return "", false
}

// docTime reads the document timestamp from f.time, falling back to the
// names journald and common exporters use.
func docTime(doc map[string]any, f fieldSet) (time.Time, error) {
	for _, name := range []string{f.time, "timestamp", "time"} {
		if v, ok := lookup(doc, name); ok {
			return parseJSONTime(v, false)
		}
	}
	if v, ok := doc["__REALTIME_TIMESTAMP"]; ok {
		return parseJSONTime(v, true)
	}
	return time.Time{}, ErrBadTime
}
