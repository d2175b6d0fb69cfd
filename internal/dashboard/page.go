package dashboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Errors Render returns; the web layer maps them to 404 and 403.
var (
	ErrNoPage    = errors.New("no such dashboard page")
	ErrForbidden = errors.New("your role may not open this page")
)

// Options tune a Service.
type Options struct {
	// Parallel bounds the panels computed at once for one page (default 4): each runs its own queries, and
	// one page view must not take every database connection.
	Parallel int
	// PanelTimeout bounds one panel's computation (default 20s); a slow panel fails alone.
	PanelTimeout time.Duration
	// Now is the clock (for periods such as "last 12 months"); time.Now when nil.
	Now func() time.Time
}

// Service renders dashboard pages.
type Service struct {
	cat  *Catalog
	src  Source
	log  *slog.Logger
	opts Options
}

// New returns a Service drawing pages from cat with data from src.
func New(cat *Catalog, src Source, log *slog.Logger, opts Options) *Service {
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.PanelTimeout <= 0 {
		opts.PanelTimeout = 20 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{cat: cat, src: src, log: log, opts: opts}
}

// Catalog returns the loaded pages.
func (s *Service) Catalog() *Catalog { return s.cat }

// Request is one page view.
type Request struct {
	TenantID string
	Role     tenant.Role
	Page     string
	Lang     string
	Query    url.Values
	Location *time.Location // the tenant's zone; Asia/Tokyo when nil
	Actor    string
	Settings tenant.Settings
}

// PageView is a page ready for the template.
type PageView struct {
	Page        *Page
	Lang        string
	Title       string
	Description string
	Filters     Filters
	Ignored     []FilterProblem
	Form        []FormField
	Nav         []NavItem
	Panels      []PanelView
	// ShowsComments is set when the view lists individual comments (the view must be audited).
	ShowsComments bool
	// Query is the page's filter query plus lang, for links that keep the view.
	Query url.Values
}

// NavItem is a link to another page the role may open.
type NavItem struct {
	ID, Title string
	Current   bool
}

// FormField is one filter of the GET form.
type FormField struct {
	Name, Label string
	Choices     []Choice
	Value       string
}

// PanelView is one computed panel.
type PanelView struct {
	ID          string
	Title       string
	Description string
	Chart       ChartType
	Width       Width
	// Option is the ECharts option as HTML-safe JSON (see ChartOption); empty for HTML panels.
	Option []byte
	// Table holds the panel's numbers (the data-table toggle, print, and table panels).
	Table    *Table
	Figures  *Figures
	Comments *Comments
	N        int
	MinN     int
	Notes    []string
	// Error is a message for the reader when the panel could not be computed; the cause is logged.
	Error      string
	Suppressed bool
	Empty      bool
	Exportable bool
	// Aria is a short description of what the chart shows, for screen readers.
	Aria string
}

// Render computes a page for a role. Panels are computed in parallel (at most Options.Parallel at once);
// each one that fails or times out carries its own Error and the rest of the page still renders.
func (s *Service) Render(ctx context.Context, r Request) (*PageView, error) {
	page, ok := s.cat.Page(r.Page)
	if !ok {
		return nil, ErrNoPage
	}
	if !page.Allows(r.Role) {
		return nil, ErrForbidden
	}
	lang := Lang(r.Lang)
	loc := r.Location
	if loc == nil {
		loc = tenant.Tenant{}.Location()
	}
	f, ignored := ParseFilters(r.Query)
	f = f.WithDefaults(page.Defaults)
	// Only the filters the page offers apply: a hidden filter left in a shared link must not change numbers
	// the reader cannot see being filtered.
	f = onlyFields(f, page.Filters)
	now := s.opts.Now()
	from, to := f.Range(now, loc)

	v := &PageView{Page: page, Lang: lang, Title: page.Title.In(lang), Description: page.Description.In(lang),
		Filters: f, Ignored: ignored, ShowsComments: page.ShowsComments()}
	v.Query = f.Values()
	v.Query.Set("lang", lang)
	for _, p := range s.cat.For(r.Role) {
		v.Nav = append(v.Nav, NavItem{ID: p.ID, Title: p.Title.In(lang), Current: p.ID == page.ID})
	}

	v.Panels = make([]PanelView, len(page.Panels))
	var segs Segments
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.opts.Parallel)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var err error
		if segs, err = s.src.Segments(ctx, r.TenantID); err != nil {
			s.log.WarnContext(ctx, "dashboard filter choices", "tenant", r.TenantID, "err", err)
		}
	}()
	for i, pn := range page.Panels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				v.Panels[i] = s.failed(pn, lang, ctx.Err())
				return
			}
			defer func() { <-sem }()
			q := Query{TenantID: r.TenantID, Insight: pn.Insight, Options: pn.Options, Filters: f, From: from, To: to, Location: loc,
				Locale: lang, Role: r.Role, Actor: r.Actor, Settings: r.Settings.WithDefaults()}
			v.Panels[i] = s.panel(ctx, pn, q)
		}()
	}
	wg.Wait()
	v.Form = form(page, f, segs, lang, now)
	return v, nil
}

func onlyFields(f Filters, fields []string) Filters {
	var out Filters
	q := url.Values{}
	for _, k := range fields {
		if val := f.Get(k); val != "" {
			q.Set(k, val)
		}
	}
	out, _ = ParseFilters(q)
	return out
}

// panel computes one panel; a panic in an insight or chart builder fails the panel, not the page.
func (s *Service) panel(ctx context.Context, pn Panel, q Query) (pv PanelView) {
	defer func() {
		if rec := recover(); rec != nil {
			s.log.ErrorContext(ctx, "dashboard panel panicked", "tenant", q.TenantID, "panel", pn.ID,
				"insight", pn.Insight, "panic", rec, "stack", string(debug.Stack()))
			pv = s.failed(pn, q.Locale, fmt.Errorf("panic: %v", rec))
		}
	}()
	cctx, cancel := context.WithTimeout(ctx, s.opts.PanelTimeout)
	defer cancel()
	d, err := s.src.Compute(cctx, q)
	if err != nil {
		s.log.ErrorContext(ctx, "dashboard panel", "tenant", q.TenantID, "panel", pn.ID, "insight", pn.Insight, "err", err)
		return s.failed(pn, q.Locale, err)
	}
	return Build(pn, d, q.Locale)
}

func (s *Service) failed(pn Panel, lang string, err error) PanelView {
	pv := PanelView{ID: pn.ID, Title: pn.Title.In(lang), Description: pn.Description.In(lang), Chart: pn.Chart,
		Width: pn.Width, Error: T(lang, "panel_error")}
	if errors.Is(err, context.DeadlineExceeded) {
		pv.Error = T(lang, "panel_timeout")
	}
	return pv
}

// Build turns a panel's data into its view: the chart option for drawn charts, and always the data table.
func Build(pn Panel, d Data, lang string) PanelView {
	spec := Insights[pn.Insight]
	pv := PanelView{ID: pn.ID, Title: pn.Title.In(lang), Description: pn.Description.In(lang), Chart: pn.Chart,
		Width: pn.Width, N: d.N, MinN: minN(d), Suppressed: d.Suppressed, Exportable: spec.Exportable}
	if d.Note != "" {
		pv.Notes = append(pv.Notes, d.Note)
	}
	if d.Suppressed {
		pv.Notes = append(pv.Notes, T(lang, "suppressed", pv.MinN))
		return pv
	}
	if isEmpty(d) {
		pv.Empty = true
		return pv
	}
	pv.Notes = append(pv.Notes, hiddenNotes(d, lang)...)
	pv.Table = DataTable(d, lang)
	pv.Figures = d.Figures
	pv.Comments = d.Comments
	pv.Aria = ariaLabel(pn, d, lang)
	if pn.Chart.Drawn() {
		opt, err := ChartOption(pn.Chart, d, lang)
		if err != nil {
			pv.Error = T(lang, "panel_error")
			pv.Table = nil
			return pv
		}
		pv.Option = opt
	}
	return pv
}

func isEmpty(d Data) bool {
	switch {
	case d.Series != nil:
		return len(d.Series.Categories) == 0 || len(d.Series.Lines) == 0
	case d.Flow != nil:
		return len(d.Flow.Links) == 0
	case d.Matrix != nil:
		return len(d.Matrix.Rows) == 0 || len(d.Matrix.Cols) == 0
	case d.Points != nil:
		return len(d.Points.Items) == 0
	case d.Network != nil:
		return len(d.Network.Nodes) == 0
	case d.Table != nil:
		return len(d.Table.Rows) == 0
	case d.Figures != nil:
		return len(d.Figures.Items) == 0
	case d.Comments != nil:
		return false // "withheld" and "none" have their own messages
	}
	return true
}

// hiddenNotes says how much of the panel was withheld for small groups.
func hiddenNotes(d Data, lang string) []string {
	mn := minN(d)
	var notes []string
	switch {
	case d.Matrix != nil:
		k := 0
		for _, row := range d.Matrix.Cells {
			for _, c := range row {
				if c.Suppressed {
					k++
				}
			}
		}
		if k > 0 {
			notes = append(notes, T(lang, "hidden_cells", k, mn, mn))
		}
	case d.Series != nil:
		k := 0
		for _, l := range d.Series.Lines {
			for _, p := range l.Points {
				if p.Suppressed {
					k++
				}
			}
		}
		if k > 0 {
			notes = append(notes, T(lang, "hidden_points", k, mn))
		}
	case d.Flow != nil:
		if d.Flow.Hidden > 0 {
			notes = append(notes, T(lang, "hidden_flow", d.Flow.Hidden))
		}
	}
	return notes
}

// ariaLabel is the chart's screen-reader description: its title, what it rests on, and its table below.
func ariaLabel(pn Panel, d Data, lang string) string {
	s := T(lang, "chart_of", pn.Title.In(lang))
	if d.N > 0 {
		s += " (n=" + strconv.Itoa(d.N) + ")"
	}
	return s
}

// form builds the filter fields the page offers, with their choices.
func form(p *Page, f Filters, segs Segments, lang string, now time.Time) []FormField {
	var out []FormField
	for _, name := range p.Filters {
		ff := FormField{Name: name, Label: T(lang, "f."+name), Value: f.Get(name)}
		ff.Choices = append(ff.Choices, Choice{Value: "", Label: T(lang, "any")})
		switch name {
		case "period":
			fy := FiscalYear(now)
			for _, c := range PeriodChoices(now)[1:] {
				ff.Choices = append(ff.Choices, Choice{Value: c, Label: PeriodLabel(c, lang, fy)})
			}
			ff.Choices[0].Label = T(lang, "period.all")
		case "wave":
			for _, w := range Waves {
				ff.Choices = append(ff.Choices, Choice{Value: w, Label: T(lang, "wave."+w)})
			}
		case "department":
			for _, d := range segs.Departments {
				ff.Choices = append(ff.Choices, Choice{Value: d, Label: d})
			}
		case "exit_type":
			for _, e := range ExitTypes {
				ff.Choices = append(ff.Choices, Choice{Value: e, Label: T(lang, "exit."+e)})
			}
		case "tenure_band":
			ff.Choices = append(ff.Choices, segs.TenureBands...)
		}
		// A value from the URL that the tenant's data does not list (a department with no answers yet) stays
		// selectable, so the form shows what is applied.
		if ff.Value != "" && !slices.ContainsFunc(ff.Choices, func(c Choice) bool { return c.Value == ff.Value }) {
			ff.Choices = append(ff.Choices, Choice{Value: ff.Value, Label: ff.Value})
		}
		out = append(out, ff)
	}
	return out
}

// PeriodLabel names a period value in lang (fy is the fiscal year now falls in).
func PeriodLabel(p, lang string, fy int) string {
	switch {
	case p == "" || p == "all":
		return T(lang, "period.all")
	case p == "fy":
		return T(lang, "period.fy", fy)
	case len(p) == 6 && p[:2] == "fy":
		y, _ := strconv.Atoi(p[2:])
		if lang == "en" {
			return T(lang, "period.fyN", y, y, y+1)
		}
		return T(lang, "period.fyN", y)
	}
	return T(lang, "period."+p)
}
