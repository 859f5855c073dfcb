package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// The HTML report is tested by its structure (parsed with x/net/html, as a
// browser would), plus one byte golden for review of changes.

func renderHTML(t testing.TB, r *HTMLReport) (*html.Node, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return doc, buf.String()
}

func TestWriteHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, htmlFixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "html_report.golden.html", buf.Bytes())
}

func TestHTMLSections(t *testing.T) {
	doc, _ := renderHTML(t, htmlFixture())
	for _, id := range []string{"summary", "headline", "memory", "suspects", "projection", "remediation", "bystanders",
		"rules", "inventory", "defects", "notes", "time-chart", "rules-chart", "suspect-1", "suspect-2", "cfg-lines"} {
		if byID(doc, id) == nil {
			t.Errorf("no element with id %q", id)
		}
	}
	if got := len(findAll(doc, hasClass("ua-row"))); got != 4 {
		t.Errorf("%d rows in the per-UA table, want 4 (Yealink, Grandstream, Polycom, hostile)", got)
	}
	if got := textOf(byID(doc, "cfg-lines")); !strings.Contains(got, `modparam("sanity", "default_checks", 2535)`) {
		t.Errorf("remediation lines %q", got)
	}
}

func TestHTMLTopSuspectRow(t *testing.T) {
	doc, _ := renderHTML(t, htmlFixture())
	rows := findAll(byID(doc, "suspect-table"), hasClass("suspect-row"))
	if len(rows) != 2 {
		t.Fatalf("%d suspect rows, want 2", len(rows))
	}
	row := textOf(rows[0])
	for _, want := range []string{"Yealink SIP-T48G 35.72.188.7", "proxy_require (512)", "420 Bad Proxy Require Extension",
		"5105 B [4870 B, 5330 B]", "×41.5"} {
		if !strings.Contains(row, want) {
			t.Errorf("top suspect row %q lacks %q", row, want)
		}
	}
	card := byID(doc, "suspect-1")
	marks := findAll(card, isElem("mark"))
	if len(marks) != 1 || textOf(marks[0]) != "Proxy-Require: sip.mysipproxy.com" {
		t.Errorf("example marks %d, want the Proxy-Require line", len(marks))
	}
	text := textOf(card)
	for _, want := range []string{"vendor Yealink", "model SIP-T48G", "firmware 35.72.188.7", "198.51.100.7:5060 (210)",
		"GH-1990", "fixed in 5.2.4", `modparam("sanity", "default_checks", 2535)`, "packet 2406 at 2026-11-02 10:04:00.500",
		"SUBSCRIBE sip:1001@sip.example.net SIP/2.0"} {
		if !strings.Contains(text, want) {
			t.Errorf("suspect card lacks %q", want)
		}
	}
	// A suspect without a kept message shows the offending header alone.
	if m := findAll(byID(doc, "suspect-2"), isElem("mark")); len(m) != 1 || textOf(m[0]) != "Proxy-Require: x" {
		t.Errorf("second suspect's example not marked")
	}
}

func TestHTMLPlotsHaveData(t *testing.T) {
	doc, _ := renderHTML(t, htmlFixture())
	chart := byID(doc, "time-chart")
	if chart == nil || chart.Data != "svg" {
		t.Fatal("no time chart svg")
	}
	if len(findAll(chart, isElem("title"))) == 0 || len(findAll(chart, isElem("desc"))) == 0 {
		t.Error("time chart lacks <title>/<desc>")
	}
	if got := len(findAll(chart, hasClass("panel"))); got != 3 {
		t.Errorf("%d panels, want pkg, shm and rates", got)
	}
	paths := findAll(chart, hasClass("series"))
	if len(paths) != 4 { // weakest pkg, shm, two suspects
		t.Errorf("%d series paths, want 4", len(paths))
	}
	for _, p := range paths {
		n, _ := strconv.Atoi(attr(p, "data-points"))
		d := attr(p, "d")
		if n < 20 || strings.Count(d, "L") < n/2 {
			t.Errorf("path %q has %d points: %.60s", textOf(p), n, d)
		}
	}
	if got := len(findAll(chart, hasClass("growth-window"))); got == 0 {
		t.Error("no growth window shaded")
	}
	restarts := findAll(chart, hasClass("restart"))
	if len(restarts) != 1 || textOf(restarts[0]) != "restart before 10:18:20" {
		t.Errorf("%d restart marks, want the shm restart at 10:18:20", len(restarts))
	}
	if shm := attr(paths[1], "d"); strings.Count(shm, "M") != 2 {
		t.Errorf("shm line has %d subpaths, want 2 (broken at the restart)", strings.Count(shm, "M"))
	}
	text := textOf(chart)
	for _, want := range []string{"MiB", "msgs/min", "local time, CET (UTC+01:00)", "10:00", "10:10", "10:20", "3.00", "4.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("time chart lacks the label %q", want)
		}
	}
	bars := findAll(byID(doc, "rules-chart"), hasClass("bar"))
	if len(bars) != 2 {
		t.Fatalf("%d rule bars, want proxy_require and cseq_value", len(bars))
	}
	if !strings.HasPrefix(textOf(bars[0]), "proxy_require (512): 219") {
		t.Errorf("first bar %q", textOf(bars[0]))
	}
}

func TestHTMLEscapesHostileUA(t *testing.T) {
	doc, out := renderHTML(t, htmlFixture())
	if strings.ContainsAny(out, "\x1b\u202e") {
		t.Error("raw escape or bidi override in the HTML")
	}
	for _, tag := range []string{"script", "img", "iframe", "object", "embed", "link", "base"} {
		if n := findAll(doc, isElem(tag)); len(n) > 0 {
			t.Errorf("%d <%s> elements in the report", len(n), tag)
		}
	}
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("event handler attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
			}
			if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(a.Val, "#") && a.Val != "https://github.com/kamailio/kamailio/issues/1990" {
				t.Errorf("reference to %q: the report must be self-contained", a.Val)
			}
		}
	}
	want := `<script>document.title='pwned'</script><img src=x onerror="document.title='pwned'">\x1b[31m\u{202E}`
	row := findAll(byID(doc, "suspect-table"), hasClass("suspect-row"))[1]
	if !strings.Contains(textOf(row), want) {
		t.Errorf("hostile UA not shown as text: %q", textOf(row))
	}
	if got := textOf(byID(doc, "inventory")); !strings.Contains(got, want) {
		t.Error("hostile UA not shown as text in the per-UA table")
	}
	if strings.Contains(out, "<script>") || strings.Contains(out, "<img") {
		t.Error("unescaped markup in the output")
	}
	bare := strings.ReplaceAll(out, `xmlns="http://www.w3.org/2000/svg"`, "") // a name, not a fetch
	for _, ext := range []string{"url(", "@import", "@font-face", "<link", "http://"} {
		if strings.Contains(bare, ext) {
			t.Errorf("%q in the output: the report must not load anything", ext)
		}
	}
}

func TestHTMLInventoryOnly(t *testing.T) {
	r := htmlFixture()
	r.Offenders, r.Memory, r.Timeline, r.Evidence = nil, nil, nil, ""
	doc, _ := renderHTML(t, r)
	for _, id := range []string{"memory", "suspects", "time-chart", "remediation"} {
		if byID(doc, id) != nil {
			t.Errorf("section %q without an offender report", id)
		}
	}
	for _, id := range []string{"summary", "rules-chart", "inventory", "defects", "notes"} {
		if byID(doc, id) == nil {
			t.Errorf("no %q without an offender report", id)
		}
	}
	if !strings.Contains(textOf(byID(doc, "summary")), "Times in CET (UTC+01:00)") {
		t.Error("zone not stated")
	}
}

func TestHTMLWithoutTraffic(t *testing.T) {
	doc, _ := renderHTML(t, &HTMLReport{Analysis: &Analysis{}, Location: time.UTC})
	if byID(doc, "rules-chart") != nil {
		t.Error("rule chart without malformed messages")
	}
	if byID(doc, "inventory") == nil {
		t.Error("no inventory section")
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, nil); err == nil {
		t.Error("no error without an analysis")
	}
	if err := WriteHTML(&buf, &HTMLReport{Analysis: &Analysis{}, Offenders: &Offenders{}}); err == nil {
		t.Error("no error for an offender report without attribution")
	}
}

func TestParseOutputFormat(t *testing.T) {
	for in, want := range map[string]Format{"html": FormatHTML, "HTML": FormatHTML, "table": FormatTable, "json": FormatJSON, "csv": FormatCSV} {
		if got, err := ParseOutputFormat(in); err != nil || got != want {
			t.Errorf("ParseOutputFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseOutputFormat("pdf"); err == nil || !strings.Contains(err.Error(), "html") {
		t.Errorf("pdf: %v", err)
	}
}

// DOM helpers.

func findAll(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if n == nil {
		return nil
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && pred(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byID(n *html.Node, id string) *html.Node {
	if all := findAll(n, func(n *html.Node) bool { return attr(n, "id") == id }); len(all) > 0 {
		return all[0]
	}
	return nil
}

func isElem(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

func hasClass(c string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		for _, f := range strings.Fields(attr(n, "class")) {
			if f == c {
				return true
			}
		}
		return false
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func TestMarkedLines(t *testing.T) {
	msg := "OPTIONS sip:a SIP/2.0\r\nVia: x\r\nExpires: \x1b[2J\r\n\r\n"
	for _, tc := range []struct {
		line   int
		header string
		want   int // index of the marked line, -1 none
	}{{3, "", 2}, {1, "Via: x", 0}, {0, "Via: x", 1}, {0, "", -1}, {9, "", -1}} {
		got := -1
		lines := markedLines(msg, tc.line, tc.header)
		for i, l := range lines {
			if l.Mark {
				got = i
			}
			if strings.Contains(l.Text, "\x1b") {
				t.Errorf("escape kept in %q", l.Text)
			}
		}
		if got != tc.want || len(lines) != 3 {
			t.Errorf("line %d header %q: marked %d of %d lines, want %d", tc.line, tc.header, got, len(lines), tc.want)
		}
	}
}
