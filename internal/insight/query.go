package insight

import (
	"context"
	"fmt"
	"strings"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// segmentColumns are the response_pivot columns every answer query reads: the filter dimensions and the
// period column.
var segmentColumns = []string{"survey_id", "wave", "department", "job_family", "exit_type", "tenure_band",
	"exit_quarter", "submitted_at"}

// counting is the conditional counts of a filter and its parents: "countIf(F), countIf(P1), …" and a
// WHERE condition admitting every row any of them counts.
type counting struct {
	sel, where         string
	selArgs, whereArgs []any
	parents            int
}

// countsFor builds the counting of filter f over rows with the given period column. Parent i is f without
// its i-th restriction: a group published under the parent and under f differs by the people the
// restriction removes, and protect refuses the narrower group when they are fewer than the minimum.
func countsFor(f Filter, periodCol string) counting {
	cs := f.conds(periodCol)
	all, allArgs := andConds(cs)
	c := counting{parents: len(cs)}
	sel := &sqlb{}
	sel.add("countIf("+all+") AS n", allArgs...)
	var ors []string
	var orArgs []any
	for i := range cs {
		p := append(append([]cond{}, cs[:i]...), cs[i+1:]...)
		ps, pargs := andConds(p)
		sel.add(fmt.Sprintf(", countIf(%s) AS p%d", ps, i), pargs...)
		ors = append(ors, "("+ps+")")
		orArgs = append(orArgs, pargs...)
	}
	c.sel, c.selArgs = sel.String(), sel.args
	if len(cs) == 0 {
		c.where = "1"
	} else {
		// Every parent admits all of f's rows, so the union of the parents is enough.
		c.where, c.whereArgs = strings.Join(ors, " OR "), orArgs
	}
	return c
}

// byExpr is the SQL of a breakdown dimension as a string (” when there is none).
func byExpr(d Dim) string {
	switch d {
	case "":
		return "''"
	case DimExitQuarter:
		return "toString(exit_quarter)"
	}
	return string(d)
}

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

// start is what every report does first: the tenant's minimum group size and the current watermarks,
// and a background compactor pass when one is due.
func (s *Service) start(ctx context.Context, tenantID string) (min int, w watermarks, err error) {
	min, _, err = s.policy(ctx, tenantID)
	if err != nil {
		return 0, nil, err
	}
	w, err = s.readWatermarks(ctx)
	if err != nil {
		return 0, nil, err
	}
	s.maybeCompact(ctx)
	return min, w, nil
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
