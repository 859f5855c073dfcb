package capture

import (
	"reflect"
	"strings"
	"testing"
)

// TestCounterDescsNameOptions checks every counter description of Stats
// and HEPStats: a library names its options (Options.Ports), never the
// flags of a program that uses it (cmd/sipcorr maps one to the other).
func TestCounterDescsNameOptions(t *testing.T) {
	for _, c := range []struct {
		name     string
		counters func() []Counter
		// options are the option names the descriptions must mention,
		// so that the test fails if they are reworded away from them.
		options []string
	}{
		{"Stats", func() []Counter {
			var s Stats
			setAll(reflect.ValueOf(&s).Elem())
			return s.Counters()
		}, []string{"Options.Ports"}},
		{"HEPStats", func() []Counter {
			var s HEPStats
			setAll(reflect.ValueOf(&s).Elem())
			return s.Counters()
		}, []string{"HEPOptions.Password"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			all := ""
			counters := c.counters()
			if len(counters) < 5 {
				t.Fatalf("%d counters", len(counters))
			}
			for _, k := range counters {
				if k.Desc == "" || strings.Contains(k.Desc, "--") {
					t.Errorf("%s: description %q is empty or names a flag", k.Name, k.Desc)
				}
				all += k.Desc + "\n"
			}
			for _, o := range c.options {
				if !strings.Contains(all, o) {
					t.Errorf("no description names %s", o)
				}
			}
		})
	}
}

// setAll sets every uint64 field of the struct v to 1, so that Counters
// lists them all.
func setAll(v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Uint64 && f.CanSet() {
			f.SetUint(1)
		}
	}
}
