package kamcfg

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// stockCfg is the kamailio.cfg Debian's kamailio package installs.
const stockCfg = "/etc/kamailio/kamailio.cfg"

func needStock(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(stockCfg)
	if err != nil {
		needs.Skip(t, "%v (install Debian package kamailio)", err)
	}
	return b
}

// TestStockCfg reads Debian's 5.6.3 kamailio.cfg: sanity_check("17895",
// "7") in route[REQINIT], sanity_check("17604", "6") in reply_route,
// autodrop 0, under every combination of the WITH_* switches that matter.
func TestStockCfg(t *testing.T) {
	src := needStock(t)
	for _, defs := range [][]string{nil, {"WITH_MYSQL", "WITH_AUTH", "WITH_USRLOCDB"}, {"WITH_NAT", "WITH_TLS", "WITH_JSONRPC", "WITH_DEBUG"}} {
		cfg, err := Options{Defines: defs, NoIncludes: true}.ParseBytes(src, stockCfg)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.Loaded || cfg.Autodrop != 0 || cfg.Noreply != 0 || cfg.DefaultChecks != DefaultMsgChecks || cfg.URIChecks != DefaultURIChecks || cfg.ProxyRequire != "" {
			t.Errorf("%v: params %+v", defs, cfg)
		}
		type rc struct {
			Route    string
			Msg, URI int
		}
		var got []rc
		lines := bytes.Split(src, []byte("\n"))
		for i, c := range cfg.Calls {
			if want := [][]string{{"request_route"}, {"reply_route"}}; i < 2 && !reflect.DeepEqual(c.Entries, want[i]) {
				t.Errorf("%v: %s reached from %v, want %v", defs, c.Raw, c.Entries, want[i])
			}
			got = append(got, rc{c.Route, c.MsgChecks, c.URIChecks})
			if c.Line < 1 || c.Line > len(lines) || !bytes.Contains(lines[c.Line-1], []byte("sanity_check(")) {
				t.Errorf("%v: call %s says line %d, which does not hold it", defs, c.Raw, c.Line)
			}
		}
		want := []rc{{"route[REQINIT]", 17895, 7}, {"reply_route", 17604, 6}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: calls %v, want %v", defs, got, want)
		}
		for _, w := range cfg.Warnings {
			if !strings.Contains(w, "not followed") { // import_file "kamailio-local.cfg"
				t.Errorf("%v: warning %s", defs, w)
			}
		}
	}
}

// TestCfgPrintAgrees checks the preprocessor against Kamailio's own:
// `kamailio --cfg-print` evaluates #!ifdef and includes (not defines), so
// parsing its output must give the same calls and params as parsing the
// original. Runs every table case Kamailio accepts, plus the stock cfg.
func TestCfgPrintAgrees(t *testing.T) {
	bin := needs.Binary(t, "kamailio", "Debian package kamailio")
	all := append([]cfgCase(nil), cases...)
	if b, err := os.ReadFile(stockCfg); err == nil {
		all = append(all, cfgCase{name: "debian stock", cfg: string(b), defines: []string{"WITH_AUTH", "WITH_NAT"}})
	}
	compared := 0
	for _, c := range all {
		dir := t.TempDir()
		main := filepath.Join(dir, "kamailio.cfg")
		writeFiles(t, dir, main, c)
		args := []string{"--cfg-print", "-f", main}
		for _, d := range c.defines {
			args = append(args, "-A", d)
		}
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Logf("%s: kamailio --cfg-print refuses it (%v), not compared", c.name, err)
			continue
		}
		orig, err := Options{Defines: c.defines}.ParseFile(main)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// Defines stay in the printed text, but their directives too, so
		// parsing it resolves them the same way; -A defines must be given
		// again because the printed text does not carry them.
		printed, err := Options{Defines: c.defines, NoIncludes: true}.ParseBytes(out.Bytes(), main)
		if err != nil {
			t.Fatalf("%s: parse --cfg-print output: %v", c.name, err)
		}
		if !sameSanity(orig, printed) {
			t.Errorf("%s: kamcfg and kamailio --cfg-print disagree:\n ours:     %+v\n kamailio: %+v\n printed:\n%s", c.name, summary(orig), summary(printed), out.String())
		}
		compared++
	}
	t.Logf("compared %d of %d cfgs with kamailio --cfg-print", compared, len(all))
	if compared < len(all)/2 {
		t.Errorf("kamailio --cfg-print accepted only %d of %d cfgs", compared, len(all))
	}
}

type sanitySummary struct {
	DefaultChecks, URIChecks, Autodrop, Noreply int
	ProxyRequire                                string
	Calls                                       []string
}

func summary(c *Config) sanitySummary {
	s := sanitySummary{c.DefaultChecks, c.URIChecks, c.Autodrop, c.Noreply, c.ProxyRequire, nil}
	for _, k := range c.Calls {
		s.Calls = append(s.Calls, k.Route+" "+k.Raw)
	}
	return s
}

func sameSanity(a, b *Config) bool { return reflect.DeepEqual(summary(a), summary(b)) }

// TestRefusalsMatchKamailio: where kamcfg says Kamailio refuses to start,
// `kamailio -c` must fail, and a cfg kamcfg reads without warnings must
// pass `kamailio -c`.
func TestRefusalsMatchKamailio(t *testing.T) {
	bin := needs.Binary(t, "kamailio", "Debian package kamailio")
	head := "#!KAMAILIO\nlisten=udp:127.0.0.1:5060\nloadmodule \"sl.so\"\nloadmodule \"pv.so\"\nloadmodule \"sanity.so\"\n"
	for _, c := range []struct {
		name, cfg string
		refused   bool
	}{
		{"valid", head + "#!define M 17895\n#!substdef \"/URIS/7/\"\nmodparam(\"sanity\", \"default_checks\", 2535)\nmodparam(\"sanity\", \"proxy_require\", \"foo\")\nrequest_route {\n\tif (!sanity_check(M, \"URIS\")) { exit; }\n\t$var(m) = 1;\n\tsanity_check(\"$var(m)\");\n}\n", false},
		{"define twice", head + "#!define A 1\n#!define A 2\nrequest_route { exit; }\n", true},
		{"int param as string", head + "modparam(\"sanity\", \"default_checks\", \"2535\")\nrequest_route { exit; }\n", true},
		{"string param as int", head + "modparam(\"sanity\", \"proxy_require\", 5)\nrequest_route { exit; }\n", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kamailio.cfg")
			if err := os.WriteFile(path, []byte(c.cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "-c", "-f", path).CombinedOutput()
			if refused := err != nil; refused != c.refused {
				t.Fatalf("kamailio -c: refused=%v, want %v:\n%s", refused, c.refused, out)
			}
			cfg, err := ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var says bool
			for _, w := range cfg.Warnings {
				says = says || strings.Contains(w, "refuses to start")
			}
			if says != c.refused || !c.refused && len(cfg.Warnings) > 0 {
				t.Errorf("kamcfg warnings %q; kamailio refused=%v", cfg.Warnings, c.refused)
			}
		})
	}
}
