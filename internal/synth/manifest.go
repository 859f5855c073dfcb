package synth

import (
	"encoding/json"
	"fmt"
	"os"
)

// ManifestName is the manifest's file name inside the captures directory.
const ManifestName = "MANIFEST.json"

// Manifest lists every generated capture with what a correct reader must
// find in it. It is written as testdata/captures/MANIFEST.json and read by
// the capture package's and the CLI's tests.
type Manifest struct {
	// Generator names the program that wrote the files.
	Generator string `json:"generator"`
	// Files in generation order.
	Files []*FileEntry `json:"files"`
}

// FileEntry is the expectation for one capture file. Counts are of what a
// correct, complete reader emits; see testdata/captures/README.md for the
// exact definitions.
type FileEntry struct {
	// File is the name relative to the manifest.
	File        string `json:"file"`
	Description string `json:"description"`
	// Format is "pcap" or "pcapng"; Compression is "gzip" or empty.
	Format      string `json:"format"`
	Compression string `json:"compression,omitempty"`
	// ByteOrder is "little" or "big".
	ByteOrder string `json:"byte_order"`
	// Interfaces lists link types and timestamp resolutions; classic pcap
	// has one.
	Interfaces []InterfaceInfo `json:"interfaces"`

	// Packets is the number of frames (records or packet blocks) in the
	// file that a reader can read.
	Packets int `json:"packets"`
	// SIPMessages = UDPMessages + TCPMessages: complete SIP messages a
	// correct reader emits after defragmentation and stream reassembly.
	SIPMessages int `json:"sip_messages"`
	UDPMessages int `json:"udp_messages"`
	TCPMessages int `json:"tcp_messages"`
	Requests    int `json:"requests"`
	Responses   int `json:"responses"`
	// Methods counts requests by method; Statuses counts responses by
	// status code.
	Methods  map[string]int `json:"methods,omitempty"`
	Statuses map[string]int `json:"statuses,omitempty"`
	// UserAgents counts emitted messages by exact User-Agent value;
	// NoUserAgent counts emitted messages without the header.
	UserAgents  map[string]int `json:"user_agents,omitempty"`
	NoUserAgent int            `json:"no_user_agent"`
	// UserAgentsOther counts messages of UAs beyond the generator's limit
	// (benchmark captures only; see Capture.LimitUAs).
	UserAgentsOther int `json:"user_agents_other,omitempty"`
	// Defects counts emitted requests carrying an injected sanity defect
	// (see Defect), by defect name.
	Defects map[string]int `json:"defects,omitempty"`

	// IPFragments is the number of frames holding an IP fragment;
	// FragmentsReassembled the datagrams completed from them;
	// FragmentsIncomplete the datagrams never completed.
	IPFragments          int `json:"ip_fragments"`
	FragmentsReassembled int `json:"fragments_reassembled"`
	FragmentsIncomplete  int `json:"fragments_incomplete"`
	// TCPStreams is the number of TCP connections; TCPGaps the sequence
	// holes (missing segments); TCPRetransmissions the frames repeating
	// already-sent bytes; TCPKeepAlives the RFC 5626 CRLF keep-alives
	// (double-CRLF pings and single-CRLF pongs); TCPMessagesLost the SIP
	// messages a reader cannot recover because of a gap or a close
	// mid-message.
	TCPStreams         int `json:"tcp_streams"`
	TCPGaps            int `json:"tcp_gaps"`
	TCPRetransmissions int `json:"tcp_retransmissions"`
	TCPKeepAlives      int `json:"tcp_keepalives"`
	TCPMessagesLost    int `json:"tcp_messages_lost"`
	// Tunneled is the number of frames whose IP packet is carried inside
	// a tunnel (IP-in-IP, GRE, GTP-U).
	Tunneled int `json:"tunneled"`
	// Truncated is the number of frames with captured length < length.
	// A SIP message cut by the snaplen is not counted in SIPMessages.
	Truncated int `json:"truncated"`
	// NonSIPPackets is the number of frames carrying no SIP message bytes
	// (TCP handshake, pure ACKs, FINs, keep-alive-only segments, non-SIP
	// UDP).
	NonSIPPackets int `json:"non_sip_packets"`

	// FirstTime and LastTime are the first and last packet timestamps as
	// stored in the file (RFC 3339, nanoseconds), ignoring packets without
	// one (pcapng Simple Packet Blocks).
	FirstTime string `json:"first_time,omitempty"`
	LastTime  string `json:"last_time,omitempty"`

	// Error is set for files a reader must reject or stop reading.
	Error *ExpectedError `json:"error,omitempty"`
}

// InterfaceInfo describes one capture interface.
type InterfaceInfo struct {
	// LinkType is the LINKTYPE value and Link its name in this package.
	LinkType int    `json:"link_type"`
	Link     string `json:"link"`
	// TSResolution is "us" or "ns".
	TSResolution string `json:"ts_resolution"`
	// Snaplen of the file header or IDB (0 = unlimited in pcapng).
	Snaplen uint32 `json:"snaplen"`
}

// ExpectedError describes how a broken file must fail.
type ExpectedError struct {
	// Kind is one of "empty", "bad_magic", "truncated_record",
	// "bad_record_length".
	Kind string `json:"kind"`
	// Offset is the byte offset of the broken structure (record header or
	// file header).
	Offset int64 `json:"offset"`
	// Record is the 1-based number of the broken record (0 for file
	// header errors). Packets counts the good records before it.
	Record int `json:"record"`
}

// MarshalManifest returns m as indented JSON with a final newline (map
// keys are sorted by encoding/json, so the output is stable).
func MarshalManifest(m *Manifest) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("synth: manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// WriteManifest writes MarshalManifest(m) to path.
func WriteManifest(path string, m *Manifest) error {
	b, err := MarshalManifest(m)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// ReadManifest reads a manifest written by WriteManifest.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("synth: manifest %s: %w", path, err)
	}
	return &m, nil
}

// Entry returns the manifest entry for file name, or nil.
func (m *Manifest) Entry(name string) *FileEntry {
	for _, f := range m.Files {
		if f.File == name {
			return f
		}
	}
	return nil
}
