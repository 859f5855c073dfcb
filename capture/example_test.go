package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sipcorr/sipcorr/capture"
)

// Example reads capture files through one Decoder: every SIP message
// candidate is handed to emit, a broken file stops at its fault (after
// emitting everything before it) and reading goes on with the next file,
// and the counters sum up the run. The fixtures are the generated captures
// in testdata/captures (see its MANIFEST.json); README.md shows this code.
func Example() {
	files := []string{
		"../testdata/captures/eth_udp_v4.pcap",
		"../testdata/captures/corrupt_record_length.pcap", // packet 3's record header is broken
	}
	d := capture.NewDecoder(capture.Options{Ports: []uint16{5060, 5080}}) // Ports empty: any port
	// Made once, not per packet: the Decoder keeps it for TCP callbacks.
	emit := func(dg *capture.Datagram) {
		// dg.Payload is valid only during the call: copy what you keep.
		line, _, _ := bytes.Cut(dg.Payload, []byte("\r\n"))
		fmt.Printf("packet %d %s %s -> %s %q\n", dg.Packet, dg.Transport, dg.Src, dg.Dst, line)
	}
	for _, path := range files {
		if err := capture.ReadFile(context.Background(), path, d, emit); err != nil {
			fmt.Println(err) // one line: file, packet, offset, what is wrong
		} // everything before the fault was emitted; go on with the next file
	}
	for _, c := range d.Stats().Counters() {
		fmt.Println(c.Name, c.Value)
	}
	// Output:
	// packet 1 UDP 203.0.113.21:5060 -> 198.51.100.10:5060 "REGISTER sip:sip.example.net SIP/2.0"
	// packet 2 UDP 198.51.100.10:5060 -> 203.0.113.21:5060 "SIP/2.0 420 Bad Proxy Require Extension"
	// packet 3 UDP 203.0.113.22:5060 -> 198.51.100.10:5060 "REGISTER sip:sip.example.net SIP/2.0"
	// packet 4 UDP 198.51.100.10:5060 -> 203.0.113.22:5060 "SIP/2.0 401 Unauthorized"
	// packet 5 UDP 203.0.113.22:5060 -> 198.51.100.10:5060 "REGISTER sip:sip.example.net SIP/2.0"
	// packet 6 UDP 198.51.100.10:5060 -> 203.0.113.22:5060 "SIP/2.0 200 OK"
	// packet 7 UDP 203.0.113.66:5071 -> 198.51.100.10:5060 "OPTIONS sip:100@198.51.100.10:5060 SIP/2.0"
	// packet 1 UDP 203.0.113.21:5060 -> 198.51.100.10:5060 "REGISTER sip:sip.example.net SIP/2.0"
	// packet 2 UDP 198.51.100.10:5060 -> 203.0.113.21:5060 "SIP/2.0 420 Bad Proxy Require Extension"
	// ../testdata/captures/corrupt_record_length.pcap: packet 3, offset 938: corrupt record length: captured length 2147483632 exceeds limit 262144
	// files 2
	// file_errors 1
	// packets 10
	// bytes 4253
	// sip_messages 9
	// sip_udp 9
	// port_filtered 1
}

// TestREADMEShowsExample keeps README.md's snippet the code of Example:
// every line of the README's first Go block must appear in
// example_test.go, in order, so the README cannot show code that no
// longer compiles or prints something else.
func TestREADMEShowsExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "```go\n")
	if !ok {
		t.Fatal("README.md has no Go block")
	}
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		t.Fatal("README.md's Go block is not closed")
	}
	rest, lines := string(src), 0
	for l := range strings.Lines(block) {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		i := strings.Index(rest, l)
		if i < 0 {
			t.Errorf("README.md line not in example_test.go (or out of order): %s", l)
			continue
		}
		rest, lines = rest[i+len(l):], lines+1
	}
	if lines < 5 {
		t.Errorf("README.md's Go block has %d lines of code", lines)
	}
}
