package synth

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"
)

// Fixture is one generated capture file of testdata/captures.
type Fixture struct {
	// Name is the file name.
	Name string
	// Description says what the file covers, for the manifest.
	Description string
	// gen writes the file into buf and returns its manifest entry
	// (without File and Description).
	gen func(buf *bytes.Buffer) (*FileEntry, error)
}

// Generate builds the fixture and returns its bytes and manifest entry.
func (f Fixture) Generate() ([]byte, *FileEntry, error) {
	var buf bytes.Buffer
	e, err := f.gen(&buf)
	if err != nil {
		return nil, nil, fmt.Errorf("synth: fixture %s: %w", f.Name, err)
	}
	e.File, e.Description = f.Name, f.Description
	return buf.Bytes(), e, nil
}

// fixtureStep is the default gap between frames of a fixture: not a round
// number, so microsecond files visibly truncate nanoseconds.
const fixtureStep = 1_234_567 * time.Nanosecond

// Fixtures returns the catalogue of fixture files in manifest order.
func Fixtures() []Fixture {
	var fs []Fixture
	fs = append(fs, linkFixtures()...)
	fs = append(fs, fragFixtures()...)
	fs = append(fs, tcpFixtures()...)
	fs = append(fs, nonSIPFixtures()...)
	fs = append(fs, sanityFixtures()...)
	fs = append(fs, formatFixtures()...)
	fs = append(fs, badFixtures()...)
	return fs
}

// pcapFixture builds a classic pcap fixture with body running on a fresh
// Capture (link, options) and IDs seeded from the file name.
func pcapFixture(name, desc string, link Link, o PcapOptions, body func(c *Capture, g *IDs) error) Fixture {
	return Fixture{Name: name, Description: desc, gen: func(buf *bytes.Buffer) (*FileEntry, error) {
		c, err := NewPcapCapture(buf, link, o, Start, fixtureStep)
		if err != nil {
			return nil, err
		}
		if err := body(c, NewIDs(seedOf(name))); err != nil {
			return nil, err
		}
		return c.Finish("", ""), nil
	}}
}

// seedOf derives a PRNG seed from a file name (FNV-1a), so each fixture
// has its own identifiers and adding a fixture does not change others.
func seedOf(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h
}

// basicFlow is the small mixed UDP exchange used by the link-layer and
// file-format fixtures: the Yealink's REGISTER with Proxy-Require rejected
// by 420, a Polycom registration with a digest challenge, a scanner
// OPTIONS probe and a DNS query from the edge (non-SIP). 7 SIP messages,
// 8 frames.
func basicFlow(c *Capture, g *IDs, cs Cast) error {
	edge := cs.Edge.Addr
	yreg := DefectProxyRequire.Apply(g.Register(cs.Yealink, "UDP", 1, 3600))
	preg := g.Register(cs.Polycom, "UDP", 1, 3600)
	chal, nonce := g.Challenge(preg)
	preg2 := g.Reregister(preg, cs.Polycom, nonce)
	ok := NewResponse(preg2, 200, "OK", g.Hex(4), ServerEdge)
	ok.Add("Contact", "<"+cs.Polycom.ContactURI("UDP")+">;expires=3600")
	steps := []struct {
		src, dst netip.AddrPort
		m        *Message
	}{
		{cs.Yealink.Addr, edge, yreg},
		{edge, cs.Yealink.Addr, g.Reject420(yreg)},
		{cs.Polycom.Addr, edge, preg},
		{edge, cs.Polycom.Addr, chal},
		{cs.Polycom.Addr, edge, preg2},
		{edge, cs.Polycom.Addr, ok},
	}
	for i, s := range steps {
		if err := c.UDP(s.src, s.dst, s.m); err != nil {
			return err
		}
		if i%2 == 1 {
			c.Advance(750 * time.Millisecond)
		}
	}
	c.ExpectDefect(DefectProxyRequire)
	if err := c.UDP(cs.Scanner.Addr, edge, g.Options(cs.Scanner, cs.Edge, "UDP")); err != nil {
		return err
	}
	return dnsQuery(c, edge.Addr())
}

// dnsQuery adds a non-SIP UDP packet: the edge asking its resolver for the
// NAPTR of the domain.
func dnsQuery(c *Capture, from netip.Addr) error {
	resolver := netip.MustParseAddr("192.0.2.53")
	if from.Is6() {
		resolver = netip.MustParseAddr("2001:db8::53")
	}
	q := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	for _, label := range []string{"sip", "example", "net"} {
		q = append(q, byte(len(label)))
		q = append(q, label...)
	}
	q = append(q, 0, 0, 35, 0, 1) // NAPTR IN
	ip, err := c.Packer().UDP(netip.AddrPortFrom(from, 40123), netip.AddrPortFrom(resolver, 53), q)
	if err != nil {
		return err
	}
	return c.Packet(ip, MarkNonSIP)
}
