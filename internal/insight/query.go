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
	// counts are the conditions of n and of each parent, in order.
	counts    []string
	countArgs [][]any
	// filter and droppable say which restrictions of filter.conds each parent leaves out, for counting
	// rows in Go the same way.
	filter    Filter
	droppable []int
}

// selWith is sel with every count further restricted by extra and its values.
func (c counting) selWith(extra string, extraArgs ...any) (string, []any) {
	q := &sqlb{}
	for i, cond := range c.counts {
		if i > 0 {
			q.add(", ")
		}
		q.add(fmt.Sprintf("countIf((%s) AND (%s))", cond, extra), append(append([]any{}, c.countArgs[i]...), extraArgs...)...)
	}
	return q.String(), q.args
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
	c := counting{parents: len(droppable), all: all, allArgs: allArgs, counts: []string{all}, countArgs: [][]any{allArgs},
		filter: f, droppable: droppable}
	sel := &sqlb{}
	sel.add("countIf("+all+") AS n", allArgs...)
	var ors []string
	var orArgs []any
	for _, i := range droppable {
		p := append(append([]cond{}, cs[:i]...), cs[i+1:]...)
		ps, pargs := andConds(p)
		sel.add(fmt.Sprintf(", countIf(%s) AS p%d", ps, i), pargs...)
		c.counts, c.countArgs = append(c.counts, ps), append(c.countArgs, pargs)
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

// session is what a report reads first and every query of it shares: the tenant, its minimum group
// size, the watermarks and whether the tenant has rows newer than them.
type session struct {
	tenant string
	min    int
	w      watermarks
	// base is the gen of the latest complete rebuild of each cube fed by the sources read (0: none yet).
	base map[string]uint64
	// sqlTail keeps the responses newer than the watermark in the reports' SQL (pivotRows) rather than
	// adding them in Go (startPivotTail): the slower reference the tests compare with.
	sqlTail bool
	// pivotTail fingerprints the response_facts rows newer than the pivot watermark (how many, the
	// newest version): the rows pivotTail reads are the same while it is, so reports share them.
	pivotTail uint64
	// funnelTail does the same for the invitation events newer than the funnel watermark.
	funnelTail uint64
}

// tailChecks are the queries telling whether a tenant has rows newer than a source's watermark. The
// first two read only the newest partition; the others read one column.
var tailChecks = map[string]string{
	srcPivot:  "SELECT 1 FROM response_facts WHERE tenant_id = ? AND version > ? LIMIT 1",
	srcFunnel: "SELECT 1 FROM invitation_events WHERE tenant_id = ? AND at > toDateTime(?) LIMIT 1",
	srcText:   "SELECT 1 FROM text_analyses WHERE tenant_id = ? AND analyzed_at > toDateTime(?) LIMIT 1",
	srcAlumni: "SELECT 1 FROM alumni WHERE tenant_id = ? AND version > ? LIMIT 1",
}

// start is what every report does first: the tenant's minimum group size, the current watermarks and,
// for the sources the report reads, whether the tenant has rows newer than them; and it starts a
// background compactor pass when one is due.
func (s *Service) start(ctx context.Context, tenantID string, srcs ...string) (session, error) {
	min, _, err := s.policy(ctx, tenantID)
	if err != nil {
		return session{}, err
	}
	at, err := s.readWatermarks(ctx)
	if err != nil {
		return session{}, err
	}
	if s.opts.CompactEvery >= 0 && slices.ContainsFunc(srcs, func(src string) bool { return s.lagging(src, at[src]) }) {
		if err := s.sharedPass(ctx); err != nil {
			s.opts.Log.Warn("insight compactor pass failed; answering from the raw rows", "err", err)
		} else if at, err = s.readWatermarks(ctx); err != nil {
			return session{}, err
		}
	}
	tail := map[string]bool{}
	base := map[string]uint64{}
	var fpPivotTail, fpFunnelTail uint64
	if len(srcs) > 0 {
		// One round trip: whether each source has rows newer than its watermark, and the base of each
		// cube fed by one of them.
		q := &sqlb{}
		q.add("SELECT ")
		for i, src := range srcs {
			if i > 0 {
				q.add(", ")
			}
			q.add("(SELECT count() FROM ("+tailChecks[src]+"))", tenantID, at[src])
		}
		var kinds []string
		for _, cb := range cubes {
			if !s.noCubes && slices.Contains(srcs, cb.src) {
				bq, bargs := cubeBaseSQL(cb, at[cb.src])
				q.add(", "+bq, bargs...)
				kinds = append(kinds, cb.kind)
			}
		}
		// Fingerprints of the tails, cheap: response_facts is ordered by version after the tenant, and
		// invitation_events is partitioned by month.
		fpPivot, fpFunnel := slices.Contains(srcs, srcPivot), slices.Contains(srcs, srcFunnel)
		flags := make([]uint64, len(srcs)+len(kinds), len(srcs)+len(kinds)+2)
		if fpPivot {
			q.add(", (SELECT cityHash64(count(), max(version)) FROM response_facts WHERE tenant_id = ? AND version > ?)",
				tenantID, at[srcPivot])
			flags = append(flags, 0)
		}
		if fpFunnel {
			q.add(", (SELECT cityHash64(count(), max(at)) FROM invitation_events WHERE tenant_id = ? AND at > toDateTime(?))",
				tenantID, at[srcFunnel])
			flags = append(flags, 0)
		}
		dest := make([]any, len(flags))
		for i := range flags {
			dest[i] = &flags[i]
		}
		if err := s.conn.QueryRow(ctx, q.String(), q.args...).Scan(dest...); err != nil {
			return session{}, fmt.Errorf("look for rows newer than the watermark: %w", err)
		}
		for i, src := range srcs {
			tail[src] = flags[i] > 0
		}
		for i, k := range kinds {
			base[k] = flags[len(srcs)+i]
		}
		next := len(srcs) + len(kinds)
		if fpPivot {
			fpPivotTail, next = flags[next], next+1
		}
		if fpFunnel {
			fpFunnelTail = flags[next]
		}
	}
	s.maybeCompact(ctx)
	return session{tenant: tenantID, min: min, w: watermarks{at: at, tail: tail}, base: base, sqlTail: s.noCubes,
		pivotTail: fpPivotTail, funnelTail: fpFunnelTail}, nil
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
