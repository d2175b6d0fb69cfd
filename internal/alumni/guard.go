package alumni

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// rowGuard sits between the decoder and encoding/csv and hands over whole CSV records. encoding/csv buffers a
// record however long it is, so one giant line or an unterminated quote would pull the whole file into memory;
// the guard instead drops any record longer than max bytes while reading it, replaces it with as many empty
// lines (which encoding/csv skips, so its line numbers stay right), and remembers where it started so the
// Reader can report it. Memory is bounded by max plus the read buffers.
//
// To find record boundaries it tracks quoting the way encoding/csv does (RFC 4180 with its error recovery:
// after a malformed quote the rest of the physical line is discarded).
type rowGuard struct {
	src      *bufio.Reader
	comma    byte
	max      int
	pend     []byte // [off, readyEnd): complete records for Read; [readyEnd:]: the record being read
	off      int
	readyEnd int
	blank    int // empty lines still to emit in place of a dropped record
	line     int // physical line of the next byte
	start    int // line where the current record started
	st       quoteState
	inRecord bool
	dropping bool
	dropped  []int // start lines of dropped records not yet taken by the Reader, oldest first
	err      error
}

type quoteState uint8

const (
	stFieldStart quoteState = iota
	stUnquoted
	stQuoted
	stQuoteInQuoted // saw `"` inside a quoted field: either `""`, or the end of the field
	stBad           // malformed quoting: encoding/csv discards the rest of the line
)

func newRowGuard(src io.Reader, comma byte, max int) *rowGuard {
	return &rowGuard{src: bufio.NewReaderSize(src, 16<<10), comma: comma, max: max, line: 1}
}

func (g *rowGuard) Read(p []byte) (int, error) {
	for {
		if g.off < g.readyEnd {
			n := copy(p, g.pend[g.off:g.readyEnd])
			g.off += n
			return n, nil
		}
		if g.blank > 0 {
			n := min(g.blank, len(p))
			for i := range n {
				p[i] = '\n'
			}
			g.blank -= n
			return n, nil
		}
		if g.err != nil {
			return 0, g.err
		}
		g.pend = g.pend[:copy(g.pend, g.pend[g.readyEnd:])]
		g.off, g.readyEnd = 0, 0
		g.fill(len(p))
	}
}

// fill reads until it has about want bytes of complete records, the source would block, a dropped record
// has ended (its blank lines must come out before later records), or the source is exhausted.
func (g *rowGuard) fill(want int) {
	for {
		chunk, err := g.src.ReadSlice('\n')
		if len(chunk) > 0 && g.take(chunk) {
			return
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
		case err != nil:
			if g.inRecord {
				g.endRecord()
			}
			g.err = err
			return
		}
		if g.readyEnd >= want || (g.readyEnd > 0 && g.src.Buffered() == 0) {
			return
		}
	}
}

// take consumes one chunk from ReadSlice (so a '\n' can only be its last byte) and reports whether it ended
// a dropped record.
func (g *rowGuard) take(chunk []byte) bool {
	if !g.inRecord {
		g.inRecord, g.start = true, g.line
	}
	for _, c := range chunk {
		switch g.st {
		case stFieldStart:
			switch c {
			case '"':
				g.st = stQuoted
			case g.comma, '\n':
			default:
				g.st = stUnquoted
			}
		case stUnquoted:
			switch c {
			case g.comma:
				g.st = stFieldStart
			case '"':
				g.st = stBad
			}
		case stQuoted:
			if c == '"' {
				g.st = stQuoteInQuoted
			}
		case stQuoteInQuoted:
			switch c {
			case '"':
				g.st = stQuoted
			case g.comma:
				g.st = stFieldStart
			case '\r', '\n':
			default:
				g.st = stBad
			}
		}
	}
	ended := chunk[len(chunk)-1] == '\n' && g.st != stQuoted
	if chunk[len(chunk)-1] == '\n' {
		g.line++
	}
	if g.dropping {
		if chunk[len(chunk)-1] == '\n' {
			g.blank++
		}
	} else {
		g.pend = append(g.pend, chunk...)
		if len(g.pend)-g.readyEnd > g.max {
			g.dropping = true
			g.blank += bytes.Count(g.pend[g.readyEnd:], []byte{'\n'})
			g.pend = g.pend[:g.readyEnd]
		}
	}
	if !ended {
		return false
	}
	return g.endRecord()
}

// endRecord closes the current record and reports whether it was dropped.
func (g *rowGuard) endRecord() bool {
	g.st, g.inRecord = stFieldStart, false
	if g.dropping {
		g.dropping = false
		g.dropped = append(g.dropped, g.start)
		return true
	}
	g.readyEnd = len(g.pend)
	return false
}
