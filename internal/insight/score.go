package insight

import (
	"context"
	"errors"
	"math"

	"github.com/alumnipulse/alumnipulse/internal/stats"
	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

// Metrics of ScoreReport.
const (
	MetricENPS         = "enps"
	MetricReturnIntent = "return_intent"
)

// ScoreReport is alumni eNPS or return intent for a filter: the total, a breakdown by one dimension, and
// the trend by exit quarter (the cohort), each group compared with the rest of the total.
type ScoreReport struct {
	Metric   string      `json:"metric"`
	Filter   Filter      `json:"filter"`
	By       Dim         `json:"by,omitempty"`
	MinGroup int         `json:"min_group"`
	Total    ScoreCell   `json:"total"`
	Groups   []ScoreCell `json:"groups"`
	Trend    []ScoreCell `json:"trend"`
}

// ScoreCell is the figure of one group; only Cell is set when it is suppressed.
type ScoreCell struct {
	Cell
	ENPS   *ENPSValue `json:"enps,omitempty"`
	TopBox *Share     `json:"top2box,omitempty"` // return intent: share answering 4 or 5 of 5
	Mean   *Num       `json:"mean,omitempty"`
	// VsRest compares the group with the rest of the total (everyone in the total but not in the group).
	VsRest *Comparison `json:"vs_rest,omitempty"`
}

// ENPSValue is an eNPS with its standard error and 95% interval, in points (−100…100).
type ENPSValue struct {
	Score      Num      `json:"score"`
	SE         Num      `json:"se"`
	CI         Interval `json:"ci"`
	Promoters  int      `json:"promoters"`
	Passives   int      `json:"passives"`
	Detractors int      `json:"detractors"`
}

// Comparison is a test of a group against another group, or why it was refused: both must have at
// least the minimum and differ by at least the minimum (suppress.Compare), or the difference would
// describe a group too small to show.
type Comparison struct {
	Refused bool   `json:"refused,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// For eNPS: the difference in points, its standard error sqrt(SE1² + SE2²), z and the two-sided p.
	Diff *Num `json:"diff,omitempty"`
	SE   *Num `json:"se,omitempty"`
	Z    *Num `json:"z,omitempty"`
	P    *Num `json:"p,omitempty"`
	// For a share: the two-proportion z-test with its effect sizes.
	Test *Test `json:"test,omitempty"`
}

// hist counts answers by value (0–10 or 1–5).
type hist [11]int

func (h *hist) add(o hist) {
	for i := range h {
		h[i] += o[i]
	}
}

func (h hist) n() int {
	t := 0
	for _, c := range h {
		t += c
	}
	return t
}

func (h hist) enps() stats.ENPSResult {
	var p, m, d int
	for v, c := range h {
		switch {
		case v >= 9:
			p += c
		case v >= 7:
			m += c
		default:
			d += c
		}
	}
	return stats.ENPSFromCounts(p, m, d)
}

func (h hist) topBox() (x, n int) {
	return h[4] + h[5], h.n()
}

func (h hist) mean() float64 {
	var s float64
	for v, c := range h {
		s += float64(v * c)
	}
	return s / float64(h.n())
}

func num(f float64) *Num { n := Num(f); return &n }

// ENPS is the alumni eNPS (would-recommend, 0–10: promoters 9–10 minus detractors 0–6) for a filter,
// broken down by one dimension (none when by is "").
func (s *Service) ENPS(ctx context.Context, tenantID string, f Filter, by Dim) (ScoreReport, error) {
	st, err := s.start(ctx, tenantID, srcPivot)
	if err != nil {
		return ScoreReport{}, err
	}
	return s.score(ctx, st, f, by, MetricENPS)
}

// ReturnIntent is the share of alumni who would come back (return intent 4 or 5 of 5, top-2-box with a
// Wilson interval) and the mean, for a filter, broken down by one dimension.
func (s *Service) ReturnIntent(ctx context.Context, tenantID string, f Filter, by Dim) (ScoreReport, error) {
	st, err := s.start(ctx, tenantID, srcPivot)
	if err != nil {
		return ScoreReport{}, err
	}
	return s.score(ctx, st, f, by, MetricReturnIntent)
}

func (s *Service) score(ctx context.Context, st session, f Filter, by Dim, metric string) (ScoreReport, error) {
	tenantID, min := st.tenant, st.min
	var err error
	col, lo := "score", 0
	if metric == MetricReturnIntent {
		col, lo = "return_intent", 1
	}
	tail := s.startPivotTail(ctx, st)
	var c counting
	q := &sqlb{}
	if st.useCube(scoreCube, f, by) && !st.sqlTail {
		// The answers counted per segment and value at compaction.
		item := map[string]string{MetricENPS: "s", MetricReturnIntent: "r"}[metric]
		c = countsFor(f, "bucket")
		sel, selArgs := c.sums()
		rows, rowsArgs := s.cubeRows(scoreCube, st, "", nil)
		q.add("SELECT "+byExpr(by)+" AS g, toString(exit_quarter) AS q, toUInt8(a) AS v, "+sel, selArgs...)
		q.add(" FROM ("+rows+")", rowsArgs...)
		q.add(" WHERE item = ? AND a >= ? AND a <= ? AND ("+c.where+") GROUP BY g, q, v", append([]any{item, lo, 10}, c.whereArgs...)...)
	} else {
		rowsSQL, rowsArgs := s.pivotRows(tenantID, st.compactedOnly().w, columns(f, "submitted_at", col, "exit_quarter", byCol(by)))
		c = countsFor(f, "submitted_at")
		q.add("SELECT "+byExpr(by)+" AS g, toString(exit_quarter) AS q, toUInt8("+col+") AS v, "+c.sel, c.selArgs...)
		q.add(" FROM ("+rowsSQL+")", rowsArgs...)
		q.add(" WHERE "+col+" >= ? AND "+col+" <= ? AND ("+c.where+") GROUP BY g, q, v", append([]any{lo, 10}, c.whereArgs...)...)
	}

	groups := map[string]*hist{}
	trend := map[string]*hist{}
	gt := map[string]*tally{}
	tt := map[string]*tally{}
	var total hist
	var tot tally
	add := func(g, qtr string, v uint8, n int, ps []int) {
		for _, m := range []struct {
			h map[string]*hist
			t map[string]*tally
			k string
		}{{groups, gt, g}, {trend, tt, qtr}} {
			if m.h[m.k] == nil {
				m.h[m.k], m.t[m.k] = &hist{}, &tally{key: m.k}
			}
			m.h[m.k][v] += n
			m.t[m.k].add(n, ps)
		}
		total[v] += n
		tot.add(n, ps)
	}
	err = query(ctx, s.conn, "read "+metric, q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var g, qtr string
		var v uint8
		n, ps, err := scanCounts(r, c.parents, &g, &qtr, &v)
		if err != nil {
			return err
		}
		add(g, qtr, v, n, ps)
		return nil
	})
	if err != nil {
		return ScoreReport{}, err
	}
	// The responses newer than the watermark, counted here under the same conditions.
	rows, err := tail()
	if err != nil {
		return ScoreReport{}, err
	}
	for _, r := range rows {
		v := int(r.score)
		if metric == MetricReturnIntent {
			v = int(r.ri)
		}
		if v < lo || v > 10 {
			continue
		}
		if n, ps, ok := r.signedCounts(c); ok {
			add(r.vals[by], r.vals[DimExitQuarter], uint8(v), n, ps)
		}

	}
	// Rows counted only under a parent filter belong to no group of f.
	rep := ScoreReport{Metric: metric, Filter: f, By: by, MinGroup: min}
	cell := func(h hist, c Cell) ScoreCell {
		sc := ScoreCell{Cell: c}
		if c.Suppressed || h.n() == 0 {
			return sc
		}
		if metric == MetricENPS {
			e := h.enps()
			sc.ENPS = &ENPSValue{Score: Num(e.Score), SE: Num(e.SE), CI: interval(e.CI), Promoters: e.Promoters,
				Passives: e.Passives, Detractors: e.Detractors}
		} else {
			x, n := h.topBox()
			sh := share(x, n)
			sc.TopBox = &sh
		}
		sc.Mean = num(h.mean())
		return sc
	}
	// build protects one breakdown of the total (none when breakdown is false) and fills its cells.
	build := func(hs map[string]*hist, ts map[string]*tally, breakdown, vsRest bool) ([]ScoreCell, Cell, error) {
		var list []tally
		for _, k := range sortedKeys(ts) {
			if ts[k].n > 0 && breakdown {
				list = append(list, *ts[k])
			}
		}
		v, err := protect(list, tot, min)
		if err != nil {
			return nil, Cell{}, err
		}
		var out []ScoreCell
		for _, t := range list {
			sc := cell(*hs[t.key], v.groups[t.key])
			if vsRest && !sc.Suppressed {
				sc.VsRest = s.compareRest(*hs[t.key], total, min, metric)
			}
			out = append(out, sc)
		}
		return out, v.total, nil
	}
	var totalCell Cell
	if rep.Groups, totalCell, err = build(groups, gt, by != "", true); err != nil {
		return ScoreReport{}, err
	}
	if rep.Trend, _, err = build(trend, tt, true, false); err != nil {
		return ScoreReport{}, err
	}
	rep.Total = cell(total, totalCell)
	return rep, nil
}

// compareRest tests a group against the rest of the total: eNPS by the z of their difference (the two
// are independent, the rest being everyone else), a share by the two-proportion z-test.
func (s *Service) compareRest(g, total hist, min int, metric string) *Comparison {
	var rest hist
	for i := range rest {
		rest[i] = total[i] - g[i]
	}
	if total.n() == g.n() {
		return &Comparison{Refused: true, Reason: "no rest"}
	}
	if err := suppress.Compare(g.n(), total.n(), min); err != nil {
		reason := suppress.ReasonBelowMinimum
		if errors.Is(err, suppress.ErrDifferencing) {
			reason = ReasonDifferencing
		}
		return &Comparison{Refused: true, Reason: reason}
	}
	if metric == MetricENPS {
		a, b := g.enps(), rest.enps()
		d := a.Score - b.Score
		se := math.Sqrt(a.SE*a.SE + b.SE*b.SE)
		z := d / se
		p := math.Erfc(math.Abs(z) / math.Sqrt2)
		return &Comparison{Diff: num(d), SE: num(se), Z: num(z), P: num(p)}
	}
	x1, n1 := g.topBox()
	x2, n2 := rest.topBox()
	return &Comparison{Test: test(stats.TwoProportionZ(x1, n1, x2, n2))}
}
