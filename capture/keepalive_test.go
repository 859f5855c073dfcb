package capture

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRegressionKeepAlivesCountedPerPingPong: the framer counted runs of CR/LF
// and merged a ping with the pongs and pings that followed it, so the demo's
// 150 RFC 5626 keep-alives were reported as 32. The generator's manifest
// counts each ping (CRLFCRLF) and pong (CRLF).
func TestRegressionKeepAlivesCountedPerPingPong(t *testing.T) {
	for _, tc := range []struct {
		file string
		want uint64
	}{
		{filepath.Join("..", "testdata", "captures", "tcp_keepalive.pcap"), 5},
		{filepath.Join("..", "testdata", "demo", "edge.pcapng"), 150},
	} {
		d := NewDecoder(Options{})
		if err := ReadFile(context.Background(), tc.file, d, func(*Datagram) {}); err != nil {
			t.Fatal(err)
		}
		if got := d.Stats().TCPKeepAlives; got != tc.want {
			t.Errorf("%s: %d keep-alives, want %d", tc.file, got, tc.want)
		}
	}
}
