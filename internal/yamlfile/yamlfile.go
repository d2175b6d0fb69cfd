// Package yamlfile reads definition files written by hand in YAML (surveys, dashboard pages): one
// document per file, walked node by node so that every problem is reported with its file, line and field
// path, and reading goes on after the first problem.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var yamlLinePattern = regexp.MustCompile(`line (\d+)`)

// Error is one problem in a file, located by file, line and field path (e.g. "questions[3].show_if.in[1]").
type Error struct {
	File  string
	Line  int // 1-based; 0 when the problem concerns the whole file
	Field string
	Msg   string
}

// Error formats the problem as "file:line: field: message".
func (e *Error) Error() string {
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

// Errors returns every *Error inside err (as joined by Join or errors.Join), in order.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if le, ok := err.(*Error); ok {
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

// Join joins errs into one error (nil when there are none).
func Join(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	es := make([]error, len(errs))
	for i, e := range errs {
		es[i] = e
	}
	return errors.Join(es...)
}

// ReadLimited reads a file, refusing ones larger than max bytes.
func ReadLimited(fsys fs.FS, name string, max int) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > max {
		return nil, fmt.Errorf("file larger than %d bytes", max)
	}
	return data, nil
}

// LoadAll reads every *.yaml file at the root of fsys (each at most max bytes; kind names them in
// messages) and parses each with parse. It returns the values in file-name order, or nil and an error
// joining every problem of every file.
func LoadAll[T any](fsys fs.FS, kind string, max int, parse func(name string, data []byte) (T, []*Error)) ([]T, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list %s files: %w", kind, err)
	}
	if len(names) == 0 {
		return nil, &Error{File: ".", Msg: "no *.yaml " + kind + " files found"}
	}
	var out []T
	var errs []*Error
	for _, name := range names {
		data, err := ReadLimited(fsys, name, max)
		if err != nil {
			errs = append(errs, &Error{File: name, Msg: err.Error()})
			continue
		}
		v, fileErrs := parse(name, data)
		if len(fileErrs) > 0 {
			errs = append(errs, fileErrs...)
			continue
		}
		out = append(out, v)
	}
	if len(errs) > 0 {
		return nil, Join(errs)
	}
	return out, nil
}

// Done ends the reading of a file whose root held id: the id must be the file's name without ".yaml".
// It returns the file's problems in line order, or nil when there are none.
func (d *Decoder) Done(root *yaml.Node, id string) []*Error {
	if want := strings.TrimSuffix(path.Base(d.File), ".yaml"); id != "" && id != want {
		d.Errorf(root, "id", "id %q must match the file name %q", id, want+".yaml")
	}
	if len(d.Errs) == 0 {
		return nil
	}
	slices.SortStableFunc(d.Errs, func(a, b *Error) int { return a.Line - b.Line })
	return d.Errs
}

// Decoder collects the problems of one file. Kind names the file's kind in messages ("survey").
type Decoder struct {
	File string
	Kind string
	Errs []*Error
}

// Document parses data as exactly one YAML document and returns its root node (nil after a problem).
func (d *Decoder) Document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.Errs = append(d.Errs, &Error{File: d.File, Line: 1, Msg: "empty " + d.Kind + " file"})
		} else {
			d.yamlError(err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.Errorf(&extra, "", "a %s file holds one YAML document; found another", d.Kind)
		return nil
	case !errors.Is(err, io.EOF):
		d.yamlError(err)
		return nil
	}
	if len(doc.Content) == 0 {
		d.Errs = append(d.Errs, &Error{File: d.File, Line: 1, Msg: "empty " + d.Kind + " file"})
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		d.Errorf(root, "", "empty %s file", d.Kind)
		return nil
	}
	return root
}

func (d *Decoder) Errorf(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.Errs = append(d.Errs, &Error{File: d.File, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// yamlError records a YAML syntax error. yaml.v3 reports the problem's line
// for some errors and the (0-based) start of the enclosing collection for
// others, and nothing on the first line, so the line is only near the problem.
func (d *Decoder) yamlError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLinePattern.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(msg, m[0]+": ")
	}
	d.Errs = append(d.Errs, &Error{File: d.File, Line: line, Msg: "invalid YAML near this line: " + msg})
}

// Fields checks that n is a mapping whose keys are all allowed (any key when allowed is nil), reports unknown
// and repeated keys, and returns the value node of each key present.
func (d *Decoder) Fields(n *yaml.Node, field string, allowed ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, field, "must be a mapping (key: value lines), found %s", Describe(n))
		return nil
	}
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.Errorf(k, field, "keys must be plain names, found %s", Describe(k))
			continue
		}
		sub := Path(field, k.Value)
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			hint := Suggest(k.Value, allowed)
			if n.Style&yaml.FlowStyle != 0 && v.ShortTag() == "!!null" {
				hint = ` (a comma inside {…} starts a new key: put text containing ", " in quotes)`
			}
			d.Errorf(k, sub, "unknown key %q%s", k.Value, hint)
			continue
		}
		if _, dup := m[k.Value]; dup {
			d.Errorf(k, sub, "key %q appears twice", k.Value)
			continue
		}
		m[k.Value] = v
	}
	return m
}

// Need reports required keys missing from the mapping n.
func (d *Decoder) Need(m map[string]*yaml.Node, n *yaml.Node, field string, keys ...string) {
	if m == nil {
		return // n was not a mapping; already reported
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			d.Errorf(n, Path(field, k), "missing required key %q", k)
		}
	}
}

// Scalar returns the value of a non-null scalar node.
func (d *Decoder) Scalar(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.Errorf(n, field, "must be a single value, found %s", Describe(n))
		return "", false
	}
	return n.Value, true
}

// Seq returns the items of a sequence node.
func (d *Decoder) Seq(n *yaml.Node, field string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, field, "must be a list, found %s", Describe(n))
		return nil
	}
	return n.Content
}

// Str returns a non-empty string value.
func (d *Decoder) Str(n *yaml.Node, field string) string {
	v, ok := d.Scalar(n, field)
	if ok && strings.TrimSpace(v) == "" {
		d.Errorf(n, field, "must not be empty")
		return ""
	}
	return v
}

func Path(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// Describe names a node's kind for messages.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias (*" + n.Value + "); aliases are not supported"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	}
	return "unexpected YAML"
}

// Suggest returns ` (did you mean "x"?)` for the allowed name closest to a typo.
func Suggest(got string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		if dist := editDistance(got, a); dist < bestDist {
			best, bestDist = a, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between short ASCII-ish names.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
