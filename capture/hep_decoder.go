package capture

// hepPayload decodes a HEP message carried in a captured UDP packet and
// hands its SIP message on with the HEP time and addresses; the record's
// timestamp is used only for HEPv1, which has none.
func (d *Decoder) hepPayload(p []byte, emit func(*Datagram)) {
	if _, err := d.hep.Decode(p, d.ci.Timestamp, d.pkt, func(dg *Datagram) {
		d.stats.SIPMessages++
		d.stats.SIPUDP++ // counted as decoded SIP; the HEP transport is in dg
		dg.Truncated = d.truncated
		emit(dg)
	}); err != nil {
		return // counted in HEPStats
	}
}

// HEPStats returns the counters of HEP decoding (zero without HEPPorts).
func (d *Decoder) HEPStats() HEPStats {
	if d.hep == nil {
		return HEPStats{}
	}
	return d.hep.Stats()
}

// HEPAgents returns the HEP capture agents seen (see HEPReader.Agents).
func (d *Decoder) HEPAgents() ([]HEPAgent, uint64) {
	if d.hep == nil {
		return nil, 0
	}
	return d.hep.Agents()
}
