package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/supers-dev/supers/transport"
)

// tableHeader is the first row of a statusTable, its cells separated by
// tabs.
const tableHeader = "NAME\tSTATE\tPID\tUPTIME\tRESTARTS\tDESCRIPTION"

const (
	// tableColumns is how many columns a statusTable has.
	tableColumns = 6
	// tablePadding is how many spaces follow the widest cell of a column.
	tablePadding = 2
)

// statusTable is the table of services that list, status, start, stop and
// restart print, one row a service under a header, each column but the
// last as wide as its widest cell (in runes) plus two spaces: what
// text/tabwriter (padding 2, padded with spaces, no flags) makes of the
// rows with their cells separated by tabs.
//
// The rows are added one at a time and written at the end. They are kept
// as text in chunks of memory that are filled one after the other and
// never copied, so that a table of a thousand services takes some 40 KB
// rather than the several hundred that the statuses and tabwriter's cells
// would.
type statusTable struct {
	// sorted writes the rows sorted by service name rather than in the
	// order they were added.
	sorted bool

	// chunks hold the rows in the order added, each as
	// uvarint(len(name)), the service's name as superd gave it (to sort
	// on), then its cells, each followed by a tab but the last, followed by
	// a newline. Cells contain neither (see oneLine). A row is never split
	// between chunks.
	chunks   [][]byte
	widths   [tableColumns - 1]int // of the cells of each column but the last, in runes
	lastName string                // the name of the service added last
	ordered  bool                  // the rows were added sorted by name
	rows     int
	changed  []string // the services whose file changed on disk (see configChangedMark)
}

// tableChunkSize is the size of the chunks of a statusTable: some 400 rows.
const tableChunkSize = 16 << 10

// newStatusTable returns an empty table, which writes its rows sorted by
// name if sorted is true, else in the order they are added.
func newStatusTable(sorted bool) *statusTable {
	t := &statusTable{sorted: sorted, ordered: true}
	rest := tableHeader
	for i := range t.widths {
		var cell string
		cell, rest, _ = strings.Cut(rest, "\t")
		t.widths[i] = utf8.RuneCountInString(cell)
	}
	return t
}

// tableOf returns the table of services, in their order.
func tableOf(services []transport.ServiceStatus) *statusTable {
	t := newStatusTable(false)
	for _, s := range services {
		t.add(s)
	}
	return t
}

// statusCells returns the cells of the row of service s. The STATE of a
// service whose file changed on disk is followed by configChangedMark.
func statusCells(s transport.ServiceStatus) [tableColumns]string {
	pid, uptime := "-", "-"
	if s.PID != 0 {
		pid = strconv.Itoa(s.PID)
	}
	if s.State == transport.StateRunning || s.State == transport.StateStopping && s.PID != 0 {
		uptime = formatUptime(s.UptimeSeconds) // stopping: its process still runs
	}
	state := oneLine(stateText(s))
	if s.ConfigChanged {
		state += " " + configChangedMark
	}
	return [tableColumns]string{oneLine(s.Name), state, pid, uptime, strconv.Itoa(s.Restarts), oneLine(s.Description)}
}

// add adds the row of service s.
func (t *statusTable) add(s transport.ServiceStatus) {
	cells := statusCells(s)
	if s.ConfigChanged {
		t.changed = append(t.changed, s.Name)
	}

	if t.rows > 0 && s.Name < t.lastName {
		t.ordered = false
	}
	t.lastName = s.Name
	t.rows++

	size := binary.MaxVarintLen64 + len(s.Name) + len(cells) // the length, the name, the separators
	for _, c := range cells {
		size += len(c)
	}
	buf := t.chunkFor(size)
	buf = binary.AppendUvarint(buf, uint64(len(s.Name)))
	buf = append(buf, s.Name...)
	for i, c := range cells {
		buf = append(buf, c...)
		if i < len(t.widths) {
			buf = append(buf, '\t')
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(c))
		}
	}
	t.chunks[len(t.chunks)-1] = append(buf, '\n')
}

// chunkFor returns the last chunk, after adding a new one if that one
// has less than size bytes free.
func (t *statusTable) chunkFor(size int) []byte {
	if n := len(t.chunks); n > 0 && cap(t.chunks[n-1])-len(t.chunks[n-1]) >= size {
		return t.chunks[n-1]
	}
	t.chunks = append(t.chunks, make([]byte, 0, max(size, tableChunkSize)))
	return t.chunks[len(t.chunks)-1]
}

// eachRow calls fn with each row, in the order added.
func (t *statusTable) eachRow(fn func(tableRow)) {
	for _, chunk := range t.chunks {
		for len(chunk) > 0 {
			var r tableRow
			r, chunk = nextRow(chunk)
			fn(r)
		}
	}
}

// writeTo writes the header and the rows to w.
func (t *statusTable) writeTo(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 16<<10)
	t.writeRow(bw, []byte(tableHeader))
	if t.sorted && !t.ordered {
		rows := make([]tableRow, 0, t.rows)
		t.eachRow(func(r tableRow) { rows = append(rows, r) })
		slices.SortStableFunc(rows, func(a, b tableRow) int { return bytes.Compare(a.name, b.name) })
		for _, r := range rows {
			t.writeRow(bw, r.cells)
		}
	} else {
		t.eachRow(func(r tableRow) { t.writeRow(bw, r.cells) })
	}
	return bw.Flush()
}

// tableRow is a row of a statusTable as its chunks hold it.
type tableRow struct {
	name  []byte // the service's name, to sort on
	cells []byte // the cells, separated by tabs, without the newline
}

// nextRow returns the first row of buf, which holds rows as the chunks of
// a statusTable do, and what follows it.
func nextRow(buf []byte) (tableRow, []byte) {
	n, size := binary.Uvarint(buf)
	buf = buf[size:]
	name, buf := buf[:n], buf[n:]
	end := bytes.IndexByte(buf, '\n')
	return tableRow{name: name, cells: buf[:end]}, buf[end+1:]
}

// spaces pads cells.
const spaces = "                                "

// writeRow writes one row, given as its cells separated by tabs, each
// cell but the last padded to its column's width.
//
// Errors are left to w's Flush.
func (t *statusTable) writeRow(w *bufio.Writer, cells []byte) {
	for i := range t.widths {
		cell, rest, _ := bytes.Cut(cells, []byte{'\t'})
		cells = rest
		_, _ = w.Write(cell)
		for pad := t.widths[i] + tablePadding - utf8.RuneCount(cell); pad > 0; {
			n := min(pad, len(spaces))
			_, _ = w.WriteString(spaces[:n])
			pad -= n
		}
	}
	_, _ = w.Write(cells)
	_ = w.WriteByte('\n')
}
