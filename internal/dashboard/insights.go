package dashboard

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/alumnipulse/alumnipulse/internal/yamlfile"
)

// Shape is the form of the data an insight returns; it decides which chart types can draw it.
type Shape string

// The data shapes (see data.go).
const (
	ShapeSeries   Shape = "series"   // categories × named series, optionally with intervals
	ShapeFlow     Shape = "flow"     // weighted links between two columns of nodes
	ShapeMatrix   Shape = "matrix"   // rows × columns of cells
	ShapePoints   Shape = "points"   // labelled x/y points with reference lines
	ShapeNetwork  Shape = "network"  // nodes and weighted edges
	ShapeTable    Shape = "table"    // rows of formatted cells
	ShapeFigures  Shape = "figures"  // headline figures with definitions
	ShapeComments Shape = "comments" // masked free-text comments
)

// shapeCharts lists the chart types that can draw each shape. Every shape can also be shown as a table.
var shapeCharts = map[Shape][]ChartType{
	ShapeSeries:   {ChartBar, ChartBand, ChartTable},
	ShapeFlow:     {ChartSankey, ChartTable},
	ShapeMatrix:   {ChartHeatmap, ChartTable},
	ShapePoints:   {ChartQuadrant, ChartTable},
	ShapeNetwork:  {ChartGraph, ChartTable},
	ShapeTable:    {ChartTable},
	ShapeFigures:  {ChartKPI, ChartTable},
	ShapeComments: {ChartComments},
}

// Option describes one option an insight accepts.
type Option struct {
	// Values are the allowed values; empty with Int set means a whole number in [Min, Max].
	Values   []string
	Int      bool
	Min, Max int
}

func (o Option) check(v string) error {
	if o.Int {
		n, err := strconv.Atoi(v)
		if err != nil || n < o.Min || n > o.Max {
			return fmt.Errorf("must be a whole number from %d to %d", o.Min, o.Max)
		}
		return nil
	}
	if !slices.Contains(o.Values, v) {
		return fmt.Errorf("must be one of %s%s", strings.Join(o.Values, ", "), yamlfile.Suggest(v, o.Values))
	}
	return nil
}

// Spec is what the dashboard knows of one insight: its data shape, options and who may see it.
type Spec struct {
	Shape   Shape
	Options map[string]Option
	// HROnly insights never appear on a page leadership may open (comments, sending operations).
	HROnly bool
	// Comments insights list individual (masked) comments: every page view showing one is audited.
	Comments bool
	// Exportable insights offer CSV/XLSX/JSON downloads (each one audited).
	Exportable bool
}

// Segment dimensions an insight can break down by.
var segmentBy = []string{"department", "exit_type", "tenure_band", "job_family"}

// Metrics measured on a scale or share per respondent.
var metrics = []string{"enps", "return_intent", "retainable", "response_rate"}

// Insights is the catalogue of insights panels may name. The Source computes them; the names and options
// are the contract between dashboard files and the insight service.
var Insights = map[string]Spec{
	// Response funnel per wave: planned → sent → opened → submitted.
	"funnel": {Shape: ShapeSeries, Options: map[string]Option{"by": {Values: []string{"wave"}}}},
	// A metric by exit quarter (or wave) with its 95% interval.
	"metric_trend": {Shape: ShapeSeries, Options: map[string]Option{
		"metric": {Values: metrics}, "by": {Values: []string{"exit_quarter", "wave"}}}},
	// A metric per segment with its 95% interval.
	"metric_by_segment": {Shape: ShapeSeries, Options: map[string]Option{
		"metric": {Values: metrics}, "by": {Values: segmentBy}}},
	// Most frequent themes in the free text (share of comments).
	"themes": {Shape: ShapeSeries, Options: map[string]Option{"top": {Int: true, Min: 3, Max: 20}}},
	// Theme shares by exit quarter.
	"theme_trend": {Shape: ShapeSeries, Options: map[string]Option{"top": {Int: true, Min: 1, Max: 10}}},
	// Sentiment (positive / neutral / negative) per theme.
	"theme_sentiment": {Shape: ShapeSeries, Options: map[string]Option{"top": {Int: true, Min: 3, Max: 20}}},
	// Theme shares per segment; small cells suppressed.
	"themes_by_segment": {Shape: ShapeMatrix, Options: map[string]Option{"by": {Values: segmentBy}}},
	// Largest changes since the previous period (metrics and themes), with significance.
	"changes": {Shape: ShapeTable},
	// Candour gap: reason stated at exit → true reason given in the survey.
	"candour_gap": {Shape: ShapeFlow, Options: map[string]Option{"wave": {Values: []string{"3m", "6m"}}}},
	// True reasons for leaving per segment (share of respondents).
	"reasons_by_segment": {Shape: ShapeMatrix, Options: map[string]Option{
		"by": {Values: segmentBy}, "wave": {Values: []string{"3m", "6m"}}}},
	// "Could we have kept you?": share yes / maybe / no per segment.
	"retainable": {Shape: ShapeSeries, Options: map[string]Option{"by": {Values: append([]string{"all"}, segmentBy...)}}},
	// Driver importance (correlation with the outcome) × gap (room to improve).
	"drivers": {Shape: ShapePoints, Options: map[string]Option{"metric": {Values: []string{"enps", "return_intent"}}}},
	// Words written together in one comment (co-occurrence network with communities).
	"cooccurrence": {Shape: ShapeNetwork, Options: map[string]Option{"top": {Int: true, Min: 5, Max: 40}}},
	// Masked example comments; only for groups at or above the tenant's comment minimum.
	"comments": {Shape: ShapeComments, HROnly: true, Comments: true, Options: map[string]Option{
		"question": {Values: []string{"improve", "went_well", "message"}},
		"limit":    {Int: true, Min: 1, Max: 50}}},
	// How the same people's answers moved from 3 to 6 months (flow of categories).
	"change_flow": {Shape: ShapeFlow, Options: map[string]Option{"metric": {Values: []string{"enps", "return_intent"}}}},
	// Paired 3 → 6 month tests per metric (McNemar / Wilcoxon) with effect sizes.
	"change_tests": {Shape: ShapeTable},
	// Has your view changed? (6 months) share per answer.
	"view_change": {Shape: ShapeSeries},
	// Human-capital figures for the fiscal year, with definitions and n.
	"human_capital": {Shape: ShapeFigures},
	// Disclosure table mapped to ISO 30414 and the Japanese guideline.
	"disclosure": {Shape: ShapeTable, Exportable: true},
	// Waves: what was sent, when it is due, bounces and responses.
	"waves": {Shape: ShapeTable, HROnly: true},
	// Sends due in the next two weeks, per day.
	"wave_upcoming": {Shape: ShapeSeries, HROnly: true},
	// Latest bounces and failed sends.
	"wave_problems": {Shape: ShapeTable, HROnly: true},
	// Mail written to the development outbox (no SMTP server configured).
	"outbox": {Shape: ShapeTable, HROnly: true},
}

func insightNames() []string {
	names := make([]string, 0, len(Insights))
	for n := range Insights {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
