package survey

import (
	"errors"
	"fmt"
	"strings"
)

// LoadError is one problem in a survey file, located by file, line and field path
// (e.g. "questions[3].show_if.in[1]"). Load returns all of them joined.
type LoadError struct {
	File  string
	Line  int // 1-based; 0 when the problem concerns the whole file
	Field string
	Msg   string
}

// Error formats the problem as "file:line: field: message".
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// LoadErrors returns every *LoadError inside err (as returned by Load), in order.
func LoadErrors(err error) []*LoadError {
	var out []*LoadError
	var walk func(error)
	walk = func(err error) {
		if le, ok := err.(*LoadError); ok {
			out = append(out, le)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// joinLoadErrors joins errs into one error (nil when there are none).
func joinLoadErrors(errs []*LoadError) error {
	if len(errs) == 0 {
		return nil
	}
	es := make([]error, len(errs))
	for i, e := range errs {
		es[i] = e
	}
	return errors.Join(es...)
}
