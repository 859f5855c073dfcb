package esquery

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultPattern matches the operators' xlog line
//
//	xlog("L_NOTICE", "Malformed SIP received. ua: [$ua] received from <$si:$sp>")
//
// and the stock kamailio.cfg lines "Malformed SIP request from $si:$sp"
// (also "response" and "message"), which carry no UA.
//
// The ua group is greedy on purpose: a UA may itself contain "] received
// from <", and the real suffix is the last one on the line. $si prints IPv6
// without brackets ("2001:db8::1:5060"), $siz with them; both parse, the port
// being what follows the last colon.
const DefaultPattern = `Malformed SIP (?:received\. ua: \[(?P<ua>.*)\] received from <|(?:request|response|message) from <?)` +
	`(?P<src>\[[0-9A-Fa-f:.]+(?:%[0-9A-Za-z._-]+)?\]:[0-9]+|[0-9A-Fa-f:.]+:[0-9]+)`

// MaxUALen bounds the UA kept from one line; longer UAs are cut at a UTF-8
// boundary. Kamailio itself logs at most a few hundred bytes of $ua in
// practice, and an attacker must not be able to make one hit cost megabytes.
const MaxUALen = 1024

// Sentinel errors of the line parser and the log file reader.
var (
	// ErrNoMatch means the message did not match the pattern: not a
	// malformed-SIP line, or one in a format the pattern does not know.
	ErrNoMatch = errors.New("esquery: line does not match the pattern")
	// ErrBadSource means the line matched but its source address did not
	// parse; the UA (if any) is still returned.
	ErrBadSource = errors.New("esquery: unparsable source address")
	// ErrPattern means a user-supplied pattern lacks the groups the parser needs.
	ErrPattern = errors.New("esquery: pattern needs a (?P<src>...) group or (?P<ip>...) and (?P<port>...) groups")
)

// Line is what the parser extracts from one log message.
type Line struct {
	UA    string // raw, untrusted; at most MaxUALen bytes
	HasUA bool   // the pattern has a ua group and it took part in the match
	Src   netip.AddrPort
}

// LineParser extracts UA and source address from log messages with a
// regular expression. It is safe for concurrent use.
type LineParser struct {
	re                *regexp.Regexp
	ua, src, ip, port int // submatch group numbers, -1 if absent
}

// NewLineParser returns a parser for re, which must name the source with a
// group "src" (ip:port, [ipv6]:port or ipv6:port) or with groups "ip" and
// "port"; a group "ua" is optional. A nil re means DefaultPattern.
func NewLineParser(re *regexp.Regexp) (*LineParser, error) {
	if re == nil {
		re = regexp.MustCompile(DefaultPattern)
	}
	p := &LineParser{re: re, ua: re.SubexpIndex("ua"), src: re.SubexpIndex("src"),
		ip: re.SubexpIndex("ip"), port: re.SubexpIndex("port")}
	if p.src < 0 && (p.ip < 0 || p.port < 0) {
		return nil, fmt.Errorf("%w: %q", ErrPattern, re.String())
	}
	return p, nil
}

// Pattern returns the expression the parser uses.
func (p *LineParser) Pattern() *regexp.Regexp { return p.re }

// Parse extracts UA and source from one log message (the message text or a
// whole log line: the pattern is not anchored). It returns ErrNoMatch, or
// ErrBadSource together with the UA when only the address is broken.
func (p *LineParser) Parse(msg string) (Line, error) {
	m := p.re.FindStringSubmatchIndex(msg)
	if m == nil {
		return Line{}, ErrNoMatch
	}
	group := func(i int) (string, bool) {
		if i < 0 || m[2*i] < 0 {
			return "", false
		}
		return msg[m[2*i]:m[2*i+1]], true
	}
	var l Line
	if ua, ok := group(p.ua); ok {
		l.UA, l.HasUA = TruncateUA(ua), true
	}
	var err error
	if s, ok := group(p.src); ok {
		l.Src, err = ParseSource(s)
	} else {
		ip, _ := group(p.ip)
		port, _ := group(p.port)
		l.Src, err = parseIPPort(ip, port)
	}
	if err != nil {
		return l, err
	}
	return l, nil
}

// TruncateUA cuts ua to at most MaxUALen bytes without splitting a UTF-8
// sequence.
func TruncateUA(ua string) string {
	if len(ua) <= MaxUALen {
		return ua
	}
	cut := MaxUALen
	for cut > 0 && !utf8.RuneStart(ua[cut]) {
		cut--
	}
	return ua[:cut]
}

// ParseSource parses a source address as Kamailio logs it: "1.2.3.4:5060",
// "[2001:db8::1]:5060" ($siz), "2001:db8::1:5060" ($si with IPv6: the port
// follows the last colon), or a bare address (port 0).
func ParseSource(s string) (netip.AddrPort, error) {
	if s == "" {
		return netip.AddrPort{}, fmt.Errorf("%w: empty", ErrBadSource)
	}
	if s[0] == '[' {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("%w: %q", ErrBadSource, s)
		}
		return ap, nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return netip.AddrPortFrom(a, 0), nil
	}
	// Unbracketed IPv6 is ambiguous ("2001:db8::1:5060" is also a valid
	// address); Kamailio's "$si:$sp" convention makes the last part the port.
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: %q", ErrBadSource, s)
	}
	return parseIPPort(s[:i], s[i+1:])
}

func parseIPPort(ip, port string) (netip.AddrPort, error) {
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: address %q", ErrBadSource, ip)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: port %q", ErrBadSource, port)
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(n)), nil
}
