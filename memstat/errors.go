package memstat

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sipcorr/sipcorr/internal/textsafe"
)

// Sentinel errors of the RPC client. Test with errors.Is; the concrete
// errors (*RPCError, *HTTPError, *CallError) carry the details.
var (
	// ErrConnect means the RPC endpoint could not be reached or dropped
	// the connection: Kamailio down or restarting, wrong host or port, or
	// no TCP listen socket for xhttp.
	ErrConnect = errors.New("memstat: cannot reach the Kamailio RPC endpoint")

	// ErrTimeout means an attempt took longer than Client.Timeout.
	ErrTimeout = errors.New("memstat: Kamailio RPC timed out")

	// ErrHTTPStatus means the server answered with an HTTP error status
	// and no JSON-RPC body, e.g. 404 when the xhttp event route does not
	// dispatch the URL path to jsonrpcs.
	ErrHTTPStatus = errors.New("memstat: HTTP error from the Kamailio RPC endpoint")

	// ErrRPC means Kamailio answered with a JSON-RPC error object, e.g.
	// 500 "No such pid" or 400 "stats support not enabled".
	ErrRPC = errors.New("memstat: Kamailio RPC error")

	// ErrMethodNotFound means Kamailio does not know the method: for
	// pkg.stats and stats.get_statistics the kex module is not loaded.
	// Errors matching it also match ErrRPC.
	ErrMethodNotFound = errors.New("memstat: Kamailio RPC method not found")

	// ErrBadResponse means the answer is not a JSON-RPC 2.0 response of
	// the documented shape (garbage, an empty reply, a missing result).
	ErrBadResponse = errors.New("memstat: malformed Kamailio RPC response")
)

// kexMethods are the RPC methods that come from the kex module; a "Method
// Not Found" for them means kex is not loaded. core.* methods are in the
// core and are always present when jsonrpcs answers at all.
var kexMethods = [...]string{"pkg.stats", "pkg.info", "stats.get_statistics", "stats.fetch", "mod.stats"}

// RPCError is a JSON-RPC error object returned by Kamailio.
type RPCError struct {
	URL     string
	Method  string
	Code    int
	Message string
}

// Error includes advice for the failures an operator can fix in kamailio.cfg.
func (e *RPCError) Error() string {
	s := fmt.Sprintf("kamailio RPC %s %s: error %d %q", e.URL, e.Method, e.Code, e.Message)
	if e.notFound() {
		s += ": method not registered"
		for _, m := range kexMethods {
			if e.Method == m {
				s += `; ` + m + ` is provided by the kex module: add loadmodule "kex.so" to kamailio.cfg`
				break
			}
		}
	}
	if strings.Contains(strings.ToLower(e.Message), "stats support not enabled") {
		s += "; Kamailio was built without statistics support: use core.shmmem for shared memory"
	}
	return s
}

// notFound recognises jsonrpcs's 500 "Method Not Found" and the JSON-RPC
// 2.0 code -32601 that other RPC front ends use.
func (e *RPCError) notFound() bool {
	if e.Code == -32601 {
		return true
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "method not found") || strings.Contains(m, "unknown command") || strings.Contains(m, "command not found")
}

// Is makes errors.Is(err, ErrRPC) and, for unknown methods,
// errors.Is(err, ErrMethodNotFound) true.
func (e *RPCError) Is(target error) bool {
	return target == ErrRPC || (target == ErrMethodNotFound && e.notFound())
}

// HTTPError is an HTTP error status without a JSON-RPC answer.
type HTTPError struct {
	URL        string
	Method     string
	StatusCode int
	Status     string // e.g. "404 Not Found"
	Body       string // the first bytes of the body, control characters removed
}

// Error advises on the common cause of each status.
func (e *HTTPError) Error() string {
	s := fmt.Sprintf("kamailio RPC %s %s: HTTP %s", e.URL, e.Method, e.Status)
	if e.Body != "" {
		s += fmt.Sprintf(" (body %q)", e.Body)
	}
	switch e.StatusCode {
	case 404:
		s += `; check the URL path: kamailio.cfg needs event_route[xhttp:request] calling jsonrpc_dispatch() for it (e.g. if ($hu =~ "^/RPC"))`
	case 401, 403:
		s += "; the endpoint wants credentials or refuses this client address"
	}
	return s
}

// Is makes errors.Is(err, ErrHTTPStatus) true.
func (e *HTTPError) Is(target error) bool { return target == ErrHTTPStatus }

// CallError wraps a transport or decoding failure of one RPC call with the
// URL, method and number of attempts; Unwrap gives the sentinel and cause.
type CallError struct {
	URL      string
	Method   string
	Attempts int
	Kind     error // ErrConnect, ErrTimeout or ErrBadResponse
	Err      error // the underlying cause
}

// Error names the endpoint, the method and what went wrong.
func (e *CallError) Error() string {
	s := fmt.Sprintf("kamailio RPC %s %s: %v", e.URL, e.Method, e.Err)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	switch e.Kind {
	case ErrConnect:
		s += "; is Kamailio running with xhttp + jsonrpcs (transport 1 or 7) on a TCP listen socket, and tcp_accept_no_cl=yes?"
	case ErrTimeout:
		s += "; Kamailio did not answer in time"
	}
	return s
}

// Unwrap returns the sentinel kind and the cause.
func (e *CallError) Unwrap() []error { return []error{e.Kind, e.Err} }

// cleanSnippet returns at most n bytes of b with unsafe runes
// (internal/textsafe) replaced by spaces and invalid UTF-8 by '?', for error messages that quote a hostile or garbage body.
func cleanSnippet(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return strings.Map(func(r rune) rune {
		if textsafe.IsUnsafe(r) { // internal/textsafe: controls, format and bidi characters
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), "?"))
}
