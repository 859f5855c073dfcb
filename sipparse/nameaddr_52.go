package sipparse

// parseAddrSpec52 is parseAddrSpec as 5.2.3's parse_to()/parse_addr_spec()
// (src/core/parser/parse_addr_spec.c) run it: the same state machine, with
// 5.2's parse_to_param (a comma outside quotes and tag values is kept as a
// parameter byte, not an error; see parseToParams).
func parseAddrSpec52(b []byte, start, end int) (res addrSpec, next int, ok bool) {
	if res, next, ok := plainAddrSpec(b[:end], start); ok {
		return res, next, true
	}
	return parseAddrSpecRules(b, start, end, true)
}
