package synth

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
)

// formatFixtures covers file formats: byte orders, resolutions, pcapng,
// gzip and snaplen truncation.
func formatFixtures() []Fixture {
	flow := func(c *Capture, g *IDs) error { return basicFlow(c, g, NewCast(false)) }
	return []Fixture{
		pcapFixture("pcap_us_be.pcap", "big-endian classic pcap, microsecond timestamps, Ethernet, the eth_udp_v4 exchange",
			LinkEthernet, PcapOptions{BigEndian: true}, flow),
		pcapFixture("pcap_ns_be.pcap", "big-endian classic pcap, nanosecond timestamps (magic a1b23c4d), Ethernet, the eth_udp_v4 exchange",
			LinkEthernet, PcapOptions{BigEndian: true, Nanos: true}, flow),
		pcapFixture("pcap_ns_le.pcap", "little-endian classic pcap, nanosecond timestamps, Ethernet, the eth_udp_v4 exchange",
			LinkEthernet, PcapOptions{Nanos: true}, flow),
		pcapFixture("truncated_snaplen.pcap", "snaplen 420: the eth_udp_v4 exchange where the SIP frames longer than 420 bytes are cut (caplen < len) and so not emitted; the shorter ones and the DNS query are whole",
			LinkEthernet, PcapOptions{Snaplen: 420}, flow),
		{Name: "pcapng_two_ifaces.pcapng",
			Description: "pcapng: interface 0 Ethernet with if_tsresol 6 (µs), interface 1 raw IP with if_tsresol 9 (ns); the exchange over IPv4 on interface 0 as Enhanced Packet Blocks (the first with an opt_comment), over IPv6 on interface 1, then a scanner OPTIONS and the DNS query as Simple Packet Blocks on interface 0 (no timestamps)",
			gen: func(buf *bytes.Buffer) (*FileEntry, error) {
				c, err := NewNgCapture(buf, []Link{LinkEthernet, LinkRaw}, []uint8{6, 9}, []uint32{0, 0}, Start, fixtureStep)
				if err != nil {
					return nil, err
				}
				g := NewIDs(seedOf("pcapng_two_ifaces.pcapng"))
				c.CommentNext("Yealink REGISTER with Proxy-Require: sip.mysipproxy.com")
				if err := basicFlow(c, g, NewCast(false)); err != nil {
					return nil, err
				}
				c.UseInterface(1, false)
				if err := basicFlow(c, g, NewCast(true)); err != nil {
					return nil, err
				}
				c.UseInterface(0, true)
				cs := NewCast(false)
				if err := c.UDP(cs.Scanner.Addr, cs.Edge.Addr, g.Options(cs.Scanner, cs.Edge, "UDP")); err != nil {
					return nil, err
				}
				if err := dnsQuery(c, cs.Edge.Addr.Addr()); err != nil {
					return nil, err
				}
				return c.Finish("", ""), nil
			}},
		{Name: "gzip.pcap.gz",
			Description: "gzip-compressed classic pcap (detect by the 1f 8b magic, not the name): the eth_udp_v4 exchange",
			gen: func(buf *bytes.Buffer) (*FileEntry, error) {
				// Header fields stay zero (no name, no mtime), so the
				// output is reproducible.
				zw := gzip.NewWriter(buf)
				c, err := NewPcapCapture(zw, LinkEthernet, PcapOptions{}, Start, fixtureStep)
				if err != nil {
					return nil, err
				}
				if err := flow(c, NewIDs(seedOf("gzip.pcap.gz"))); err != nil {
					return nil, err
				}
				if err := zw.Close(); err != nil {
					return nil, err
				}
				e := c.Finish("", "")
				e.Compression = "gzip"
				return e, nil
			}},
	}
}

// recordOffsets returns the byte offset of each record header of a
// little-endian classic pcap file.
func recordOffsets(b []byte) []int {
	var offs []int
	for off := FileHeaderLen; off+RecordHeaderLen <= len(b); {
		offs = append(offs, off)
		off += RecordHeaderLen + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	return offs
}

// badFixture builds the eth_udp_v4 exchange and lets damage break it;
// damage returns the broken bytes and the expected error.
func badFixture(name, desc string, damage func(b []byte, offs []int) ([]byte, *ExpectedError)) Fixture {
	return Fixture{Name: name, Description: desc, gen: func(buf *bytes.Buffer) (*FileEntry, error) {
		var good bytes.Buffer
		c, err := NewPcapCapture(&good, LinkEthernet, PcapOptions{}, Start, fixtureStep)
		if err != nil {
			return nil, err
		}
		c.KeepSnapshots()
		if err := basicFlow(c, NewIDs(seedOf(name)), NewCast(false)); err != nil {
			return nil, err
		}
		full := c.Finish("", "")
		offs := recordOffsets(good.Bytes())
		if len(offs) != full.Packets {
			return nil, fmt.Errorf("record walk found %d records, want %d", len(offs), full.Packets)
		}
		b, ee := damage(good.Bytes(), offs)
		buf.Write(b)
		// A file broken in its header yields nothing; one broken at
		// record N yields exactly what the first N-1 records hold.
		e := &FileEntry{Format: "pcap", ByteOrder: "little", Interfaces: full.Interfaces}
		if ee.Record > 0 {
			if e, err = c.EntryBefore(ee.Record); err != nil {
				return nil, err
			}
		}
		e.Error = ee
		return e, nil
	}}
}

// badFixtures are files a reader must reject or stop reading, with a
// clear error naming the offset.
func badFixtures() []Fixture {
	return []Fixture{
		badFixture("zero_length.pcap", "empty file (0 bytes)", func(b []byte, offs []int) ([]byte, *ExpectedError) {
			return nil, &ExpectedError{Kind: "empty"}
		}),
		badFixture("bad_magic.pcap", "classic pcap with its magic number replaced by de ad be ef; the rest is intact", func(b []byte, offs []int) ([]byte, *ExpectedError) {
			copy(b, []byte{0xde, 0xad, 0xbe, 0xef})
			return b, &ExpectedError{Kind: "bad_magic"}
		}),
		badFixture("truncated_record.pcap", "the eth_udp_v4 exchange cut in the middle of record 4's packet data (as a capture copied while being written); 3 records readable", func(b []byte, offs []int) ([]byte, *ExpectedError) {
			return b[:offs[3]+RecordHeaderLen+100], &ExpectedError{Kind: "truncated_record", Offset: int64(offs[3]), Record: 4}
		}),
		badFixture("truncated_record_header.pcap", "the eth_udp_v4 exchange cut 8 bytes into record 5's header; 4 records readable", func(b []byte, offs []int) ([]byte, *ExpectedError) {
			return b[:offs[4]+8], &ExpectedError{Kind: "truncated_record", Offset: int64(offs[4]), Record: 5}
		}),
		badFixture("corrupt_record_length.pcap", "record 3's captured length overwritten with 0x7ffffff0 (larger than the snaplen and the file); 2 records readable, the reader must not allocate it", func(b []byte, offs []int) ([]byte, *ExpectedError) {
			binary.LittleEndian.PutUint32(b[offs[2]+8:], 0x7ffffff0)
			return b, &ExpectedError{Kind: "bad_record_length", Offset: int64(offs[2]), Record: 3}
		}),
	}
}
