package report

import (
	"strconv"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/sipcorr/sipcorr/correlate"
)

// The UA rows of the terminal table are aligned as text/tabwriter aligned
// them (minwidth 0, padding 2, spaces, left-aligned), without holding the
// table: tabwriter keeps every row until it has seen the last, up to
// 10 000 rows of cells here. writeUATable makes two passes over the
// inventory instead, the first to measure the columns, the second to write
// the rows padded to those widths, with one row's cells in memory.
//
// The header and every row have the same cells, so tabwriter's column
// blocks span the whole table: column j is as wide as its widest cell (in
// runes) plus the padding, and the last cell is not padded. A cell with a
// byte tabwriter interprets (tab, LF, VT, FF, its 0xff escape) would break
// that. Wire strings pass TerminalSafe, but should one slip through (an
// address zone), the rows go through tabwriter itself.

const (
	tableCols    = 11
	tablePadding = 2
)

var tableHeader = [tableCols]string{"USER-AGENT", "MSGS", "REQ", "RESP", "MALFORMED", "FAILED CHECKS", "METHODS",
	"CODES", "SOURCES", "FIRST SEEN", "LAST SEEN"}

func writeUATable(ew *errWriter, a *Analysis) error {
	var uas []*correlate.UAStats
	if a.Inventory != nil {
		uas = a.Inventory.UAs()
	}
	var c tableCells
	var widths [tableCols - 1]int
	for j := range widths {
		widths[j] = utf8.RuneCountInString(tableHeader[j])
	}
	var r uaRow
	top := topOr(a.TopSources, 2)
	for _, s := range uas {
		r.reset(s)
		c.row(&r, top)
		if hasTabwriterByte(c.buf) {
			return writeUATabwriter(ew, uas, top)
		}
		for j := range widths {
			widths[j] = max(widths[j], utf8.RuneCount(c.cell(j)))
		}
	}

	c.header()
	out := c.appendAligned(make([]byte, 0, flushSize+flushSize/4), &widths)
	out, err := streamUAs(ew, out, uas, &tableAligned{top: top, widths: &widths})
	if err != nil {
		return err
	}
	_, err = ew.Write(out)
	return err
}

// tableAligned appends the aligned rows of the second pass.
type tableAligned struct {
	top    int
	widths *[tableCols - 1]int
	row    uaRow
	cells  tableCells
}

func (t *tableAligned) appendUA(dst []byte, _ int, s *correlate.UAStats) ([]byte, error) {
	t.row.reset(s)
	t.cells.row(&t.row, t.top)
	return t.cells.appendAligned(dst, t.widths), nil
}

// hasTabwriterByte reports whether b holds a byte tabwriter interprets
// rather than measures (compared byte by byte: 0xff is its escape, not
// invalid UTF-8).
func hasTabwriterByte(b []byte) bool {
	for _, c := range b {
		switch c {
		case '\t', '\n', '\v', '\f', tabwriter.Escape:
			return true
		}
	}
	return false
}

// writeUATabwriter writes the rows through text/tabwriter, for cells
// appendAligned cannot align as tabwriter would.
func writeUATabwriter(ew *errWriter, uas []*correlate.UAStats, top int) error {
	tw := tabwriter.NewWriter(ew, 0, 0, tablePadding, ' ', 0)
	var c tableCells
	var r uaRow
	c.header()
	for i := -1; i < len(uas); i++ {
		if i >= 0 {
			r.reset(uas[i])
			c.row(&r, top)
		}
		for j := 0; j < tableCols; j++ {
			sep := byte('\t')
			if j == tableCols-1 {
				sep = '\n'
			}
			if _, err := tw.Write(append(c.cell(j), sep)); err != nil {
				return err
			}
		}
	}
	return tw.Flush()
}

// tableCells holds one row's cells: cell j is buf[ends[j-1]:ends[j]].
type tableCells struct {
	buf   []byte
	ends  [tableCols]int
	list  []byte
	times utcTimes
}

func (c *tableCells) cell(j int) []byte {
	from := 0
	if j > 0 {
		from = c.ends[j-1]
	}
	return c.buf[from:c.ends[j]:c.ends[j]]
}

// end closes cell j at the end of buf.
func (c *tableCells) end(j int) { c.ends[j] = len(c.buf) }

func (c *tableCells) header() {
	c.buf = c.buf[:0]
	for j, h := range tableHeader {
		c.buf = append(c.buf, h...)
		c.end(j)
	}
}

// row fills the cells of r: wire strings through TerminalSafe, lists
// truncated as the table always cut them.
func (c *tableCells) row(r *uaRow, top int) {
	b := c.buf[:0]
	switch {
	case r.other:
		b = append(b, "(other UAs, beyond the cap)"...)
	case !r.present:
		b = append(b, "(no User-Agent)"...)
	default:
		b = truncateTail(appendTerminalSafe(b, r.ua), 0, tableUAWidth)
	}
	c.buf = b
	c.end(0)
	for j, n := range [...]uint64{r.messages, r.requests, r.responses, r.malformed} {
		c.buf = strconv.AppendUint(c.buf, n, 10)
		c.end(1 + j)
	}
	// rulesCell: digits, colons and spaces, which TerminalSafe keeps.
	from := len(c.buf)
	c.buf = truncateTail(appendRulesCell(c.buf, r), from, tableListWidth)
	c.end(5)
	from = len(c.buf)
	c.list = appendMethodList(c.list[:0], r)
	c.buf = truncateTail(appendTerminalSafe(c.buf, c.list), from, tableListWidth)
	c.end(6)
	from = len(c.buf)
	c.buf = truncateTail(appendCodeList(c.buf, r), from, tableListWidth)
	c.end(7)
	from = len(c.buf)
	c.buf = truncateTail(appendSourceList(c.buf, r, top), from, tableListWidth)
	c.end(8)
	c.buf = c.times.appendTable(c.buf, r.first)
	c.end(9)
	c.buf = c.times.appendTable(c.buf, r.last)
	c.end(10)
}

// appendRulesCell appends the failed checks as "bit:messages" joined by
// spaces, or "-" without any.
func appendRulesCell(dst []byte, r *uaRow) []byte {
	if len(r.rules) == 0 {
		return append(dst, '-')
	}
	for i, rr := range r.rules {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = strconv.AppendUint(dst, uint64(rr.bit), 10)
		dst = strconv.AppendUint(append(dst, ':'), rr.messages, 10)
	}
	return dst
}

// appendAligned appends the cells as one line of the table: each but the
// last padded with spaces to its column's width plus the padding.
func (c *tableCells) appendAligned(dst []byte, widths *[tableCols - 1]int) []byte {
	for j := 0; j < tableCols; j++ {
		cell := c.cell(j)
		dst = append(dst, cell...)
		if j < len(widths) {
			for pad := widths[j] + tablePadding - utf8.RuneCount(cell); pad > 0; pad-- {
				dst = append(dst, ' ')
			}
		}
	}
	return append(dst, '\n')
}
