package dashboard

import (
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/yamlfile"
)

// maxFileSize bounds one dashboard file; real ones are a few kilobytes.
const maxFileSize = 256 << 10

var (
	pageIDPattern  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	panelIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)
)

// LoadError is one problem in a dashboard file, located by file, line and field path (e.g.
// "panels[2].options.by").
type LoadError = yamlfile.Error

// LoadErrors returns every *LoadError inside err (as returned by Load), in order.
func LoadErrors(err error) []*LoadError { return yamlfile.Errors(err) }

// Load reads every *.yaml file at the root of fsys as one page and validates them all. On any problem it
// returns a nil catalog and an error joining one *LoadError per problem, across all files.
func Load(fsys fs.FS) (*Catalog, error) {
	pages, err := yamlfile.LoadAll(fsys, "dashboard", maxFileSize, Parse)
	if err != nil {
		return nil, err
	}
	c := &Catalog{pages: pages}
	slices.SortStableFunc(c.pages, func(a, b *Page) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		return strings.Compare(a.ID, b.ID)
	})
	return c, nil
}

// Parse decodes and validates one page file; name must be the page id plus ".yaml". It returns the page
// only when there are no errors.
func Parse(name string, data []byte) (*Page, []*LoadError) {
	d := &decoder{yamlfile.Decoder{File: name, Kind: "dashboard"}}
	root := d.Document(data)
	if root == nil {
		return nil, d.Errs
	}
	p := d.page(root)
	if errs := d.Done(root, p.ID); errs != nil {
		return nil, errs
	}
	return p, nil
}

// decoder reads one file: the shared walking of yaml.v3 nodes with line and field path (yamlfile),
// and this package's own structure on top.
type decoder struct {
	yamlfile.Decoder
}

// l10n decodes a {ja: …, en: …} pair; both translations are required.
func (d *decoder) l10n(n *yaml.Node, field string) L10n {
	if n.Kind == yaml.ScalarNode {
		d.Errorf(n, field, "must give both translations, e.g. {ja: …, en: …}")
		return L10n{}
	}
	m := d.Fields(n, field, "ja", "en")
	if m == nil {
		return L10n{}
	}
	d.Need(m, n, field, "ja", "en")
	var t L10n
	if v, ok := m["ja"]; ok {
		t.JA = d.Str(v, yamlfile.Path(field, "ja"))
	}
	if v, ok := m["en"]; ok {
		t.EN = d.Str(v, yamlfile.Path(field, "en"))
	}
	return t
}

func (d *decoder) page(n *yaml.Node) *Page {
	p := &Page{File: d.File}
	m := d.Fields(n, "", "id", "order", "title", "description", "roles", "filters", "defaults", "panels")
	if m == nil {
		return p
	}
	d.Need(m, n, "", "id", "title", "roles", "panels")
	if v, ok := m["id"]; ok {
		if id, ok := d.Scalar(v, "id"); ok {
			if pageIDPattern.MatchString(id) {
				p.ID = id
			} else {
				d.Errorf(v, "id", "%q must be lower-case letters, digits and hyphens (at most 32)", id)
			}
		}
	}
	if v, ok := m["order"]; ok {
		if s, ok := d.Scalar(v, "order"); ok {
			o, err := strconv.Atoi(s)
			if err != nil || v.ShortTag() != "!!int" {
				d.Errorf(v, "order", "must be a whole number, found %s", yamlfile.Describe(v))
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
	items := d.Seq(n, "roles")
	if items != nil && len(items) == 0 {
		d.Errorf(n, "roles", "name at least one role")
	}
	for i, it := range items {
		f := fmt.Sprintf("roles[%d]", i)
		s, ok := d.Scalar(it, f)
		if !ok {
			continue
		}
		r := tenant.Role(s)
		switch {
		case !r.Valid():
			d.Errorf(it, f, "unknown role %q: want hr_admin, hr_viewer or leadership", s)
		case slices.Contains(out, r):
			d.Errorf(it, f, "role %q is listed twice", s)
		default:
			out = append(out, r)
		}
	}
	return out
}

func (d *decoder) filterList(n *yaml.Node) []string {
	out := []string{}
	for i, it := range d.Seq(n, "filters") {
		f := fmt.Sprintf("filters[%d]", i)
		s, ok := d.Scalar(it, f)
		if !ok {
			continue
		}
		switch {
		case !slices.Contains(FilterFields, s):
			d.Errorf(it, f, "unknown filter %q: want one of %s%s", s, strings.Join(FilterFields, ", "), yamlfile.Suggest(s, FilterFields))
		case slices.Contains(out, s):
			d.Errorf(it, f, "filter %q is listed twice", s)
		default:
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) defaults(n *yaml.Node) Filters {
	m := d.Fields(n, "defaults", FilterFields...)
	q := url.Values{}
	for k, v := range m {
		if s, ok := d.Scalar(v, yamlfile.Path("defaults", k)); ok {
			q.Set(k, s)
		}
	}
	f, problems := ParseFilters(q)
	for _, p := range problems {
		d.Errorf(m[p.Field], yamlfile.Path("defaults", p.Field), "%q is not a valid %s filter value", p.Value, p.Field)
	}
	return f
}

func (d *decoder) panels(p *Page, n *yaml.Node) {
	items := d.Seq(n, "panels")
	if items != nil && len(items) == 0 {
		d.Errorf(n, "panels", "a page needs at least one panel")
	}
	seen := map[string]bool{}
	for i, it := range items {
		f := fmt.Sprintf("panels[%d]", i)
		pn, ok := d.panel(it, f)
		if !ok {
			continue
		}
		if seen[pn.ID] {
			d.Errorf(it, yamlfile.Path(f, "id"), "panel id %q is used twice on this page", pn.ID)
			continue
		}
		seen[pn.ID] = true
		spec := Insights[pn.Insight]
		if spec.HROnly {
			if slices.Contains(p.Roles, tenant.RoleLeadership) {
				d.Errorf(it, yamlfile.Path(f, "insight"), "insight %q is for HR only, but leadership may open this page: "+
					"move the panel to an HR-only page or remove leadership from roles", pn.Insight)
			}
		}
		p.Panels = append(p.Panels, pn)
	}
}

func (d *decoder) panel(n *yaml.Node, f string) (Panel, bool) {
	pn := Panel{Line: n.Line, Width: WidthHalf, Options: map[string]string{}}
	before := len(d.Errs)
	m := d.Fields(n, f, "id", "title", "description", "insight", "chart", "width", "options")
	if m == nil {
		return pn, false
	}
	d.Need(m, n, f, "id", "title", "insight", "chart")
	if v, ok := m["id"]; ok {
		if id, ok := d.Scalar(v, yamlfile.Path(f, "id")); ok {
			if panelIDPattern.MatchString(id) {
				pn.ID = id
			} else {
				d.Errorf(v, yamlfile.Path(f, "id"), "%q must be snake_case (a lower-case letter, then letters, digits or _)", id)
			}
		}
	}
	if v, ok := m["title"]; ok {
		pn.Title = d.l10n(v, yamlfile.Path(f, "title"))
	}
	if v, ok := m["description"]; ok {
		pn.Description = d.l10n(v, yamlfile.Path(f, "description"))
	}
	var spec Spec
	var known bool
	if v, ok := m["insight"]; ok {
		if s, ok := d.Scalar(v, yamlfile.Path(f, "insight")); ok {
			if spec, known = Insights[s]; known {
				pn.Insight = s
			} else {
				names := insightNames()
				d.Errorf(v, yamlfile.Path(f, "insight"), "unknown insight %q%s; known: %s", s, yamlfile.Suggest(s, names), strings.Join(names, ", "))
			}
		}
	}
	if v, ok := m["chart"]; ok {
		if s, ok := d.Scalar(v, yamlfile.Path(f, "chart")); ok {
			c := ChartType(s)
			switch {
			case !slices.Contains(chartTypes, c):
				names := make([]string, len(chartTypes))
				for i, t := range chartTypes {
					names[i] = string(t)
				}
				d.Errorf(v, yamlfile.Path(f, "chart"), "unknown chart type %q%s; known: %s", s, yamlfile.Suggest(s, names), strings.Join(names, ", "))
			case known && !slices.Contains(shapeCharts[spec.Shape], c):
				d.Errorf(v, yamlfile.Path(f, "chart"), "insight %q returns %s data, which a %s chart cannot draw; use %s",
					pn.Insight, spec.Shape, s, chartList(shapeCharts[spec.Shape]))
			default:
				pn.Chart = c
			}
		}
	}
	if v, ok := m["width"]; ok {
		if s, ok := d.Scalar(v, yamlfile.Path(f, "width")); ok {
			if w := Width(s); slices.Contains(widths, w) {
				pn.Width = w
			} else {
				d.Errorf(v, yamlfile.Path(f, "width"), "unknown width %q: want full, two-thirds, half or third", s)
			}
		}
	}
	if v, ok := m["options"]; ok {
		om := d.Fields(v, yamlfile.Path(f, "options"))
		for k, ov := range om {
			of := yamlfile.Path(yamlfile.Path(f, "options"), k)
			s, ok := d.Scalar(ov, of)
			if !ok || !known {
				continue
			}
			opt, allowed := spec.Options[k]
			if !allowed {
				d.Errorf(keyNode(v, k), of, "insight %q has no option %q%s", pn.Insight, k, optionHint(spec))
				continue
			}
			if err := opt.check(s); err != nil {
				d.Errorf(ov, of, "%q %v", s, err)
				continue
			}
			pn.Options[k] = s
		}
	}
	return pn, len(d.Errs) == before
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
