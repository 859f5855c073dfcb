package sipparse

import "math/bits"

// Rules are the keys under which sipcorr counts malformed messages: one
// sanity Check bit (1..65536), or one of two pseudo rules above them for
// messages rejected for reasons other than a sanity check. This file is the
// one table of their names, both ways; correlate, report, the CLI and the
// test oracles use it.
const (
	// RuleCoreDrop marks a message Kamailio's core drops before sanity runs.
	RuleCoreDrop uint32 = 1 << 30
	// RuleUnknown marks a malformed message whose failing check is not
	// known, e.g. a log hit that only says "Malformed SIP received".
	RuleUnknown uint32 = 1 << 31

	// RuleNameCoreDrop and RuleNameUnknown are the names of the pseudo
	// rules in every output (JSON, CSV, metrics labels, Elasticsearch).
	RuleNameCoreDrop = "core_drop"
	RuleNameUnknown  = "unknown"
)

// RuleName names a rule: a single check's documentation name
// ("proxy_require"), RuleNameCoreDrop, RuleNameUnknown, or "mask_N" for a
// value with several bits. It does not allocate for single checks and the
// pseudo rules.
func RuleName(rule uint32) string {
	switch rule {
	case RuleCoreDrop:
		return RuleNameCoreDrop
	case RuleUnknown:
		return RuleNameUnknown
	}
	if bits.OnesCount32(rule) != 1 {
		return "mask_" + itoa(int(rule))
	}
	if i := RuleIndex(rule); i < maxCheckBit {
		return checkNames[i]
	}
	return Check(rule).String()
}

// ParseRule is RuleName's inverse for the sanity checks and the pseudo
// rules; ok is false for any other name.
func ParseRule(name string) (rule uint32, ok bool) {
	switch name {
	case RuleNameCoreDrop:
		return RuleCoreDrop, true
	case RuleNameUnknown:
		return RuleUnknown, true
	}
	for i, n := range checkNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// RuleIndex is the position (0..31) of a single-bit rule, the index of
// per-rule counter arrays; for a mask it is the lowest set bit's, and 32
// for 0.
func RuleIndex(rule uint32) int { return bits.TrailingZeros32(rule) }

// CheckCount is the number of sanity checks sipparse knows (bits
// 1<<0 .. 1<<(CheckCount-1)).
const CheckCount = maxCheckBit
