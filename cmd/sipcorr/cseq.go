package main

// cseqMethod returns the method of a CSeq value ("101 INVITE" -> "INVITE"),
// nil when there is none. It labels responses by method, per message, so it
// slices instead of allocating.
func cseqMethod(v []byte) []byte {
	i := 0
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	for i < len(v) && !isSpace(v[i]) { // the number
		i++
	}
	for i < len(v) && isSpace(v[i]) {
		i++
	}
	j := i
	for j < len(v) && !isSpace(v[j]) {
		j++
	}
	if i == j {
		return nil
	}
	return v[i:j]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
