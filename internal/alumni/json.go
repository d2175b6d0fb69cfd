package alumni

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// JSONReader streams alumni records out of a JSON array of objects, as the HTTP import endpoint accepts
// them: [{"employee_code": "A001", "exit_date": "2025-03-31", …}, …]. Keys are the canonical field names or
// any CSV header alias (社員番号 …); values are strings, or booleans and numbers where natural. Validation is
// the CSV reader's; problems carry the array index instead of a line. Only one element is held at a time,
// but the caller should still cap the body size (http.MaxBytesReader) since one element can be arbitrarily large.
type JSONReader struct {
	count *countingReader
	dec   *json.Decoder
	check *checker
	index int
	done  bool
}

// NewJSONReader reads the opening bracket of the array. Encoding, Comma and MaxRowBytes options do not apply.
func NewJSONReader(r io.Reader, opts ReaderOptions) (*JSONReader, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	cr := &countingReader{r: r}
	dec := json.NewDecoder(cr)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("read JSON array: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("read JSON: expected an array of alumni objects, got %v", tok)
	}
	return &JSONReader{count: cr, dec: dec, check: newChecker(opts)}, nil
}

// BytesRead reports how many bytes of the input have been consumed.
func (jr *JSONReader) BytesRead() int64 { return jr.count.n.Load() }

// Next returns the next element's record and problems, or io.EOF after the closing bracket. Problems have
// Line 0 and Index set; unknown keys are warnings. Malformed JSON is a final error.
func (jr *JSONReader) Next() (Record, []RowError, error) {
	if jr.done || !jr.dec.More() {
		if !jr.done {
			jr.done = true
			if _, err := jr.dec.Token(); err != nil { // the closing bracket
				return Record{}, nil, fmt.Errorf("read JSON array end: %w", err)
			}
		}
		return Record{}, nil, io.EOF
	}
	index := jr.index
	jr.index++
	var raw json.RawMessage
	if err := jr.dec.Decode(&raw); err != nil {
		jr.done = true
		return Record{}, nil, fmt.Errorf("read JSON element %d: %w", index, err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return Record{}, []RowError{{Index: index, Kind: KindParse, Reason: "element is not a JSON object"}}, nil
	}
	var (
		vals     [numFields]string
		names    [numFields]string
		problems []RowError
	)
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic order of problems
	for _, k := range keys {
		f, ok := fieldByKey[normKey(k)]
		switch {
		case !ok:
			problems = append(problems, RowError{Index: index, Column: k, Kind: KindUnknownColumn,
				Reason: "unknown field, ignored", Warning: true})
			continue
		case names[f] != "":
			problems = append(problems, RowError{Index: index, Column: k, Field: fieldSpecs[f].name, Kind: KindParse,
				Reason: "field given twice (also as " + names[f] + ")"})
			continue
		}
		names[f] = k
		s, err := jsonScalar(obj[k])
		if err != nil {
			problems = append(problems, RowError{Index: index, Column: k, Field: fieldSpecs[f].name, Kind: KindBadValue,
				Reason: err.Error()})
			continue
		}
		vals[f] = s
	}
	for f := range numFields {
		if names[f] == "" {
			names[f] = fieldSpecs[f].name // name absent fields canonically in messages
		}
	}
	rc := rowCheck{index: index, cols: &names, problems: problems}
	rec := jr.check.check(&vals, &rc)
	return rec, rc.problems, nil
}

// jsonScalar renders a JSON string, number, boolean or null as the text a CSV cell would hold.
func jsonScalar(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", nil
	case v[0] == '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case string(v) == "true", string(v) == "false":
		return string(v), nil
	case v[0] == '-' || isDigit(v[0]):
		return string(v), nil
	}
	return "", errors.New("expected a string, number, boolean or null")
}
