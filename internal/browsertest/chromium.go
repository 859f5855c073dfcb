// Package browsertest drives Debian's headless Chromium for tests of the
// HTML report: load a file from disk, dump the DOM after scripts would have
// run, take a screenshot. It uses the command line only (--dump-dom,
// --screenshot), so it needs no DevTools client library and nothing from
// the network: the browser runs with a throw-away profile, background
// networking off, and every host name resolving to nothing.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ErrNoChromium is returned by Find when no Chromium binary is installed.
var ErrNoChromium = errors.New("browsertest: chromium not found (apt-get install chromium)")

// candidates are the binary names Debian and others use.
var candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Browser is one Chromium binary.
type Browser struct {
	Path string
	// Timeout bounds one browser run (default 90 s).
	Timeout time.Duration
}

// Find returns the Chromium on $PATH, or $SIPCORR_CHROMIUM when set.
func Find() (*Browser, error) {
	if p := os.Getenv("SIPCORR_CHROMIUM"); p != "" {
		return &Browser{Path: p}, nil
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return &Browser{Path: p}, nil
		}
	}
	return nil, ErrNoChromium
}

// baseArgs are the flags of every run: headless, no sandbox (CI runs as
// root), no GPU, no first-run or background traffic, and no name
// resolution, so a report that tried to load anything would fail visibly.
func baseArgs(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir=" + profile}
}

// DumpDOM loads the file at path and returns the serialised DOM after
// load (scripts, if any, have run).
func (b *Browser) DumpDOM(ctx context.Context, path string) ([]byte, error) {
	u, err := fileURL(path)
	if err != nil {
		return nil, err
	}
	out, err := b.run(ctx, "--dump-dom", u)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(out, []byte("<html")) {
		return nil, fmt.Errorf("browsertest: %s: --dump-dom printed no document (%d bytes)", path, len(out))
	}
	return out, nil
}

// Screenshot loads the file at path in a window of w×h CSS pixels and
// writes a PNG to png.
func (b *Browser) Screenshot(ctx context.Context, path, png string, w, h int) error {
	u, err := fileURL(path)
	if err != nil {
		return err
	}
	if _, err := b.run(ctx, "--screenshot="+png, fmt.Sprintf("--window-size=%d,%d", w, h), u); err != nil {
		return err
	}
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		return fmt.Errorf("browsertest: no screenshot written to %s (%v)", png, err)
	}
	return nil
}

// run starts Chromium with a fresh profile directory, removed afterwards,
// and returns its standard output.
func (b *Browser) run(ctx context.Context, args ...string) ([]byte, error) {
	profile, err := os.MkdirTemp("", "sipcorr-chromium-profile-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = 90 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.Path, append(baseArgs(profile), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "HOME="+profile) // crash reports and caches stay in the profile
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("browsertest: %s: %w\n%s", b.Path, err, tail(stderr.Bytes(), 2000))
	}
	return stdout.Bytes(), nil
}

func fileURL(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("browsertest: %w", err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
