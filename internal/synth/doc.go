// Package synth generates the project's own test captures: SIP messages
// (well-formed and deliberately malformed in the ways Kamailio's sanity
// module cares about), the IP/UDP/TCP packets that carry them, the link
// layers around those packets, and the capture files (pcap in both byte
// orders and resolutions, pcapng with several interfaces, gzip) that hold
// them.
//
// Everything is deterministic: timestamps come from a fixed start time and
// explicit offsets, identifiers come from a seeded PRNG, and no function
// reads the wall clock. Generating the same fixture twice gives the same
// bytes, which is what lets the fixtures be checked into testdata/ and
// asserted against by other packages.
//
// The layers are built with gopacket's serialisation (layers +
// SerializeLayers). Where gopacket has no serialiser (Linux SLL, SLL2) or
// its writer lacks a feature (big-endian pcap), this package writes the
// bytes itself; pcapng (several interfaces, if_tsresol other than 9,
// Simple Packet Blocks, comments) is written by internal/pcapng, which the
// sipcorr binary's evidence writer shares.
//
// The package is organised by layer:
//
//   - sip.go, defects.go, cast.go: SIP message builder, malformed
//     variants, the fixture parties and their exchanges;
//   - ip.go, tcp.go: IPv4/IPv6, UDP, IP fragmentation, TCP connections;
//   - link.go, tunnel.go: link-layer encapsulations and IP tunnels;
//   - pcap.go: the classic pcap writer (pcapng is internal/pcapng);
//   - capture.go, manifest.go: a capture under construction and its
//     expected counts (the manifest other packages test against);
//   - fixtures*.go: the catalogue of fixture files;
//   - scenario*.go: a streaming traffic model for large and demo captures.
package synth
