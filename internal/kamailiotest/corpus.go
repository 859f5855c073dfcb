package kamailiotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/sipcorr/sipcorr/capture"
)

// Item is one message of a corpus.
type Item struct {
	Source string // "<file>" or "<file>#<n>" (n: packet number in a capture, message number in a multi-message text)
	Raw    []byte
}

// Skipped counts corpus entries that were not turned into items, by reason.
type Skipped map[string]int

func (s Skipped) add(reason string) { s[reason]++ }

// String lists the reasons in a stable order.
func (s Skipped) String() string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d", k, s[k])
	}
	return b.String()
}

// LoadSIPDir reads every *.sip file below dir (the project's own
// testdata/sip); Source is the path relative to base.
func LoadSIPDir(dir, base string) ([]Item, error) {
	var items []Item
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".sip" {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		items = append(items, Item{Source: rel(base, path), Raw: raw})
		return nil
	})
	return items, err
}

// messageDirs are the corpus folders that hold one raw message per file.
var messageDirs = []string{"rfc4475-sipgo", "rfc5118-ersip", "cipango", "kamailio-test-sip"}

// LoadCorpusMessages reads the message files of the shared corpus: one
// message per file in messageDirs, the lioneagle text split on its =====
// lines, and the payloads of sipgo's Go fuzz-corpus files. Source is the
// path relative to base (so it reads "corpus/..." when base is the parent of
// the corpus folder).
func LoadCorpusMessages(corpus, base string) ([]Item, Skipped, error) {
	skipped := Skipped{}
	var items []Item
	for _, d := range messageDirs {
		err := filepath.WalkDir(filepath.Join(corpus, d), func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			items = append(items, Item{Source: rel(base, path), Raw: raw})
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	lion := filepath.Join(corpus, "lioneagle-sipparser", "sip_msg.txt")
	text, err := os.ReadFile(lion)
	if err != nil {
		return nil, nil, err
	}
	for i, m := range SplitLioneagle(text) {
		items = append(items, Item{Source: rel(base, lion) + "#" + strconv.Itoa(i+1), Raw: m})
	}
	fuzzDir := filepath.Join(corpus, "sipgo-fuzz")
	err = filepath.WalkDir(fuzzDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		payload, err := GoFuzzPayload(raw)
		if err != nil {
			skipped.add("fuzz file without one string/[]byte value")
			return nil
		}
		items = append(items, Item{Source: rel(base, path), Raw: payload})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return items, skipped, nil
}

// SplitLioneagle splits lioneagle's sip_msg.txt: sections start with a line
// of '=' signs, then `name = "..."` and an empty line, then the message;
// the line break before the next separator belongs to the separator, and
// empty lines before the message (some sections have two) are layout.
func SplitLioneagle(text []byte) [][]byte {
	var out [][]byte
	lines := bytes.SplitAfter(text, []byte("\n"))
	var cur []byte
	inMsg := false
	flush := func() {
		if inMsg {
			m := cur
			switch {
			case bytes.HasSuffix(m, []byte("\r\n")):
				m = m[:len(m)-2]
			case bytes.HasSuffix(m, []byte("\n")):
				m = m[:len(m)-1]
			}
			if len(bytes.TrimSpace(m)) > 0 {
				out = append(out, m)
			}
		}
		cur, inMsg = nil, false
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := bytes.TrimRight(l, "\r\n")
		if len(t) >= 10 && len(bytes.Trim(t, "=")) == 0 {
			flush()
			// name line and the empty line after it
			if i+1 < len(lines) && bytes.HasPrefix(lines[i+1], []byte("name")) {
				i++
				if i+1 < len(lines) && len(bytes.TrimRight(lines[i+1], "\r\n")) == 0 {
					i++
				}
			}
			inMsg = true
			cur = nil
			continue
		}
		if inMsg {
			if len(cur) == 0 && len(bytes.TrimRight(l, "\r\n")) == 0 {
				continue // layout: empty lines before the start line
			}
			cur = append(cur, l...)
		}
	}
	flush()
	return out
}

// errFuzzFile means a file is not a one-value Go fuzz corpus file.
var errFuzzFile = errors.New("not a Go fuzz corpus file with one string or []byte value")

// GoFuzzPayload extracts the value of a `go test fuzz v1` file holding one
// string(...) or []byte(...) value.
func GoFuzzPayload(raw []byte) ([]byte, error) {
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		return nil, errFuzzFile
	}
	v := lines[1]
	for _, p := range []string{"string(", "[]byte("} {
		if strings.HasPrefix(v, p) && strings.HasSuffix(v, ")") {
			s, err := strconv.Unquote(v[len(p) : len(v)-1])
			if err != nil {
				return nil, fmt.Errorf("%w: %v", errFuzzFile, err)
			}
			return []byte(s), nil
		}
	}
	return nil, errFuzzFile
}

// LoadCorpusCaptures decodes every capture file of the corpus with the
// capture package and returns each SIP message candidate. Source is
// "<file>#<packet>" (with ".<k>" added when one packet completes several
// messages). Truncated messages (not what was on the wire) and messages
// too large for one UDP datagram are skipped and counted; a file that
// stops with an error keeps the messages read before the error.
func LoadCorpusCaptures(ctx context.Context, corpus, base string) ([]Item, Skipped, error) {
	skipped := Skipped{}
	var files []string
	err := filepath.WalkDir(corpus, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if isCapture(path) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	var items []Item
	for _, f := range files {
		d := capture.NewDecoder(capture.Options{})
		src := rel(base, f)
		seen := map[uint64]int{}
		err := capture.ReadFile(ctx, f, d, func(dg *capture.Datagram) {
			switch {
			case dg.Truncated:
				skipped.add("truncated in capture")
				return
			case len(dg.Payload) > maxUDPPayload:
				skipped.add("larger than one UDP datagram")
				return
			}
			seen[dg.Packet]++
			s := src + "#" + strconv.FormatUint(dg.Packet, 10)
			if n := seen[dg.Packet]; n > 1 {
				s += "." + strconv.Itoa(n)
			}
			items = append(items, Item{Source: s, Raw: append([]byte(nil), dg.Payload...)})
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			// Everything before the fault was emitted; the rest of the
			// file is lost, so say where and why.
			skipped.add("rest of " + rel(base, f) + " unreadable: " + err.Error())
		}
	}
	return items, skipped, nil
}

// isCapture tells capture files by extension, or by magic for files
// without one.
func isCapture(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pcap", ".pcapng", ".gz":
		return true
	case ".cap": // NetMon original of c07; the pcapng conversion sits next to it
		return false
	case "":
		b, err := os.ReadFile(path)
		if err != nil || len(b) < 4 {
			return false
		}
		m := string(b[:4])
		return m == "\xd4\xc3\xb2\xa1" || m == "\xa1\xb2\xc3\xd4" || m == "\x0a\x0d\x0d\x0a" ||
			m == "\x4d\x3c\xb2\xa1" || m == "\xa1\xb2\x3c\x4d"
	}
	return false
}

func rel(base, path string) string {
	r, err := filepath.Rel(base, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}
