package capture

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/internal/needs"
)

// corpusCase explains, file by file, where sipcorr's SIP message count
// differs from tshark's, or which error the file must give. Files not
// listed must agree exactly and read without error.
type corpusCase struct {
	delta int   // sipcorr count minus tshark count
	err   error // expected error (errors.Is); nil: none
	why   string
}

var corpusExpect = map[string]corpusCase{
	"sipnab/c07-sip-r2.cap": {delta: -12, err: ErrBadMagic,
		why: "Microsoft NetMon 2 file, not pcap/pcapng (tshark reads NetMon); its pcapng conversion is compared instead"},
	"sipnab/c07-sip-r2.converted.pcapng": {delta: +20,
		why: "PROTOS c07 request-line tests Wireshark does not take as SIP: binary methods (frames 20-30) and empty or blank methods " +
			"(4, 32-39) before 'sip:tori@localhost SIP/2.0'; the 5 overlong-method datagrams (16-19, 31) hold no whole start line and are non-SIP for both"},
	"ndpi/fuzz-2006-06-26-2594.pcap": {delta: +9,
		why: "fuzzed start lines Wireshark rejects (it needs exactly SIP/2.0 and a token method): frames 108, 154, 180, 228, 346, 348, 441 " +
			"(NUL or %s in the line), 223 (SIP/a.0), 558 (SI\\x10/2.0); sipcorr keeps them as malformed SIP"},
}

// corpusDir finds ../shared/corpus relative to the repository root.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus")
	return needs.Dir(t, "corpus directory", dir)
}

// isCaptureFile decides by extension or by content (the corpus has a
// capture file without extension).
func isCaptureFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pcap", ".pcapng", ".cap", ".gz":
		return true
	case ".md", ".dat", ".sip", ".txt":
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	if _, err := io.ReadFull(f, m[:]); err != nil {
		return false
	}
	return isPcapMagic(m[:]) || isPcapngMagic(m[:]) || (m[0] == 0x1f && m[1] == 0x8b)
}

// tsharkCount counts SIP messages as tshark dissects them: one per
// sip.Method (requests) or sip.Status-Code (responses) occurrence, so a
// frame carrying several messages counts several times.
func tsharkCount(ctx context.Context, path string) (int, error) {
	cmd := exec.CommandContext(ctx, "tshark", "-n", "-r", path, "-Y", "sip", "-T", "fields",
		"-e", "sip.Method", "-e", "sip.Status-Code", "-E", "occurrence=a", "-E", "aggregator=,")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	n := 0
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		for _, field := range strings.Split(sc.Text(), "\t") {
			if field != "" {
				n += strings.Count(field, ",") + 1
			}
		}
	}
	if err != nil {
		return n, fmt.Errorf("tshark: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return n, nil
}

type corpusResult struct {
	file          string
	ours, tshark  int
	err, tsharkEr error
}

func TestCorpusAgainstTshark(t *testing.T) {
	dir := corpusDir(t)
	needs.Binary(t, "tshark", "Debian package tshark")
	var files []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && isCaptureFile(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no capture files in corpus")
	}
	results := make([]corpusResult, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2) // bounded: the machine is shared
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rel, _ := filepath.Rel(dir, f)
			r := corpusResult{file: filepath.ToSlash(rel)}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			d := NewDecoder(Options{})
			r.err = ReadFile(ctx, f, d, func(*Datagram) { r.ours++ })
			r.tshark, r.tsharkEr = tsharkCount(ctx, f)
			results[i] = r
		}()
	}
	wg.Wait()
	sort.Slice(results, func(i, j int) bool { return results[i].file < results[j].file })

	var table strings.Builder
	fmt.Fprintf(&table, "%-62s %8s %8s  %s\n", "file", "sipcorr", "tshark", "note")
	for _, r := range results {
		exp := corpusExpect[r.file]
		note := exp.why
		if r.err != nil {
			note = "error: " + r.err.Error() + "; " + note
		}
		fmt.Fprintf(&table, "%-62s %8d %8d  %s\n", r.file, r.ours, r.tshark, note)
		switch {
		case exp.err == nil && r.err != nil:
			t.Errorf("%s: unexpected error: %v", r.file, r.err)
		case exp.err != nil && !errors.Is(r.err, exp.err):
			t.Errorf("%s: error %v, want %v", r.file, r.err, exp.err)
		}
		if exp.err == nil && r.tsharkEr != nil {
			t.Errorf("%s: %v", r.file, r.tsharkEr)
		}
		if got := r.ours - r.tshark; got != exp.delta {
			t.Errorf("%s: sipcorr %d, tshark %d: difference %d, documented %d (%s)", r.file, r.ours, r.tshark, got, exp.delta, exp.why)
		}
	}
	t.Logf("corpus agreement:\n%s", table.String())
}
