package sipparse

import (
	"math/rand"
	"testing"
)

// kindOfSlow is the reference KindOf: a linear case-insensitive search of
// Kamailio's name table.
func kindOfSlow(name []byte) HeaderKind {
	for _, h := range hnames {
		if equalFold(name, h.name) {
			return h.kind
		}
	}
	return HdrOther
}

// TestKindOfMatchesTable checks the word-compare lookup against the linear
// search on every known name in mixed case, on near misses (one byte
// changed, dropped or added, case-folding look-alikes such as '_' for
// DEL or '-' for CR), and on names read in place from a longer buffer
// whose bytes after the name must not count.
func TestKindOfMatchesTable(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	swaps := []byte("-_.+~\x00\r\n\x7f\x0d :@`[{\\|]}^AaZz09\x80\xff")
	var names [][]byte
	for _, h := range hnames {
		n := []byte(h.name)
		names = append(names, n, []byte(string(n)+"x"), n[:len(n)-1])
		for k := 0; k < 40; k++ {
			m := append([]byte(nil), n...)
			for i := range m {
				if r.Intn(2) == 0 {
					m[i] ^= 0x20 // other case, or a case-fold look-alike
				}
			}
			if k%3 == 0 {
				m[r.Intn(len(m))] = swaps[r.Intn(len(swaps))]
			}
			names = append(names, m)
		}
	}
	for k := 0; k < 2000; k++ {
		m := make([]byte, 1+r.Intn(30))
		for i := range m {
			m[i] = byte(r.Intn(256))
		}
		names = append(names, m)
	}
	names = append(names, nil, []byte{}, []byte("Content-Length\x00"), []byte("P-Preferred-Identity-And-More-x"))
	for _, n := range names {
		want := kindOfSlow(n)
		if got := KindOf(n); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", n, got, want)
		}
		// In place, followed by bytes that must be masked off, and at the
		// very end of the buffer.
		for _, tail := range []string{": value\r\n with enough bytes after the name", ""} {
			b := append([]byte("x"), n...)
			b = append(b, tail...)
			if got := kindIn(b, 1, len(n)); got != want {
				t.Errorf("kindIn(%q + %q) = %v, want %v", n, tail, got, want)
			}
		}
	}
}

func TestKindOfDoesNotAllocate(t *testing.T) {
	name := []byte("Content-Length")
	if a := testing.AllocsPerRun(100, func() { KindOf(name) }); a != 0 {
		t.Errorf("KindOf allocates %.1f times", a)
	}
}

func BenchmarkKindOf(b *testing.B) {
	msg := crlf(registerMsg)
	var m Message
	if err := Parse(msg, &m); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for i := range m.Headers {
			h := &m.Headers[i]
			kindIn(msg, h.Offset, len(h.Name))
		}
	}
}
