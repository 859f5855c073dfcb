package esquery

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// endless repeats one byte forever: /dev/zero, or a writer that never
// writes a newline.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// TestRegressionIssue16Point3LogsBounds is the hostile-input table of the
// log-file reader: each endless or binary input ends with ErrNotLog naming
// the byte offset (before, /dev/zero spun forever), and a crash-cut syslog
// file with a block of NULs is still read, the NUL line counted bad.
func TestRegressionIssue16Point3LogsBounds(t *testing.T) {
	good := "Dec 31 23:59:58 edge1 /usr/sbin/kamailio[2211]: NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G 35.80.0.95] received from <198.51.100.7:5060>\n"
	for _, tc := range []struct {
		name string
		r    io.Reader
		opts FileOptions
		want string // error text; "" means no error
		bad  int64
	}{
		{"zeros", endless(0), FileOptions{}, "binary data at byte 0 (line 1): more than 1048576 NUL bytes", 0},
		{"NULs after text", io.MultiReader(strings.NewReader(good), endless(0)), FileOptions{}, "binary data at byte 158 (line 2)", 0},
		{"endless line", endless('a'), FileOptions{}, "line 1 (byte 0) longer than 67108864 bytes", 0},
		{"over MaxBytes", io.LimitReader(endless('\n'), 1<<30), FileOptions{MaxBytes: 1 << 20}, "more than 1048576 bytes", 0},
		{"crash block of NULs", strings.NewReader(good + strings.Repeat("\x00", 4096) + "\n" + good), FileOptions{Year: 2026}, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			st, err := ReadLog(tc.r, "k.log", Query{}, tc.opts, func(Hit) error { return nil })
			if tc.want == "" {
				if err != nil || st.Bad != tc.bad || st.Hits != 2 {
					t.Fatalf("err %v, bad %d, hits %d; want nil, %d, 2", err, st.Bad, st.Hits, tc.bad)
				}
				return
			}
			if !errors.Is(err, ErrNotLog) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "k.log") {
				t.Fatalf("err = %v, want ErrNotLog with %q", err, tc.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestRegressionIssue16Point3LogsDevZero runs ReadLogFile on the device.
func TestRegressionIssue16Point3LogsDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := ReadLogFile("/dev/zero", Query{}, FileOptions{Year: 2026}, func(Hit) error { return nil })
	if !errors.Is(err, ErrNotLog) || !bytes.Contains([]byte(err.Error()), []byte("/dev/zero: binary data at byte 0")) {
		t.Fatalf("err = %v", err)
	}
}
