package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// offenderCSVHeader is the header of the offender CSV: one row per suspect
// (status "suspect", ranked) and then one per UA without impact (status
// "no_impact"). Remediation and notes are in the table and JSON only.
var offenderCSVHeader = []string{"rank", "status", "ua", "vendor", "model", "firmware", "rules", "first_rule",
	"messages", "sources", "series", "bytes_per_message", "ci95_low", "ci95_high", "p_value", "lift",
	"lag_buckets", "r2", "partial_r2", "share_of_growth", "leak_bytes_s", "time_to_exhaustion_s",
	"known_defect", "example_packet", "example_time", "example_header", "reason"}

func writeOffenderCSV(w io.Writer, o *Offenders) error {
	d := newOffenderDoc(o)
	cw := csv.NewWriter(w)
	if err := cw.Write(offenderCSVHeader); err != nil {
		return err
	}
	for _, s := range d.Suspects {
		defect := ""
		if s.KnownDefect != nil {
			defect = s.KnownDefect.ID
		}
		rec := []string{strconv.Itoa(s.Rank), "suspect", cell(s.UA), cell(s.Device.Vendor), cell(s.Device.Model),
			cell(s.Device.Firmware), rulesCSV(s.Rules, s.RuleNames), ruleCell(s.FirstRuleName, s.FirstRule),
			itoa(s.Messages), countsCSV(s.Sources), cell(s.Series), ftoa(s.BytesPerMessage), ftoa(s.CI.Low),
			ftoa(s.CI.High), gtoa(s.PValue), ftoa(s.Lift), strconv.Itoa(s.LagBuckets), ftoa(s.R2), ftoa(s.PartialR2),
			ftoa(s.Share), ftoa(s.LeakRate), optFtoa(s.Exhaustion), defect}
		rec = append(rec, exampleCSV(s.Example)...)
		if err := cw.Write(append(rec, "")); err != nil {
			return err
		}
	}
	for _, b := range d.Bystanders {
		est, lo, hi := "", "", ""
		if b.BytesPerMessage != nil {
			est, lo, hi = ftoa(*b.BytesPerMessage), ftoa(b.CI.Low), ftoa(b.CI.High)
		}
		rec := []string{"", "no_impact", cell(b.UA), cell(b.Device.Vendor), cell(b.Device.Model), cell(b.Device.Firmware),
			rulesCSV(b.Rules, b.RuleNames), "", itoa(b.Messages), countsCSV(b.Sources), "", est, lo, hi, "",
			ftoa(b.Lift), "", "", "", "", "", "", ""}
		rec = append(rec, exampleCSV(b.Example)...)
		if err := cw.Write(append(rec, cell(b.Reason))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cell makes a wire string safe for spreadsheets and terminals.
func cell(s string) string { return csvSafe(TerminalSafe(s)) }

func rulesCSV(bits []uint32, names []string) string {
	parts := make([]string, len(bits))
	for i := range bits {
		parts[i] = ruleCell(names[i], bits[i])
	}
	return strings.Join(parts, ";")
}

func countsCSV(cs []countDoc) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Addr + "=" + itoa(c.Messages)
	}
	return strings.Join(parts, ";")
}

func exampleCSV(e exampleDoc) []string {
	pkt, t := "", ""
	if e.Packet > 0 {
		pkt = itoa(e.Packet)
	}
	if e.Time != nil {
		t = e.Time.Format("2006-01-02T15:04:05.000000000Z07:00")
	}
	return []string{pkt, t, cell(e.Header)}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
func gtoa(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func optFtoa(v *float64) string {
	if v == nil {
		return ""
	}
	return ftoa(*v)
}
