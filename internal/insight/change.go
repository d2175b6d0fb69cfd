package insight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/alumnipulse/alumnipulse/internal/stats"
	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

// ChangeReport is how the answers of the same people moved from the first wave to the second (3 → 6
// months by default): for every tagged question both waves share, paired tests on the people who
// answered both, and an independent-groups test on those who answered only one of them.
type ChangeReport struct {
	Filter   Filter       `json:"filter"`
	From     string       `json:"from_wave"`
	To       string       `json:"to_wave"`
	MinGroup int          `json:"min_group"`
	People   Cell         `json:"people"` // people who answered both waves
	Items    []ChangeItem `json:"items"`
}

// ChangeItem is the change in one question. Scores (nps, likert) get the Wilcoxon signed-rank test and
// McNemar's test on the top box (promoters 9–10 for nps, 4–5 for likert); "yes" answers get McNemar.
type ChangeItem struct {
	Cell
	Question string `json:"question"` // "enps", "return_intent", "retainable" or "driver:<reason code>"
	Kind     string `json:"kind"`     // "score" or "yes"
	TopFrom  int    `json:"top_from,omitempty"`
	// Shares in the top box (or answering yes) in each wave, of the paired people.
	Before *Share `json:"before,omitempty"`
	After  *Share `json:"after,omitempty"`
	// Means of the paired scores.
	MeanBefore *Num  `json:"mean_before,omitempty"`
	MeanAfter  *Num  `json:"mean_after,omitempty"`
	McNemar    *Test `json:"mcnemar,omitempty"`
	// Discordant pairs: top box (or yes) → not, and not → top box.
	Left   int   `json:"left_top,omitempty"`
	Joined int   `json:"joined_top,omitempty"`
	Signed *Test `json:"wilcoxon,omitempty"`
	// Independent compares the top-box share of those who answered only the first wave with those who
	// answered only the second (two-proportion z); refused when either group is below the minimum. Not
	// given for the hindsight ratings.
	Independent *Comparison `json:"independent,omitempty"`
}

// changeItem is one question compared. Scores and the retainable answer are columns of the pivot row;
// drivers are positions of its drivers array.
type changeItem struct {
	name, kind string
	top        int
	lo         int // the lowest valid value
	driver     int // 1-based position in drivers, 0 for the others
}

func (s *Service) changeItems() []changeItem {
	items := []changeItem{
		{name: "enps", kind: "score", top: 9, lo: 0},
		{name: "return_intent", kind: "score", top: 4, lo: 1},
		{name: "retainable", kind: "yes", top: 1, lo: 0},
	}
	for i, code := range s.slots.driverCodes {
		if len(s.slots.drivers[i]) > 0 {
			items = append(items, changeItem{name: "driver:" + code, kind: "score", top: 4, lo: 1, driver: i + 1})
		}
	}
	return items
}

// Change compares the first and the second wave for the same people (joined by alumnus) matching f.
func (s *Service) Change(ctx context.Context, tenantID string, f Filter) (ChangeReport, error) {
	f = f.With(DimWave, "").With(DimSurvey, "")
	st, err := s.start(ctx, tenantID, srcPivot)
	if err != nil {
		return ChangeReport{}, err
	}
	min, w := st.min, st.w
	first, second := s.opts.FirstWave, s.opts.SecondWave
	items := s.changeItems()
	byDriver := map[int]int{}
	for k, it := range items {
		if it.driver > 0 {
			byDriver[it.driver] = k
		}
	}
	pairs := make([]pairCounts, len(items))
	earlierAny := make([]map[int]int, len(items))
	laterOnly := make([]map[int]int, len(items))
	for i := range items {
		pairs[i], earlierAny[i], laterOnly[i] = pairCounts{}, map[int]int{}, map[int]int{}
	}
	if st.useCube(changeCube, f) {
		tot, err := s.changeFromCube(ctx, st, f, byDriver, pairs, earlierAny, laterOnly)
		if err != nil {
			return ChangeReport{}, err
		}
		return s.changeReport(f, min, items, tot, pairs, earlierAny, laterOnly)
	}
	c := countsFor(f, "submitted_at")
	yes := func(col string) string { return "toInt8(multiIf(" + col + " = 'yes', 1, " + col + " = '', -1, 0))" }
	// Three grouped passes, each small in what it groups by: the paired people's scores, their drivers
	// (the arrays unrolled), and the single-wave answers for the independent-groups test.
	rows, rowsArgs := s.pairRows(tenantID, w, columns(f, "submitted_at", "wave", "prev_wave", "score", "prev_score",
		"return_intent", "prev_return_intent", "retainable", "prev_retainable"))
	q := &sqlb{}
	q.add("SELECT prev_score, score, prev_return_intent, return_intent, "+yes("prev_retainable")+" AS pk, "+yes("retainable")+" AS k, "+c.sel, c.selArgs...)
	q.add(" FROM ("+rows+")", rowsArgs...)
	q.add(" WHERE wave = ? AND prev_wave = ? AND ("+c.where+") GROUP BY prev_score, score, prev_return_intent, return_intent, pk, k",
		append([]any{second, first}, c.whereArgs...)...)
	var tot tally
	err = query(ctx, s.conn, "read change", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var v [6]int8
		n, ps, err := scanCounts(r, c.parents, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5])
		if err != nil {
			return err
		}
		tot.add(n, ps)
		for k := 0; k < 3; k++ {
			if a, b := int(v[2*k]), int(v[2*k+1]); a >= items[k].lo && b >= items[k].lo {
				pairs[k][[2]int{a, b}] += n
			}
		}
		return nil
	})
	if err != nil {
		return ChangeReport{}, err
	}
	if len(byDriver) > 0 {
		rows, rowsArgs = s.pairRows(tenantID, w, columns(f, "submitted_at", "wave", "prev_wave", "drivers", "prev_drivers"))
		q = &sqlb{}
		q.add("SELECT j, pd, d, countIf("+c.all+") FROM (", c.allArgs...)
		q.add("SELECT * FROM ("+rows+") WHERE wave = ? AND prev_wave = ?", append(append([]any{}, rowsArgs...), second, first)...)
		q.add(") ARRAY JOIN drivers AS d, prev_drivers AS pd, arrayEnumerate(drivers) AS j WHERE d > 0 AND pd > 0 GROUP BY j, pd, d")
		err = query(ctx, s.conn, "read change of drivers", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
			var j uint32
			var pd, d int8
			var n uint64
			if err := r.Scan(&j, &pd, &d, &n); err != nil {
				return err
			}
			if k, ok := byDriver[int(j)]; ok && n > 0 {
				pairs[k][[2]int{int(pd), int(d)}] += int(n)
			}
			return nil
		})
		if err != nil {
			return ChangeReport{}, err
		}
	}
	rows, rowsArgs = s.pairRows(tenantID, w, columns(f, "submitted_at", "wave", "prev_wave", "score", "return_intent", "retainable"))
	q = &sqlb{}
	q.add("SELECT wave = ? AS earlier, score, return_intent, "+yes("retainable")+" AS k, countIf("+c.all+")", append([]any{first}, c.allArgs...)...)
	q.add(" FROM ("+rows+")", rowsArgs...)
	q.add(" WHERE wave = ? OR (wave = ? AND prev_wave != ?) GROUP BY earlier, score, return_intent, k", first, second, first)
	err = query(ctx, s.conn, "read single-wave answers", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var earlier uint8
		var v [3]int8
		var n uint64
		if err := r.Scan(&earlier, &v[0], &v[1], &v[2], &n); err != nil {
			return err
		}
		for k := 0; k < 3; k++ {
			if int(v[k]) < items[k].lo {
				continue
			}
			if earlier == 1 {
				earlierAny[k][int(v[k])] += int(n)
			} else {
				laterOnly[k][int(v[k])] += int(n)
			}
		}
		return nil
	})
	if err != nil {
		return ChangeReport{}, err
	}
	return s.changeReport(f, min, items, tot, pairs, earlierAny, laterOnly)
}

// changeFromCube reads the counts of Change from the change cube: the paired people, the joint answers
// of each question and the single-wave answers.
func (s *Service) changeFromCube(ctx context.Context, st session, f Filter, byDriver map[int]int, pairs []pairCounts,
	earlierAny, laterOnly []map[int]int) (tally, error) {
	c := countsFor(f, "bucket")
	var tot tally
	add := func(item string, a, b, n int, ps []int) error {
		if item == "pair" {
			tot.add(n, ps)
			return nil
		}
		if n == 0 || len(item) < 2 {
			return nil
		}
		k, err := strconv.Atoi(item[1:])
		if err != nil {
			return fmt.Errorf("change item %q: %w", item, err)
		}
		switch item[0] {
		case 'p':
			pairs[k][[2]int{a, b}] += n
		case 'd':
			if i, ok := byDriver[k]; ok {
				pairs[i][[2]int{a, b}] += n
			}
		case 'e':
			earlierAny[k][a] += n
		case 'l':
			laterOnly[k][a] += n
		}
		return nil
	}
	sel, selArgs := c.sums()
	rows, rowsArgs := s.cubeRows(changeCube, st, "", nil)
	q := &sqlb{}
	q.add("SELECT item, a, b, "+sel, selArgs...)
	q.add(" FROM ("+rows+")", rowsArgs...)
	q.add(" WHERE "+c.where+" GROUP BY item, a, b", c.whereArgs...)
	err := query(ctx, s.conn, "read change", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var item string
		var a, b int16
		n, ps, err := scanCounts(r, c.parents, &item, &a, &b)
		if err != nil {
			return err
		}
		return add(item, int(a), int(b), n, ps)
	})
	if err != nil {
		return tally{}, err
	}
	if st.w.hasTail(srcPivot) {
		old, fresh, err := s.pivotTail(ctx, st, true)
		if err != nil {
			return tally{}, err
		}
		for sign, rows := range map[int][]pivotRow{-1: old, 1: fresh} {
			for _, r := range rows {
				n, ps := r.counts(c)
				if n == 0 && !slices.Contains(ps, 1) {
					continue
				}
				for i := range ps {
					ps[i] *= sign
				}
				s.changeItemsOf(r, func(item string, a, b int) {
					if err == nil {
						err = add(item, a, b, sign*n, ps)
					}
				})
			}
		}
		if err != nil {
			return tally{}, err
		}
	}
	// Counts that cancelled out are no answers at all.
	for _, m := range pairs {
		for k, n := range m {
			if n == 0 {
				delete(m, k)
			}
		}
	}
	for _, ms := range [][]map[int]int{earlierAny, laterOnly} {
		for _, m := range ms {
			for k, n := range m {
				if n == 0 {
					delete(m, k)
				}
			}
		}
	}
	if tot.parents == nil {
		tot.parents = make([]int, c.parents)
	}
	return tot, nil
}

// changeReport protects and assembles the counts of Change.
func (s *Service) changeReport(f Filter, min int, items []changeItem, tot tally, pairs []pairCounts,
	earlierAny, laterOnly []map[int]int) (ChangeReport, error) {
	rep := ChangeReport{Filter: f, From: s.opts.FirstWave, To: s.opts.SecondWave, MinGroup: min}
	v, err := protect(nil, tot, min)
	if err != nil {
		return ChangeReport{}, err
	}
	rep.People = v.total
	if v.total.Suppressed {
		return rep, nil
	}
	for i, it := range items {
		pc := pairs[i]
		n := 0
		for _, c := range pc {
			n += c
		}
		ci := ChangeItem{Question: it.name, Kind: it.kind}
		if it.kind == "score" {
			ci.TopFrom = it.top
		}
		if n == 0 {
			continue // the question is not in both waves
		}
		if n < min {
			ci.Cell = Cell{Key: it.name, Suppressed: true, Reason: suppress.ReasonBelowMinimum}
			rep.Items = append(rep.Items, ci)
			continue
		}
		nn := n
		ci.Cell = Cell{Key: it.name, N: &nn}
		var topA, topB, sumA, sumB int
		for k, c := range pc {
			if k[0] >= it.top {
				topA += c
			}
			if k[1] >= it.top {
				topB += c
			}
			sumA += k[0] * c
			sumB += k[1] * c
		}
		before, after := share(topA, n), share(topB, n)
		ci.Before, ci.After = &before, &after
		mc, left, joined := mcnemar(pc, it.top)
		ci.McNemar, ci.Left, ci.Joined = test(mc), left, joined
		if it.kind == "score" {
			ci.MeanBefore, ci.MeanAfter = num(float64(sumA)/float64(n)), num(float64(sumB)/float64(n))
			ci.Signed = test(wilcoxon(pc))
		}
		if it.driver == 0 {
			ci.Independent = s.independent(pc, earlierAny[i], laterOnly[i], it.top, min)
		}
		rep.Items = append(rep.Items, ci)
	}
	return rep, nil
}

// independent compares the top-box share of the earlier-only and the later-only respondents.
func (s *Service) independent(pc pairCounts, earlierAny, laterOnly map[int]int, top, min int) *Comparison {
	earlierOnly := map[int]int{}
	for v, c := range earlierAny {
		earlierOnly[v] = c
	}
	for k, c := range pc {
		earlierOnly[k[0]] -= c
	}
	count := func(m map[int]int) (x, n int) {
		for v, c := range m {
			n += c
			if v >= top {
				x += c
			}
		}
		return x, n
	}
	x1, n1 := count(laterOnly)
	x2, n2 := count(earlierOnly)
	if n1 < min || n2 < min {
		return &Comparison{Refused: true, Reason: suppress.ReasonBelowMinimum}
	}
	if err := suppress.Compare(n1, n2, 1); err != nil && !errors.Is(err, suppress.ErrDifferencing) {
		return &Comparison{Refused: true, Reason: err.Error()}
	}
	return &Comparison{Test: test(stats.TwoProportionZ(x1, n1, x2, n2))}
}
