package esquery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/olivere/elastic/v7"
)

// DefaultTimeout bounds every single request to Elasticsearch.
const DefaultTimeout = 30 * time.Second

// Environment variables ConfigFromEnv reads; flags override them.
const (
	EnvURL      = "SIPCORR_ES_URL" // comma-separated
	EnvUsername = "SIPCORR_ES_USERNAME"
	EnvPassword = "SIPCORR_ES_PASSWORD"
	EnvAPIKey   = "SIPCORR_ES_API_KEY"
	EnvCAFile   = "SIPCORR_ES_CA_FILE"
	EnvInsecure = "SIPCORR_ES_INSECURE" // "true" or "1"
)

// Config says how to reach Elasticsearch. Its String method hides the
// credentials, so printing a Config never leaks them.
type Config struct {
	URLs               []string // http(s)://host:port; credentials in the URL are moved to Username/Password
	Username, Password string   // HTTP basic auth
	APIKey             string   // "id:api_key" or its base64 encoding, as Kibana shows it
	CAFile             string   // PEM bundle to trust instead of the system roots
	Insecure           bool     // skip TLS verification (testing only)
	Timeout            time.Duration
	Sniff              bool // discover nodes from the cluster (off: behind proxies it breaks)
	// AllowPartial accepts responses in which some shards failed, noting
	// them in Stats.Partial; without it they are an ErrPartial error.
	AllowPartial bool
}

// ConfigFromEnv reads the SIPCORR_ES_* variables through getenv (os.Getenv).
func ConfigFromEnv(getenv func(string) string) Config {
	var c Config
	for _, u := range strings.Split(getenv(EnvURL), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.URLs = append(c.URLs, u)
		}
	}
	c.Username, c.Password = getenv(EnvUsername), getenv(EnvPassword)
	c.APIKey, c.CAFile = getenv(EnvAPIKey), getenv(EnvCAFile)
	c.Insecure = getenv(EnvInsecure) == "true" || getenv(EnvInsecure) == "1"
	return c
}

// String describes the config without secrets.
func (c Config) String() string {
	auth := "none"
	switch {
	case c.APIKey != "":
		auth = "api-key"
	case c.Username != "" || c.Password != "":
		auth = "basic(" + c.Username + ")"
	}
	return fmt.Sprintf("es{urls=%s auth=%s ca=%q insecure=%v timeout=%v sniff=%v}",
		redactURLs(c.URLs), auth, c.CAFile, c.Insecure, c.Timeout, c.Sniff)
}

// GoString keeps %#v from printing the credentials too.
func (c Config) GoString() string { return c.String() }

func redactURLs(urls []string) string {
	out := make([]string, len(urls))
	for i, s := range urls {
		if u, err := url.Parse(s); err == nil {
			u.User = nil
			out[i] = u.String()
		} else {
			out[i] = "(unparsable URL)"
		}
	}
	return strings.Join(out, ",")
}

// Client talks to one Elasticsearch cluster. It implements Searcher; the
// export side is Exporter. Safe for concurrent use.
type Client struct {
	es      *elastic.Client
	timeout time.Duration
	target  string // URLs without credentials, for errors
	version string
	distro  string // "" for Elasticsearch, "opensearch"
	partial bool   // Config.AllowPartial
}

// Connect checks cfg, builds the client and asks the cluster for its version.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	if len(cfg.URLs) == 0 {
		return nil, &Error{Op: "connect", Target: "(no URL)", Kind: ErrQuery, Err: fmt.Errorf("no Elasticsearch URL (flag or %s)", EnvURL)}
	}
	urls := make([]string, len(cfg.URLs))
	for i, s := range cfg.URLs {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &Error{Op: "connect", Target: fmt.Sprintf("URL #%d", i+1), Kind: ErrQuery, Err: fmt.Errorf("not an http(s) URL")}
		}
		if u.User != nil && cfg.Username == "" && cfg.Password == "" && cfg.APIKey == "" {
			cfg.Username = u.User.Username()
			cfg.Password, _ = u.User.Password()
		}
		u.User = nil
		urls[i] = u.String()
	}
	target := strings.Join(urls, ",")
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	tlsConf := &tls.Config{InsecureSkipVerify: cfg.Insecure} //nolint:gosec // the user asked for it
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, &Error{Op: "connect", Target: target, Kind: ErrQuery, Err: fmt.Errorf("CA file: %w", err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &Error{Op: "connect", Target: target, Kind: ErrQuery, Err: fmt.Errorf("CA file %s: no PEM certificate", cfg.CAFile)}
		}
		tlsConf.RootCAs = pool
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	opts := []elastic.ClientOptionFunc{
		elastic.SetURL(urls...),
		elastic.SetHttpClient(&http.Client{Transport: transport}),
		elastic.SetSniff(cfg.Sniff),
		elastic.SetSnifferTimeoutStartup(cfg.Timeout),
		elastic.SetHealthcheck(false), // Connect pings itself, with a clear error
		// Sort values must round-trip exactly into search_after: a
		// date_nanos sort value (about 1.8e18) does not fit a float64.
		elastic.SetDecoder(&elastic.NumberDecoder{}),
	}
	switch {
	case cfg.APIKey != "":
		key := cfg.APIKey
		if strings.Contains(key, ":") {
			key = base64.StdEncoding.EncodeToString([]byte(key))
		}
		opts = append(opts, elastic.SetHeaders(http.Header{"Authorization": {"ApiKey " + key}}))
	case cfg.Username != "" || cfg.Password != "":
		opts = append(opts, elastic.SetBasicAuth(cfg.Username, cfg.Password))
	}
	es, err := elastic.NewClient(opts...)
	if err != nil {
		return nil, classify("connect", target, err)
	}
	c := &Client{es: es, timeout: cfg.Timeout, target: target, partial: cfg.AllowPartial}
	if err := c.ping(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.es.PerformRequest(ctx, elastic.PerformRequestOptions{Method: "GET", Path: "/"})
	if err != nil {
		return classify("connect", c.target, err)
	}
	var info struct {
		Version struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	if err := json.Unmarshal(res.Body, &info); err != nil || info.Version.Number == "" {
		return &Error{Op: "connect", Target: c.target, Kind: ErrUnavailable, Err: fmt.Errorf("not an Elasticsearch node (no version in GET /)")}
	}
	c.version, c.distro = info.Version.Number, info.Version.Distribution
	return nil
}

// Version returns the server's version number and distribution
// ("" for Elasticsearch, "opensearch").
func (c *Client) Version() (number, distribution string) { return c.version, c.distro }

// hasPIT says whether the server has point-in-time with the _shard_doc
// tiebreaker: Elasticsearch 7.12 and later.
func (c *Client) hasPIT() bool {
	if c.distro != "" {
		return false
	}
	var major, minor int
	if _, err := fmt.Sscanf(c.version, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 7 || major == 7 && minor >= 12
}

// call derives the context of one request.
func (c *Client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// Close releases idle connections.
func (c *Client) Close() { c.es.Stop() }

// toInt64 reads an integer JSON value decoded either as float64 or, with
// the NumberDecoder, as json.Number.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case float64:
		return int64(x), true
	}
	return 0, false
}
