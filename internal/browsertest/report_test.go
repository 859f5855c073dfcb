package browsertest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// reportFile is the HTML report of the report package's fixture (its byte
// golden, regenerated with go test ./report -update): a leaking Yealink,
// a suspect whose User-Agent is markup that would set document.title to
// "pwned" if it ran, memory of three processes and shm, a per-rule chart.
const reportFile = "../../report/testdata/html_report.golden.html"

const wantTitle = "sipcorr report"

func browser(t *testing.T) *Browser {
	t.Helper()
	b, err := Find()
	if err != nil {
		needs.Skip(t, "%v: the browser test needs chromium (Debian package chromium)", err)
	}
	return b
}

// artifactDir is where screenshots are kept after the test: $SIPCORR_ARTIFACTS
// when set (CI collects it), else a new temp directory that is not removed.
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("SIPCORR_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "sipcorr-browsertest-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDetectorSeesScripts is the control: the same checks on a page whose
// markup does run must see the title change and the injected image, or the
// report test below could not fail.
func TestDetectorSeesScripts(t *testing.T) {
	b := browser(t)
	page := filepath.Join(t.TempDir(), "hostile.html")
	src := `<!DOCTYPE html><html><head><title>` + wantTitle + `</title></head><body><p>` +
		`<script>document.title='pwned'</script><img src=x onerror="document.title='pwned'"></p></body></html>`
	if err := os.WriteFile(page, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := dump(t, b, page)
	if title(doc) != "pwned" {
		t.Errorf("control page title %q: the browser did not run its script", title(doc))
	}
	if len(elements(doc, "img")) != 1 {
		t.Error("control page: injected <img> not found in the DOM")
	}
}

func TestReportInChromium(t *testing.T) {
	b := browser(t)
	doc := dump(t, b, reportFile)

	// The hostile User-Agent stayed text.
	if got := title(doc); got != wantTitle {
		t.Errorf("document.title = %q after load: markup from a User-Agent ran", got)
	}
	for _, tag := range []string{"script", "img", "iframe"} {
		if n := len(elements(doc, tag)); n > 0 {
			t.Errorf("%d <%s> elements in the loaded report", n, tag)
		}
	}
	rows := withClass(doc, "suspect-row")
	if len(rows) < 2 {
		t.Fatalf("%d suspect rows in the DOM, want 2", len(rows))
	}
	top := text(rows[0])
	for _, want := range []string{"Yealink SIP-T48G 35.72.188.7", "proxy_require (512)", "420 Bad Proxy Require Extension", "5105 B"} {
		if !strings.Contains(top, want) {
			t.Errorf("top suspect row %q lacks %q", top, want)
		}
	}
	if h := text(rows[1]); !strings.Contains(h, `<script>document.title='pwned'</script><img src=x onerror=`) {
		t.Errorf("hostile UA not shown as text: %q", h)
	}

	// The plots exist and carry data.
	svgs := elements(doc, "svg")
	if len(svgs) != 2 {
		t.Errorf("%d svg elements, want the time chart and the rule chart", len(svgs))
	}
	paths := withClass(doc, "series")
	if len(paths) < 3 {
		t.Fatalf("%d plotted series, want at least pkg, shm and one rate", len(paths))
	}
	for _, p := range paths {
		n, err := strconv.Atoi(attr(p, "data-points"))
		if err != nil || n < 10 || strings.Count(attr(p, "d"), ",") < n {
			t.Errorf("series %q: %d points, path %.40q", text(p), n, attr(p, "d"))
		}
	}
	if len(withClass(doc, "growth-window")) == 0 {
		t.Error("no growth window shaded")
	}
	if len(withClass(doc, "bar")) == 0 {
		t.Error("no bars in the per-rule chart")
	}

	dir := artifactDir(t)
	shot := filepath.Join(dir, "report.png")
	if err := b.Screenshot(context.Background(), reportFile, shot, 1280, 2000); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
	checkScreenshot(t, shot, 1280, 2000)
}

// checkScreenshot decodes the PNG and checks that it shows something: the
// plots' colours, not a blank or error page.
func checkScreenshot(t *testing.T, path string, w, h int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("screenshot %v, want %dx%d", b, w, h)
	}
	if n := colours(img); n < 50 {
		t.Errorf("screenshot has %d distinct colours: blank page?", n)
	}
}

func colours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(seen)
}

func dump(t *testing.T, b *Browser, path string) *html.Node {
	t.Helper()
	out, err := b.DumpDOM(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func elements(doc *html.Node, tag string) []*html.Node {
	var out []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Data == tag {
			out = append(out, n)
		}
	})
	return out
}

func withClass(doc *html.Node, class string) []*html.Node {
	var out []*html.Node
	walk(doc, func(n *html.Node) {
		for _, c := range strings.Fields(attr(n, "class")) {
			if c == class {
				out = append(out, n)
				return
			}
		}
	})
	return out
}

// title is the text of the head's <title> (an SVG's <title> is not it).
func title(doc *html.Node) string {
	for _, h := range elements(doc, "head") {
		for _, tt := range elements(h, "title") {
			return text(tt)
		}
	}
	return ""
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}
