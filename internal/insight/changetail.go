package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// The part of Change and of the survey figures newer than the watermark, worked out in Go: the compacted rows of the alumni with a
// newer submission are taken away and their responses paired afresh, exactly as pairUp and changeContrib
// would in SQL. Doing it in SQL inside the cube query nests pairUp around responseTuples, which costs
// ClickHouse 18.16 over 100 ms to analyse before reading a row; these two flat queries cost a few.

// maxPivotTail bounds the responses a report re-pairs itself; beyond it the compactor is behind.
const maxPivotTail = 50_000

// segment is a row's segment snapshot and period time, for counting it in Go as the SQL counting would.
type segment struct {
	vals map[Dim]string // exit_quarter as YYYY-MM-DD
	at   time.Time
}

// pivotRow is a response_pivot row (with the prev_ answers) as Change counts it.
type pivotRow struct {
	segment
	alumnus      uuid.UUID
	firstVersion uint64
	score, ri    int8
	retainable   string
	drivers      []int8
	exitReason   string
	trueReason   string
	prevWave     string
	prevScore    int8
	prevRI       int8
	prevRet      string
	prevDrivers  []int8
}

// counts is what the SQL counting would give for the row: 1 or 0 under the filter and each parent
// (the period applies to at).
func (r segment) counts(c counting) (int, []int) {
	f := c.filter
	conds := f.conds("p")
	match := func(cd cond) bool {
		if cd.name == "period" {
			return (f.From.IsZero() || !r.at.Before(f.From)) && (f.To.IsZero() || r.at.Before(f.To))
		}
		return r.vals[Dim(cd.name)] == f.Get(Dim(cd.name))
	}
	all := true
	for _, cd := range conds {
		all = all && match(cd)
	}
	var ps []int
	for _, drop := range c.droppable {
		ok := true
		for i, cd := range conds {
			if i != drop {
				ok = ok && match(cd)
			}
		}
		ps = append(ps, b2i(ok))
	}
	return b2i(all), ps
}

func yesCode(v string) int {
	switch v {
	case "yes":
		return 1
	case "":
		return -1
	}
	return 0
}

// changeItems calls add for every item changeContrib yields for the row.
func (s *Service) changeItemsOf(r pivotRow, add func(item string, a, b int)) {
	first, second := s.opts.FirstWave, s.opts.SecondWave
	wave := r.vals[DimWave]
	paired := wave == second && r.prevWave == first
	earlier := wave == first
	later := wave == second && r.prevWave != first
	k, pk := yesCode(r.retainable), yesCode(r.prevRet)
	sc, psc, ri, pri := int(r.score), int(r.prevScore), int(r.ri), int(r.prevRI)
	if paired {
		add("pair", 0, 0)
		if psc >= 0 && sc >= 0 {
			add("p0", psc, sc)
		}
		if pri >= 1 && ri >= 1 {
			add("p1", pri, ri)
		}
		if pk >= 0 && k >= 0 {
			add("p2", pk, k)
		}
	}
	single := func(n, v int) {
		switch {
		case earlier:
			add(fmt.Sprintf("e%d", n), v, 0)
		case later:
			add(fmt.Sprintf("l%d", n), v, 0)
		}
	}
	if sc >= 0 {
		single(0, sc)
	}
	if ri >= 1 {
		single(1, ri)
	}
	if k >= 0 {
		single(2, k)
	}
	if paired {
		for j, d := range r.drivers {
			var pd int8
			if j < len(r.prevDrivers) {
				pd = r.prevDrivers[j]
			}
			if d > 0 && pd > 0 {
				add(fmt.Sprintf("d%d", j+1), int(pd), int(d))
			}
		}
	}
}

// pivotTail reads the compacted rows of the alumni with a submission newer than the watermark (to take
// away) and their responses paired afresh (to add).
//
// Unpaired (the reports counting responses one by one), only the responses with a newer submission are
// read (PREWHERE: only their granules beyond the id column); their prev_ fields are not filled in.
//
// Reports of the same session state share one read (see sharedTail): its rows must not be modified.
func (s *Service) pivotTail(ctx context.Context, st session, paired bool) (old, fresh []pivotRow, err error) {
	key := tailKey{kind: "pivot", tenant: st.tenant, wm: st.w.get(srcPivot), fp: st.pivotTail}
	if paired {
		key.kind = "pairs"
	}
	t, err := s.pivotTails.get(key, func() (pivotTailRows, error) {
		old, fresh, err := s.readPivotTail(ctx, key.tenant, key.wm, paired)
		return pivotTailRows{old, fresh}, err
	})
	return t.old, t.fresh, err
}

type pivotTailRows struct{ old, fresh []pivotRow }

func (s *Service) readPivotTail(ctx context.Context, tenantID string, wm uint64, paired bool) (old, fresh []pivotRow, err error) {
	alumni, aArgs := newer("alumnus_id", tenantID, wm)
	ids, idArgs := newer("response_id", tenantID, wm)
	cur, curArgs := current(tenantID, wm)
	const cols = `survey_id, wave, department, job_family, exit_type, tenure_band, toString(exit_quarter), submitted_at,
		score, return_intent, retainable, drivers, exit_reason, true_reason`
	q := &sqlb{}
	if paired {
		q.add("SELECT alumnus_id, first_version, "+cols+`, prev_wave, prev_score, prev_return_intent, prev_retainable,
			prev_drivers, response_id IN (`+ids+`) FROM response_pivot PREWHERE alumnus_id IN (`+alumni+`)`,
			append(append([]any{}, idArgs...), aArgs...)...)
		q.add(" WHERE "+cur+" LIMIT ?", append(curArgs, maxPivotTail+1)...)
	} else {
		q.add("SELECT alumnus_id, first_version, "+cols+`, prev_wave, prev_score, prev_return_intent, prev_retainable,
			prev_drivers, toUInt8(1) FROM response_pivot PREWHERE response_id IN (`+ids+")", idArgs...)
		q.add(" WHERE "+cur+" LIMIT ?", append(curArgs, maxPivotTail+1)...)
	}
	scan := func(r interface{ Scan(...any) error }, extra ...any) (pivotRow, error) {
		var p pivotRow
		var survey, wave, dept, fam, exitType, tenure, quarter string
		dest := append([]any{&p.alumnus, &p.firstVersion, &survey, &wave, &dept, &fam, &exitType, &tenure, &quarter,
			&p.at, &p.score, &p.ri, &p.retainable, &p.drivers, &p.exitReason, &p.trueReason}, extra...)
		if err := r.Scan(dest...); err != nil {
			return p, err
		}
		p.vals = map[Dim]string{DimSurvey: survey, DimWave: wave, DimDepartment: dept, DimJobFamily: fam,
			DimExitType: exitType, DimTenureBand: tenure, DimExitQuarter: quarter}
		return p, nil
	}
	var kept []pivotRow
	err = query(ctx, s.conn, "read compacted rows of changed alumni", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var prev pivotRow
		var edited uint8
		p, err := scan(r, &prev.prevWave, &prev.prevScore, &prev.prevRI, &prev.prevRet, &prev.prevDrivers, &edited)
		if err != nil {
			return err
		}
		p.prevWave, p.prevScore, p.prevRI, p.prevRet, p.prevDrivers = prev.prevWave, prev.prevScore, prev.prevRI, prev.prevRet, prev.prevDrivers
		old = append(old, p)
		if edited == 0 {
			kept = append(kept, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	t, targs := s.responseTuples("tenant_id = ? AND version > ?", tenantID, wm)
	q = &sqlb{}
	q.add(`SELECT aid, r.19, r.3, r.4, r.6, r.7, r.8, r.10, toString(r.11), r.5, r.13, r.14, r.17, r.15, r.9, r.16 FROM (`+t+") LIMIT ?",
		append(targs, maxPivotTail+1)...)
	all := kept
	err = query(ctx, s.conn, "read new responses", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		p, err := scan(r)
		if err != nil {
			return err
		}
		all = append(all, p)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(old) > maxPivotTail || len(all) > maxPivotTail {
		return nil, nil, fmt.Errorf("%d+ responses changed since the last compactor pass: %w", maxPivotTail, ErrBacklog)
	}
	if !paired {
		return old, all, nil
	}
	// pairUp: each alumnus's responses by first submission, each beside the one before.
	slices.SortStableFunc(all, func(a, b pivotRow) int {
		if c := strings.Compare(a.alumnus.String(), b.alumnus.String()); c != 0 {
			return c
		}
		switch {
		case a.firstVersion < b.firstVersion:
			return -1
		case a.firstVersion > b.firstVersion:
			return 1
		}
		return 0
	})
	for i, p := range all {
		p.prevWave, p.prevScore, p.prevRI, p.prevRet, p.prevDrivers = "", 0, 0, "", nil
		if i > 0 && all[i-1].alumnus == p.alumnus {
			b := all[i-1]
			p.prevWave, p.prevScore, p.prevRI, p.prevRet, p.prevDrivers = b.vals[DimWave], b.score, b.ri, b.retainable, b.drivers
		}
		fresh = append(fresh, p)
	}
	return old, fresh, nil
}

// signedRow is a row of the pivot tail with the sign of its contribution: −1 for a compacted row the
// tail replaces, +1 for a current one.
type signedRow struct {
	pivotRow
	sign int
}

// startPivotTail starts reading the responses newer than the watermark (when the session has any) while
// the caller counts the compacted rows; the function it returns waits for them. Per response the
// contributions of old (−1) and fresh (+1) rows sum to those of the current responses, so a report
// counting every compacted row adds them to get the current figures.
func (s *Service) startPivotTail(ctx context.Context, st session) func() ([]signedRow, error) {
	if !st.w.hasTail(srcPivot) || st.sqlTail {
		return func() ([]signedRow, error) { return nil, nil }
	}
	var rows []signedRow
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		var old, fresh []pivotRow
		old, fresh, err = s.pivotTail(ctx, st, false)
		for _, r := range old {
			rows = append(rows, signedRow{r, -1})
		}
		for _, r := range fresh {
			rows = append(rows, signedRow{r, 1})
		}
	}()
	return func() ([]signedRow, error) {
		<-done
		return rows, err
	}
}

// signedCounts is what the SQL counting gives for the row, times its sign; ok is false when the row
// counts under neither the filter nor a parent.
func (r signedRow) signedCounts(c counting) (n int, ps []int, ok bool) {
	n, ps = r.counts(c)
	if n == 0 && !slices.Contains(ps, 1) {
		return 0, nil, false
	}
	for i := range ps {
		ps[i] *= r.sign
	}
	return n * r.sign, ps, true
}

// compactedOnly is the session as far as the compacted pivot rows go: a report reading it adds the tail
// from startPivotTail itself.
func (st session) compactedOnly() session {
	if st.sqlTail {
		return st
	}
	tail := map[string]bool{}
	for k, v := range st.w.tail {
		tail[k] = v
	}
	tail[srcPivot] = false
	st.w.tail = tail
	return st
}

// tailKey names one read of a tail (the rows of a source newer than its watermark): they are the same
// while the fingerprint of the raw rows beyond the watermark (how many, the newest) is, since those only
// ever grow.
type tailKey struct {
	kind   string // "pivot", "pairs" (the pivot tail paired up) or "funnel"
	tenant string
	wm, fp uint64
}

type tailEntry[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// sharedTail lets the reports of one page (and the requests in between compactor passes) read a tail
// once: a hundred milliseconds or more on a large tenant, for each of half a dozen panels otherwise.
// Failed reads are not kept.
type sharedTail[T any] struct {
	mu      sync.Mutex
	entries map[tailKey]*tailEntry[T]
}

// maxSharedTails bounds the reads kept; beyond it they are all dropped (a new pass or submission makes
// the older keys useless anyway).
const maxSharedTails = 32

func (t *sharedTail[T]) get(key tailKey, read func() (T, error)) (T, error) {
	t.mu.Lock()
	if e, ok := t.entries[key]; ok {
		t.mu.Unlock()
		<-e.done
		if e.err == nil {
			return e.val, nil
		}
		return t.get(key, read) // the read it waited for failed: try again
	}
	if t.entries == nil || len(t.entries) >= maxSharedTails {
		t.entries = map[tailKey]*tailEntry[T]{}
	}
	e := &tailEntry[T]{done: make(chan struct{})}
	t.entries[key] = e
	t.mu.Unlock()
	e.val, e.err = read()
	if e.err != nil {
		t.mu.Lock()
		if t.entries[key] == e {
			delete(t.entries, key)
		}
		t.mu.Unlock()
	}
	close(e.done)
	return e.val, e.err
}
