package live

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/stats"
	"github.com/alumnipulse/alumnipulse/internal/suppress"
	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// choices computes the "could we have kept you" and "has your view changed" panels.
func (s *Source) choices(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	if q.Insight == "retainable" {
		return s.choiceShares(ctx, q, survey.MetricRetainable, q.Options["by"])
	}
	return s.choiceShares(ctx, q, survey.MetricViewChange, "")
}

// choiceShares is the distribution of a single-choice question tagged with metric ("could we have kept
// you", "has your view changed"), in total or per group of a breakdown: each choice's share of the
// group's respondents with its Wilson interval. Groups below the tenant's minimum are hidden, and so is
// the next smallest where subtracting from the published total would reveal a hidden one.
func (s *Source) choiceShares(ctx context.Context, q dashboard.Query, metric, by string) (dashboard.Data, error) {
	if s.d.Surveys == nil {
		return dashboard.Data{}, fmt.Errorf("%s: %w", q.Insight, ErrNotWired)
	}
	var choices []survey.Choice
	for _, sv := range s.d.Surveys.All() {
		if qu, ok := sv.ByMetric(metric); ok {
			choices = qu.AllChoices()
			break
		}
	}
	minN := q.Settings.WithDefaults().MinGroupSize
	lang := q.Locale
	if choices == nil {
		return dashboard.Data{MinN: minN, Suppressed: true}, nil
	}
	var dim insight.Dim
	if by != "" && by != "all" {
		if _, ok := dims[by]; !ok || by == "wave" || by == "exit_quarter" {
			return dashboard.Data{}, fmt.Errorf("%s by %q: unknown breakdown", q.Insight, by)
		}
		dim = insight.Dim(by)
	}
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	counts, err := ins.ChoiceCounts(ctx, q.TenantID, filterOf(q), metric, dim)
	if err != nil {
		return dashboard.Data{}, fmt.Errorf("%s: %w", q.Insight, err)
	}
	totals := map[string]int{}
	var keys []string
	for g, cs := range counts {
		keys = append(keys, g)
		for _, n := range cs {
			totals[g] += n // single choice: one code per answer
		}
	}
	slices.Sort(keys) // a stable order for the suppression of ties
	cells := make([]suppress.Cell, len(keys))
	total := 0
	for i, k := range keys {
		cells[i] = suppress.Cell{Key: []string{k}, N: totals[k]}
		total += totals[k]
	}
	d := dashboard.Data{N: total, MinN: minN}
	if !suppress.Allowed(total, minN) {
		d.Suppressed = true
		return d, nil
	}
	hidden := map[string]bool{}
	if len(cells) > 0 {
		out, err := suppress.Table(cells, 1, minN, true)
		if err != nil {
			return dashboard.Data{}, err
		}
		for _, c := range out {
			if c.Suppressed {
				hidden[c.Key[0]] = true
			}
		}
	}
	if by == "" || by == "all" {
		// No breakdown: one bar per answer, each with its interval.
		sr := &dashboard.Series{Unit: "%", Horizontal: true, YName: label(lang, "割合", "share")}
		lo, hi := 0.0, 100.0
		sr.Min, sr.Max = &lo, &hi
		line := dashboard.Line{Name: label(lang, "回答の割合", "Share of answers")}
		for _, ch := range choices {
			sh := stats.Share(counts[""][ch.Code], total, 0.95)
			sr.Categories = append(sr.Categories, ch.Label.In(lang))
			line.Points = append(line.Points, dashboard.Point{Value: 100 * sh.Estimate, Lo: 100 * sh.CI.Lo, Hi: 100 * sh.CI.Hi, N: total})
		}
		sr.Lines = []dashboard.Line{line}
		d.Series = sr
		return d, nil
	}
	sortSegments(by, keys)
	sr := &dashboard.Series{Unit: "%", Stacked: true, Horizontal: len(keys) > 4}
	lo, hi := 0.0, 100.0
	if sr.Horizontal {
		sr.Min, sr.Max = &lo, &hi
	}
	for _, k := range keys {
		sr.Categories = append(sr.Categories, segmentLabel(by, k, lang))
	}
	for _, ch := range choices {
		line := dashboard.Line{Name: ch.Label.In(lang)}
		for _, k := range keys {
			p := dashboard.Point{Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Suppressed: hidden[k]}
			if !hidden[k] && totals[k] > 0 {
				sh := stats.Share(counts[k][ch.Code], totals[k], 0.95)
				p = dashboard.Point{Value: 100 * sh.Estimate, Lo: 100 * sh.CI.Lo, Hi: 100 * sh.CI.Hi, N: totals[k]}
			}
			line.Points = append(line.Points, p)
		}
		sr.Lines = append(sr.Lines, line)
	}
	d.Series = sr
	return d, nil
}

// answerWhere is the WHERE clause of the answers table for a query's filters, tenant first.
func answerWhere(q dashboard.Query) (string, []any) {
	conds := []string{"tenant_id = ?"}
	args := []any{q.TenantID}
	eq := func(col, v string) {
		if v != "" {
			conds = append(conds, col+" = ?")
			args = append(args, v)
		}
	}
	eq("wave", q.Filters.Wave)
	eq("department", q.Filters.Department)
	eq("exit_type", q.Filters.ExitType)
	eq("tenure_band", q.Filters.TenureBand)
	if !q.From.IsZero() {
		conds = append(conds, "submitted_at >= ?")
		args = append(args, q.From.UTC())
	}
	if !q.To.IsZero() {
		conds = append(conds, "submitted_at < ?")
		args = append(args, q.To.UTC())
	}
	return strings.Join(conds, " AND "), args
}

// sortSegments orders segment values: tenure bands by length of service, others alphabetically.
func sortSegments(by string, keys []string) {
	if by == "tenure_band" {
		cs := make([]dashboard.Choice, len(keys))
		for i, k := range keys {
			cs[i] = dashboard.Choice{Value: k}
		}
		sortTenure(cs)
		for i := range cs {
			keys[i] = cs[i].Value
		}
		return
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}
