// Package dashboard turns dashboard definitions (dashboards/*.yaml: pages made of panels) into rendered
// pages: it loads and validates the definitions, asks an insight Source for each panel's data under the
// page's filters (panels in parallel, each failing on its own), and builds every chart's ECharts option
// with go-echarts, plus the same numbers as a plain table for screen readers and print.
//
// The package knows nothing of HTTP or ClickHouse: the web layer renders the PageView it returns, and the
// Source (the insight service behind an adapter) computes the numbers.
package dashboard

import (
	"slices"

	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// L10n is a string in Japanese and English.
type L10n = survey.L10n

// ChartType is how a panel draws its data.
type ChartType string

// The chart types a panel may use.
const (
	ChartBar      ChartType = "bar"
	ChartBand     ChartType = "line-band" // line with an interval band
	ChartSankey   ChartType = "sankey"
	ChartHeatmap  ChartType = "heatmap"
	ChartQuadrant ChartType = "scatter-quadrant"
	ChartGraph    ChartType = "graph" // network
	ChartTable    ChartType = "table"
	ChartKPI      ChartType = "kpi"
	ChartComments ChartType = "comments"
)

// chartTypes lists the chart types in the order error messages name them.
var chartTypes = []ChartType{ChartBar, ChartBand, ChartSankey, ChartHeatmap, ChartQuadrant, ChartGraph,
	ChartTable, ChartKPI, ChartComments}

// Drawn reports whether the chart type is drawn by ECharts (rather than as HTML).
func (c ChartType) Drawn() bool {
	switch c {
	case ChartTable, ChartKPI, ChartComments:
		return false
	}
	return true
}

// Width is how much of the page's width a panel takes.
type Width string

// The panel widths, on a 12-column grid.
const (
	WidthFull      Width = "full"
	WidthTwoThirds Width = "two-thirds"
	WidthHalf      Width = "half"
	WidthThird     Width = "third"
)

var widths = []Width{WidthFull, WidthTwoThirds, WidthHalf, WidthThird}

// Page is one dashboard page.
type Page struct {
	ID          string
	File        string
	Order       int
	Title       L10n
	Description L10n
	// Roles may open the page.
	Roles []tenant.Role
	// Filters are the filter fields the page offers (all of FilterFields when the file names none).
	Filters []string
	// Defaults are filter values applied when the URL gives none (e.g. period: fy).
	Defaults Filters
	Panels   []Panel
}

// Panel is one chart, table or list on a page.
type Panel struct {
	ID          string
	Title       L10n
	Description L10n
	Insight     string
	Chart       ChartType
	Width       Width
	// Options are the insight's options (validated against its Spec), e.g. by: department.
	Options map[string]string
	Line    int
}

// Allows reports whether role may open the page.
func (p *Page) Allows(role tenant.Role) bool { return slices.Contains(p.Roles, role) }

// ShowsComments reports whether any panel lists individual comments (a page view that must be audited).
func (p *Page) ShowsComments() bool {
	for _, pn := range p.Panels {
		if spec, ok := Insights[pn.Insight]; ok && spec.Comments {
			return true
		}
	}
	return false
}

// Exports returns the panels whose data can be exported (the disclosure figures).
func (p *Page) Exports() []Panel {
	var out []Panel
	for _, pn := range p.Panels {
		if spec, ok := Insights[pn.Insight]; ok && spec.Exportable {
			out = append(out, pn)
		}
	}
	return out
}

// Panel returns the panel with the given id.
func (p *Page) Panel(id string) (Panel, bool) {
	for _, pn := range p.Panels {
		if pn.ID == id {
			return pn, true
		}
	}
	return Panel{}, false
}

// Catalog is the loaded set of pages.
type Catalog struct {
	pages []*Page // by Order, then id
}

// Pages returns every page in navigation order.
func (c *Catalog) Pages() []*Page { return c.pages }

// Page returns the page with the given id.
func (c *Catalog) Page(id string) (*Page, bool) {
	for _, p := range c.pages {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// For returns the pages role may open, in navigation order.
func (c *Catalog) For(role tenant.Role) []*Page {
	var out []*Page
	for _, p := range c.pages {
		if p.Allows(role) {
			out = append(out, p)
		}
	}
	return out
}
