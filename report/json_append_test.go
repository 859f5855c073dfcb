package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// jsonStringSeeds hold every class of byte appendJSONString treats apart.
var jsonStringSeeds = []string{"", "plain", `quote " and \ backslash`, "\b\f\n\r\t\x00\x01\x1f\x7f", "<script>&amp;</script>",
	"line\u2028para\u2029", "bad\xff\xfe", "cut\xe2\x80", "surrogate\xed\xa0\x80", "Grüße 日本語 \U0001F600",
	"\u0085\u202e\ufffd", "=HYPERLINK(\"x\")\x1b[31m"}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("x"), s); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json writes %s", s, got[1:], want)
		}
	})
}

func TestAppendJSONStringEveryByte(t *testing.T) {
	for b := 0; b < 256; b++ {
		for _, s := range []string{string([]byte{byte(b)}), "a" + string([]byte{byte(b)}) + "z"} {
			want, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
				t.Errorf("byte %#x: %s, encoding/json writes %s", b, got, want)
			}
		}
	}
}

func TestAppendJSONStringDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	s := "friendly-scanner <probe&42> \xff\u2028 Grüße"
	if n := testing.AllocsPerRun(100, func() { buf = appendJSONString(buf[:0], s) }); n != 0 {
		t.Errorf("appendJSONString allocates %v times", n)
	}
}
