package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// readAll returns every packet of a file, copied, and the final error.
func readAll(t *testing.T, path string) ([]rec, []layers.LinkType, *FileReader, error) {
	t.Helper()
	r, err := OpenFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer r.Close()
	var recs []rec
	var links []layers.LinkType
	for {
		data, ci, link, err := r.Next()
		if err == io.EOF {
			return recs, links, r, nil
		}
		if err != nil {
			return recs, links, r, err
		}
		recs = append(recs, rec{ts: ci.Timestamp, data: append([]byte(nil), data...), orig: ci.Length})
		links = append(links, link)
	}
}

func TestPcapFormats(t *testing.T) {
	ts1 := time.Date(2019, 6, 14, 10, 0, 0, 123456789, time.UTC)
	ts2 := ts1.Add(1500 * time.Millisecond)
	p1 := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipInvite)
	p2 := udp4Frame(t, "192.0.2.2", "192.0.2.1", 5060, 5060, sipOK)
	for _, tc := range []struct {
		name   string
		order  byteOrder
		nanos  bool
		gz     bool
		format string
	}{
		{"le-us", binary.LittleEndian, false, false, "pcap"},
		{"be-us", binary.BigEndian, false, false, "pcap"},
		{"le-ns", binary.LittleEndian, true, false, "pcap-ns"},
		{"be-ns", binary.BigEndian, true, false, "pcap-ns"},
		{"le-us-gzip", binary.LittleEndian, false, true, "pcap+gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := pcapFile(tc.order, tc.nanos, layers.LinkTypeEthernet, rec{ts: ts1, data: p1}, rec{ts: ts2, data: p2})
			if tc.gz {
				b = gzipBytes(b)
			}
			// the name says nothing: detection is by content
			recs, links, r, err := readAll(t, writeTemp(t, "capture.bin", b))
			if err != nil {
				t.Fatal(err)
			}
			if r.Format() != tc.format {
				t.Errorf("format %q, want %q", r.Format(), tc.format)
			}
			if len(recs) != 2 || string(recs[0].data) != string(p1) || string(recs[1].data) != string(p2) {
				t.Fatalf("records differ: %d", len(recs))
			}
			want1, want2 := ts1, ts2
			if !tc.nanos {
				want1, want2 = ts1.Truncate(time.Microsecond), ts2.Truncate(time.Microsecond)
			}
			if !recs[0].ts.Equal(want1) || !recs[1].ts.Equal(want2) {
				t.Errorf("timestamps %v %v, want %v %v", recs[0].ts, recs[1].ts, want1, want2)
			}
			if links[0] != layers.LinkTypeEthernet || r.Packets() != 2 {
				t.Errorf("link %v packets %d", links[0], r.Packets())
			}
		})
	}
}

// TestPcapngInterfaces: one file, two interfaces with different link
// types and timestamp resolutions, EPB and SPB, both byte orders, gzip.
func TestPcapngInterfaces(t *testing.T) {
	eth := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipInvite)
	raw := udp6Packet(t, "2001:db8::1", "2001:db8::2", 5060, 5060, sipOK)
	ts := time.Date(2019, 6, 14, 10, 0, 0, 123456789, time.UTC)
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, gz := range []bool{false, true} {
			var b []byte
			b = append(b, ngSHB(order)...)
			b = append(b, ngIDB(order, layers.LinkTypeEthernet, 0)...) // µs
			b = append(b, ngIDB(order, layers.LinkTypeRaw, 9)...)      // ns
			b = append(b, ngBlock(order, 4, []byte("name resolution, skipped"))...)
			b = append(b, ngEPB(order, 0, uint64(ts.UnixMicro()), eth, 0)...)
			b = append(b, ngEPB(order, 1, uint64(ts.UnixNano()), raw, 0)...)
			b = append(b, ngSPB(order, eth)...)
			b = append(b, ngEPB(order, 7, 0, eth, 0)...) // undeclared interface: skipped, counted
			// a second section in the other byte order resets the interfaces
			other := byteOrder(binary.BigEndian)
			if order == binary.BigEndian {
				other = binary.LittleEndian
			}
			b = append(b, ngSHB(other)...)
			b = append(b, ngIDB(other, layers.LinkTypeIPv6, 0x80|20)...) // 2^-20 s
			b = append(b, ngEPB(other, 0, uint64(ts.Unix())<<20|1<<19, raw, 0)...)
			if gz {
				b = gzipBytes(b)
			}
			recs, links, r, err := readAll(t, writeTemp(t, "x", b))
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 4 {
				t.Fatalf("got %d packets, want 4", len(recs))
			}
			wantLinks := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeEthernet, layers.LinkTypeIPv6}
			for i, l := range links {
				if l != wantLinks[i] {
					t.Errorf("packet %d link %v, want %v", i+1, l, wantLinks[i])
				}
			}
			wantTS := []time.Time{ts.Truncate(time.Microsecond), ts, ts, ts.Truncate(time.Second).Add(500 * time.Millisecond)}
			for i, r := range recs {
				if !r.ts.Equal(wantTS[i]) {
					t.Errorf("packet %d time %v, want %v", i+1, r.ts, wantTS[i])
				}
			}
			st := r.Stats()
			if st.Records != 5 || st.BadInterface != 1 || st.NoTimestamp != 1 || st.SkippedBlocks != 1 {
				t.Errorf("file stats %+v", st)
			}
		}
	}
}

// TestBadFiles: every fault gives a one-line *FileError naming the file
// and where, and what came before the fault is still decoded.
func TestBadFiles(t *testing.T) {
	p1 := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipInvite)
	p2 := udp4Frame(t, "192.0.2.2", "192.0.2.1", 5060, 5060, sipOK)
	good := pcapFile(binary.LittleEndian, false, layers.LinkTypeEthernet, rec{ts: t0, data: p1}, rec{ts: t0, data: p2})
	rec2 := 24 + 16 + len(p1) // offset of the second record
	corrupt := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(corrupt[rec2+8:], 0x7fffffff)
	ng := append(ngSHB(binary.LittleEndian), ngIDB(binary.LittleEndian, layers.LinkTypeEthernet, 0)...)
	ng = append(ng, ngEPB(binary.LittleEndian, 0, 1, p1, 0)...)
	ngBadTrailer := append(append([]byte(nil), ng...), ngEPB(binary.LittleEndian, 0, 1, p2, 0)...)
	binary.LittleEndian.PutUint32(ngBadTrailer[len(ngBadTrailer)-4:], 12)
	dir := t.TempDir()

	for _, tc := range []struct {
		name    string
		path    string
		err     error
		emitted int
		where   string // must appear in the message
	}{
		{"truncated in data", writeTemp(t, "trunc.pcap", good[:len(good)-10]), ErrTruncated, 1, "packet 2, offset " + strconv.Itoa(rec2)},
		{"truncated in record header", writeTemp(t, "trunc2.pcap", good[:rec2+5]), ErrTruncated, 1, "packet 2, offset " + strconv.Itoa(rec2)},
		{"truncated file header", writeTemp(t, "short.pcap", good[:10]), ErrTruncated, 0, "offset 0"},
		{"corrupt record length", writeTemp(t, "corrupt.pcap", corrupt), ErrBadRecordLength, 1, "packet 2, offset " + strconv.Itoa(rec2)},
		{"wrong magic", writeTemp(t, "magic.pcap", append([]byte("NOT A PCAP"), good...)), ErrBadMagic, 0, "offset 0"},
		{"zero length", writeTemp(t, "empty.pcap", nil), ErrEmptyFile, 0, "empty file"},
		{"directory", dir, ErrIsDirectory, 0, "directory"},
		{"missing", filepath.Join(dir, "nope.pcap"), os.ErrNotExist, 0, "nope.pcap"},
		{"gzip truncated", writeTemp(t, "t.pcap.gz", gzipBytes(good)[:60]), ErrTruncated, 0, "(uncompressed)"},
		{"pcapng bad trailer", writeTemp(t, "bad.pcapng", ngBadTrailer), ErrBadRecordLength, 1, "packet 2, offset " + strconv.Itoa(len(ng))},
		{"pcapng truncated", writeTemp(t, "t.pcapng", ng[:len(ng)-3]), ErrTruncated, 0, "packet 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Options{})
			var s sink
			err := ReadFile(context.Background(), tc.path, d, s.emit)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want *FileError", err, err)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.path) || !strings.Contains(msg, tc.where) || strings.Contains(msg, "\n") {
				t.Errorf("message %q should be one line naming %q and %q", msg, tc.path, tc.where)
			}
			if len(s.got) != tc.emitted {
				t.Errorf("emitted %d messages before the fault, want %d", len(s.got), tc.emitted)
			}
		})
	}
}

// TestNetMonNamed: the corpus has a NetMon file; the error says so.
func TestNetMonNamed(t *testing.T) {
	_, err := OpenFile(writeTemp(t, "c07.cap", []byte("GMBU\x00\x02rest of a netmon file")))
	if !errors.Is(err, ErrBadMagic) || !strings.Contains(err.Error(), "Network Monitor") {
		t.Errorf("error %v", err)
	}
}

// TestReadFileSticky: after a fault Next keeps returning it.
func TestReadFileSticky(t *testing.T) {
	r, err := OpenFile(writeTemp(t, "t.pcap", pcapFile(binary.LittleEndian, false, 1, rec{ts: t0, data: []byte{1, 2, 3}})[:30]))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, _, _, e1 := r.Next()
	_, _, _, e2 := r.Next()
	if e1 == nil || e1 != e2 {
		t.Errorf("errors %v, %v", e1, e2)
	}
}

// TestReadFileCancel: a cancelled context stops the loop.
func TestReadFileCancel(t *testing.T) {
	var recs []rec
	for i := 0; i < 3000; i++ {
		recs = append(recs, rec{ts: t0, data: []byte{0}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ReadFile(ctx, writeTemp(t, "c.pcap", pcapFile(binary.LittleEndian, false, 1, recs...)), NewDecoder(Options{}), func(*Datagram) {})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
}

func TestPcapngTimestampResolutions(t *testing.T) {
	base := time.Date(2020, 2, 29, 23, 59, 59, 0, time.UTC)
	for _, tc := range []struct {
		ifc   ngInterface
		units uint64
		want  time.Time
	}{
		{ngInterface{exp: 6}, uint64(base.Unix())*1e6 + 250000, base.Add(250 * time.Millisecond)},
		{ngInterface{exp: 9}, uint64(base.Unix())*1e9 + 1, base.Add(1)},
		{ngInterface{exp: 0}, uint64(base.Unix()), base},
		{ngInterface{exp: 12}, 1e6*1e12 + 1500, time.Unix(1e6, 1).UTC()}, // ps: truncated to ns
		{ngInterface{pow2: true, exp: 1}, uint64(base.Unix())<<1 | 1, base.Add(500 * time.Millisecond)},
		{ngInterface{pow2: true, exp: 32}, uint64(base.Unix())<<32 | 1<<30, base.Add(250 * time.Millisecond)},
		{ngInterface{pow2: true, exp: 63}, 1 << 62, time.Unix(0, 500000000).UTC()},
		{ngInterface{exp: 6, offset: 3600}, uint64(base.Unix()) * 1e6, base.Add(time.Hour)},
		{ngInterface{exp: 19}, ^uint64(0), time.Unix(1, 844674407).UTC()},
	} {
		if got := tc.ifc.time(tc.units); !got.Equal(tc.want) {
			t.Errorf("%+v %d: %v, want %v", tc.ifc, tc.units, got, tc.want)
		}
	}
}

// TestPcapModified: Kuznetsov's patched libpcap writes 8 more bytes per
// record header (magic a1b2cd34).
func TestPcapModified(t *testing.T) {
	p := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipOK)
	b := binary.LittleEndian.AppendUint32(nil, pcapMagicModified)
	b = append(b, 2, 0, 4, 0)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 1)
	for i := 0; i < 2; i++ {
		b = binary.LittleEndian.AppendUint32(b, uint32(t0.Unix()))
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, 1, 2, 3, 4, 5, 6, 7, 8) // ifindex, protocol, pkt_type, pad
		b = append(b, p...)
	}
	recs, _, _, err := readAll(t, writeTemp(t, "m.pcap", b))
	if err != nil || len(recs) != 2 || string(recs[1].data) != string(p) {
		t.Fatalf("err %v, %d records", err, len(recs))
	}
}

// TestNewReaderStdin: a capture read from a stream (as from standard
// input) gives the same packets.
func TestNewReaderStdin(t *testing.T) {
	p := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipOK)
	b := gzipBytes(pcapFile(binary.BigEndian, true, layers.LinkTypeEthernet, rec{ts: t0, data: p}))
	r, err := NewReader("-", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	data, ci, _, err := r.Next()
	if err != nil || string(data) != string(p) || !ci.Timestamp.Equal(t0) {
		t.Fatalf("err %v", err)
	}
	if _, _, _, err := r.Next(); err != io.EOF {
		t.Errorf("second Next: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
}

// TestReadFileCountsFiles: the run summary gets the file counters too.
func TestReadFileCountsFiles(t *testing.T) {
	p := udp4Frame(t, "192.0.2.1", "192.0.2.2", 5060, 5060, sipOK)
	ng := append(ngSHB(binary.LittleEndian), ngIDB(binary.LittleEndian, layers.LinkTypeEthernet, 0)...)
	ng = append(ng, ngSPB(binary.LittleEndian, p)...)
	ng = append(ng, ngEPB(binary.LittleEndian, 3, 0, p, 0)...)
	d := NewDecoder(Options{})
	var s sink
	if err := ReadFile(context.Background(), writeTemp(t, "a.pcapng", ng), d, s.emit); err != nil {
		t.Fatal(err)
	}
	if err := ReadFile(context.Background(), writeTemp(t, "b.pcap", nil), d, s.emit); !errors.Is(err, ErrEmptyFile) {
		t.Fatal(err)
	}
	st := d.Stats()
	if st.Files != 2 || st.FileErrors != 1 || st.BadInterface != 1 || st.NoTimestamp != 1 || len(s.got) != 1 {
		t.Errorf("stats %+v, %d messages", st.Counters(), len(s.got))
	}
}

// TestRecordsAcrossReadBuffers: records of every size up to 70 000 bytes
// straddle the read buffer's refills (headers and data cut out of the
// buffered window) and come back byte for byte, with their timestamps and
// the offset of the end.
func TestRecordsAcrossReadBuffers(t *testing.T) {
	var recs []rec
	total := 24
	for i := 0; total < 4*readBufferSize; i++ {
		n := (i * 7919) % 70000
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(i + j)
		}
		recs = append(recs, rec{ts: t0.Add(time.Duration(i) * time.Millisecond), data: data})
		total += 16 + n
	}
	for _, gz := range []bool{false, true} {
		file := pcapFile(binary.LittleEndian, false, layers.LinkTypeEthernet, recs...)
		if gz {
			file = gzipBytes(file)
		}
		r, err := NewReader("records", bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range recs {
			data, ci, _, err := r.Next()
			if err != nil {
				t.Fatalf("gzip %v, record %d: %v", gz, i+1, err)
			}
			if !bytes.Equal(data, want.data) || !ci.Timestamp.Equal(want.ts) {
				t.Fatalf("gzip %v, record %d: %d bytes at %v, want %d at %v", gz, i+1, len(data), ci.Timestamp, len(want.data), want.ts)
			}
		}
		if _, _, _, err := r.Next(); err != io.EOF {
			t.Errorf("gzip %v: after the last record: %v", gz, err)
		}
		if r.off != int64(total) {
			t.Errorf("gzip %v: %d bytes consumed, want %d", gz, r.off, total)
		}
	}
}
