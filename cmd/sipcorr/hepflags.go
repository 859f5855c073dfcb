package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/report"
)

// defaultHEPPort is where Homer collectors, heplify and siptrace configs
// send HEP.
const defaultHEPPort = "9060"

// hepFlags are the HEP input flags: --hep-ports for capture files
// (analyze), --hep listeners for capture, --hep-password for both.
type hepFlags struct {
	ports    string
	password string
	listen   listFlag
}

// registerFile adds the flags of HEP inside capture files.
func (h *hepFlags) registerFile(fs *flag.FlagSet) {
	fs.StringVar(&h.ports, "hep-ports", defaultHEPPort, "UDP and TCP ports whose HEP (Homer encapsulation from siptrace, heplify) is decoded and its SIP judged with the HEP time and addresses; \"\" or none: off")
	h.registerPassword(fs)
}

// registerLive adds the flags of HEP listeners.
func (h *hepFlags) registerLive(fs *flag.FlagSet) {
	fs.Var(&h.listen, "hep", "receive HEP (siptrace, heplify) on `udp:ADDR:PORT` or tcp:ADDR:PORT (HEPv3) and judge its SIP with the original time and addresses; may be repeated or a comma list, with or without -i")
	h.registerPassword(fs)
}

func (h *hepFlags) registerPassword(fs *flag.FlagSet) {
	fs.StringVar(&h.password, "hep-password", "", "HEP auth key (chunk 14: siptrace modparam auth_key, heplify's HEP password): messages without it are counted and skipped")
}

// fileOptions sets the HEP options of capture-file decoding.
func (h *hepFlags) fileOptions(o *capture.Options) error {
	if s := strings.TrimSpace(h.ports); s != "" && s != "none" {
		ports, err := parsePorts(s)
		if err != nil {
			return fmt.Errorf("--hep-ports: %w", err)
		}
		o.HEPPorts = ports
	}
	o.HEP = capture.HEPOptions{Password: h.password}
	return nil
}

// hepCounters are the report counters of HEP decoding.
func hepCounters(st capture.HEPStats) []report.Counter {
	var out []report.Counter
	for _, c := range st.Counters() {
		out = append(out, report.Counter{Key: c.Name, Name: flagWords(c.Desc), Value: c.Value, Skip: c.Skip})
	}
	return out
}

// hepAgentsNote names the HEP capture agents that fed the run (at most
// 5, then how many more), or nothing without HEP.
func hepAgentsNote(agents []capture.HEPAgent, other uint64) []string {
	if len(agents) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("HEP capture agents (capture id, node name: SIP messages): ")
	for i, a := range agents {
		if i == 5 {
			fmt.Fprintf(&b, "; %d more", len(agents)-5)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%d", a.CaptureID)
		if a.Node != "" {
			fmt.Fprintf(&b, " %q", a.Node)
		}
		fmt.Fprintf(&b, ": %d", a.Messages)
	}
	if other > 0 {
		fmt.Fprintf(&b, "; %d messages of agents beyond the first 64 (not told apart)", other)
	}
	return []string{report.TerminalSafe(b.String())}
}
