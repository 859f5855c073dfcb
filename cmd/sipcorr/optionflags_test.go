package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/capture/live"
	"github.com/sipcorr/sipcorr/esquery"
	"github.com/sipcorr/sipcorr/sipparse"
)

// TestOptionFlags checks the table of flagWords: every option it names is
// a field of a library's options type (capture, capture/live, esquery),
// and every flag is one of sipcorr's (in the -h output of analyze or
// capture).
func TestOptionFlags(t *testing.T) {
	types := map[string][]reflect.Type{
		"Options":    {reflect.TypeFor[capture.Options](), reflect.TypeFor[live.Options]()},
		"HEPOptions": {reflect.TypeFor[capture.HEPOptions]()},
		"Query":      {reflect.TypeFor[esquery.Query]()},
		"Version":    {reflect.TypeFor[sipparse.Version]()},
	}
	_, _, analyzeHelp := runCmd(t, "analyze", "-h")
	_, _, captureHelp := runCmd(t, "capture", "-h")
	pairs := optionFlagPairs()
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		t.Fatalf("%d entries, want option/flag pairs", len(pairs))
	}
	for i := 0; i < len(pairs); i += 2 {
		option, words := pairs[i], pairs[i+1]
		flagName, _, _ := strings.Cut(words, " ")
		if got := flagWords(option); got != words {
			t.Errorf("flagWords(%q) = %q, want %q", option, got, words)
		}
		typ, field, _ := strings.Cut(option, ".")
		found := false
		for _, rt := range types[typ] {
			if _, ok := rt.FieldByName(field); ok {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no such option in capture or capture/live", option)
		}
		usage := "\n  -" + strings.TrimPrefix(flagName, "--") + " "
		if !strings.Contains(analyzeHelp, usage) && !strings.Contains(captureHelp, usage) {
			t.Errorf("%s: %s is not a flag of analyze or capture", option, flagName)
		}
	}
}

// TestLibraryTextNamesFlags: what the libraries say of their options,
// sipcorr prints with the flag names (counters in every report, the live
// source's errors, the offender report's projection), and an error keeps
// its identity for errors.As.
func TestLibraryTextNamesFlags(t *testing.T) {
	pcapErr := &live.Error{Interface: "eth0", Op: "open", Err: errors.New("Options.Netns needs the AF_PACKET source")}
	var le *live.Error
	for _, c := range []struct {
		name, got, want string
	}{
		{"port counter", fmt.Sprint(counters(capture.Stats{PortFiltered: 1})[0].Name), "UDP/TCP packets outside --ports"},
		{"HEP password counter", fmt.Sprint(hepCounters(capture.HEPStats{AuthFailed: 1})[0].Name),
			"HEP messages whose auth key does not match --hep-password (skipped)"},
		{"live error", flagError{pcapErr}.Error(), "capture on eth0: open: --netns needs the AF_PACKET source"},
		{"errors.As through flagError", fmt.Sprint(errors.As(flagError{pcapErr}, &le) && le == pcapErr), "true"},
		{"Elasticsearch diagnosis", flagWords("no document lies in the window (check Query.From/Query.To, or Query.TimeField)"),
			"no document lies in the window (check --es-from/--es-to, or --es-time-field)"},
		{"known defect of some patch releases", patchUnknownTitle(t, "5.2"),
			"GH1990 [only Kamailio 5.2.0-5.2.3 of the 5.2 branch; give --kamailio-version with the patch level to know]"},
		{"text without options", flagWords("packets read"), "packets read"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}

// TestOffenderPoolSizeHint: a memory series without pool sizes (a CSV
// export) leaves the projection empty, and the report tells the user which
// flag gives the sizes.
func TestOffenderPoolSizeHint(t *testing.T) {
	_, pcap := leakDemo(t)
	var b strings.Builder
	b.WriteString("\"Time\",\"shmem:real_used_size\"\n")
	start := time.Date(2026, 11, 29, 16, 7, 30, 0, time.UTC)
	for i := range 120 {
		fmt.Fprintf(&b, "%q,%d\n", start.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 648008+2000*i)
	}
	mem := filepath.Join(t.TempDir(), "mem.csv")
	if err := os.WriteFile(mem, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "analyze", "--memory", mem, pcap)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "PROJECTION\n  no series with a known pool size (give --rpc to read the pool sizes from the server)\n"; !strings.Contains(stdout, want) {
		t.Errorf("table lacks %q:\n%s", want, stdout)
	}
	html := filepath.Join(t.TempDir(), "report.html")
	if code, _, stderr := runCmd(t, "analyze", "--format", "html", "-o", html, "--memory", mem, pcap); code != exitOK {
		t.Fatalf("html: exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if want := "No series with a known pool size (give --rpc to read the pool sizes from the server)."; !strings.Contains(string(page), want) {
		t.Errorf("HTML lacks %q", want)
	}
}

// patchUnknownTitle is the ID and the bracketed end of the title of the
// first known defect that depends on the patch level of branch.
func patchUnknownTitle(t *testing.T, branch string) string {
	t.Helper()
	v, err := sipparse.ParseVersion(branch)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range knownDefects(v) {
		if d.PatchUnknown {
			if i := strings.LastIndex(d.Title, " ["); i >= 0 {
				return d.ID + d.Title[i:]
			}
			return d.Title
		}
	}
	return "no defect of " + branch + " depends on the patch level"
}
