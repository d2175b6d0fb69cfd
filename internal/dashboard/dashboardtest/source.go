// Package dashboardtest provides a fake dashboard.Source with plausible, deterministic data for every
// insight, for tests of the dashboard and its pages. Numbers depend on the tenant, the insight, its options
// and the filters, so a test can see a filter change the numbers and one tenant's labels never appear for
// another.
package dashboardtest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
)

// Source is a fake dashboard.Source.
type Source struct {
	// Departments are each tenant's departments (default: three generic ones prefixed by the tenant id).
	Departments map[string][]string
	// Comments are each tenant's comment texts (default: a few harmless ones).
	Comments map[string][]string
	// Fail makes the named insights return an error.
	Fail map[string]bool
	// Panic makes the named insights panic.
	Panic map[string]bool
	// Block makes the named insights wait for the context to end.
	Block map[string]bool

	mu      sync.Mutex
	queries []dashboard.Query
	active  int
	peak    int
}

var _ dashboard.Source = (*Source)(nil)

// Queries returns every query received so far.
func (s *Source) Queries() []dashboard.Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.queries)
}

// Peak returns the largest number of Compute calls that ran at once.
func (s *Source) Peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

func (s *Source) departments(tenantID string) []string {
	if d, ok := s.Departments[tenantID]; ok {
		return d
	}
	return []string{tenantID + " Sales", tenantID + " Engineering", tenantID + " Support"}
}

// Segments implements dashboard.Source.
func (s *Source) Segments(_ context.Context, tenantID string) (dashboard.Segments, error) {
	return dashboard.Segments{Departments: s.departments(tenantID), TenureBands: []dashboard.Choice{
		{Value: "<1y", Label: "< 1y"}, {Value: "1-3y", Label: "1–3y"}, {Value: "10y+", Label: "10y+"}}}, nil
}

// Compute implements dashboard.Source.
func (s *Source) Compute(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.active++
	s.peak = max(s.peak, s.active)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.active--
		s.mu.Unlock()
	}()
	switch {
	case s.Fail[q.Insight]:
		return dashboard.Data{}, errors.New("fake failure")
	case s.Panic[q.Insight]:
		panic("fake panic in " + q.Insight)
	case s.Block[q.Insight]:
		<-ctx.Done()
		return dashboard.Data{}, ctx.Err()
	}
	h := fnv.New64a()
	fmt.Fprint(h, q.TenantID, q.Insight, q.Options, q.Filters.Key(), q.Locale)
	r := rand.New(rand.NewPCG(h.Sum64(), 7))
	g := gen{r: r, q: q, depts: s.departments(q.TenantID), comments: s.Comments[q.TenantID]}
	return g.data(), nil
}

type gen struct {
	r        *rand.Rand
	q        dashboard.Query
	depts    []string
	comments []string
}

var themes = []string{"Pay and rewards", "Career and growth", "Manager and management", "Workload and working hours",
	"Culture and climate", "Evaluation and promotion", "Flexible working", "Personal circumstances"}

var quarters = []string{"2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4"}

func (g gen) pt(v, halfWidth float64, n int) dashboard.Point {
	return dashboard.Point{Value: v, Lo: v - halfWidth, Hi: v + halfWidth, N: n}
}

func (g gen) data() dashboard.Data {
	r := g.r
	n := 40 + r.IntN(200)
	d := dashboard.Data{N: n, MinN: 5}
	switch g.q.Insight {
	case "funnel":
		s := &dashboard.Series{Categories: []string{"3m", "6m"}, YName: "people"}
		base := []float64{float64(n * 3), float64(n * 2)}
		for i, stage := range []string{"planned", "sent", "opened", "submitted"} {
			l := dashboard.Line{Name: stage}
			for _, b := range base {
				v := math.Round(b * math.Pow(0.8, float64(i)))
				l.Points = append(l.Points, dashboard.Point{Value: v, Lo: math.NaN(), Hi: math.NaN(), N: int(v)})
			}
			s.Lines = append(s.Lines, l)
		}
		d.Series = s
	case "metric_trend", "metric_by_segment":
		cats := quarters
		if g.q.Options["by"] == "wave" {
			cats = []string{"3m", "6m"}
		} else if g.q.Insight == "metric_by_segment" {
			cats = g.depts
		}
		s := &dashboard.Series{Categories: cats, YName: g.q.Options["metric"], Unit: "pt"}
		if g.q.Options["metric"] == "enps" {
			lo, hi := -100.0, 100.0
			s.Min, s.Max = &lo, &hi
		} else {
			s.Unit = "%"
			lo, hi := 0.0, 100.0
			s.Min, s.Max = &lo, &hi
		}
		l := dashboard.Line{Name: g.q.Options["metric"]}
		v := r.Float64()*40 - 10
		for i := range cats {
			v += r.Float64()*10 - 5
			p := g.pt(v, 8+r.Float64()*6, 20+r.IntN(80))
			if i == 1 && g.q.Filters.Department != "" {
				p = dashboard.Point{Suppressed: true, Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
			}
			l.Points = append(l.Points, p)
		}
		s.Lines = []dashboard.Line{l}
		d.Series = s
	case "themes", "theme_sentiment":
		k := 8
		s := &dashboard.Series{Categories: themes[:k], Unit: "%", Horizontal: true}
		if g.q.Insight == "themes" {
			l := dashboard.Line{Name: "share"}
			for range k {
				l.Points = append(l.Points, dashboard.Point{Value: 5 + r.Float64()*30, Lo: math.NaN(), Hi: math.NaN(), N: n})
			}
			slices.SortFunc(l.Points, func(a, b dashboard.Point) int { return int(b.Value - a.Value) })
			s.Lines = []dashboard.Line{l}
		} else {
			s.Stacked = true
			for _, name := range []string{"positive", "neutral", "negative"} {
				l := dashboard.Line{Name: name}
				for range k {
					l.Points = append(l.Points, dashboard.Point{Value: r.Float64() * 33, Lo: math.NaN(), Hi: math.NaN(), N: n})
				}
				s.Lines = append(s.Lines, l)
			}
		}
		d.Series = s
	case "theme_trend":
		s := &dashboard.Series{Categories: quarters, Unit: "%"}
		for _, t := range themes[:5] {
			l := dashboard.Line{Name: t}
			for range quarters {
				l.Points = append(l.Points, dashboard.Point{Value: r.Float64() * 40, Lo: math.NaN(), Hi: math.NaN(), N: n})
			}
			s.Lines = append(s.Lines, l)
		}
		d.Series = s
	case "themes_by_segment", "reasons_by_segment":
		cols := g.depts
		if g.q.Options["by"] == "exit_type" {
			cols = []string{"voluntary", "involuntary", "retirement"}
		}
		m := &dashboard.Matrix{Rows: themes[:6], Cols: cols, Unit: "%"}
		for i := range m.Rows {
			row := make([]dashboard.Cell, len(cols))
			for j := range cols {
				row[j] = dashboard.Cell{Value: r.Float64() * 50, N: 5 + r.IntN(40)}
				if (i+j)%5 == 3 {
					row[j] = dashboard.Cell{Suppressed: true, Value: math.NaN()}
				}
			}
			m.Cells = append(m.Cells, row)
		}
		d.Matrix = m
	case "wave_upcoming":
		s := &dashboard.Series{Categories: []string{"2026-05-01", "2026-05-02", "2026-05-07"}, Stacked: true}
		for _, name := range []string{"invitations", "reminders"} {
			l := dashboard.Line{Name: name}
			for range s.Categories {
				v := float64(r.IntN(40))
				l.Points = append(l.Points, dashboard.Point{Value: v, Lo: math.NaN(), Hi: math.NaN(), N: int(v)})
			}
			s.Lines = append(s.Lines, l)
		}
		d.Series = s
	case "changes", "change_tests", "disclosure", "waves", "outbox", "wave_problems":
		t := &dashboard.Table{Columns: []string{"item", "value", "n"}, Numeric: []bool{false, true, true}}
		for i, dep := range g.depts {
			t.Rows = append(t.Rows, []string{dep, fmt.Sprintf("%.1f", r.Float64()*100), fmt.Sprint(10 + i)})
		}
		d.Table = t
	case "candour_gap", "change_flow":
		f := &dashboard.Flow{LeftName: "stated", RightName: "true"}
		left := []string{"Personal circumstances", "Career and growth", "Pay and rewards"}
		for _, a := range left {
			for _, b := range themes[:4] {
				if v := r.IntN(30); v >= 5 {
					f.Links = append(f.Links, dashboard.FlowLink{From: a, To: b, Value: v})
				} else {
					f.Hidden += v
				}
			}
		}
		d.Flow = f
	case "retainable", "view_change":
		s := &dashboard.Series{Categories: g.depts, Unit: "%", Stacked: true}
		for _, a := range []string{"yes", "maybe", "no"} {
			l := dashboard.Line{Name: a}
			for range g.depts {
				l.Points = append(l.Points, dashboard.Point{Value: 33.3, Lo: math.NaN(), Hi: math.NaN(), N: n})
			}
			s.Lines = append(s.Lines, l)
		}
		d.Series = s
	case "drivers":
		p := &dashboard.Points{XName: "importance", YName: "gap", XRef: 0.3, YRef: 1.5,
			Quadrants: [4]string{"fix first", "keep watching", "low priority", "strengths"}}
		for _, t := range themes[:7] {
			p.Items = append(p.Items, dashboard.XY{Label: t, X: r.Float64() * 0.6, Y: r.Float64() * 3, N: n})
		}
		d.Points = p
	case "cooccurrence":
		nw := &dashboard.Network{}
		for i, t := range themes {
			nw.Nodes = append(nw.Nodes, dashboard.Node{ID: fmt.Sprint(i), Label: t, Weight: float64(5 + r.IntN(50)), Group: "theme"})
		}
		for i := range themes {
			for j := i + 1; j < len(themes); j++ {
				if r.IntN(3) == 0 {
					nw.Edges = append(nw.Edges, dashboard.Edge{From: fmt.Sprint(i), To: fmt.Sprint(j), Weight: float64(1 + r.IntN(20))})
				}
			}
		}
		d.Network = nw
	case "comments":
		c := &dashboard.Comments{MinN: 10}
		texts := g.comments
		if texts == nil {
			texts = []string{"評価の基準がもう少し明確だと良かったです。", "Great team, but little room to grow."}
		}
		for _, t := range texts {
			c.Items = append(c.Items, dashboard.Comment{Text: t, Themes: []string{"Evaluation and promotion"}, Sentiment: "negative", Wave: "3m", When: "2025-06"})
		}
		if g.q.Filters.Department != "" {
			c.Items, c.Withheld = nil, true
		}
		d.Comments = c
	case "human_capital":
		fs := &dashboard.Figures{}
		for _, name := range []string{"Turnover", "Voluntary turnover", "Regrettable turnover", "Boomerang rate", "Alumni eNPS"} {
			v := r.Float64() * 20
			fs.Items = append(fs.Items, dashboard.Figure{Label: name, Value: v, Decimals: 1, Unit: "%", Lo: v - 1, Hi: v + 1,
				N: n, Change: r.Float64()*4 - 2, Definition: "leavers / average headcount", Standard: "ISO 30414"})
		}
		d.Figures = fs
	default:
		d.Table = &dashboard.Table{Columns: []string{"x"}, Rows: [][]string{{"unknown insight " + g.q.Insight}}}
	}
	return d
}
