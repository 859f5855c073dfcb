package esquery

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"

	"github.com/olivere/elastic/v7"
)

// Kinds of failure talking to Elasticsearch. Every error the client returns
// wraps exactly one of them (test with errors.Is) inside an *Error that
// says which operation on which index failed.
var (
	// ErrUnavailable means no node answered (connection refused, DNS, reset).
	ErrUnavailable = errors.New("elasticsearch unreachable")
	// ErrTLS means the TLS handshake failed (unknown CA, wrong host name).
	ErrTLS = errors.New("TLS verification failed")
	// ErrTimeout means the request outlived Config.Timeout or the context.
	ErrTimeout = errors.New("timed out")
	// ErrUnauthorized means the credentials were refused (HTTP 401).
	ErrUnauthorized = errors.New("authentication failed (check user/password or API key)")
	// ErrForbidden means the credentials lack a privilege (HTTP 403).
	ErrForbidden = errors.New("permission denied")
	// ErrIndexNotFound means the index does not exist, or a pattern matched none.
	ErrIndexNotFound = errors.New("no such index")
	// ErrMappingConflict means documents do not fit an index's mapping, or
	// an existing index maps a field differently from what sipcorr writes.
	ErrMappingConflict = errors.New("mapping conflict")
	// ErrRejected means Elasticsearch refused work for load (HTTP 429)
	// and retries did not get it through.
	ErrRejected = errors.New("rejected: too many requests (HTTP 429)")
	// ErrServer means Elasticsearch failed (HTTP 5xx).
	ErrServer = errors.New("server error")
	// ErrBadRequest means Elasticsearch refused the request (other 4xx).
	ErrBadRequest = errors.New("request refused")
	// ErrNotStructured means ModeAggregate was asked for but no index maps
	// the UA field as an aggregatable (keyword) field.
	ErrNotStructured = errors.New("no aggregatable UA field")
	// ErrNoTimeField means no matched index maps the time field as a date.
	ErrNoTimeField = errors.New("time field not mapped as a date")
	// ErrQuery means the Query or Config itself is invalid.
	ErrQuery = errors.New("invalid query")
)

// Error describes a failed operation. Reason is Elasticsearch's own text,
// with control characters replaced and cut to a few hundred bytes: it can
// quote document values, which may be hostile.
type Error struct {
	Op     string // "connect", "search", "aggregate", "bulk", "template", ...
	Target string // index or pattern, or the URL (without credentials)
	Status int    // HTTP status, 0 if none
	Type   string // Elasticsearch error type, e.g. index_not_found_exception
	Reason string
	Kind   error // one of the Err* kinds above
	Err    error // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "esquery: %s %s: %v", e.Op, e.Target, e.Kind)
	if e.Status != 0 || e.Type != "" || e.Reason != "" {
		b.WriteString(" (")
		if e.Status != 0 {
			fmt.Fprintf(&b, "HTTP %d", e.Status)
		}
		if e.Type != "" {
			fmt.Fprintf(&b, " %s", e.Type)
		}
		if e.Reason != "" {
			fmt.Fprintf(&b, ": %s", e.Reason)
		}
		b.WriteString(")")
	} else if e.Err != nil {
		fmt.Fprintf(&b, ": %s", sanitize(e.Err.Error(), 1000))
	}
	return b.String()
}

// Unwrap exposes the kind and the cause to errors.Is / errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// classify wraps err from olivere or net/http into an *Error.
func classify(op, target string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: op, Target: target, Err: err}
	var ee *elastic.Error
	var ue *url.Error
	var ne net.Error
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ee):
		e.Status = ee.Status
		if d := ee.Details; d != nil {
			// "all shards failed" says nothing; the first root cause does.
			if len(d.RootCause) > 0 && d.RootCause[0] != nil && d.Type == "search_phase_execution_exception" {
				d = d.RootCause[0]
			}
			e.Type = sanitize(d.Type, 80)
			e.Reason = sanitize(d.Reason, 300)
			if d.CausedBy != nil && e.Reason == "" {
				e.Reason = sanitize(fmt.Sprint(d.CausedBy["reason"]), 300)
			}
		}
		e.Kind = kindOfStatus(ee.Status, e.Type, e.Reason)
		e.Err = nil // Status, Type and Reason say it all
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		e.Kind = ErrTimeout
	case errors.Is(err, context.Canceled):
		e.Kind = context.Canceled
	case errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci):
		e.Kind = ErrTLS
	case errors.Is(err, elastic.ErrNoClient), errors.As(err, &ue), errors.As(err, &ne):
		e.Kind = ErrUnavailable
	default:
		e.Kind = ErrUnavailable
	}
	return e
}

func kindOfStatus(status int, typ, reason string) error {
	switch {
	case status == 401:
		return ErrUnauthorized
	case status == 403:
		return ErrForbidden
	case typ == "index_not_found_exception":
		return ErrIndexNotFound
	case status == 429 || typ == "es_rejected_execution_exception":
		return ErrRejected
	case typ == "mapper_parsing_exception" || typ == "document_parsing_exception" ||
		typ == "strict_dynamic_mapping_exception":
		return ErrMappingConflict
	case typ == "illegal_argument_exception" && (strings.Contains(reason, "mapper [") || strings.Contains(reason, "mapping")):
		// e.g. "mapper [source.ip] cannot be changed from type [ip] to [keyword]"
		return ErrMappingConflict
	case status >= 500:
		return ErrServer
	}
	return ErrBadRequest
}

// sanitize makes server-supplied text safe for a terminal or log: control
// and format characters become '?', and the text is cut to max bytes.
func sanitize(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			b.WriteString("...")
			break
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
