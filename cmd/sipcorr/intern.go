package main

import (
	"github.com/sipcorr/sipcorr/correlate"
	"github.com/sipcorr/sipcorr/internal/heavy"
)

// uaInternCap bounds the distinct User-Agent strings an interner keeps for
// reuse; beyond it hostile traffic inventing a UA per message costs one
// string per message, as it would without interning.
const uaInternCap = 4096

// uaInterner turns User-Agent bytes into strings, reusing the strings of
// the most frequent UAs so that a steady stream of messages does not
// allocate. It keeps the heaviest UAs (a Space-Saving summary), not the
// first ones met: a device that starts sending late but sends the most is
// interned all the same. Not safe for concurrent use.
type uaInterner struct {
	s *heavy.Summary[struct{}]
}

func newUAInterner() *uaInterner { return &uaInterner{s: heavy.New[struct{}](uaInternCap)} }

// intern returns ua (cut to the timeline's UA length) as a string.
func (in *uaInterner) intern(ua []byte) string {
	if len(ua) > correlate.DefaultTimelineUALen {
		ua = ua[:correlate.DefaultTimelineUALen]
	}
	if it, ok := in.s.Get(string(ua)); ok {
		in.s.Touch(it, 1)
		return it.Key
	}
	s := string(ua)
	it, _ := in.s.Admit(s)
	in.s.Touch(it, 1)
	return s
}
