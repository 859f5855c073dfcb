// Package kamcfg reads what matters to sipcorr from a real kamailio.cfg:
// the sanity module's parameters and every sanity_check() call with its
// masks and the route it sits in. It runs Kamailio's preprocessor
// directives (#!define, #!trydef, #!redefine, #!undef, #!substdef,
// #!subst, #!ifdef, #!ifndef, #!else, #!endif), skips comments, and
// follows include_file / import_file. It uses only the standard library.
package kamcfg

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// Kamailio's sanity module defaults (sanity_mod.c).
const (
	DefaultMsgChecks = 3047
	DefaultURIChecks = 7
	DefaultAutodrop  = 1
	DefaultNoreply   = 0
)

// Special mask values of a Call.
const (
	// Default means the argument was not given: Kamailio uses the
	// modparam (default_checks or uri_checks).
	Default = -1
	// Variable means the argument is not a constant (a pseudo-variable
	// such as $var(x), or an identifier that is not defined).
	Variable = -2
)

// Config is what a kamailio.cfg says about the sanity module.
type Config struct {
	// DefaultChecks, URIChecks, ProxyRequire, Autodrop and Noreply are the
	// effective sanity modparams: the last value set in the cfg, or the
	// module default.
	DefaultChecks int
	URIChecks     int
	ProxyRequire  string
	Autodrop      int
	Noreply       int
	// Loaded: the cfg loads sanity.so.
	Loaded bool
	// Params are the sanity modparam lines in cfg order.
	Params []Param
	// Calls are the sanity_check() calls in cfg order.
	Calls []Call
	// Receivers is how the cfg spreads SIP over UDP receiver processes
	// (children, socket_workers, listen, udp_receiver_mode).
	Receivers Receivers
	// Warnings explain anything read but not understood, and settings
	// Kamailio would reject at run time. Each names file and line.
	Warnings []string
}

// Param is one modparam("sanity", Name, Value) line.
type Param struct {
	Name  string
	Value string // as written after preprocessing, without quotes
	Int   int    // Value as a number, for int parameters
	File  string
	Line  int
}

// Call is one sanity_check() call.
type Call struct {
	// Route is the top-level block the call sits in: "request_route",
	// "reply_route", "route[REQINIT]", "onreply_route[MANAGE_REPLY]",
	// "event_route[xhttp:request]", ... ("" outside any block).
	Route string
	// Entries are the blocks Kamailio enters on its own (request_route,
	// reply_route, onreply_route[...], failure_route[...], event_route[...],
	// ...) from which Route is reached through route(NAME) calls, sorted.
	// Empty for a route[NAME] no entry block calls.
	Entries []string
	File    string
	Line    int
	// MsgChecks and URIChecks are the resolved arguments, or Default when
	// absent, or Variable when not constant.
	MsgChecks, URIChecks int
	// Raw is the call as written (after preprocessing), e.g.
	// `sanity_check("17895", "7")`.
	Raw string
}

// Effective returns the masks Kamailio runs for the call under cfg: a
// Default argument takes the modparam. ok is false for Variable arguments.
func (c Call) Effective(cfg *Config) (msg, uri int, ok bool) {
	msg, uri = c.MsgChecks, c.URIChecks
	if msg == Default {
		msg = cfg.DefaultChecks
	}
	if uri == Default {
		uri = cfg.URIChecks
	}
	return msg, uri, msg != Variable && uri != Variable
}

// Options tune Parse.
type Options struct {
	// Defines are preset like kamailio's -A option: "NAME" or
	// "NAME=value".
	Defines []string
	// Version is the Kamailio version whose predefined names
	// (KAMAILIO_5, KAMAILIO_5_6, ...) and sanity_check() ranges apply;
	// "" means "5.6.3".
	Version string
	// ReadFile reads included files; nil means os.ReadFile bounded to
	// MaxFileSize. Whatever it returns is held to MaxLineLen, MaxTotalSize
	// and the no-NUL rule. Parse
	// resolves relative include paths against the including file's
	// directory.
	ReadFile func(path string) ([]byte, error)
	// NoIncludes reports include_file/import_file as warnings instead of
	// following them.
	NoIncludes bool
}

// ErrTooDeep means include files or define expansions nest too deeply
// (a loop, most likely).
var ErrTooDeep = errors.New("kamcfg: nesting too deep")

// ParseFile reads the cfg at path with default Options.
func ParseFile(path string) (*Config, error) { return Options{}.ParseFile(path) }

// Parse reads a cfg from r with default Options; name is used in warnings
// and to resolve relative include paths.
func Parse(r io.Reader, name string) (*Config, error) { return Options{}.Parse(r, name) }

// ParseFile reads the cfg at path.
func (o Options) ParseFile(path string) (*Config, error) {
	b, err := readFileBounded(path)
	if err != nil {
		return nil, err
	}
	return o.ParseBytes(b, path)
}

// Parse reads a cfg from r; name is used in warnings and to resolve
// relative include paths.
func (o Options) Parse(r io.Reader, name string) (*Config, error) {
	b, err := readBounded(r, name)
	if err != nil {
		return nil, err
	}
	return o.ParseBytes(b, name)
}

// ParseBytes reads a cfg held in memory. Errors matching ErrInput mean
// the input is too large, has an over-long line or binary data.
func (o Options) ParseBytes(src []byte, name string) (*Config, error) {
	opts := o
	if opts.ReadFile == nil {
		opts.ReadFile = readFileBounded
	}
	if opts.Version == "" {
		opts.Version = "5.6.3"
	}
	lx := newLexer(opts)
	for _, d := range opts.Defines {
		n, v, _ := strings.Cut(d, "=")
		if !isIdent(n) {
			return nil, fmt.Errorf("kamcfg: bad define %q", d)
		}
		lx.defines[n] = v
	}
	for _, n := range versionDefines(opts.Version) {
		lx.defines[n] = ""
	}
	if err := lx.file(src, name, 0); err != nil {
		return nil, err
	}
	cfg := &Config{
		DefaultChecks: DefaultMsgChecks,
		URIChecks:     DefaultURIChecks,
		Autodrop:      DefaultAutodrop,
		Noreply:       DefaultNoreply,
	}
	cfg.Warnings = append(cfg.Warnings, lx.warnings...)
	extract(lx.toks, cfg)
	receiverSettings(lx.toks, cfg)
	validate(cfg, opts.Version)
	return cfg, nil
}

// versionDefines are the names Kamailio predefines for its version, e.g.
// KAMAILIO_5, KAMAILIO_5_6, KAMAILIO_5_6_3, plus KAMAILIO.
func versionDefines(v string) []string {
	out := []string{"KAMAILIO"}
	parts := strings.Split(v, ".")
	name := "KAMAILIO"
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			break
		}
		name += "_" + p
		out = append(out, name)
	}
	return out
}

// maxChecks is sanity_check()'s msg_checks upper bound for a version.
func maxChecks(version string) int {
	if version == "master" {
		return 131071
	}
	var maj, min int
	if _, err := fmt.Sscanf(version, "%d.%d", &maj, &min); err != nil {
		return 32767
	}
	if maj < 5 || maj == 5 && min < 2 {
		return 16383
	}
	return 32767
}

// validate adds warnings for values Kamailio rejects when a call runs.
func validate(cfg *Config, version string) {
	max := maxChecks(version)
	for _, c := range cfg.Calls {
		msg, uri, ok := c.Effective(cfg)
		if !ok {
			continue
		}
		if msg < 1 || msg > max {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d: %s: msg_checks %d outside Kamailio %s's 1..%d: the call returns -1 without checking",
				c.File, c.Line, c.Raw, msg, version, max))
		}
		if uri < 1 || uri > 15 {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("%s:%d: %s: uri_checks %d outside 1..15: the call returns -1 without checking",
				c.File, c.Line, c.Raw, uri))
		}
	}
}

// resolveInclude finds an included file: absolute, else relative to the
// including file's directory.
func resolveInclude(from, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(from), path)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
