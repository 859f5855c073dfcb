package capture

import "sort"

// maxHEPAgents bounds the capture agents told apart: a flood of
// capture ids or node names is folded into HEPAgentsOther.
const maxHEPAgents = 64

// HEPAgent is one capture agent (chunk 12 capture id and chunk 19 node
// name: siptrace's hep_capture_id, heplify's -hi/-hn) and the SIP
// messages it sent, so that a report can say which Kamailio or agent fed
// it.
type HEPAgent struct {
	CaptureID uint32 `json:"capture_id"`
	Node      string `json:"node,omitempty"`
	Messages  uint64 `json:"messages"`
}

// hepAgents tallies SIP messages by agent, bounded. Looking up a known
// agent does not allocate.
type hepAgents struct {
	byID  map[uint32]map[string]*uint64 // pointers: an update is a lookup, which does not allocate
	n     int
	other uint64
}

// add counts one message of agent (id, node).
func (a *hepAgents) add(id uint32, node []byte) {
	nodes := a.byID[id]
	if c := nodes[string(node)]; c != nil {
		*c++
		return
	}
	if a.n >= maxHEPAgents {
		a.other++
		return
	}
	if a.byID == nil {
		a.byID = map[uint32]map[string]*uint64{}
	}
	if nodes == nil {
		nodes = map[string]*uint64{}
		a.byID[id] = nodes
	}
	one := uint64(1)
	nodes[string(node)] = &one
	a.n++
}

// list returns the agents, most messages first, and the messages of
// agents beyond maxHEPAgents.
func (a *hepAgents) list() ([]HEPAgent, uint64) {
	var out []HEPAgent
	for id, nodes := range a.byID {
		for node, n := range nodes {
			out = append(out, HEPAgent{CaptureID: id, Node: node, Messages: *n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Messages != out[j].Messages {
			return out[i].Messages > out[j].Messages
		}
		if out[i].CaptureID != out[j].CaptureID {
			return out[i].CaptureID < out[j].CaptureID
		}
		return out[i].Node < out[j].Node
	})
	return out, a.other
}
