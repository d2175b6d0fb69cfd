package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// maxFileSize bounds one dashboard file; real ones are a few kilobytes.
const maxFileSize = 256 << 10

var (
	pageIDPattern   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	panelIDPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)
	yamlLinePattern = regexp.MustCompile(`line (\d+)`)
)

// LoadError is one problem in a dashboard file, located by file, line and field path (e.g.
// "panels[2].options.by").
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

// Load reads every *.yaml file at the root of fsys as one page and validates them all. On any problem it
// returns a nil catalog and an error joining one *LoadError per problem, across all files.
func Load(fsys fs.FS) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list dashboard files: %w", err)
	}
	if len(names) == 0 {
		return nil, &LoadError{File: ".", Msg: "no *.yaml dashboard files found"}
	}
	c := &Catalog{}
	var errs []error
	for _, name := range names {
		data, err := readLimited(fsys, name)
		if err != nil {
			errs = append(errs, &LoadError{File: name, Msg: err.Error()})
			continue
		}
		p, fileErrs := Parse(name, data)
		for _, e := range fileErrs {
			errs = append(errs, e)
		}
		if p != nil {
			c.pages = append(c.pages, p)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortStableFunc(c.pages, func(a, b *Page) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.ID, b.ID)
	})
	return c, nil
}

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("file larger than %d bytes", maxFileSize)
	}
	return data, nil
}

// Parse decodes and validates one page file; name must be the page id plus ".yaml". It returns the page
// only when there are no errors.
func Parse(name string, data []byte) (*Page, []*LoadError) {
	d := &decoder{file: name}
	root := d.document(data)
	if root == nil {
		return nil, d.errs
	}
	p := d.page(root)
	if want := strings.TrimSuffix(path.Base(name), ".yaml"); p.ID != "" && p.ID != want {
		d.errorf(root, "id", "id %q must match the file name %q", p.ID, want+".yaml")
	}
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, func(a, b *LoadError) int { return a.Line - b.Line })
		return nil, d.errs
	}
	return p, nil
}

// decoder walks a yaml.v3 node tree by hand so that every problem is reported with its line and field
// path, and decoding goes on after the first one.
type decoder struct {
	file string
	errs []*LoadError
}

func (d *decoder) errorf(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &LoadError{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errs = append(d.errs, &LoadError{File: d.file, Line: 1, Msg: "empty dashboard file"})
		} else {
			d.yamlError(err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.errorf(&extra, "", "a dashboard file holds one YAML document; found another")
		return nil
	case !errors.Is(err, io.EOF):
		d.yamlError(err)
		return nil
	}
	if len(doc.Content) == 0 || (doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].ShortTag() == "!!null") {
		d.errs = append(d.errs, &LoadError{File: d.file, Line: 1, Msg: "empty dashboard file"})
		return nil
	}
	return doc.Content[0]
}

// yamlError records a YAML syntax error; yaml.v3 reports a line near the problem (or none on line 1).
func (d *decoder) yamlError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLinePattern.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimPrefix(msg, m[0]+": ")
	}
	d.errs = append(d.errs, &LoadError{File: d.file, Line: line, Msg: "invalid YAML near this line: " + msg})
}

// fields checks that n is a mapping whose keys are all allowed and returns the value node of each key.
func (d *decoder) fields(n *yaml.Node, field string, allowed ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, field, "must be a mapping (key: value lines), found %s", describe(n))
		return nil
	}
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, field, "keys must be plain names, found %s", describe(k))
			continue
		}
		sub := join(field, k.Value)
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			hint := suggest(k.Value, allowed)
			if n.Style&yaml.FlowStyle != 0 && v.ShortTag() == "!!null" {
				hint = ` (a comma inside {…} starts a new key: put text containing ", " in quotes)`
			}
			d.errorf(k, sub, "unknown key %q%s", k.Value, hint)
			continue
		}
		if _, dup := m[k.Value]; dup {
			d.errorf(k, sub, "key %q appears twice", k.Value)
			continue
		}
		m[k.Value] = v
	}
	return m
}

func (d *decoder) need(m map[string]*yaml.Node, n *yaml.Node, field string, keys ...string) {
	if m == nil {
		return
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			d.errorf(n, join(field, k), "missing required key %q", k)
		}
	}
}

func (d *decoder) scalar(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.errorf(n, field, "must be a single value, found %s", describe(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) str(n *yaml.Node, field string) string {
	v, ok := d.scalar(n, field)
	if ok && strings.TrimSpace(v) == "" {
		d.errorf(n, field, "must not be empty")
		return ""
	}
	return v
}

func (d *decoder) seq(n *yaml.Node, field string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, field, "must be a list, found %s", describe(n))
		return nil
	}
	return n.Content
}

// l10n decodes a {ja: …, en: …} pair; both translations are required.
func (d *decoder) l10n(n *yaml.Node, field string) L10n {
	if n.Kind == yaml.ScalarNode {
		d.errorf(n, field, "must give both translations, e.g. {ja: …, en: …}")
		return L10n{}
	}
	m := d.fields(n, field, "ja", "en")
	if m == nil {
		return L10n{}
	}
	d.need(m, n, field, "ja", "en")
	var t L10n
	if v, ok := m["ja"]; ok {
		t.JA = d.str(v, join(field, "ja"))
	}
	if v, ok := m["en"]; ok {
		t.EN = d.str(v, join(field, "en"))
	}
	return t
}

func (d *decoder) page(n *yaml.Node) *Page {
	p := &Page{File: d.file}
	m := d.fields(n, "", "id", "order", "title", "description", "roles", "filters", "defaults", "panels")
	if m == nil {
		return p
	}
	d.need(m, n, "", "id", "title", "roles", "panels")
	if v, ok := m["id"]; ok {
		if id, ok := d.scalar(v, "id"); ok {
			if pageIDPattern.MatchString(id) {
				p.ID = id
			} else {
				d.errorf(v, "id", "%q must be lower-case letters, digits and hyphens (at most 32)", id)
			}
		}
	}
	if v, ok := m["order"]; ok {
		if s, ok := d.scalar(v, "order"); ok {
			o, err := strconv.Atoi(s)
			if err != nil || v.ShortTag() != "!!int" {
				d.errorf(v, "order", "must be a whole number, found %s", describe(v))
			}
			p.Order = o
		}
	}
	if v, ok := m["title"]; ok {
		p.Title = d.l10n(v, "title")
	}
	if v, ok := m["description"]; ok {
		p.Description = d.l10n(v, "description")
	}
	if v, ok := m["roles"]; ok {
		p.Roles = d.roles(v)
	}
	p.Filters = FilterFields
	if v, ok := m["filters"]; ok {
		p.Filters = d.filterList(v)
	}
	if v, ok := m["defaults"]; ok {
		p.Defaults = d.defaults(v)
	}
	if v, ok := m["panels"]; ok {
		d.panels(p, v)
	}
	return p
}

func (d *decoder) roles(n *yaml.Node) []tenant.Role {
	var out []tenant.Role
	items := d.seq(n, "roles")
	if items != nil && len(items) == 0 {
		d.errorf(n, "roles", "name at least one role")
	}
	for i, it := range items {
		f := fmt.Sprintf("roles[%d]", i)
		s, ok := d.scalar(it, f)
		if !ok {
			continue
		}
		r := tenant.Role(s)
		switch {
		case !r.Valid():
			d.errorf(it, f, "unknown role %q: want hr_admin, hr_viewer or leadership", s)
		case slices.Contains(out, r):
			d.errorf(it, f, "role %q is listed twice", s)
		default:
			out = append(out, r)
		}
	}
	return out
}

func (d *decoder) filterList(n *yaml.Node) []string {
	out := []string{}
	for i, it := range d.seq(n, "filters") {
		f := fmt.Sprintf("filters[%d]", i)
		s, ok := d.scalar(it, f)
		if !ok {
			continue
		}
		switch {
		case !slices.Contains(FilterFields, s):
			d.errorf(it, f, "unknown filter %q: want one of %s%s", s, strings.Join(FilterFields, ", "), suggest(s, FilterFields))
		case slices.Contains(out, s):
			d.errorf(it, f, "filter %q is listed twice", s)
		default:
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) defaults(n *yaml.Node) Filters {
	m := d.fields(n, "defaults", FilterFields...)
	q := url.Values{}
	for k, v := range m {
		if s, ok := d.scalar(v, join("defaults", k)); ok {
			q.Set(k, s)
		}
	}
	f, problems := ParseFilters(q)
	for _, p := range problems {
		d.errorf(m[p.Field], join("defaults", p.Field), "%q is not a valid %s filter value", p.Value, p.Field)
	}
	return f
}

func (d *decoder) panels(p *Page, n *yaml.Node) {
	items := d.seq(n, "panels")
	if items != nil && len(items) == 0 {
		d.errorf(n, "panels", "a page needs at least one panel")
	}
	seen := map[string]bool{}
	for i, it := range items {
		f := fmt.Sprintf("panels[%d]", i)
		pn, ok := d.panel(it, f)
		if !ok {
			continue
		}
		if seen[pn.ID] {
			d.errorf(it, join(f, "id"), "panel id %q is used twice on this page", pn.ID)
			continue
		}
		seen[pn.ID] = true
		spec := Insights[pn.Insight]
		if spec.HROnly {
			if slices.Contains(p.Roles, tenant.RoleLeadership) {
				d.errorf(it, join(f, "insight"), "insight %q is for HR only, but leadership may open this page: "+
					"move the panel to an HR-only page or remove leadership from roles", pn.Insight)
			}
		}
		p.Panels = append(p.Panels, pn)
	}
}

func (d *decoder) panel(n *yaml.Node, f string) (Panel, bool) {
	pn := Panel{Line: n.Line, Width: WidthHalf, Options: map[string]string{}}
	before := len(d.errs)
	m := d.fields(n, f, "id", "title", "description", "insight", "chart", "width", "options")
	if m == nil {
		return pn, false
	}
	d.need(m, n, f, "id", "title", "insight", "chart")
	if v, ok := m["id"]; ok {
		if id, ok := d.scalar(v, join(f, "id")); ok {
			if panelIDPattern.MatchString(id) {
				pn.ID = id
			} else {
				d.errorf(v, join(f, "id"), "%q must be snake_case (a lower-case letter, then letters, digits or _)", id)
			}
		}
	}
	if v, ok := m["title"]; ok {
		pn.Title = d.l10n(v, join(f, "title"))
	}
	if v, ok := m["description"]; ok {
		pn.Description = d.l10n(v, join(f, "description"))
	}
	var spec Spec
	var known bool
	if v, ok := m["insight"]; ok {
		if s, ok := d.scalar(v, join(f, "insight")); ok {
			if spec, known = Insights[s]; known {
				pn.Insight = s
			} else {
				names := insightNames()
				d.errorf(v, join(f, "insight"), "unknown insight %q%s; known: %s", s, suggest(s, names), strings.Join(names, ", "))
			}
		}
	}
	if v, ok := m["chart"]; ok {
		if s, ok := d.scalar(v, join(f, "chart")); ok {
			c := ChartType(s)
			switch {
			case !slices.Contains(chartTypes, c):
				names := make([]string, len(chartTypes))
				for i, t := range chartTypes {
					names[i] = string(t)
				}
				d.errorf(v, join(f, "chart"), "unknown chart type %q%s; known: %s", s, suggest(s, names), strings.Join(names, ", "))
			case known && !slices.Contains(shapeCharts[spec.Shape], c):
				d.errorf(v, join(f, "chart"), "insight %q returns %s data, which a %s chart cannot draw; use %s",
					pn.Insight, spec.Shape, s, chartList(shapeCharts[spec.Shape]))
			default:
				pn.Chart = c
			}
		}
	}
	if v, ok := m["width"]; ok {
		if s, ok := d.scalar(v, join(f, "width")); ok {
			if w := Width(s); slices.Contains(widths, w) {
				pn.Width = w
			} else {
				d.errorf(v, join(f, "width"), "unknown width %q: want full, two-thirds, half or third", s)
			}
		}
	}
	if v, ok := m["options"]; ok {
		om := d.fields(v, join(f, "options"))
		for k, ov := range om {
			of := join(join(f, "options"), k)
			s, ok := d.scalar(ov, of)
			if !ok || !known {
				continue
			}
			opt, allowed := spec.Options[k]
			if !allowed {
				d.errorf(keyNode(v, k), of, "insight %q has no option %q%s", pn.Insight, k, optionHint(spec))
				continue
			}
			if err := opt.check(s); err != nil {
				d.errorf(ov, of, "%q %v", s, err)
				continue
			}
			pn.Options[k] = s
		}
	}
	return pn, len(d.errs) == before
}

// keyNode returns the key node of k in mapping n (for the line of an unknown option).
func keyNode(n *yaml.Node, k string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i]
		}
	}
	return n
}

func optionHint(s Spec) string {
	if len(s.Options) == 0 {
		return " (it takes no options)"
	}
	names := make([]string, 0, len(s.Options))
	for k := range s.Options {
		names = append(names, k)
	}
	slices.Sort(names)
	return " (it takes: " + strings.Join(names, ", ") + ")"
}

func chartList(cs []ChartType) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, " or ")
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func describe(n *yaml.Node) string {
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

// suggest returns ` (did you mean "x"?)` for the allowed name closest to a typo.
func suggest(got string, allowed []string) string {
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
