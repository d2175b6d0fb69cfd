package dashboard

import (
	"context"
	"math"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Source computes insights for the dashboard. The insight service satisfies it through an adapter; tests
// use a fake. Every method is scoped to one tenant, and implementations must filter every query by it.
type Source interface {
	// Compute returns the data of one insight. Labels in the result are already in q.Locale.
	Compute(ctx context.Context, q Query) (Data, error)
	// Segments lists the filter values present in a tenant's data (for the filter form's choices).
	Segments(ctx context.Context, tenantID string) (Segments, error)
}

// Query asks for one insight.
type Query struct {
	TenantID string
	Insight  string
	Options  map[string]string
	Filters  Filters
	// From and To are the exit-date range of Filters.Period in the tenant's zone (zero: unbounded).
	From, To time.Time
	// Location is the tenant's time zone (quarters and months are the tenant's).
	Location *time.Location
	Locale   string
	Role     tenant.Role
	// Actor is who is looking ("user:<id>"), for sources that audit reads themselves.
	Actor string
	// Settings are the tenant's policies (minimum group sizes for suppression).
	Settings tenant.Settings
}

// Segments are the filter choices present in a tenant's data.
type Segments struct {
	Departments []string
	TenureBands []Choice
}

// Choice is a filter value and its label.
type Choice struct {
	Value string
	Label string
}

// Data is one insight's result. Exactly one of the shape pointers is set, matching the insight's Spec.
type Data struct {
	// N is the number of respondents (or people) the panel rests on.
	N int
	// MinN is the smallest group the tenant allows to be shown (for "n<5" marks).
	MinN int
	// Suppressed is set when the whole panel rests on too few people to show anything.
	Suppressed bool
	// Note is a caveat or definition shown under the panel.
	Note string

	Series   *Series
	Flow     *Flow
	Matrix   *Matrix
	Points   *Points
	Network  *Network
	Table    *Table
	Figures  *Figures
	Comments *Comments
}

// Series is categories (an x axis) × named series.
type Series struct {
	Categories []string
	Lines      []Line
	XName      string
	YName      string
	// Unit is appended to values ("%", "pt").
	Unit string
	// Min and Max fix the value axis when set (e.g. eNPS runs from -100 to 100).
	Min, Max *float64
	// Stacked series add up (shares of a whole).
	Stacked bool
	// Horizontal draws bars along the x axis (long category names).
	Horizontal bool
}

// Line is one named series; Points has one entry per category.
type Line struct {
	Name   string
	Points []Point
	// Color fixes the series colour where it carries meaning (green for positive, red for negative);
	// "" takes the next palette colour.
	Color string
}

// Point is one value with its interval and n.
type Point struct {
	Value float64
	// Lo and Hi bound the 95% interval; NaN when there is none.
	Lo, Hi float64
	N      int
	// Suppressed points rest on fewer than MinN people: no value is shown.
	Suppressed bool
}

// HasInterval reports whether the point has an interval.
func (p Point) HasInterval() bool { return !math.IsNaN(p.Lo) && !math.IsNaN(p.Hi) }

// Missing reports whether the point has no value to show.
func (p Point) Missing() bool { return p.Suppressed || math.IsNaN(p.Value) }

// Flow is weighted links from a left column of nodes to a right one (stated → true reason).
type Flow struct {
	LeftName, RightName string
	Links               []FlowLink
	// Hidden counts the people in links too small to show.
	Hidden int
}

// FlowLink is a number of people going from one node to another.
type FlowLink struct {
	From, To string
	Value    int
}

// Matrix is rows × columns of cells (themes × departments).
type Matrix struct {
	Rows, Cols       []string
	RowName, ColName string
	Unit             string
	// Cells[r][c] belongs to Rows[r] and Cols[c].
	Cells [][]Cell
}

// Cell is one matrix value with its n.
type Cell struct {
	Value      float64
	N          int
	Suppressed bool
}

// Points are labelled x/y points with reference lines splitting the plane into quadrants.
type Points struct {
	XName, YName string
	XRef, YRef   float64
	// Quadrants label the top-right, top-left, bottom-left and bottom-right quarters.
	Quadrants [4]string
	Items     []XY
}

// XY is one point.
type XY struct {
	Label string
	X, Y  float64
	N     int
}

// Network is nodes and weighted edges (themes mentioned together).
type Network struct {
	Nodes []Node
	Edges []Edge
}

// Node is one network node; Weight sizes it.
type Node struct {
	ID, Label string
	Weight    float64
	Group     string
}

// Edge links two nodes by id.
type Edge struct {
	From, To string
	Weight   float64
}

// Table is rows of formatted cells.
type Table struct {
	Columns []string
	// Numeric marks columns to right-align.
	Numeric []bool
	Rows    [][]string
}

// Figures are headline numbers, each with its definition and n.
type Figures struct {
	Items []Figure
}

// Figure is one headline number.
type Figure struct {
	Label string
	Value float64
	// Decimals to show; Unit is appended ("%", "pt", "人").
	Decimals int
	Unit     string
	// Lo and Hi bound the 95% interval; NaN when there is none.
	Lo, Hi     float64
	N          int
	Suppressed bool
	// Change since the previous period; NaN when unknown.
	Change     float64
	Definition string
	// Standard names the disclosure framework item (e.g. "ISO 30414 5.4").
	Standard string
	// Unavailable says why there is no value when that is not a small group (e.g. "no headcount reported").
	Unavailable string
}

// Comments are masked free-text answers.
type Comments struct {
	Items []Comment
	// Withheld is set when the group is below the comment minimum: no comment is listed.
	Withheld bool
	MinN     int
}

// Comment is one masked comment and what it was tagged with.
type Comment struct {
	Text      string
	Themes    []string
	Sentiment string
	Wave      string
	// When is the month it was written ("2025-06"): never the exact time.
	When string
}
