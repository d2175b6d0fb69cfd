package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

// UnknownReason stands for a leaver whose stated exit reason is not on record.
const UnknownReason = "unknown"

// CandourReport sets the reason each leaver gave at exit (from the HR record) against the true main
// reason they gave in the first wave, per person, aggregated: a matrix (the flows of a Sankey chart)
// with its margins, and the share whose reason changed, in total and by one dimension.
type CandourReport struct {
	Filter   Filter `json:"filter"`
	Wave     string `json:"wave"`
	By       Dim    `json:"by,omitempty"`
	MinGroup int    `json:"min_group"`
	// Flows are the cells stated → true; Stated and True are the margins (the distribution of each).
	Flows  []CandourFlow `json:"flows"`
	Stated []CandourFlow `json:"stated"`
	True   []CandourFlow `json:"true"`
	// Changed is the share whose true reason differs from the stated one, with its Wilson interval.
	Changed ChangedCell   `json:"changed"`
	Groups  []ChangedCell `json:"groups"`
}

// CandourFlow is one cell of the stated × true matrix (True is "" in the Stated margin and vice versa).
type CandourFlow struct {
	Cell
	Stated string `json:"stated,omitempty"`
	True   string `json:"true,omitempty"`
}

// ChangedCell is the share of one group whose reason changed.
type ChangedCell struct {
	Cell
	Changed *Share `json:"changed_share,omitempty"`
}

// CandourGap compares stated and true reasons of the people matching f who answered the first wave
// (or the wave f names).
func (s *Service) CandourGap(ctx context.Context, tenantID string, f Filter, by Dim) (CandourReport, error) {
	st, err := s.start(ctx, tenantID, srcPivot)
	if err != nil {
		return CandourReport{}, err
	}
	return s.candourGap(ctx, st, f, by)
}

func (s *Service) candourGap(ctx context.Context, st session, f Filter, by Dim) (CandourReport, error) {
	if f.Get(DimWave) == "" && f.Get(DimSurvey) == "" {
		f = f.With(DimWave, s.opts.FirstWave)
	}
	tenantID, min := st.tenant, st.min
	var err error
	tail := s.startPivotTail(ctx, st)
	rowsSQL, rowsArgs := s.pivotRows(tenantID, st.compactedOnly().w, columns(f, "submitted_at", "exit_reason", "true_reason", byCol(by)), scopeConds(f, DimWave, DimSurvey)...)
	c := countsFor(f, "submitted_at", DimWave, DimSurvey)
	q := &sqlb{}
	q.add("SELECT "+byExpr(by)+" AS g, if(exit_reason = '', ?, exit_reason) AS stated, true_reason, "+c.sel,
		append([]any{UnknownReason}, c.selArgs...)...)
	q.add(" FROM ("+rowsSQL+")", rowsArgs...)
	q.add(" WHERE true_reason != '' AND ("+c.where+") GROUP BY g, stated, true_reason", c.whereArgs...)

	d := newCandourData()
	err = query(ctx, s.conn, "read candour gap", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var g, stated, truth string
		n, ps, err := scanCounts(r, c.parents, &g, &stated, &truth)
		if err != nil {
			return err
		}
		d.add(g, stated, truth, n, ps)
		return nil
	})
	if err != nil {
		return CandourReport{}, err
	}
	rows, err := tail()
	if err != nil {
		return CandourReport{}, err
	}
	for _, r := range rows {
		if r.trueReason == "" {
			continue
		}
		if n, ps, ok := r.signedCounts(c); ok {
			stated := r.exitReason
			if stated == "" {
				stated = UnknownReason
			}
			d.add(r.vals[by], stated, r.trueReason, n, ps)
		}
	}
	return d.report(f, by, min)
}

type reasonPair struct{ stated, true string }

// candourData collects the stated × true counts of a candour gap, by group.
type candourData struct {
	flows        map[reasonPair]int
	gt           map[string]*tally
	changed      map[string]int
	tot          tally
	totalChanged int
}

func newCandourData() *candourData {
	return &candourData{flows: map[reasonPair]int{}, gt: map[string]*tally{}, changed: map[string]int{}}
}

func (d *candourData) add(g, stated, truth string, n int, ps []int) {
	d.flows[reasonPair{stated, truth}] += n
	if d.gt[g] == nil {
		d.gt[g] = &tally{key: g}
	}
	d.gt[g].add(n, ps)
	d.tot.add(n, ps)
	if stated != truth {
		d.changed[g] += n
		d.totalChanged += n
	}
}

// report protects and assembles the counts.
func (d *candourData) report(f Filter, by Dim, min int) (CandourReport, error) {
	flows, gt, changed, tot, totalChanged := d.flows, d.gt, d.changed, d.tot, d.totalChanged
	rep := CandourReport{Filter: f, Wave: f.Get(DimWave), By: by, MinGroup: min}
	var list []tally
	for _, k := range sortedKeys(gt) {
		if gt[k].n > 0 && by != "" {
			list = append(list, *gt[k])
		}
	}
	v, err := protect(list, tot, min)
	if err != nil {
		return CandourReport{}, fmt.Errorf("candour gap: %w", err)
	}
	changedCell := func(c Cell, x, n int) ChangedCell {
		cc := ChangedCell{Cell: c}
		if !c.Suppressed {
			sh := share(x, n)
			cc.Changed = &sh
		}
		return cc
	}
	rep.Changed = changedCell(v.total, totalChanged, tot.n)
	for _, t := range list {
		rep.Groups = append(rep.Groups, changedCell(v.groups[t.key], changed[t.key], t.n))
	}
	if v.total.Suppressed {
		return rep, nil
	}
	// The matrix: a two-way table whose margins (stated and true distributions) and total are published,
	// so suppress.Table hides small flows and enough others that no margin gives them away.
	var cells []suppress.Cell
	for p, n := range flows {
		if n > 0 {
			cells = append(cells, suppress.Cell{Key: []string{p.stated, p.true}, N: n})
		}
	}
	out, err := suppress.Table(cells, 2, min, true)
	if err != nil {
		return CandourReport{}, fmt.Errorf("candour gap matrix: %w", err)
	}
	for _, c := range out {
		cell := Cell{Suppressed: c.Suppressed, Reason: c.Reason}
		if !c.Suppressed {
			n := c.N
			cell.N = &n
		}
		fl := CandourFlow{Cell: cell}
		switch st, tr := c.Key[0], c.Key[1]; {
		case st == suppress.Total && tr == suppress.Total:
			continue // the total: rep.Changed's n
		case tr == suppress.Total:
			fl.Stated, fl.Cell.Key = st, st
			rep.Stated = append(rep.Stated, fl)
		case st == suppress.Total:
			fl.True, fl.Cell.Key = tr, tr
			rep.True = append(rep.True, fl)
		default:
			fl.Stated, fl.True, fl.Cell.Key = st, tr, st+"→"+tr
			rep.Flows = append(rep.Flows, fl)
		}
	}
	sortFlows(rep.Flows)
	sortFlows(rep.Stated)
	sortFlows(rep.True)
	return rep, nil
}

func sortFlows(fs []CandourFlow) {
	slices.SortFunc(fs, func(a, b CandourFlow) int { return strings.Compare(a.Key, b.Key) })
}
