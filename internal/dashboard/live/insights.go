package live

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/insight"
)

// Insights is what the live source asks of the insight service. Every method takes the tenant and
// returns figures with small groups already suppressed.
type Insights interface {
	ENPS(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ScoreReport, error)
	ReturnIntent(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ScoreReport, error)
	Funnel(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.FunnelReport, error)
	CandourGap(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.CandourReport, error)
	Change(ctx context.Context, tenantID string, f insight.Filter) (insight.ChangeReport, error)
	Drivers(ctx context.Context, tenantID string, f insight.Filter) (insight.DriversReport, error)
	Themes(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ThemesReport, error)
	ChoiceCounts(ctx context.Context, tenantID string, f insight.Filter, metric string, by insight.Dim) (map[string]map[string]int, error)
	HumanCapital(ctx context.Context, tenantID string, fy int, department string) (insight.HumanCapitalReport, error)
	ExportDisclosure(ctx context.Context, tenantID, actor string, fy int, format string, w io.Writer) error
}

var _ Insights = (*insight.Service)(nil)

// filterOf turns the page's filters into the insight service's.
func filterOf(q dashboard.Query) insight.Filter {
	f := insight.Filter{From: q.From, To: q.To, Values: map[insight.Dim]string{}}
	set := func(d insight.Dim, v string) {
		if v != "" {
			f.Values[d] = v
		}
	}
	set(insight.DimWave, q.Filters.Wave)
	set(insight.DimDepartment, q.Filters.Department)
	set(insight.DimExitType, q.Filters.ExitType)
	set(insight.DimTenureBand, q.Filters.TenureBand)
	// A panel's own option (the candour gap is a 3-month figure) wins over the page's filter.
	if w := q.Options["wave"]; w != "" {
		f.Values[insight.DimWave] = w
	}
	return f
}

// dims maps the "by" option of a panel to the insight service's dimension.
var dims = map[string]insight.Dim{
	"department": insight.DimDepartment, "exit_type": insight.DimExitType, "tenure_band": insight.DimTenureBand,
	"job_family": insight.DimJobFamily, "wave": insight.DimWave, "exit_quarter": insight.DimExitQuarter,
}

// quarterLabel names an exit quarter ("2025-04-01") by its months: "2025/4–6".
func quarterLabel(key string) string {
	t, err := time.Parse(time.DateOnly, key)
	if err != nil {
		return key
	}
	return fmt.Sprintf("%d/%d–%d", t.Year(), int(t.Month()), int(t.Month())+2)
}

// segmentLabel names a segment value for display (exit types and waves are codes).
func segmentLabel(by, key, lang string) string {
	switch by {
	case "exit_type":
		if v := dashboard.T(lang, "exit."+key); v != "exit."+key {
			return v
		}
	case "wave":
		if v := dashboard.T(lang, "wave."+key); v != "wave."+key {
			return v
		}
	case "exit_quarter":
		return quarterLabel(key)
	case "tenure_band":
		return tenureLabel(key)
	}
	if key == "" {
		return label(lang, "（不明）", "(unknown)")
	}
	return key
}

// metricTrend is eNPS or return intent over exit quarters (the report's trend) or over another dimension
// (its groups), each point with its 95% interval and n; suppressed groups stay in place as gaps.
func (s *Source) metricTrend(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	if s.d.Insights == nil {
		return dashboard.Data{}, fmt.Errorf("%s: %w", q.Insight, ErrNotWired)
	}
	by := q.Options["by"]
	dim := dims[by]
	useTrend := q.Insight == "metric_trend" && by == "exit_quarter"
	if useTrend {
		dim = ""
	}
	f := filterOf(q)
	lang := q.Locale
	var (
		rep  insight.ScoreReport
		err  error
		name string
		sr   = &dashboard.Series{Unit: "pt"}
	)
	switch q.Options["metric"] {
	case "enps":
		rep, err = s.d.Insights.ENPS(ctx, q.TenantID, f, dim)
		name = label(lang, "アルムナイeNPS", "Alumni eNPS")
		sr.YName = "eNPS"
	case "return_intent":
		rep, err = s.d.Insights.ReturnIntent(ctx, q.TenantID, f, dim)
		name = label(lang, "再入社意向あり", "Would return")
		sr.Unit, sr.YName = "%", label(lang, "割合", "share")
		lo, hi := 0.0, 100.0
		sr.Min, sr.Max = &lo, &hi
	default:
		return dashboard.Data{}, fmt.Errorf("%s %s: %w", q.Insight, q.Options["metric"], ErrNotWired)
	}
	if err != nil {
		return dashboard.Data{}, err
	}
	cells := rep.Groups
	if useTrend {
		cells = rep.Trend
	}
	line := dashboard.Line{Name: name}
	for _, c := range cells {
		sr.Categories = append(sr.Categories, segmentLabel(by, c.Key, lang))
		line.Points = append(line.Points, scorePoint(c))
	}
	sr.Lines = []dashboard.Line{line}
	d := dashboard.Data{MinN: rep.MinGroup, Series: sr}
	if rep.Total.N != nil {
		d.N = *rep.Total.N
	}
	if rep.Total.Suppressed {
		d.Suppressed = true
	}
	return d, nil
}

// scorePoint is one cell of a score report as a chart point: eNPS in points, return intent as a percentage.
func scorePoint(c insight.ScoreCell) dashboard.Point {
	p := dashboard.Point{Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Suppressed: c.Suppressed}
	if c.N != nil {
		p.N = *c.N
	}
	switch {
	case c.Suppressed:
	case c.ENPS != nil:
		p.Value, p.Lo, p.Hi = float64(c.ENPS.Score), float64(c.ENPS.CI.Lo), float64(c.ENPS.CI.Hi)
	case c.TopBox != nil:
		p.Value, p.Lo, p.Hi = 100*float64(c.TopBox.Estimate), 100*float64(c.TopBox.CI.Lo), 100*float64(c.TopBox.CI.Hi)
	}
	return p
}
