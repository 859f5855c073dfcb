package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/correlate"
	"golang.org/x/net/html"
)

// FuzzHTMLUserAgent puts arbitrary bytes where the wire's User-Agent goes
// (suspect, bystander, inventory, example, token) and checks that the
// parsed document gains no element or attribute from it: the report keeps
// its fixed set of element types, no event handler, no reference outside
// the page, and the UA's visible form appears as text.
func FuzzHTMLUserAgent(f *testing.F) {
	for _, s := range []string{htmlHostileUA, "</pre><script>x</script>", "<svg onload=alert(1)>", "]]><!--",
		"\x00\x1b]8;;http://x\x07link", "javascript:alert(1)", "\u202egnp.exe", "{{.Title}}", "&lt;b&gt;", "\xff\xfe"} {
		f.Add(s)
	}
	allowed := map[string]bool{}
	doc, _ := renderHTML(f, htmlFixture())
	walkElements(doc, func(n *html.Node) { allowed[n.Data] = true })
	f.Fuzz(func(t *testing.T, ua string) {
		r := htmlFixture()
		rep := r.Offenders.Attribution
		rep.Suspects[1].UA = ua
		rep.Suspects[1].Tokens = []correlate.TokenCount{{Token: ua, Count: 1}}
		rep.Suspects[1].Example.Header = ua
		rep.MalformedWithoutImpact[0].UA = ua
		r.Examples[0].UA, r.Examples[0].Message = htmlYealink, ua
		var buf bytes.Buffer
		if err := WriteHTML(&buf, r); err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		walkElements(doc, func(n *html.Node) {
			if !allowed[n.Data] {
				t.Fatalf("element <%s> appeared for UA %q", n.Data, ua)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Fatalf("attribute %s on <%s> for UA %q", a.Key, n.Data, ua)
				}
				if (a.Key == "href" || a.Key == "src") && !strings.HasPrefix(a.Val, "#") && !strings.HasPrefix(a.Val, "https://github.com/kamailio/") {
					t.Fatalf("reference %q for UA %q", a.Val, ua)
				}
			}
		})
		if want := TerminalSafe(ua); ua != "" && !strings.Contains(textOf(byID(doc, "suspect-2")), want) {
			t.Fatalf("UA %q not shown as text %q", ua, want)
		}
	})
}

func walkElements(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkElements(c, fn)
	}
}
