package capture

import (
	"errors"
	"reflect"
)

// HEPStats counts what a HEPReader saw and every HEP message it did not
// hand on, with the reason. JSON names are stable (report and metrics);
// desc and kind follow the Stats conventions.
type HEPStats struct {
	Messages   uint64 `json:"hep_messages" desc:"HEP messages received" kind:"info"`
	V3         uint64 `json:"hep_v3" desc:"HEPv3 messages" kind:"info"`
	V2         uint64 `json:"hep_v2" desc:"HEPv1/v2 messages" kind:"info"`
	SIP        uint64 `json:"hep_sip" desc:"HEP messages handed on as SIP" kind:"info"`
	V1NoTime   uint64 `json:"hep_v1_no_time" desc:"HEPv1 messages without a capture time (arrival/record time used)"`
	Short      uint64 `json:"hep_malformed_short" desc:"HEP messages truncated inside a header or chunk"`
	BadMagic   uint64 `json:"hep_malformed_magic" desc:"HEP messages with a bad magic or version"`
	BadLength  uint64 `json:"hep_malformed_length" desc:"HEP messages with an impossible total or header length"`
	BadChunk   uint64 `json:"hep_malformed_chunk" desc:"HEP messages with a chunk length past the message or under 6"`
	ChunkSize  uint64 `json:"hep_malformed_chunk_size" desc:"HEP messages with a fixed-size chunk of the wrong size"`
	BadFamily  uint64 `json:"hep_malformed_family" desc:"HEP messages with a bad address family"`
	Missing    uint64 `json:"hep_malformed_missing" desc:"HEP messages lacking address, port or time chunks"`
	NoPayload  uint64 `json:"hep_malformed_no_payload" desc:"HEP messages without payload"`
	Unknown    uint64 `json:"hep_unknown_chunks" desc:"HEP chunks of unknown vendor or type (skipped)"`
	NonSIP     uint64 `json:"hep_non_sip" desc:"HEP messages whose payload type is not SIP (RTCP, logs, ...; skipped)"`
	NotSIPText uint64 `json:"hep_payload_not_sip" desc:"HEP messages typed SIP whose payload is no SIP start line (keepalives, garbage; skipped)"`
	Compressed uint64 `json:"hep_compressed" desc:"HEP messages with a compressed payload (not decoded; skipped)"`
	Transport  uint64 `json:"hep_other_transport" desc:"HEP SIP messages over a transport other than UDP/TCP (SCTP, ...; skipped)"`
	AuthFailed uint64 `json:"hep_auth_mismatch" desc:"HEP messages whose auth key does not match HEPOptions.Password (skipped)"`
	Duplicates uint64 `json:"hep_duplicates" desc:"HEP messages identical to one seen just before (same time, addresses, payload; dropped)"`
}

// count adds one malformed message under the counter of err.
func (s *HEPStats) count(err error) {
	switch {
	case errors.Is(err, ErrHEPShort):
		s.Short++
	case errors.Is(err, ErrHEPMagic):
		s.BadMagic++
	case errors.Is(err, ErrHEPTotalLength):
		s.BadLength++
	case errors.Is(err, ErrHEPChunkLength):
		s.BadChunk++
	case errors.Is(err, ErrHEPChunkSize):
		s.ChunkSize++
	case errors.Is(err, ErrHEPFamily):
		s.BadFamily++
	case errors.Is(err, ErrHEPMissing):
		s.Missing++
	default:
		s.NoPayload++
	}
}

// Malformed is the sum of the malformed-message counters.
func (s *HEPStats) Malformed() uint64 {
	return s.Short + s.BadMagic + s.BadLength + s.BadChunk + s.ChunkSize + s.BadFamily + s.Missing + s.NoPayload
}

// Counters lists the non-zero counters in declaration order, named and
// described as Stats.Counters does, so that reports and metrics show them
// next to the decoder's.
func (s HEPStats) Counters() []Counter { return countersOf(reflect.ValueOf(s)) }

// Add adds o's counters to s (several listeners, several readers).
func (s *HEPStats) Add(o HEPStats) { addCounters(reflect.ValueOf(s).Elem(), reflect.ValueOf(o)) }
