package sipparse

// parseToParams ports parse_to_param(): ";name[=value]" parameters of a To
// or From body starting at the ';' at b[start]. It returns where it stopped,
// the status to continue with (ePara when the header ended cleanly) and ok.
//
// lax52: 5.2.3's parse_to_param logs a ',' outside a quoted or tag value
// ("invalid character ','") but has no goto error after it (5.6 added one):
// the comma falls through to the default branch and is taken as a name or
// value byte (verified on 5.2.3: ";a=b,c" passes).
func parseToParams(b []byte, start, end int, res *addrSpec, lax52 bool) (int, int, bool) {
	const (
		sParaName = iota + 20
		paraName
		sEqual
		sParaValue
		tag1
		tag2
		tag3
		paraValueToken
		paraValueQuoted
		eParaValue
		fCR   = 11
		fLF   = 12
		fCRLF = 13
		ePara = 100
	)
	status, saved := eParaValue, eParaValue
	isTag, valSet := false, false
	add := func() {
		if isTag {
			res.tags++
			res.tagSet = valSet
		}
	}
	b = b[:end] // see parseAddrSpec
	tmp := start
	for ; uint(tmp) < uint(len(b)); tmp++ {
		// Skip runs of bytes that change nothing inside a name or value.
		if status == paraValueToken || status == paraValueQuoted || status == paraName {
			for uint(tmp) < uint(len(b)) && paramValuePlain[b[tmp]] {
				tmp++
			}
		}
		if uint(tmp) >= uint(len(b)) {
			break
		}
		c := b[tmp]
		switch c {
		case ' ', '\t':
			switch status {
			case tag3:
				isTag = true
				status = sEqual
			case paraName, tag1, tag2:
				status = sEqual
			case paraValueToken:
				status = eParaValue
				add()
			case fCRLF, fLF, fCR:
				status = saved
			}
		case '\n', '\r':
			fs := fLF
			if c == '\r' {
				fs = fCR
			}
			switch status {
			case sParaName, sEqual, sParaValue, eParaValue:
				saved, status = status, fs
			case tag3, paraName, tag1, tag2:
				if status == tag3 {
					isTag = true
				}
				saved, status = sEqual, fs
			case paraValueToken:
				saved, status = eParaValue, fs
				add()
			case fCR:
				if c == '\n' {
					status = fCRLF
				} else {
					status = saved
					goto endOfHeader
				}
			case fCRLF, fLF:
				status = saved
				goto endOfHeader
			default:
				return tmp, status, false
			}
		case 0:
			switch status {
			case tag3, paraName, tag1, tag2:
				if status == tag3 {
					isTag = true
				}
				status = sEqual
				saved = status
				goto endOfHeader
			case sEqual, sParaValue:
				saved = status
				goto endOfHeader
			case paraValueToken:
				status = eParaValue
				valSet = true
				add()
				saved = status
				goto endOfHeader
			case eParaValue:
				saved = status
				goto endOfHeader
			default:
				return tmp, status, false
			}
		case '\\':
			// Kamailio falls through to its error branch here in every state.
			return tmp, status, false
		case '"':
			switch status {
			case sParaValue:
				valSet = true
				status = paraValueQuoted
			case paraValueQuoted:
				add()
				status = eParaValue
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return tmp, status, false
			}
		case ';':
			switch status {
			case paraValueQuoted:
			case tag3, paraName, tag1, tag2, sEqual:
				if status == tag3 {
					isTag = true
				}
				valSet = false
				add()
				fallthrough
			case eParaValue:
				isTag, valSet = false, false
				status = sParaName
			case sParaValue, paraValueToken:
				valSet = true
				add()
				isTag, valSet = false, false
				status = sParaName
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return tmp, status, false
			}
		case '=':
			switch status {
			case paraValueQuoted:
			case tag3, paraName, tag1, tag2:
				if status == tag3 {
					isTag = true
				}
				status = sParaValue
			case sEqual:
				status = sParaValue
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return tmp, status, false
			}
		case ',':
			// 5.6.3 accepts a comma only inside a quoted value or a tag
			// value; anywhere else in the parameters it is an error.
			if status == paraValueQuoted {
				break
			}
			if (status == sParaValue || status == paraValueToken) && isTag {
				if status == sParaValue {
					valSet = true
					status = paraValueToken
				}
				break
			}
			if !lax52 {
				return tmp, status, false
			}
			fallthrough
		default:
			lc := lower(c)
			switch status {
			case paraValueQuoted, paraValueToken, paraName:
			case sParaName:
				if lc == 't' {
					status = tag1
				} else {
					status = paraName
				}
			case sParaValue:
				valSet = true
				status = paraValueToken
			case tag1:
				if lc == 'a' {
					status = tag2
				} else {
					status = paraName
				}
			case tag2:
				if lc == 'g' {
					status = tag3
				} else {
					status = paraName
				}
			case tag3:
				status = paraName
			case fCRLF, fLF, fCR:
				goto endOfHeader
			default:
				return tmp, status, false
			}
		}
	}
	if !(status == fCR || status == fLF || status == fCRLF) {
		saved = status
	}
endOfHeader:
	switch saved {
	case tag3, paraName, tag1, tag2, sEqual:
		if saved == tag3 {
			isTag = true
		}
		valSet = false
		add()
	case sParaValue:
		valSet = true
		add()
	case paraValueToken:
		valSet = true
		add()
	case eParaValue:
	default:
		return tmp, saved, false
	}
	return tmp, ePara, true
}
