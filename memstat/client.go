package memstat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Client defaults, used when the corresponding Client field is zero.
const (
	DefaultTimeout = 5 * time.Second        // per attempt
	DefaultRetries = 2                      // extra attempts after the first
	DefaultBackoff = 250 * time.Millisecond // first retry delay, doubled per retry
	// maxBody bounds an answer; pkg.stats of 1000 processes is ~300 KB.
	maxBody = 16 << 20
)

// Client talks JSON-RPC 2.0 over HTTP to Kamailio's jsonrpcs module (via
// xhttp). It is safe for concurrent use. The zero value is not usable; make
// one with NewClient and adjust the exported fields before the first call.
type Client struct {
	// URL is the JSON-RPC endpoint, e.g. http://127.0.0.1:5060/RPC.
	URL string
	// HTTP is the transport; nil means a private client without cookies.
	HTTP *http.Client
	// Timeout bounds one attempt (connect, send, answer). Zero: DefaultTimeout.
	Timeout time.Duration
	// Retries is the number of extra attempts after a failed connection, a
	// timeout, a dropped connection or HTTP 502/503/504. Errors Kamailio
	// answers (JSON-RPC error objects, 404, garbage) are never retried.
	// Negative: no retries; zero: DefaultRetries.
	Retries int
	// Backoff is the delay before the first retry; it doubles each time.
	// Zero: DefaultBackoff.
	Backoff time.Duration
	// Username and Password enable HTTP basic authentication (for a proxy
	// in front of Kamailio) when Username is not empty. NewClient takes
	// them from the URL's user info.
	Username, Password string

	id atomic.Uint64
}

// NewClient validates rawURL and returns a Client with default settings.
// The URL must be http or https with a host; an empty path becomes "/RPC"
// (the path of Kamailio's stock configuration and of compass-monitoring).
func NewClient(rawURL string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("memstat: RPC URL %q: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("memstat: RPC URL %q: scheme must be http or https", rawURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("memstat: RPC URL %q: no host", rawURL)
	}
	c := &Client{}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password() // ok=false only means no password
		u.User = nil
	}
	if u.Path == "" {
		u.Path = "/RPC"
	}
	c.URL = u.String()
	return c, nil
}

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
	ID      uint64 `json:"id"`
}

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    json.Number `json:"code"`
		Message string      `json:"message"`
	} `json:"error"`
	ID json.RawMessage `json:"id"`
}

// Call invokes method with params and returns the raw JSON "result".
// Errors are *RPCError (ErrRPC, ErrMethodNotFound), *HTTPError
// (ErrHTTPStatus) or *CallError (ErrConnect, ErrTimeout, ErrBadResponse);
// when ctx ends first the error wraps ctx.Err().
func (c *Client) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	id := c.id.Add(1)
	payload, err := json.Marshal(rpcRequest{JSONRPC: "2.0", Method: method, Params: params, ID: id})
	if err != nil {
		return nil, fmt.Errorf("memstat: encoding %s params: %w", method, err)
	}
	retries := c.Retries
	if retries == 0 {
		retries = DefaultRetries
	}
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	for attempt := 1; ; attempt++ {
		res, retry, err := c.attempt(ctx, method, id, payload)
		if err == nil {
			return res, nil
		}
		if ce := (*CallError)(nil); errors.As(err, &ce) {
			ce.Attempts = attempt
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("kamailio RPC %s %s: %w", c.URL, method, ctx.Err())
		}
		if !retry || attempt > retries {
			return nil, err
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("kamailio RPC %s %s: %w (last error: %v)", c.URL, method, ctx.Err(), err)
		case <-t.C:
		}
		backoff *= 2
	}
}

// attempt makes one HTTP exchange. retry says whether a failure is worth
// another attempt (the server may be restarting).
func (c *Client) attempt(ctx context.Context, method string, id uint64, payload []byte) (json.RawMessage, bool, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, false, fmt.Errorf("memstat: RPC URL %q: %w", c.URL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.Username != "" {
		req.SetBasicAuth(c.Username, c.Password)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		kind, retry := classify(actx, err)
		return nil, retry, &CallError{URL: c.URL, Method: method, Kind: kind, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		kind, retry := classify(actx, err)
		return nil, retry, &CallError{URL: c.URL, Method: method, Kind: kind, Err: fmt.Errorf("reading answer: %w", err)}
	}
	if len(body) > maxBody {
		return nil, false, &CallError{URL: c.URL, Method: method, Kind: ErrBadResponse, Err: fmt.Errorf("answer larger than %d bytes", maxBody)}
	}
	return c.decode(method, id, resp, body)
}

// decode turns an HTTP answer into a result or an error. Kamailio sends
// JSON-RPC errors with HTTP status 500 and the message as reason phrase,
// so the body is examined before the status.
func (c *Client) decode(method string, id uint64, resp *http.Response, body []byte) (json.RawMessage, bool, error) {
	var r rpcResponse
	jsonErr := json.Unmarshal(body, &r)
	isRPC := jsonErr == nil && (r.JSONRPC != "" || r.Error != nil || r.Result != nil)
	if isRPC && r.Error != nil {
		code, _ := strconv.Atoi(r.Error.Code.String()) // non-integer codes stay 0
		return nil, false, &RPCError{URL: c.URL, Method: method, Code: code, Message: r.Error.Message}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		retry := resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
		return nil, retry, &HTTPError{URL: c.URL, Method: method, StatusCode: resp.StatusCode, Status: resp.Status, Body: cleanSnippet(body, 120)}
	}
	bad := func(format string, args ...any) (json.RawMessage, bool, error) {
		return nil, false, &CallError{URL: c.URL, Method: method, Kind: ErrBadResponse, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return bad("empty answer (HTTP %s)", resp.Status)
	case jsonErr != nil:
		return bad("answer is not JSON (%v): %q", jsonErr, cleanSnippet(body, 80))
	case !isRPC || r.JSONRPC != "2.0":
		return bad("answer is not a JSON-RPC 2.0 response: %q", cleanSnippet(body, 80))
	case r.Result == nil:
		return bad("JSON-RPC answer without result or error")
	}
	if len(r.ID) > 0 && string(r.ID) != "null" && string(r.ID) != strconv.FormatUint(id, 10) {
		return bad("answer id %s does not match request id %d", cleanSnippet(r.ID, 40), id)
	}
	return r.Result, false, nil
}

// classify maps a transport error to a sentinel and says whether it is
// worth retrying.
func classify(actx context.Context, err error) (kind error, retry bool) {
	var ne net.Error
	switch {
	case errors.Is(actx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ErrTimeout, true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ErrConnect, true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return ErrConnect, true
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return ErrConnect, de.IsTemporary
	}
	return ErrConnect, false
}
