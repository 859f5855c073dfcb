package capture

import "net/netip"

// hepv3 header: "HEP3", total length (uint16, whole message). Chunk
// header: vendor id, type id, length (uint16 each, length includes the
// 6-byte chunk header). All big-endian.
const (
	hep3HeaderLen   = 6
	hep3ChunkHeader = 6
)

// decodeHEP3 decodes a HEPv3 message; buf starts with "HEP3".
func decodeHEP3(buf []byte, m *HEPMessage) (int, error) {
	m.Version = 3
	total, off, err := hepU16(buf, 4)
	if err != nil {
		return 0, err
	}
	if int(total) < hep3HeaderLen {
		return 0, ErrHEPTotalLength
	}
	if int(total) > len(buf) {
		// A datagram shorter than its announced length was cut.
		return 0, ErrHEPShort
	}
	msg := buf[:total]
	var (
		family                 uint8
		src4, dst4, src6, dst6 netip.Addr
		sport, dport           uint16
		haveSport, haveDport   bool
		sec, usec              uint32
		haveSec, havePayload   bool
		protoType              uint8
		haveProtoType          bool
		payload                []byte
	)
	for off < len(msg) {
		var vendor, typ, clen uint16
		if vendor, off, err = hepU16(msg, off); err != nil {
			return 0, ErrHEPChunkLength
		}
		if typ, off, err = hepU16(msg, off); err != nil {
			return 0, ErrHEPChunkLength
		}
		if clen, off, err = hepU16(msg, off); err != nil {
			return 0, ErrHEPChunkLength
		}
		if int(clen) < hep3ChunkHeader {
			return 0, ErrHEPChunkLength
		}
		var val []byte
		if val, off, err = hepBytes(msg, off, int(clen)-hep3ChunkHeader); err != nil {
			return 0, ErrHEPChunkLength
		}
		if vendor != 0 || typ == 0 || typ > hepChunkLastKnown {
			m.UnknownChunks++
			continue
		}
		switch typ {
		case hepChunkFamily:
			if family, err = hepFixedU8(val); err != nil {
				return 0, err
			}
		case hepChunkProto:
			if m.IPProto, err = hepFixedU8(val); err != nil {
				return 0, err
			}
		case hepChunkSrc4, hepChunkDst4, hepChunkSrc6, hepChunkDst6:
			n := 4
			if typ == hepChunkSrc6 || typ == hepChunkDst6 {
				n = 16
			}
			if len(val) != n {
				return 0, ErrHEPChunkSize
			}
			a, _, _ := hepAddr(val, 0, n) // len checked above: cannot fail
			switch typ {
			case hepChunkSrc4:
				src4 = a
			case hepChunkDst4:
				dst4 = a
			case hepChunkSrc6:
				src6 = a
			default:
				dst6 = a
			}
		case hepChunkSrcPort:
			if sport, err = hepFixedU16(val); err != nil {
				return 0, err
			}
			haveSport = true
		case hepChunkDstPort:
			if dport, err = hepFixedU16(val); err != nil {
				return 0, err
			}
			haveDport = true
		case hepChunkTimeSec:
			if sec, err = hepFixedU32(val); err != nil {
				return 0, err
			}
			haveSec = true
		case hepChunkTimeUsec:
			if usec, err = hepFixedU32(val); err != nil {
				return 0, err
			}
		case hepChunkProtoType:
			if protoType, err = hepFixedU8(val); err != nil {
				return 0, err
			}
			haveProtoType = true
		case hepChunkCaptureID:
			// Some agents send a 16-bit id (HEPv2 heritage); accept both.
			switch len(val) {
			case 2:
				v, _, _ := hepU16(val, 0)
				m.CaptureID = uint32(v)
			case 4:
				m.CaptureID, _, _ = hepU32(val, 0)
			default:
				return 0, ErrHEPChunkSize
			}
		case hepChunkAuthKey:
			m.AuthKey = val
		case hepChunkPayload, hepChunkCompressed:
			payload, havePayload = val, true
			m.Compressed = typ == hepChunkCompressed
		case hepChunkCorrelation:
			m.CorrelationID = val
		case hepChunkVLAN:
			if m.VLAN, err = hepFixedU16(val); err != nil {
				return 0, err
			}
		case hepChunkNodeName:
			m.NodeName = val
		}
		// hepChunkKeepalive and 20..38 carry nothing sipcorr uses.
	}
	var src, dst netip.Addr
	switch family {
	case hepAFInet:
		src, dst = src4, dst4
	case hepAFInet6:
		src, dst = src6, dst6
	default:
		return 0, ErrHEPFamily
	}
	if !src.IsValid() || !dst.IsValid() || !haveSport || !haveDport || !haveSec {
		return 0, ErrHEPMissing
	}
	if !havePayload || len(payload) == 0 {
		return 0, ErrHEPNoPayload
	}
	if haveProtoType {
		m.ProtoType = protoType
	}
	m.Datagram = Datagram{
		Time:      hepTime(sec, usec),
		Src:       netip.AddrPortFrom(src, sport),
		Dst:       netip.AddrPortFrom(dst, dport),
		Transport: transportOf(m.IPProto),
		Payload:   payload,
	}
	return int(total), nil
}

// hepFixedU8 reads a chunk value that must be exactly one byte.
func hepFixedU8(val []byte) (uint8, error) {
	if len(val) != 1 {
		return 0, ErrHEPChunkSize
	}
	return val[0], nil
}

// hepFixedU16 reads a chunk value that must be exactly two bytes.
func hepFixedU16(val []byte) (uint16, error) {
	if len(val) != 2 {
		return 0, ErrHEPChunkSize
	}
	v, _, _ := hepU16(val, 0)
	return v, nil
}

// hepFixedU32 reads a chunk value that must be exactly four bytes.
func hepFixedU32(val []byte) (uint32, error) {
	if len(val) != 4 {
		return 0, ErrHEPChunkSize
	}
	v, _, _ := hepU32(val, 0)
	return v, nil
}

// HEPv1/v2 fixed header (Kamailio hep.h): version, header length, family,
// protocol (uint8 each), source and destination port (big-endian uint16),
// source and destination address (4 or 16 bytes each); HEPv2 adds
// tv_sec, tv_usec (uint32) and captid (uint16) in host order, padded to 12
// bytes by the C struct. The payload starts at the header length.
const (
	hep2FixedLen = 8
	hep2TimeLen  = 10 // without the C padding, which senders may omit
)

// decodeHEP2 decodes a HEPv1 or HEPv2 message.
func decodeHEP2(buf []byte, m *HEPMessage) (int, error) {
	v, off, err := hepU8(buf, 0)
	if err != nil {
		return 0, err
	}
	m.Version = v
	var hlen, family uint8
	if hlen, off, err = hepU8(buf, off); err != nil {
		return 0, err
	}
	if family, off, err = hepU8(buf, off); err != nil {
		return 0, err
	}
	if m.IPProto, off, err = hepU8(buf, off); err != nil {
		return 0, err
	}
	var sport, dport uint16
	if sport, off, err = hepU16(buf, off); err != nil {
		return 0, err
	}
	if dport, off, err = hepU16(buf, off); err != nil {
		return 0, err
	}
	n := 4
	switch family {
	case hepAFInet:
	case hepAFInet6:
		n = 16
	default:
		return 0, ErrHEPFamily
	}
	need := hep2FixedLen + 2*n
	if v == 2 {
		need += hep2TimeLen
	}
	if int(hlen) < need {
		return 0, ErrHEPTotalLength
	}
	if int(hlen) > len(buf) {
		return 0, ErrHEPShort
	}
	var src, dst netip.Addr
	if src, off, err = hepAddr(buf, off, n); err != nil {
		return 0, err
	}
	if dst, off, err = hepAddr(buf, off, n); err != nil {
		return 0, err
	}
	m.Datagram.Src = netip.AddrPortFrom(src, sport)
	m.Datagram.Dst = netip.AddrPortFrom(dst, dport)
	m.Datagram.Transport = transportOf(m.IPProto)
	m.ProtoType = HEPProtoSIP
	if v == 2 {
		var sec, usec uint32
		if sec, off, err = hepU32LE(buf, off); err != nil {
			return 0, err
		}
		if usec, off, err = hepU32LE(buf, off); err != nil {
			return 0, err
		}
		var id []byte
		if id, _, err = hepBytes(buf, off, 2); err != nil {
			return 0, err
		}
		m.CaptureID = uint32(id[0]) | uint32(id[1])<<8
		m.Datagram.Time = hepTime(sec, usec)
	}
	// HEPv1 has no timestamp: Datagram.Time stays zero (see HEPReader).
	m.Datagram.Payload = buf[hlen:len(buf):len(buf)]
	if len(m.Datagram.Payload) == 0 {
		return 0, ErrHEPNoPayload
	}
	return len(buf), nil
}
