package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestRegressionIssue16Point7ContentLengthOverflow: a Content-Length over
// 2^63 (or over 2^32-1, which Kamailio's parser rejects) was taken for a
// body that never ends: the message went out incomplete, unjudged, and
// its sender was missing from the per-UA table. It now counts as an
// unreadable Content-Length (body 0), like "-999".
func TestRegressionIssue16Point7ContentLengthOverflow(t *testing.T) {
	for _, cl := range []string{"9223372036854775808", "99999999999999999999999", "4294967296"} {
		hdr := "INVITE sip:x SIP/2.0\r\nUser-Agent: Evil\r\nContent-Length: " + cl + "\r\n\r\n"
		got, st := runFramer([]string{hdr + msgReg}, 256)
		want := complete(hdr, msgReg)
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] || st.TCPBadContentLength != 1 {
			t.Errorf("Content-Length %s: got %v, bad %d; want %v, 1", cl, got, st.TCPBadContentLength, want)
		}
	}
	// up to 2^32-1 the length is taken at its word (a big body, cut at the limit)
	got, _ := runFramer([]string{"INVITE sip:x SIP/2.0\r\nContent-Length: 4294967295\r\n\r\nab"}, 256)
	if len(got) != 1 || !got[0].incomplete {
		t.Errorf("Content-Length 2^32-1: %v", got)
	}
}

// TestRegressionIssue16Point7SkippedBlocksAndCapLen: skipped pcapng blocks
// (the README said they were counted) and records whose incl_len exceeds
// orig_len reach the Decoder's Stats, hence the report.
func TestRegressionIssue16Point7SkippedBlocksAndCapLen(t *testing.T) {
	o := binary.LittleEndian
	frame := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, msgReg)
	var ng []byte
	ng = append(ng, ngSHB(o)...)
	ng = append(ng, ngIDB(o, layers.LinkTypeEthernet, 6)...)
	ng = append(ng, ngBlock(o, 4, make([]byte, 4))...)       // name resolution
	ng = append(ng, ngBlock(o, 0x0BAD, make([]byte, 8))...)  // unknown
	ng = append(ng, ngEPB(o, 0, 1, frame, len(frame)-10)...) // caplen > origlen
	pc := pcapFile(o, false, layers.LinkTypeEthernet, rec{ts: time.Unix(1, 0), data: frame, orig: 5})
	for _, tc := range []struct {
		name          string
		file          []byte
		skipped, over uint64
	}{
		{"pcapng", ng, 2, 1},
		{"pcap", pc, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Options{})
			var s sink
			if err := ReadFile(context.Background(), writeTemp(t, "x."+tc.name, tc.file), d, s.emit); err != nil {
				t.Fatal(err)
			}
			st := d.Stats()
			if st.SkippedBlocks != tc.skipped || st.CapLenOverLen != tc.over || st.SIPMessages != 1 {
				t.Errorf("skipped %d caplen>len %d sip %d; want %d %d 1", st.SkippedBlocks, st.CapLenOverLen, st.SIPMessages, tc.skipped, tc.over)
			}
		})
	}
}

// TestRegressionIssue16Point6ReadFileInterrupted: a cancelled ReadFile
// says where it stopped and wraps ErrInterrupted and the cause.
func TestRegressionIssue16Point6ReadFileInterrupted(t *testing.T) {
	frame := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, msgReg)
	recs := make([]rec, 3000)
	for i := range recs {
		recs[i] = rec{ts: time.Unix(int64(i), 0), data: frame}
	}
	path := writeTemp(t, "x.pcap", pcapFile(binary.LittleEndian, false, layers.LinkTypeEthernet, recs...))
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("received SIGINT")
	cancel(cause)
	err := ReadFile(ctx, path, NewDecoder(Options{}), func(*Datagram) {})
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, ErrInterrupted) || !errors.Is(err, cause) || fe.Packet != 1024 || fe.Offset == 0 {
		t.Fatalf("err = %v (%+v)", err, fe)
	}
}
