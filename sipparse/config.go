package sipparse

import (
	"bytes"
	"errors"
	"fmt"
)

// Config is the sanity module configuration as Kamailio takes it.
type Config struct {
	// Version selects the behaviour profile (LatestRelease by default).
	Version Version
	// Checks is default_checks / sanity_check(msg_checks); default 3047.
	Checks Check
	// URIChecks is uri_checks; default 7.
	URIChecks uint8
	// ProxyRequire is modparam proxy_require, already tokenised like
	// Kamailio (see ParseProxyRequireList).
	ProxyRequire []string
}

// DefaultConfig is Kamailio's module default for the newest release:
// default_checks 3047, uri_checks 7, empty proxy_require list.
func DefaultConfig() Config {
	return Config{Version: LatestRelease(), Checks: DefaultChecks, URIChecks: DefaultURIChecks}
}

// ErrCheckRange is returned by NewEngine for masks Kamailio rejects with
// "input parameter (N) outside of valid range".
var ErrCheckRange = errors.New("sipparse: check mask outside Kamailio's valid range")

// ParseProxyRequireList tokenises the proxy_require modparam exactly like the
// sanity module's parse_str_list(): trim SP/HT/CR/LF, an empty string gives
// an empty list, otherwise split on every ',' and trim each token; empty
// tokens are kept.
func ParseProxyRequireList(s string) []string {
	var out []string
	forEachStrListToken([]byte(s), func(tok []byte) bool {
		out = append(out, string(tok))
		return true
	})
	return out
}

// forEachStrListToken calls f for each token of parse_str_list(b) and stops
// when f returns false. It reports false when the trimmed input is empty
// (Kamailio's "Error while parsing").
func forEachStrListToken(b []byte, f func(tok []byte) bool) bool {
	b = trimWS(b)
	if len(b) == 0 {
		return false
	}
	for {
		i := bytes.IndexByte(b, ',')
		if i < 0 {
			f(trimWS(b))
			return true
		}
		if !f(trimWS(b[:i])) {
			return true
		}
		b = b[i+1:]
	}
}

func (c Config) validate() error {
	p := c.Version.profile()
	if c.Checks < 1 || c.Checks > p.maxChecks {
		return fmt.Errorf("%w: msg_checks %d not in 1..%d for Kamailio %v", ErrCheckRange, c.Checks, p.maxChecks, c.Version)
	}
	if c.URIChecks < 1 || c.URIChecks > uriChecksMax {
		return fmt.Errorf("%w: uri_checks %d not in 1..%d", ErrCheckRange, c.URIChecks, uriChecksMax)
	}
	return nil
}
