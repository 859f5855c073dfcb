package capture

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzFrameHEP: framing a HEP stream never panics, hands out only whole
// HEPv3 messages (magic, total length equal to the message), accounts for
// every byte (handed out or skipped), and gives the same messages whether
// the stream comes whole or cut at split.
func FuzzFrameHEP(f *testing.F) {
	m := hepFeedMessage(1)
	one := m.AppendHEP3(nil)
	f.Add(append(append([]byte{}, one...), one...), uint16(7))
	f.Add(append([]byte("xxHEP3\x00\x03HE"), one...), uint16(1))
	f.Add(one[:len(one)-1], uint16(100))
	f.Fuzz(func(t *testing.T, stream []byte, split uint16) {
		frameAll := func(pieces ...[]byte) (msgs [][]byte, st Stats) {
			fr := newFramer(128<<10, &st, nil)
			fr.hep = true
			out := func(msg []byte, _ bool) { msgs = append(msgs, append([]byte(nil), msg...)) }
			for _, p := range pieces {
				fr.feed(p, out)
			}
			fr.flush(out)
			return msgs, st
		}
		whole, st := frameAll(stream)
		used := st.TCPSkippedBytes
		for _, msg := range whole {
			if !bytes.HasPrefix(msg, hep3Magic) || int(binary.BigEndian.Uint16(msg[4:6])) != len(msg) {
				t.Fatalf("not a whole HEPv3 message: %q", msg)
			}
			used += uint64(len(msg))
		}
		if used != uint64(len(stream)) {
			t.Fatalf("%d bytes handed out or skipped of %d", used, len(stream))
		}
		k := int(split) % (len(stream) + 1)
		cut, _ := frameAll(stream[:k], stream[k:])
		if len(cut) != len(whole) {
			t.Fatalf("split at %d: %d messages, whole: %d", k, len(cut), len(whole))
		}
		for i := range cut {
			if !bytes.Equal(cut[i], whole[i]) {
				t.Fatalf("split at %d: message %d differs", k, i)
			}
		}
	})
}
