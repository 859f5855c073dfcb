package sipparse

// CSeqMethod returns the method of the first CSeq header ("101 INVITE" ->
// "INVITE"), nil when there is none. It labels responses by method, per
// message, so it slices m.Raw instead of allocating.
func (m *Message) CSeqMethod() []byte {
	v := m.Get(HdrCSeq)
	i := 0
	for i < len(v) && isCSeqSpace(v[i]) {
		i++
	}
	for i < len(v) && !isCSeqSpace(v[i]) { // the number
		i++
	}
	for i < len(v) && isCSeqSpace(v[i]) {
		i++
	}
	j := i
	for j < len(v) && !isCSeqSpace(v[j]) {
		j++
	}
	if i == j {
		return nil
	}
	return v[i:j]
}

func isCSeqSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
