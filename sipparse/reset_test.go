package sipparse

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestResetClearsEveryField: Message.reset clears field by field, so a field
// added to Message but not to reset would leak from one message into the
// next. Every field is set to a non-zero value, then reset must leave the
// zero value (Raw, Headers' backing array and headEnd excepted; the core
// cache is only marked stale).
func TestResetClearsEveryField(t *testing.T) {
	var m Message
	m.Headers = make([]Header, 3, 8)
	v := reflect.ValueOf(&m).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		if name == "Headers" || name == "core" {
			continue
		}
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int, reflect.Int32, reflect.Int64:
			f.SetInt(7)
		case reflect.Uint32:
			f.SetUint(7)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]byte("x")))
		default:
			t.Fatalf("field %s: kind %v not handled by this test", name, f.Kind())
		}
	}
	m.core.done = true
	buf := []byte("new")
	m.reset(buf)
	want := Message{Raw: buf, headEnd: -1}
	got := m
	if len(got.Headers) != 0 || cap(got.Headers) != 8 {
		t.Errorf("Headers len %d cap %d, want 0 and the old backing array (8)", len(got.Headers), cap(got.Headers))
	}
	if got.core.done {
		t.Error("core cache not marked stale")
	}
	got.Headers, got.core = nil, coreMsg{}
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < gv.NumField(); i++ {
		g := reflect.NewAt(gv.Field(i).Type(), unsafe.Pointer(reflect.ValueOf(&got).Elem().Field(i).UnsafeAddr())).Elem()
		w := reflect.NewAt(wv.Field(i).Type(), unsafe.Pointer(reflect.ValueOf(&want).Elem().Field(i).UnsafeAddr())).Elem()
		if !reflect.DeepEqual(g.Interface(), w.Interface()) {
			t.Errorf("after reset, %s = %v, want %v", gv.Type().Field(i).Name, g.Interface(), w.Interface())
		}
	}
}
