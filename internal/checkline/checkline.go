// Package checkline is the output format of `sipcorr check`: one JSON
// object per judged message. It is defined here once because two programs
// write it: the check command (cmd/sipcorr) and the Kamailio oracle
// (internal/kamailiotest), whose recorded verdict files the command's
// tests compare against. The field set and order are an interface that
// other tools read; changing them changes every recorded file.
//
// The package imports nothing of sipcorr: internal/kamailiotest cannot
// import sipparse (sipparse's tests import kamailiotest), so the format
// lives below both.
package checkline

import (
	"encoding/json"
	"io"
)

// Line is one line of `sipcorr check` output.
type Line struct {
	// Source is the input: a raw message file's path, or path#packet for a
	// message of a capture file.
	Source string `json:"source"`
	// CoreDrop is true when Kamailio's core drops the message before any
	// sanity check (it does not parse as SIP).
	CoreDrop bool `json:"core_drop"`
	// Failed lists every enabled check bit that fails on its own, in
	// ascending order; [] (never null) when none does.
	Failed []uint32 `json:"failed"`
	// First is the failure Kamailio reports for the whole mask; 0 = pass.
	First uint32 `json:"first"`
	// Code and Reason are the reply sent for First; Code 0 = none.
	Code   int    `json:"code"`
	Reason string `json:"reason"`
	// Detail is free text: a parse error, a drop log, a note.
	Detail string `json:"detail"`
}

// Bits lists the set bits of mask in ascending order, never nil, so that
// a Line's Failed encodes as [] rather than null.
func Bits(mask uint32) []uint32 {
	out := []uint32{}
	for i := 0; i < 32; i++ {
		if b := uint32(1) << i; mask&b != 0 {
			out = append(out, b)
		}
	}
	return out
}

// Encoder writes Lines the way `sipcorr check` prints them: one JSON
// object per line, newline-terminated, with <, > and & left as they are
// (the output is read by tools and people, not embedded in HTML).
type Encoder struct {
	enc *json.Encoder
}

// NewEncoder returns an Encoder writing to w; it does not buffer.
func NewEncoder(w io.Writer) *Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &Encoder{enc: enc}
}

// Encode writes l and a newline.
func (e *Encoder) Encode(l Line) error {
	return e.enc.Encode(l)
}

// Marshal encodes l as one JSON object without a newline, with <, > and &
// escaped as \u003c, \u003e and \u0026 (encoding/json's default). It is
// the form of the recorded verdict files (testdata/sip/*.verdicts.jsonl),
// kept so that re-recording them gives the same bytes; it decodes to the
// same Line as Encoder's output.
func Marshal(l Line) ([]byte, error) {
	return json.Marshal(l)
}
