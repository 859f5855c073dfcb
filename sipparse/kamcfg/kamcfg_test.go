package kamcfg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// call is the comparable part of a Call in the tables.
type call struct {
	Route    string
	Line     int
	Msg, URI int
}

type cfgCase struct {
	name    string
	cfg     string
	defines []string
	files   map[string]string // extra files next to the cfg (includes)
	// want
	defaultChecks, uriChecks, autodrop, noreply int // 0 means module default unless set* says otherwise
	proxyRequire                                string
	calls                                       []call
	warn                                        []string // substrings, each must appear in some warning
	noWarn                                      bool     // no warnings at all
}

const stock = `#!KAMAILIO
loadmodule "sl.so"
loadmodule "sanity.so"
`

var cases = []cfgCase{
	{
		name: "no sanity at all",
		cfg:  "#!KAMAILIO\nrequest_route {\n\texit;\n}\n", noWarn: true,
	},
	{
		name: "stock 5.6 shape",
		cfg: stock + `modparam("sanity", "autodrop", 0)
request_route {
	route(REQINIT);
}
route[REQINIT] {
	if(!sanity_check("17895", "7")) {
		xlog("Malformed SIP request from $si:$sp\n");
		exit;
	}
}
reply_route {
	if(!sanity_check("17604", "6")) {
		xlog("Malformed SIP response from $si:$sp\n");
		drop;
	}
}
`,
		autodrop: 0,
		calls:    []call{{"route[REQINIT]", 9, 17895, 7}, {"reply_route", 15, 17604, 6}},
		noWarn:   true,
	},
	{
		name: "0, 1 and 2 arguments, ints and quoted ints",
		cfg: stock + `request_route {
	sanity_check();
	sanity_check(2535);
	sanity_check("2535");
	sanity_check(2535, 15);
	sanity_check( " 1024 " , "8" );
}
`,
		calls: []call{{"request_route", 5, Default, Default}, {"request_route", 6, 2535, Default}, {"request_route", 7, 2535, Default},
			{"request_route", 8, 2535, 15}, {"request_route", 9, 1024, 8}},
		noWarn: true,
	},
	{
		name: "all modparams, int and string forms, last one wins",
		cfg: stock + `modparam("sanity", "default_checks", 3047)
modparam("sanity", "default_checks", 2535)
modparam("sanity", "uri_checks", 15)
modparam("sanity", "proxy_require", "foo, sip.mysipproxy.com")
modparam("sanity", "autodrop", 0)
modparam("sanity", "noreply", 1)
`,
		defaultChecks: 2535, uriChecks: 15, proxyRequire: "foo, sip.mysipproxy.com", autodrop: 0, noreply: 1,
		noWarn: true,
	},
	{
		name: "int param as a string, string param as a number: Kamailio refuses both",
		cfg:  stock + `modparam("sanity", "default_checks", "2535")` + "\n" + `modparam("sanity", "proxy_require", 5)` + "\n",
		warn: []string{"int parameter given as a string: Kamailio refuses to start", "proxy_require is a string parameter; got 5"},
	},
	{
		name:          "module name as a regular expression",
		cfg:           stock + `modparam("sanity|sl", "default_checks", 1)` + "\nmodparam(\"san.*\", \"uri_checks\", 3)\nmodparam(\"insanity\", \"uri_checks\", 9)\n",
		defaultChecks: 1, uriChecks: 3,
	},
	{
		name: "defines: plain, quoted, nested, trydef, redefine, undef",
		cfg: stock + `#!define MASK 17895
#!define URIS "7"
#!define OUTER MASK
#!trydef MASK 1
#!define PR "a,,b"
#!redefine PR "x"
#!define GONE 5
#!undef GONE
modparam("sanity", "proxy_require", PR)
request_route {
	sanity_check(MASK, URIS);
	sanity_check(OUTER);
	sanity_check(GONE);
}
`,
		proxyRequire: "x",
		calls:        []call{{"request_route", 14, 17895, 7}, {"request_route", 15, 17895, Default}, {"request_route", 16, Variable, Default}},
		warn:         []string{"GONE is not defined"},
	},
	{
		name:    "ifdef / ifndef / else / nesting, -A defines",
		defines: []string{"WITH_A", "LEVEL=4"},
		cfg: stock + `#!ifdef WITH_A
#!ifndef WITH_B
modparam("sanity", "default_checks", 1)
#!else
modparam("sanity", "default_checks", 2)
#!endif
#!else
modparam("sanity", "default_checks", 3)
#!ifdef WITH_A
modparam("sanity", "default_checks", 4)
#!endif
#!endif
modparam("sanity", "uri_checks", LEVEL)
`,
		defaultChecks: 1, uriChecks: 4, noWarn: true,
	},
	{
		name: "inactive branch skips everything but directives, even broken syntax",
		cfg: stock + `#!ifdef NOPE
modparam("sanity", "default_checks", 99)
this is " not even balanced /*
#!else
modparam("sanity", "default_checks", 7)
#!endif
`,
		defaultChecks: 7, noWarn: true,
	},
	{
		name: "comments of all kinds",
		cfg: stock + `# modparam("sanity", "default_checks", 1)
// modparam("sanity", "default_checks", 2)
/* modparam("sanity", "default_checks", 3)
#!define X 4
*/
modparam("sanity", "default_checks", 5) # trailing comment
request_route {
	/* sanity_check("1"); */ sanity_check("2"); // sanity_check("3");
	xlog("a # is not a comment in a string: $rm\n");
}
`,
		defaultChecks: 5,
		calls:         []call{{"request_route", 11, 2, Default}},
		noWarn:        true,
	},
	{
		name: "substdef in strings and tokens",
		cfg: stock + `#!substdef "!SANITYURI!7!"
#!substdef "/PRLIST/foo,bar/"
modparam("sanity", "proxy_require", "PRLIST")
request_route {
	sanity_check("17895", "SANITYURI");
	sanity_check(17895, SANITYURI);
}
`,
		proxyRequire: "foo,bar",
		calls:        []call{{"request_route", 8, 17895, 7}, {"request_route", 9, 17895, 7}},
		noWarn:       true,
	},
	{
		name: "variables are not constant",
		cfg: stock + `request_route {
	$var(m) = 17895;
	sanity_check("$var(m)", "$var(u)");
	sanity_check($var(m));
	sanity_check("$avp(s:x)" , 7);
}
`,
		calls:  []call{{"request_route", 6, Variable, Variable}, {"request_route", 7, Variable, Default}, {"request_route", 8, Variable, 7}},
		noWarn: true,
	},
	{
		name: "routes of every kind",
		cfg: stock + `route {
	sanity_check("1");
}
route[A_B] { if (1) { sanity_check("2"); } }
route["QUOTED"] { sanity_check("4"); }
onreply_route[MANAGE_REPLY] { sanity_check("8"); }
onreply_route { sanity_check("16"); }
event_route[xhttp:request] { sanity_check("32"); }
failure_route[F] { sanity_check("64"); }
`,
		calls: []call{{"route", 5, 1, Default}, {"route[A_B]", 7, 2, Default}, {"route[QUOTED]", 8, 4, Default},
			{"onreply_route[MANAGE_REPLY]", 9, 8, Default}, {"onreply_route", 10, 16, Default}, {"event_route[xhttp:request]", 11, 32, Default},
			{"failure_route[F]", 12, 64, Default}},
		noWarn: true,
	},
	{
		name: "out-of-range masks are reported",
		cfg: stock + `modparam("sanity", "uri_checks", 0)
request_route {
	sanity_check("0");
	sanity_check("32768", "7");
	sanity_check("1");
}
`,
		uriChecks: 0,
		calls:     []call{{"request_route", 6, 0, Default}, {"request_route", 7, 32768, 7}, {"request_route", 8, 1, Default}},
		warn:      []string{"msg_checks 0 outside", "msg_checks 32768 outside Kamailio 5.6.3's 1..32767", "uri_checks 0 outside 1..15"},
	},
	{
		name: "include_file and import_file, relative paths",
		cfg: stock + `include_file "inc/sanity.cfg"
import_file "missing.cfg"
#!include_file "routes.cfg"
`,
		files: map[string]string{
			"inc/sanity.cfg": "modparam(\"sanity\", \"default_checks\", 2535)\n#!define REQMASK 17383\n",
			"routes.cfg":     "request_route {\n\tsanity_check(REQMASK, 7);\n}\n",
		},
		defaultChecks: 2535,
		calls:         []call{{"request_route", 2, 17383, 7}},
		noWarn:        true,
	},
	{
		name:  "missing include_file warns",
		cfg:   stock + "include_file \"nowhere.cfg\"\n",
		warn:  []string{`include_file "nowhere.cfg"`},
		calls: nil,
	},
	{
		name:  "continued define and CRLF line ends",
		cfg:   strings.ReplaceAll(stock+"#!define M \\\n 2535\nrequest_route {\n\tsanity_check(M);\n}\n", "\n", "\r\n"),
		calls: []call{{"request_route", 7, 2535, Default}}, noWarn: true,
	},
	{
		name: "unbalanced and odd input gives warnings, not failures",
		cfg: stock + `#!endif
#!else
#!frobnicate
#!ifdef OPEN
request_route { sanity_check("1" ; }
`,
		warn: []string{"#!endif without #!ifdef", "#!else without #!ifdef", "#!frobnicate not understood", "without #!endif"},
	},
	{
		name:  "hex mask and sign",
		cfg:   stock + "request_route {\n\tsanity_check(0x7FF, +7);\n}\n",
		calls: []call{{"request_route", 5, 2047, 7}}, noWarn: true,
	},
	{
		name:    "MOD_ defines after loadmodule and KAMAILIO_ version defines",
		cfg:     stock + "#!ifdef MOD_sanity\n#!ifdef KAMAILIO_5_6\nmodparam(\"sanity\", \"noreply\", 1)\n#!endif\n#!endif\n",
		noreply: 1, noWarn: true,
	},
}

func TestParseTable(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := parseCase(t, c)
			check(t, c, cfg)
		})
	}
}

// parseCase writes the case's files into a temp dir and parses the cfg.
func parseCase(t *testing.T, c cfgCase) *Config {
	t.Helper()
	dir := t.TempDir()
	main := filepath.Join(dir, "kamailio.cfg")
	writeFiles(t, dir, main, c)
	cfg, err := Options{Defines: c.defines}.ParseFile(main)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func writeFiles(t *testing.T, dir, main string, c cfgCase) {
	t.Helper()
	if err := os.WriteFile(main, []byte(c.cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, body := range c.files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func check(t *testing.T, c cfgCase, cfg *Config) {
	t.Helper()
	want := func(v, def int) int {
		if v == 0 && def != 0 {
			return def
		}
		return v
	}
	if got, w := cfg.DefaultChecks, want(c.defaultChecks, DefaultMsgChecks); got != w {
		t.Errorf("DefaultChecks = %d, want %d", got, w)
	}
	wantURI := want(c.uriChecks, DefaultURIChecks)
	if c.name == "out-of-range masks are reported" {
		wantURI = 0
	}
	if cfg.URIChecks != wantURI {
		t.Errorf("URIChecks = %d, want %d", cfg.URIChecks, wantURI)
	}
	wantAutodrop := DefaultAutodrop
	if strings.Contains(c.cfg, `"autodrop", 0`) {
		wantAutodrop = 0
	}
	if cfg.Autodrop != wantAutodrop {
		t.Errorf("Autodrop = %d, want %d", cfg.Autodrop, wantAutodrop)
	}
	if cfg.Noreply != c.noreply {
		t.Errorf("Noreply = %d, want %d", cfg.Noreply, c.noreply)
	}
	if cfg.ProxyRequire != c.proxyRequire {
		t.Errorf("ProxyRequire = %q, want %q", cfg.ProxyRequire, c.proxyRequire)
	}
	var got []call
	for _, k := range cfg.Calls {
		got = append(got, call{k.Route, k.Line, k.MsgChecks, k.URIChecks})
	}
	if !reflect.DeepEqual(got, c.calls) {
		t.Errorf("calls:\n got  %v\n want %v", got, c.calls)
	}
	if c.noWarn && len(cfg.Warnings) > 0 {
		t.Errorf("unexpected warnings: %q", cfg.Warnings)
	}
	for _, w := range c.warn {
		found := false
		for _, g := range cfg.Warnings {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no warning containing %q in %q", w, cfg.Warnings)
		}
	}
}

func TestCallEffective(t *testing.T) {
	cfg := &Config{DefaultChecks: 2535, URIChecks: 3}
	for _, c := range []struct {
		call     Call
		msg, uri int
		ok       bool
	}{
		{Call{MsgChecks: Default, URIChecks: Default}, 2535, 3, true},
		{Call{MsgChecks: 17895, URIChecks: Default}, 17895, 3, true},
		{Call{MsgChecks: 17895, URIChecks: 7}, 17895, 7, true},
		{Call{MsgChecks: Variable, URIChecks: 7}, Variable, 7, false},
	} {
		m, u, ok := c.call.Effective(cfg)
		if m != c.msg || u != c.uri || ok != c.ok {
			t.Errorf("%+v.Effective = %d, %d, %v; want %d, %d, %v", c.call, m, u, ok, c.msg, c.uri, c.ok)
		}
	}
}

func TestIncludeLoop(t *testing.T) {
	files := map[string]string{"a.cfg": "include_file \"b.cfg\"\n", "b.cfg": "include_file \"a.cfg\"\n"}
	opts := Options{ReadFile: func(p string) ([]byte, error) {
		if b, ok := files[filepath.Base(p)]; ok {
			return []byte(b), nil
		}
		return nil, os.ErrNotExist
	}}
	_, err := opts.ParseBytes([]byte(`include_file "a.cfg"`), "/x/kamailio.cfg")
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
}

func TestDefineLoop(t *testing.T) {
	_, err := Options{}.ParseBytes([]byte("#!define A B\n#!define B A\nrequest_route { sanity_check(A); }\n"), "loop.cfg")
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
}

func TestDefineBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("#!define D0 x x x x x x x x\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&b, "#!define D%d D%d D%d D%d D%d D%d D%d D%d D%d\n", i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("request_route { D11 }\n")
	_, err := Options{}.ParseBytes([]byte(b.String()), "bomb.cfg")
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
}

func TestBadDefineOption(t *testing.T) {
	if _, err := (Options{Defines: []string{"1BAD"}}).ParseBytes([]byte("x"), "x.cfg"); err == nil {
		t.Fatal("want an error for -A 1BAD")
	}
}

func TestParseReader(t *testing.T) {
	cfg, err := Parse(strings.NewReader("request_route { sanity_check(\"2535\"); }\n"), "r.cfg")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Calls) != 1 || cfg.Calls[0].MsgChecks != 2535 || cfg.Calls[0].File != "r.cfg" || cfg.Calls[0].Line != 1 {
		t.Fatalf("calls %+v", cfg.Calls)
	}
	if _, err := ParseFile("/nonexistent/kamailio.cfg"); err == nil {
		t.Fatal("ParseFile of a missing file: no error")
	}
}

func TestEntries(t *testing.T) {
	src := stock + `request_route {
	route(A);
}
route[A] { route("B"); }
route[B] { sanity_check("1"); route(A); }
route[UNUSED] { sanity_check("2"); }
reply_route { route(B); }
onreply_route[R] { sanity_check("4"); }
`
	cfg, err := Options{}.ParseBytes([]byte(src), "e.cfg")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, c := range cfg.Calls {
		got[c.Raw] = c.Entries
	}
	want := map[string][]string{
		`sanity_check("1")`: {"reply_route", "request_route"},
		`sanity_check("2")`: nil,
		`sanity_check("4")`: {"onreply_route[R]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries %v, want %v", got, want)
	}
}
