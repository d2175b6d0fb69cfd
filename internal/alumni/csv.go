package alumni

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/transform"
)

// Reader streams alumni records out of a CSV file as Japanese HR systems export it: UTF-8 (with or without
// BOM) or Shift_JIS, Japanese or English headers. Memory stays flat in the file size: only the current row,
// read buffers and the set of employee codes seen are held. A Reader is not safe for concurrent use, except
// BytesRead, which a progress bar may poll from another goroutine.
type Reader struct {
	count    *countingReader
	detect   *detector
	guard    *rowGuard
	csv      *csv.Reader
	check    *checker
	colField []fieldID // CSV column index → field; -1 for unknown columns
	names    [numFields]string
	warnings []RowError

	// held is a row read from encoding/csv but not yet returned, because a dropped (too long) row that came
	// before it in the file has to be reported first.
	held    heldRow
	hasHeld bool
}

type heldRow struct {
	fields []string
	line   int
	err    error           // io.EOF or a *csv.ParseError
	parse  *csv.ParseError // err, when it is one
}

// NewReader reads and checks the header. It returns a *HeaderError when required columns are missing or a
// field is named twice; unknown columns are ignored and listed by Warnings.
func NewReader(r io.Reader, opts ReaderOptions) (*Reader, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	cr := &countingReader{r: r}
	det := newDetector(opts.Encoding)
	guard := newRowGuard(transform.NewReader(cr, det), byte(opts.Comma), opts.MaxRowBytes)
	c := csv.NewReader(guard)
	c.Comma = opts.Comma
	c.ReuseRecord = true
	rd := &Reader{count: cr, detect: det, guard: guard, csv: c, check: newChecker(opts)}
	if err := rd.readHeader(); err != nil {
		return nil, err
	}
	return rd, nil
}

func (rd *Reader) readHeader() error {
	header, err := rd.csv.Read()
	if len(rd.guard.dropped) > 0 && rd.guard.dropped[0] == 1 {
		return &HeaderError{Reason: fmt.Sprintf("header row longer than the %d-byte row limit", rd.guard.max)}
	}
	switch {
	case errors.Is(err, io.EOF):
		return &HeaderError{Reason: "empty file"}
	case err != nil:
		return fmt.Errorf("read header: %w", err)
	}
	line, _ := rd.csv.FieldPos(0)
	if line != 1 {
		// Blank lines before the header would make "header = line 1" untrue in messages; HR exports have none.
		return &HeaderError{Reason: fmt.Sprintf("the header must be on line 1, found it on line %d", line)}
	}
	rd.colField = make([]fieldID, len(header))
	seen := make(map[fieldID]string)
	hErr := &HeaderError{}
	for i, raw := range header {
		name := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
		f, ok := fieldByKey[normKey(name)]
		if !ok {
			rd.colField[i] = -1
			if name != "" {
				rd.warnings = append(rd.warnings, RowError{Line: 1, Column: name, Kind: KindUnknownColumn,
					Reason: "unknown column, ignored", Warning: true})
			}
			continue
		}
		if prev, dup := seen[f]; dup {
			hErr.Duplicate = append(hErr.Duplicate, fmt.Sprintf("%s / %s → %s", prev, name, fieldSpecs[f].name))
			rd.colField[i] = -1
			continue
		}
		seen[f] = name
		rd.colField[i] = f
		rd.names[f] = name
	}
	for f, spec := range fieldSpecs {
		if _, ok := seen[fieldID(f)]; spec.required && !ok {
			hErr.Missing = append(hErr.Missing, spec.name)
		}
	}
	if hErr.Missing != nil || hErr.Duplicate != nil {
		return hErr
	}
	return nil
}

// Warnings returns header-level warnings (unknown columns).
func (rd *Reader) Warnings() []RowError { return rd.warnings }

// Encoding reports the encoding in use: detected, forced, or EncodingUTF8 while only ASCII has been read.
func (rd *Reader) Encoding() Encoding { return rd.detect.encoding() }

// BytesRead reports how many bytes of the input have been consumed, for a progress bar. It runs ahead of
// the rows returned by up to the read buffers' size (tens of kilobytes).
func (rd *Reader) BytesRead() int64 { return rd.count.n.Load() }

// Next returns the next row's record and its problems, or io.EOF after the last row. When HasErrors(problems)
// the record is partial and must not be stored; warnings alone leave it usable. Rows whose cells are all empty
// (Excel leaves such rows at the end) are skipped silently. Any other error is an I/O error and is final.
func (rd *Reader) Next() (Record, []RowError, error) {
	for {
		row := rd.held
		if !rd.hasHeld {
			fields, err := rd.csv.Read()
			row = heldRow{fields: fields, err: err}
			var pe *csv.ParseError
			switch {
			case err == nil:
				row.line, _ = rd.csv.FieldPos(0)
			case errors.As(err, &pe):
				row.line, row.parse = pe.StartLine, pe
			case errors.Is(err, io.EOF):
				row.line = int(^uint(0) >> 1)
			default:
				return Record{}, nil, fmt.Errorf("read CSV: %w", err)
			}
		}
		rd.hasHeld = false
		if len(rd.guard.dropped) > 0 && rd.guard.dropped[0] < row.line {
			line := rd.guard.dropped[0]
			rd.guard.dropped = rd.guard.dropped[1:]
			rd.held, rd.hasHeld = row, true
			return Record{}, []RowError{{Line: line, Kind: KindRowTooLong,
				Reason: fmt.Sprintf("row longer than %d bytes, skipped", rd.guard.max)}}, nil
		}
		if errors.Is(row.err, io.EOF) {
			return Record{}, nil, io.EOF
		}
		if row.parse != nil {
			return Record{}, []RowError{parseProblem(row.parse, len(row.fields), len(rd.colField))}, nil
		}
		var vals [numFields]string
		empty := true
		for i, cell := range row.fields {
			if f := rd.colField[i]; f >= 0 {
				vals[f] = cell
			}
			empty = empty && strings.TrimSpace(cell) == ""
		}
		if empty {
			continue
		}
		rc := rowCheck{line: row.line, cols: &rd.names}
		rec := rd.check.check(&vals, &rc)
		return rec, rc.problems, nil
	}
}

func parseProblem(pe *csv.ParseError, got, want int) RowError {
	e := RowError{Line: pe.StartLine, Kind: KindParse}
	where := ""
	if pe.Line != pe.StartLine {
		where = fmt.Sprintf(" on line %d", pe.Line) // the row spans lines; say which one is broken
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		e.Kind = KindFieldCount
		e.Reason = fmt.Sprintf("%d fields where the header has %d (a comma inside a value must be quoted)", got, want)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		e.Reason = "a \" inside an unquoted value" + where + " (quote the value and double the \")"
	case errors.Is(pe.Err, csv.ErrQuote):
		e.Reason = "malformed quoted value" + where + " (unclosed quote, or text after the closing \")"
	default:
		e.Reason = pe.Err.Error()
	}
	return e
}
