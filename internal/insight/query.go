package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// columns returns the columns a query over f needs: extra, then the dimensions f restricts and the period
// column when f has a period, each once. Reading only these keeps the scans narrow.
func columns(f Filter, periodCol string, extra ...string) []string {
	out := []string{}
	add := func(c string) {
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, c := range extra {
		add(c)
	}
	for _, d := range Dims {
		if f.Values[d] != "" {
			add(string(d))
		}
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		add(periodCol)
	}
	return out
}

// counting is the conditional counts of a filter and its parents: "countIf(F), countIf(P1), …" and a
// WHERE condition admitting every row any of them counts.
type counting struct {
	sel, where         string
	selArgs, whereArgs []any
	parents            int
	// all is the filter's own condition ("1" when it has none) with its values.
	all     string
	allArgs []any
}

// countsFor builds the counting of filter f over rows with the given period column. Parent i is f without
// its i-th restriction: a group published under the parent and under f differs by the people the
// restriction removes, and protect refuses the narrower group when they are fewer than the minimum.
// Restrictions on the scope dimensions are not dropped: a report that always narrows to one wave (the
// first by default) publishes no figure without it, so there is nothing to subtract from.
func countsFor(f Filter, periodCol string, scope ...Dim) counting {
	cs := f.conds(periodCol)
	all, allArgs := andConds(cs)
	var droppable []int
	for i, cd := range cs {
		if !slices.Contains(scope, Dim(cd.name)) {
			droppable = append(droppable, i)
		}
	}
	c := counting{parents: len(droppable), all: all, allArgs: allArgs}
	sel := &sqlb{}
	sel.add("countIf("+all+") AS n", allArgs...)
	var ors []string
	var orArgs []any
	for _, i := range droppable {
		p := append(append([]cond{}, cs[:i]...), cs[i+1:]...)
		ps, pargs := andConds(p)
		sel.add(fmt.Sprintf(", countIf(%s) AS p%d", ps, i), pargs...)
		ors = append(ors, "("+ps+")")
		orArgs = append(orArgs, pargs...)
	}
	c.sel, c.selArgs = sel.String(), sel.args
	if len(droppable) == 0 {
		c.where, c.whereArgs = all, allArgs
	} else {
		// Every parent admits all of f's rows, so the union of the parents is enough.
		c.where, c.whereArgs = strings.Join(ors, " OR "), orArgs
	}
	return c
}

// byExpr is the SQL of a breakdown dimension as a string (empty when there is none).
func byExpr(d Dim) string {
	switch d {
	case "":
		return "''"
	case DimExitQuarter:
		return "toString(exit_quarter)"
	}
	return string(d)
}

// byCol is the column a breakdown reads ("" for none).
func byCol(d Dim) string { return string(d) }

// scanCounts reads n and the parent counts that end a row, after the leading destinations.
func scanCounts(rows interface{ Scan(...any) error }, parents int, lead ...any) (n int, ps []int, err error) {
	var raw = make([]uint64, parents+1)
	dest := append([]any{}, lead...)
	for i := range raw {
		dest = append(dest, &raw[i])
	}
	if err := rows.Scan(dest...); err != nil {
		return 0, nil, err
	}
	ps = make([]int, parents)
	for i := range ps {
		ps[i] = int(raw[i+1])
	}
	return int(raw[0]), ps, nil
}

// start is what every report does first: the tenant's minimum group size, the current watermarks and
// whether the tenant has rows newer than them, and a background compactor pass when one is due.
func (s *Service) start(ctx context.Context, tenantID string) (min int, w watermarks, err error) {
	min, _, err = s.policy(ctx, tenantID)
	if err != nil {
		return 0, watermarks{}, err
	}
	at, err := s.readWatermarks(ctx)
	if err != nil {
		return 0, watermarks{}, err
	}
	// Both tables are ordered (or partitioned) so that "newer than the watermark" reads only new data.
	var pivot, funnel uint64
	err = s.conn.QueryRow(ctx, `SELECT
		(SELECT count() FROM (SELECT 1 FROM response_facts WHERE tenant_id = ? AND version > ? LIMIT 1)),
		(SELECT count() FROM (SELECT 1 FROM invitation_events WHERE tenant_id = ? AND at > toDateTime(?) LIMIT 1))`,
		tenantID, at[srcPivot], tenantID, at[srcFunnel]).Scan(&pivot, &funnel)
	if err != nil {
		return 0, watermarks{}, fmt.Errorf("look for rows newer than the watermark: %w", err)
	}
	s.maybeCompact(ctx)
	return min, watermarks{at: at, tail: map[string]bool{srcPivot: pivot > 0, srcFunnel: funnel > 0}}, nil
}

// query runs a SELECT and calls each for every row.
func query(ctx context.Context, conn db.Conn, what, sql string, args []any, each func(rows interface{ Scan(...any) error }) error) error {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
