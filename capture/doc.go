// Package capture turns capture files (pcap, pcapng, gzip-compressed) and
// live frames into SIP message candidates, Datagrams. It owns everything
// below SIP: file formats, link layers, tunnels, IPv4/IPv6 fragment
// reassembly, TCP reassembly and SIP message framing on streams; it parses
// SIP no further than the start line and Content-Length (that is
// sipparse).
//
// A Decoder keeps the state of one run (reassembly, counters); ReadFile
// feeds it one file's packets, and a live source calls Decoder.Decode with
// each frame and Flush at the end. The emit callback sees each Datagram
// only during the call: its Payload aliases the Decoder's buffers. Errors
// name the file, the packet number and the byte offset of the fault;
// everything before it has been emitted. See README.md for the formats
// and limits.
package capture
