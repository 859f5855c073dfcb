package capture

import "reflect"

// Stats counts everything the Decoder saw, and every packet or byte it
// skipped, with the reason. The JSON names are stable (they appear in
// sipcorr's JSON report); desc is the human name used in run summaries;
// kind "info" marks counters of what was decoded, every other counter counts
// something skipped, broken, expired or repaired.
type Stats struct {
	Files        uint64 `json:"files" desc:"capture files read (ReadFile)" kind:"info"`
	FileErrors   uint64 `json:"file_errors" desc:"capture files that ended in an error"`
	BadInterface uint64 `json:"pcapng_bad_interface" desc:"pcapng packets of an undeclared interface (skipped)"`
	NoTimestamp  uint64 `json:"pcapng_no_timestamp" desc:"pcapng simple packets without timestamp (previous one used)" kind:"info"`
	// SkippedBlocks are pcapng blocks without packets (name resolution,
	// interface statistics, custom, decryption secrets, unknown types).
	SkippedBlocks uint64 `json:"pcapng_skipped_blocks" desc:"pcapng blocks without packets (name resolution, statistics, custom, unknown; skipped)"`
	CapLenOverLen uint64 `json:"caplen_over_length" desc:"packets whose captured length exceeds their original length (corrupt record header; decoded anyway)"`

	Packets uint64 `json:"packets" desc:"packets read" kind:"info"`
	Bytes   uint64 `json:"bytes" desc:"bytes captured" kind:"info"`

	SIPMessages uint64 `json:"sip_messages" desc:"SIP messages decoded" kind:"info"`
	SIPUDP      uint64 `json:"sip_udp" desc:"SIP messages over UDP" kind:"info"`
	SIPTCP      uint64 `json:"sip_tcp" desc:"SIP messages over TCP" kind:"info"`

	Truncated       uint64 `json:"truncated" desc:"packets truncated by the snaplen"`
	UnsupportedLink uint64 `json:"unsupported_link" desc:"packets of an unsupported link type"`
	LinkErrors      uint64 `json:"link_errors" desc:"packets with a broken link-layer header"`
	NonIP           uint64 `json:"non_ip" desc:"non-IP frames (ARP, LLDP, ...)"`
	IPErrors        uint64 `json:"ip_errors" desc:"packets with a broken IPv4/IPv6 header"`
	TransportErrors uint64 `json:"transport_errors" desc:"packets with a broken UDP/TCP header"`
	OtherProtocol   uint64 `json:"other_protocol" desc:"IP packets neither UDP nor TCP (ICMP, ESP, ...)"`
	SCTP            uint64 `json:"sctp" desc:"SCTP packets (not decoded)"`
	PortFiltered    uint64 `json:"port_filtered" desc:"UDP/TCP packets outside Options.Ports"`
	NonSIP          uint64 `json:"non_sip" desc:"UDP payloads that are not SIP (RTP, DNS, ...)"`
	EmptyUDP        uint64 `json:"empty_udp" desc:"UDP datagrams without payload"`

	TunnelIPinIP     uint64 `json:"tunnel_ipip" desc:"IP-in-IP packets decapsulated" kind:"info"`
	TunnelGRE        uint64 `json:"tunnel_gre" desc:"GRE packets decapsulated" kind:"info"`
	TunnelGTP        uint64 `json:"tunnel_gtpu" desc:"GTP-U packets decapsulated" kind:"info"`
	TunnelNotDecoded uint64 `json:"tunnel_not_decoded" desc:"tunnel packets not decoded (GRE payload type, depth limit)"`

	FragmentsReassembled uint64 `json:"fragments_reassembled" desc:"IP datagrams reassembled from fragments" kind:"info"`
	FragmentsExpired     uint64 `json:"fragments_expired" desc:"incomplete IP datagrams expired"`
	FragmentsInvalid     uint64 `json:"fragments_invalid" desc:"IP fragments rejected (overlap, bad length)"`
	FragmentsDropped     uint64 `json:"fragments_dropped" desc:"IP fragments dropped over the pending-datagram limit"`
	FragmentsOverBytes   uint64 `json:"fragments_over_bytes" desc:"IP fragments dropped over the reassembly memory limit"`
	FragmentsOverCount   uint64 `json:"fragments_over_count" desc:"IP fragments dropped over the fragments-per-datagram limit"`
	FragmentsOverSource  uint64 `json:"fragments_over_source" desc:"IP fragments dropped over the per-source pending-datagram limit"`

	TCPSegments         uint64 `json:"tcp_segments" desc:"TCP segments" kind:"info"`
	TCPStreams          uint64 `json:"tcp_streams" desc:"TCP connections tracked" kind:"info"`
	TCPStreamsDropped   uint64 `json:"tcp_streams_dropped" desc:"TCP packets of connections over the stream limit"`
	TCPGaps             uint64 `json:"tcp_gaps" desc:"TCP gaps (lost segments)"`
	TCPResyncs          uint64 `json:"tcp_resyncs" desc:"TCP resynchronisations after non-SIP bytes"`
	TCPSkippedBytes     uint64 `json:"tcp_skipped_bytes" desc:"TCP bytes skipped as not SIP"`
	TCPKeepAlives       uint64 `json:"tcp_keepalives" desc:"CRLF keep-alives on TCP" kind:"info"`
	TCPBadContentLength uint64 `json:"tcp_bad_content_length" desc:"TCP messages with an unreadable Content-Length (body taken as 0)"`
	Unframed            uint64 `json:"unframed" desc:"TCP messages emitted incomplete (gap, end of stream, size limit)"`
	TCPBufferLimit      uint64 `json:"tcp_buffer_limit" desc:"TCP partial messages handed out early (buffer memory limit)"`
	WebSocket           uint64 `json:"websocket_sip" desc:"SIP WebSocket handshakes (WebSocket not decoded)"`
}

// Counter is one named value of Stats.
type Counter struct {
	Name  string // JSON name, e.g. "fragments_expired"
	Desc  string // human name, e.g. "incomplete IP datagrams expired"
	Value uint64
	// Skip is true for counters of things not analysed (skipped, broken,
	// expired, repaired); false for counters of what was decoded.
	Skip bool
}

// Counters lists the non-zero counters in declaration order, for run
// summaries.
func (s Stats) Counters() []Counter { return countersOf(reflect.ValueOf(s)) }

// countersOf lists the non-zero uint64 fields of the struct v with their
// json, desc and kind tags.
func countersOf(v reflect.Value) []Counter {
	t := v.Type()
	var out []Counter
	for i := 0; i < t.NumField(); i++ {
		n := v.Field(i).Uint()
		if n == 0 {
			continue
		}
		f := t.Field(i)
		out = append(out, Counter{Name: f.Tag.Get("json"), Desc: f.Tag.Get("desc"), Value: n, Skip: f.Tag.Get("kind") != "info"})
	}
	return out
}

// Add adds o's counters to s, for totals over several decoders.
func (s *Stats) Add(o Stats) { addCounters(reflect.ValueOf(s).Elem(), reflect.ValueOf(o)) }

// addCounters adds every uint64 field of b to the same field of a.
func addCounters(a, b reflect.Value) {
	for i := 0; i < a.NumField(); i++ {
		a.Field(i).SetUint(a.Field(i).Uint() + b.Field(i).Uint())
	}
}
