package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// FormatHTML is the self-contained HTML report: one file with inline CSS
// and SVG plots, no scripts and nothing loaded from the network, so it
// reads the same offline, attached to a ticket or in a mail client.
const FormatHTML Format = "html"

// ParseOutputFormat validates an analyze --format value: the formats of
// ParseFormat and html.
func ParseOutputFormat(s string) (Format, error) {
	if Format(strings.ToLower(s)) == FormatHTML {
		return FormatHTML, nil
	}
	f, err := ParseFormat(s)
	if err != nil {
		return "", fmt.Errorf("unknown format %q (want table, json, csv or html)", s)
	}
	return f, nil
}

// HTMLReport is what the HTML report shows. Analysis is required; the rest
// is optional and adds sections: Offenders the suspects, projection and
// remediation; Memory and Timeline the time plots.
type HTMLReport struct {
	Analysis *Analysis
	// Offenders is the offender report (analyze --memory); nil shows the
	// per-UA inventory only.
	Offenders *Offenders
	// Memory is the memory series the attribution used, for the memory
	// plot (weakest pkg process and shm, growth windows shaded).
	Memory []correlate.MemSeries
	// Timeline holds the message counts behind the suspects' rate plot.
	Timeline *correlate.Timeline
	// Examples are whole offending messages kept by the caller, shown
	// with the offending header marked and Kamailio's reply; a suspect
	// without one shows the offending header only.
	Examples []ExampleMessage
	// Evidence is the evidence pcapng written with the report, "" none.
	Evidence string
	// Location is the zone times are shown in (stated in the report);
	// nil is time.Local.
	Location *time.Location
}

// ExampleMessage is one offending message of a (UA, rule) as received.
type ExampleMessage struct {
	UA     string
	Rule   uint32 // the rule key of correlate: the check Kamailio reports, RuleCoreDrop
	Packet uint64
	Time   time.Time
	// Message is the SIP message text (possibly cut). Line is the 1-based
	// line to mark (the offending header, or 1 for the start line), 0 for
	// none; without it, a line starting with Header is marked.
	Message string
	Line    int
	Header  string
	// Code and Reason are the reply Kamailio sends (0: none, e.g. for an
	// ACK or a core drop); Drop says why the core drops it.
	Code   int
	Reason string
	Drop   string
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// htmlTemplates are parsed once, on first use: parsing takes half a
// millisecond, a tenth of the start-up of every sipcorr command, and most
// runs write no HTML. A template is safe for concurrent use.
var htmlTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"f1":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
		"add":   func(a, b float64) float64 { return a + b },
		"sub":   func(a, b float64) float64 { return a - b },
		"plus1": func(i int) int { return i + 1 },
		"div2":  func(a float64) float64 { return a / 2 },
	}).ParseFS(templateFS, "templates/*.tmpl"))
})

// WriteHTML renders r as one self-contained HTML document.
func WriteHTML(w io.Writer, r *HTMLReport) error {
	if r == nil || r.Analysis == nil {
		return fmt.Errorf("report: HTML report without an analysis")
	}
	if r.Offenders != nil && r.Offenders.Attribution == nil {
		return fmt.Errorf("report: offender report without an attribution")
	}
	v := newHTMLView(r)
	return htmlTemplates().ExecuteTemplate(w, "report.html.tmpl", v)
}
