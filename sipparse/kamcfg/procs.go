package kamcfg

import (
	"strconv"
	"strings"
)

// DefaultChildren is Kamailio's children when the cfg does not set it.
const DefaultChildren = 8

// Receivers is how a cfg spreads SIP over UDP receiver processes, which
// decides how much of a per-message pkg leak one process sees.
type Receivers struct {
	// Children is the cfg's children (DefaultChildren when not set).
	Children    int
	ChildrenSet bool
	// UDPSockets are the UDP listen sockets (listen= without a protocol
	// counts: Kamailio then listens on UDP too); 0 when the cfg names none
	// (Kamailio then listens on every interface address, one set of
	// children each, which the cfg cannot tell).
	UDPSockets int
	// UDP is the number of UDP receiver processes: per socket its
	// socket_workers, else children. 0 when UDPSockets is 0.
	UDP int
	// ReceiverMode is udp_receiver_mode (0 when not set): with 1, one
	// thread per socket reads and the children process, so children is
	// still the number of processes a leak spreads over.
	ReceiverMode int
}

// receiverSettings reads the global settings children, socket_workers,
// udp_receiver_mode and listen from the top level of the cfg.
func receiverSettings(toks []token, cfg *Config) {
	r := Receivers{Children: DefaultChildren}
	pendingWorkers := 0 // socket_workers applies to the next listen only
	var perSocket []int
	for i := 0; i+2 < len(toks); i++ {
		t := toks[i]
		if t.kind != tIdent || toks[i+1].text != "=" || (i > 0 && toks[i-1].line == t.line && toks[i-1].file == t.file) {
			continue
		}
		val := lineRest(toks, i+2)
		n, nerr := strconv.Atoi(strings.TrimSpace(val))
		switch t.text {
		case "children":
			if nerr == nil && n > 0 {
				r.Children, r.ChildrenSet = n, true
			}
		case "socket_workers":
			if nerr == nil && n > 0 {
				pendingWorkers = n
			}
		case "udp_receiver_mode":
			if nerr == nil {
				r.ReceiverMode = n
			}
		case "listen":
			proto, _, hasProto := strings.Cut(strings.ToLower(strings.TrimSpace(val)), ":")
			if !hasProto || proto == "udp" || (proto != "tcp" && proto != "tls" && proto != "sctp" && proto != "ws" && proto != "wss") {
				perSocket = append(perSocket, pendingWorkers)
				r.UDPSockets++
			}
			pendingWorkers = 0
		}
	}
	for _, w := range perSocket { // children may be set after the listen lines
		if w > 0 {
			r.UDP += w
		} else {
			r.UDP += r.Children
		}
	}
	cfg.Receivers = r
}

// lineRest joins the raw tokens from i to the end of token i's line.
func lineRest(toks []token, i int) string {
	var b strings.Builder
	for j := i; j < len(toks) && toks[j].line == toks[i].line && toks[j].file == toks[i].file; j++ {
		b.WriteString(toks[j].raw())
	}
	return b.String()
}
