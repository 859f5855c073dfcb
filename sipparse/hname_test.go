package sipparse

import (
	"bytes"
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

// TestFoldedWordIsEqualFold: for the all-letter Via parameter names,
// comparing folded words is equalFold, whatever bytes the name holds and
// whether it is read in place or near the end of the buffer.
func TestFoldedWordIsEqualFold(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	targets := []string{"i", "ttl", "maddr", "alias", "rport", "branch", "hidden", "received"}
	alphabet := []byte("iItTlLmMaAdDrRsShHbBnNcCeEvVpPoO@`_\x7f\x00 -;=\x80\xff\x01\x09")
	for k := 0; k < 200000; k++ {
		n := 1 + r.Intn(8)
		name := make([]byte, n)
		for i := range name {
			name[i] = alphabet[r.Intn(len(alphabet))]
		}
		if k%4 == 0 { // start from a target in random case
			tg := targets[r.Intn(len(targets))]
			name = []byte(tg)
			for i := range name {
				if r.Intn(2) == 0 {
					name[i] ^= 0x20
				}
			}
			if r.Intn(3) == 0 {
				name[r.Intn(len(name))] = alphabet[r.Intn(len(alphabet))]
			}
		}
		inPlace := append(append([]byte("x"), name...), "=value;rport\r\n"...)
		atEnd := append([]byte("x"), name...)
		for _, tg := range targets {
			want := equalFold(name, tg)
			w := foldedWord([]byte(tg), 0, len(tg))
			if got := foldedWord(inPlace, 1, len(name)) == w; got != want {
				t.Fatalf("foldedWord(%q) == %q: %v, equalFold %v", name, tg, got, want)
			}
			if got := foldedWord(atEnd, 1, len(name)) == w; got != want {
				t.Fatalf("foldedWord(%q) at the buffer end == %q: %v, equalFold %v", name, tg, got, want)
			}
		}
	}
}

// TestNameAtMatchesScan: nameAt finds the first ':' of the next 24 bytes
// and gives KindOf of the bytes before it; a known kind implies that those
// bytes are all header-name characters (Parse then skips its scan).
func TestNameAtMatchesScan(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	junk := []byte(": \t\r\n\x00-_.~+aZ9\x80\xff;,")
	for k := 0; k < 200000; k++ {
		var line []byte
		if k%3 != 0 {
			line = []byte(hnames[r.Intn(len(hnames))].name)
			for i := range line {
				if r.Intn(2) == 0 {
					line[i] ^= 0x20
				}
			}
		}
		for i := r.Intn(4); i > 0; i-- {
			p := r.Intn(len(line) + 1)
			line = append(line[:p], append([]byte{junk[r.Intn(len(junk))]}, line[p:]...)...)
		}
		if r.Intn(4) != 0 {
			line = append(line, ':')
		}
		line = append(line, " value\r\nNext: x\r\n\r\n"[:r.Intn(20)]...)
		b := append([]byte("xy"), line...)
		n, kind := nameAt(b, 2)
		want := -1
		if i := bytes.IndexByte(b[2:min(len(b), 2+hnameMaxLen)], ':'); i >= 0 {
			want = i
		}
		if n != want {
			t.Fatalf("nameAt(%q) n = %d, want %d", line, n, want)
		}
		wantKind := HdrOther
		if n > 0 {
			wantKind = KindOf(b[2 : 2+n])
		}
		if kind != wantKind {
			t.Fatalf("nameAt(%q) kind = %v, want %v", line, kind, wantKind)
		}
		if kind != HdrOther {
			for _, c := range b[2 : 2+n] {
				if !hnameChars[c] {
					t.Fatalf("nameAt(%q): known kind %v over non-name byte %q", line, kind, c)
				}
			}
		}
	}
}
