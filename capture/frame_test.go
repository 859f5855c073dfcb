package capture

import (
	"reflect"
	"strings"
	"testing"
)

const (
	msgReg  = "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1\r\nContent-Length: 0\r\n\r\n"
	msgMsg  = "MESSAGE sip:bob@example.com SIP/2.0\r\nl: 5\r\nContent-Type: text/plain\r\n\r\nhello"
	msgLF   = "SIP/2.0 200 OK\nCSeq: 1 REGISTER\nContent-Length: 2\n\nok"
	msgNoCL = "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n"
)

type frameResult struct {
	msg        string
	incomplete bool
}

// runFramer feeds chunks (a "|GAP|" chunk declares a gap) and ends the
// stream.
func runFramer(chunks []string, max int) ([]frameResult, Stats) {
	var st Stats
	f := newFramer(max, &st, nil)
	var got []frameResult
	out := func(m []byte, inc bool) { got = append(got, frameResult{string(m), inc}) }
	for _, c := range chunks {
		if c == "|GAP|" {
			f.gap(out)
			continue
		}
		f.feed([]byte(c), out)
	}
	f.flush(out)
	return got, st
}

func complete(msgs ...string) []frameResult {
	var out []frameResult
	for _, m := range msgs {
		out = append(out, frameResult{m, false})
	}
	return out
}

// bytewise splits s into one-byte chunks.
func bytewise(s string) []string { return strings.Split(s, "") }

func TestFramer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   []frameResult
		check  func(t *testing.T, st Stats)
	}{
		{"several messages in one segment", []string{msgReg + msgMsg + msgLF}, complete(msgReg, msgMsg, msgLF), nil},
		{"one message across many segments", bytewise(msgMsg), complete(msgMsg), nil},
		{"split mid start line, mid header, mid body", []string{msgMsg[:7], msgMsg[7:40], msgMsg[40 : len(msgMsg)-2], msgMsg[len(msgMsg)-2:] + msgReg[:3], msgReg[3:]},
			complete(msgMsg, msgReg), nil},
		{"missing Content-Length means no body", []string{msgNoCL + msgReg}, complete(msgNoCL, msgReg), nil},
		{"CRLF keep-alives", []string{"\r\n\r\n", msgReg, "\r\n", "\r\n\r\n" + msgLF + "\r\n"}, complete(msgReg, msgLF),
			func(t *testing.T, st Stats) {
				// ping, pong, ping, pong: RFC 5626 units, not CR/LF runs
				if st.TCPKeepAlives != 4 || st.TCPSkippedBytes != 0 {
					t.Errorf("keepalives %d skipped %d, want 4, 0", st.TCPKeepAlives, st.TCPSkippedBytes)
				}
			}},
		{"garbage then resync", []string{"\x16\x03\x01 binary junk\r\nmore junk\n" + msgReg}, complete(msgReg),
			func(t *testing.T, st Stats) {
				if st.TCPResyncs != 1 || st.TCPSkippedBytes != 27 {
					t.Errorf("resyncs %d skipped %d, want 1, 27", st.TCPResyncs, st.TCPSkippedBytes)
				}
			}},
		{"gap then resync", []string{msgMsg[:30], "|GAP|", "lo tail of a lost body\r\n" + msgReg},
			[]frameResult{{msgMsg[:30], true}, {msgReg, false}},
			func(t *testing.T, st Stats) {
				if st.TCPGaps != 1 || st.Unframed != 1 || st.TCPSkippedBytes != 24 {
					t.Errorf("gaps %d unframed %d skipped %d", st.TCPGaps, st.Unframed, st.TCPSkippedBytes)
				}
			}},
		{"end of stream mid body", []string{msgReg, msgMsg[:len(msgMsg)-1]}, []frameResult{{msgReg, false}, {msgMsg[:len(msgMsg)-1], true}}, nil},
		{"unreadable Content-Length counts as 0", []string{"INVITE sip:x SIP/2.0\r\nContent-Length: -999\r\n\r\n" + msgReg},
			complete("INVITE sip:x SIP/2.0\r\nContent-Length: -999\r\n\r\n", msgReg),
			func(t *testing.T, st Stats) {
				if st.TCPBadContentLength != 1 {
					t.Errorf("bad content length %d", st.TCPBadContentLength)
				}
			}},
		{"first Content-Length wins", []string{"INVITE sip:x SIP/2.0\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nab" + msgReg},
			complete("INVITE sip:x SIP/2.0\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\nab", msgReg), nil},
		{"body over the limit", []string{"INVITE sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\n" + strings.Repeat("a", 300)},
			[]frameResult{{("INVITE sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\n" + strings.Repeat("a", 300))[:256], true}}, nil},
		{"headers over the limit", []string{"INVITE sip:x SIP/2.0\r\n" + strings.Repeat("X-A: b\r\n", 40), msgReg},
			[]frameResult{{("INVITE sip:x SIP/2.0\r\n" + strings.Repeat("X-A: b\r\n", 40))[:256], true}, {msgReg, false}}, nil},
		{"no start line end, not SIP", []string{strings.Repeat("\x00", maxStartLine+10)}, nil,
			func(t *testing.T, st Stats) {
				if st.TCPSkippedBytes != maxStartLine+10 {
					t.Errorf("skipped %d", st.TCPSkippedBytes)
				}
			}},
		{"websocket handshake counted", []string{"GET / HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: sip\r\n\r\n"}, nil,
			func(t *testing.T, st Stats) {
				if st.WebSocket != 1 {
					t.Errorf("websocket %d", st.WebSocket)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := runFramer(tc.chunks, 256)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
}

// TestRegressionFinalStartLineOverLimit: a stream ending inside a start
// line longer than the message limit handed out the whole line, over the
// limit (found by FuzzFramer, testdata/fuzz/FuzzFramer/0e187d2240be2965).
func TestRegressionFinalStartLineOverLimit(t *testing.T) {
	line := "0 " + strings.Repeat("0", 600) + " SIP/"
	got, st := runFramer([]string{line}, 256)
	if len(got) != 1 || got[0].msg != line[:256] || !got[0].incomplete || st.TCPSkippedBytes != uint64(len(line)-256) {
		t.Errorf("got %d messages, skipped %d", len(got), st.TCPSkippedBytes)
	}
}

// TestRegressionBadContentLengthCountedOnce: the header scan runs again
// for every segment while the headers are incomplete; an unreadable
// Content-Length was counted each time.
func TestRegressionBadContentLengthCountedOnce(t *testing.T) {
	msg := "INVITE sip:x SIP/2.0\r\nContent-Length: abc\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
	got, st := runFramer(bytewise(msg), 256)
	if len(got) != 1 || st.TCPBadContentLength != 1 {
		t.Errorf("%d messages, bad content length counted %d times", len(got), st.TCPBadContentLength)
	}
}
