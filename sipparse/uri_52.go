package sipparse

// parseURI is parse_uri() as the engine's Kamailio version runs it.
func (e *Engine) parseURI(b []byte) (uriInfo, bool) {
	if e.prof.core52 {
		return parseURI52(b)
	}
	return parseURI(b, e.prof.strictURIHost)
}

// parseURI52 ports 5.2.3's parse_uri() (src/core/parser/parse_uri.c). Its
// host rule is already the strict one (URI_HOST must start alphanumeric,
// URI_HOST_P takes alnum, '.', '-': "sip:x@-h" and "sip:x@h_y" fail,
// verified on 5.2.3), but two 5.6 checks are missing:
//   - the port macro does not compare the value with MAX_PORT_VAL, so
//     "sip:x@h:99999" passes (only more than 5 port digits fail);
//   - '@' with an empty user part is accepted ("sip:@h"), there is no
//     "'@' before host, but no user part" check at the end.
func parseURI52(b []byte) (uriInfo, bool) {
	if plainSIPURI(b) {
		return uriInfo{}, true
	}
	return parseURIRules(b, true, true)
}
