package checkline

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestBits(t *testing.T) {
	for _, c := range []struct {
		mask uint32
		want []uint32
	}{
		{0, []uint32{}},
		{1, []uint32{1}},
		{3047, []uint32{1, 2, 4, 32, 64, 128, 256, 512, 2048}},
		{1<<31 | 2, []uint32{2, 1 << 31}},
		{^uint32(0), func() []uint32 {
			var all []uint32
			for i := 0; i < 32; i++ {
				all = append(all, 1<<i)
			}
			return all
		}()},
	} {
		if got := Bits(c.mask); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Bits(%d) = %v, want %v", c.mask, got, c.want)
		}
	}
}

// TestFormat pins the bytes of both encodings: the field order is an
// interface, Failed is [] when empty, and only Marshal escapes <>&.
func TestFormat(t *testing.T) {
	for _, c := range []struct {
		name          string
		l             Line
		encoded, json string
	}{
		{"pass", Line{Source: "a.sip", Failed: Bits(0)},
			`{"source":"a.sip","core_drop":false,"failed":[],"first":0,"code":0,"reason":"","detail":""}` + "\n",
			`{"source":"a.sip","core_drop":false,"failed":[],"first":0,"code":0,"reason":"","detail":""}`},
		{"failure with html characters", Line{Source: "c.pcap#7", Failed: Bits(544), First: 32, Code: 400,
			Reason: "Bad CSeq", Detail: "From: <sip:a@b>; x&y"},
			`{"source":"c.pcap#7","core_drop":false,"failed":[32,512],"first":32,"code":400,"reason":"Bad CSeq","detail":"From: <sip:a@b>; x&y"}` + "\n",
			`{"source":"c.pcap#7","core_drop":false,"failed":[32,512],"first":32,"code":400,"reason":"Bad CSeq","detail":"From: \u003csip:a@b\u003e; x\u0026y"}`},
		{"core drop", Line{Source: "d.sip", CoreDrop: true, Failed: []uint32{}, Detail: "no first line"},
			`{"source":"d.sip","core_drop":true,"failed":[],"first":0,"code":0,"reason":"","detail":"no first line"}` + "\n",
			`{"source":"d.sip","core_drop":true,"failed":[],"first":0,"code":0,"reason":"","detail":"no first line"}`},
	} {
		var b bytes.Buffer
		if err := NewEncoder(&b).Encode(c.l); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.encoded {
			t.Errorf("%s: Encode\n got %s\nwant %s", c.name, b.String(), c.encoded)
		}
		m, err := Marshal(c.l)
		if err != nil {
			t.Fatal(err)
		}
		if string(m) != c.json {
			t.Errorf("%s: Marshal\n got %s\nwant %s", c.name, m, c.json)
		}
		var x, y Line
		if err := json.Unmarshal(b.Bytes(), &x); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(m, &y); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(x, c.l) || !reflect.DeepEqual(y, c.l) {
			t.Errorf("%s: decoded %+v and %+v, want %+v", c.name, x, y, c.l)
		}
	}
}
