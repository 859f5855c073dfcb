package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// hostileSIP is a valid OPTIONS with User-Agent ua.
func hostileSIP(ua string, cl string) string {
	return "OPTIONS sip:ping@10.213.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1\r\n" +
		"From: <sip:a@10.0.0.9>;tag=1\r\nTo: <sip:ping@10.213.0.1>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n" +
		"Max-Forwards: 70\r\nUser-Agent: " + ua + "\r\nContent-Length: " + cl + "\r\n\r\n"
}

// pcapRecords writes a classic little-endian Ethernet pcap; orig < 0
// writes incl_len as the original length, else orig.
func pcapRecords(frames [][]byte, orig int) []byte {
	var b bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	b.Write(hdr)
	for i, f := range frames {
		rh := make([]byte, 16)
		binary.LittleEndian.PutUint32(rh[0:], uint32(1_800_000_000+i/1_000_000)) // one second: fragments do not expire
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(f)))
		o := len(f)
		if orig >= 0 {
			o = orig
		}
		binary.LittleEndian.PutUint32(rh[12:], uint32(o))
		b.Write(rh)
		b.Write(f)
	}
	return b.Bytes()
}

// hostileFrame serializes Ethernet/IPv4 and the layers after it.
func hostileFrame(t testing.TB, ip *layers.IPv4, ls ...gopacket.SerializableLayer) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, append([]gopacket.SerializableLayer{eth, ip}, ls...)...); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

func hostileIP(src net.IP, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: src, DstIP: net.IP{10, 213, 0, 1}}
}

// tinyFragments are n 8-byte IPv4 fragments that never complete, from
// 64 sources: 78 MB held without the byte bound.
func tinyFragments(t testing.TB, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		ip := hostileIP(net.IP{10, 9, byte(i % 64), 1}, layers.IPProtocolUDP)
		ip.Id, ip.FragOffset, ip.Flags = uint16(i/64%32), uint16(i/(64*32)+1), layers.IPv4MoreFragments // 2048 datagrams of ~100 fragments
		out[i] = hostileFrame(t, ip, gopacket.Payload("12345678"))
	}
	return out
}

// tcpSIP is one TCP segment carrying payload from 10.0.0.9:40000.
func tcpSIP(t testing.TB, payload string) []byte {
	ip := hostileIP(net.IP{10, 0, 0, 9}, layers.IPProtocolTCP)
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 5060, Seq: 1, ACK: true, PSH: true, Window: 65535}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return hostileFrame(t, ip, tcp, gopacket.Payload(payload))
}

func udpSIP(t testing.TB, src net.IP, payload string) []byte {
	ip := hostileIP(src, layers.IPProtocolUDP)
	udp := &layers.UDP{SrcPort: 5060, DstPort: 5060}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return hostileFrame(t, ip, udp, gopacket.Payload(payload))
}

// pcapngSkipped is a pcapng with a name-resolution and an unknown block
// around one SIP packet.
func pcapngSkipped(frame []byte) []byte {
	o := binary.LittleEndian
	block := func(typ uint32, body []byte) []byte {
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		b := o.AppendUint32(nil, typ)
		b = o.AppendUint32(b, uint32(12+len(body)))
		b = append(b, body...)
		return o.AppendUint32(b, uint32(12+len(body)))
	}
	shb := o.AppendUint32(nil, 0x1a2b3c4d)
	shb = o.AppendUint16(shb, 1)
	shb = o.AppendUint16(shb, 0)
	shb = o.AppendUint64(shb, ^uint64(0))
	idb := o.AppendUint16(nil, 1)
	idb = o.AppendUint16(idb, 0)
	idb = o.AppendUint32(idb, 262144)
	epb := o.AppendUint32(nil, 0)
	epb = o.AppendUint32(epb, 0)
	epb = o.AppendUint32(epb, 1)
	epb = o.AppendUint32(epb, uint32(len(frame)))
	epb = o.AppendUint32(epb, uint32(len(frame)))
	epb = append(epb, frame...)
	var b []byte
	b = append(b, block(0x0A0D0D0A, shb)...)
	b = append(b, block(1, idb)...)
	b = append(b, block(4, make([]byte, 4))...)
	b = append(b, block(0x0BAD, make([]byte, 8))...)
	return append(b, block(6, epb)...)
}

// TestHostileInputs is the hostile-input table of issue 16: every case is
// generated here (cheap), run through the whole command, and must end in
// bounded time with the expected exit code and an honest message. The
// per-package tables (capture, kamcfg, esquery, memstat) go deeper.
func TestHostileInputs(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := udpSIP(t, net.IP{10, 0, 0, 9}, hostileSIP("Good/1", "0"))
	goodPcap := file("good.pcap", pcapRecords([][]byte{good}, -1))
	manyUAs := make([][]byte, 30)
	for i := range manyUAs {
		manyUAs[i] = udpSIP(t, net.IP{10, 0, 1, byte(i)}, hostileSIP(fmt.Sprintf("UA-%02d", i), "0"))
	}
	logLine := "Dec 31 23:59:58 edge1 /usr/sbin/kamailio[2211]: NOTICE: <script>: Malformed SIP received. ua: [Good/1] received from <999.1.1.1:99999>\n"
	cases := []struct {
		name string
		args []string
		code int
		want []string // in stdout or stderr
	}{
		{"point 2: 200k tiny fragments", []string{file("frags.pcap", pcapRecords(tinyFragments(t, 200_000), -1))}, exitOK,
			[]string{"IP fragments dropped over the reassembly memory limit"}},
		{"point 3: --kamailio-cfg /dev/zero", []string{"--kamailio-cfg", "/dev/zero", goodPcap}, exitUsage, []string{"/dev/zero: binary data at byte 0"}},
		{"point 3: --kamailio-cfg NUL file", []string{"--kamailio-cfg", file("nul.cfg", make([]byte, 1<<20)), goodPcap}, exitUsage, []string{"nul.cfg: binary data at byte 0 (line 1)"}},
		{"point 3: --logs /dev/zero", []string{"--logs", "/dev/zero", goodPcap}, exitInput, []string{"/dev/zero: binary data at byte 0"}},
		{"point 3: --logs NUL file", []string{"--logs", file("nul.log", make([]byte, 2<<20)), goodPcap}, exitInput, []string{"nul.log: binary data at byte 0"}},
		{"point 1: --memory /dev/zero", []string{"--memory", "/dev/zero", goodPcap}, exitInput, []string{"/dev/zero"}},
		{"point 4: all-NaN memory", []string{"--memory", file("nan.csv", []byte("time,shm_real_used\n2026-11-29T16:07:47Z,NaN\n")), goodPcap}, exitInput, []string{"no usable memory data", "0 samples"}},
		{"point 5: folded UAs counted", []string{"--max-uas", "5", file("uas.pcap", pcapRecords(manyUAs, -1))}, exitOK, []string{"25 lighter ones"}},
		{"point 7: --max-uas 0", []string{"--max-uas", "0", goodPcap}, exitUsage, []string{"must be at least 1"}},
		{"point 7: --max-uas -1", []string{"--max-uas", "-1", goodPcap}, exitUsage, []string{"must be at least 1"}},
		{"point 7: pcapng skipped blocks", []string{file("skip.pcapng", pcapngSkipped(good))}, exitOK, []string{"pcapng blocks without packets", "Good/1"}},
		{"point 7: incl_len > orig_len", []string{file("caplen.pcap", pcapRecords([][]byte{good}, 20))}, exitOK, []string{"captured length exceeds their original length"}},
		{"point 7: Content-Length over 2^63 on TCP", []string{file("cl.pcap", pcapRecords([][]byte{tcpSIP(t, hostileSIP("Evil/1", "9223372036854775808"))}, -1))}, exitOK,
			[]string{"Evil/1", "unreadable Content-Length"}},
		{"point 7: log source <999.1.1.1:99999>", []string{"--logs", file("src.log", []byte(logLine)), "--logs-year", "2026", goodPcap}, exitOK, []string{"source that is no address"}},
		{"point 7: CSV lists input errors", []string{"--format", "csv", file("cut.pcap", pcapRecords([][]byte{good, good}, -1)[:100])}, exitInput, []string{"(input error) "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, out, stderr := runCmd(t, append([]string{"analyze", "--server", "none"}, tc.args...)...)
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %v", d)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out+stderr, w) {
					t.Errorf("output lacks %q; stderr:\n%s\nstdout:\n%s", w, stderr, out)
				}
			}
		})
	}
}
