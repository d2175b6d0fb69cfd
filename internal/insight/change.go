package insight

import (
	"context"
	"errors"
	"fmt"

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
	// answered only the second (two-proportion z); refused when either group is below the minimum.
	Independent *Comparison `json:"independent,omitempty"`
}

// changeItem is one question compared: the SQL of its value on a pivot row (later) and of the same
// person's answer in their previous response (earlier).
type changeItem struct {
	name, kind string
	top        int
	lo         int // the lowest valid value
	earlier    string
	later      string
}

func (s *Service) changeItems() []changeItem {
	items := []changeItem{
		{"enps", "score", 9, 0, "prev_score", "score"},
		{"return_intent", "score", 4, 1, "prev_return_intent", "return_intent"},
	}
	for i, code := range s.slots.driverCodes {
		if len(s.slots.drivers[i]) == 0 {
			continue
		}
		items = append(items, changeItem{"driver:" + code, "score", 4, 1,
			fmt.Sprintf("prev_drivers[%d]", i+1), fmt.Sprintf("drivers[%d]", i+1)})
	}
	yes := func(col string) string { return "toInt8(multiIf(" + col + " = 'yes', 1, " + col + " = '', -1, 0))" }
	items = append(items, changeItem{"retainable", "yes", 1, 0, yes("prev_retainable"), yes("retainable")})
	return items
}

// onlyOther marks a single wave's answer in the (earlier, later) pair of the change query: "earlier,
// any" or "later only".
const onlyOther = -2

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
	rowsSQL, rowsArgs := s.pairRows(tenantID, w, columns(f, "submitted_at", "wave", "prev_wave", "score", "prev_score",
		"return_intent", "prev_return_intent", "drivers", "prev_drivers", "retainable", "prev_retainable"))
	c := countsFor(f, "submitted_at")
	// One row: the people paired (under f and each parent filter), and for every question the joint
	// counts of (earlier, later) answers as a sumMap keyed item·256 + (earlier+2)·16 + (later+2). A
	// later-wave row paired with its earlier one gives (earlier, later); a later-wave row without it
	// (onlyOther, later); an earlier-wave row (earlier, onlyOther), from which "earlier only" is derived.
	sel, selArgs := c.selWith("wave = ? AND prev_wave = ?", second, first)
	q := &sqlb{}
	q.add("SELECT "+sel, selArgs...)
	q.add(", tupleElement(sumMapIf(arrayMap(x -> toUInt16(x.1 * 256 + (x.2 + 2) * 16 + (x.3 + 2)), [")
	for i, it := range items {
		if i > 0 {
			q.add(", ")
		}
		q.add(fmt.Sprintf("(%d, toInt16(multiIf(wave = ?, %s, prev_wave = ?, %s, %d)), toInt16(if(wave = ?, %d, %s)))",
			i, it.later, it.earlier, onlyOther, onlyOther, it.later), first, first, first)
	}
	q.add(fmt.Sprintf("]), arrayMap(x -> toUInt64(1), range(%d)), %s) AS m, 1), tupleElement(m, 2)", len(items), c.all), c.allArgs...)
	q.add(" FROM ("+rowsSQL+")", rowsArgs...)
	q.add(" WHERE (wave = ? OR wave = ?) AND ("+c.where+")", append([]any{first, second}, c.whereArgs...)...)

	pairs := make([]pairCounts, len(items))
	earlierAny := make([]map[int]int, len(items))
	laterOnly := make([]map[int]int, len(items))
	for i := range items {
		pairs[i], earlierAny[i], laterOnly[i] = pairCounts{}, map[int]int{}, map[int]int{}
	}
	var tot tally
	err = query(ctx, s.conn, "read change", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var m struct {
			keys []uint16
			vals []uint64
		}
		raw := make([]uint64, c.parents+1)
		dest := make([]any, 0, len(raw)+1)
		for i := range raw {
			dest = append(dest, &raw[i])
		}
		dest = append(dest, &m.keys, &m.vals)
		if err := r.Scan(dest...); err != nil {
			return err
		}
		ps := make([]int, c.parents)
		for i := range ps {
			ps[i] = int(raw[i+1])
		}
		tot.add(int(raw[0]), ps)
		for k, key := range m.keys {
			item, a, b := int(key)/256, int(key)%256/16-2, int(key)%16-2
			if item >= len(items) {
				continue
			}
			it, n := items[item], int(m.vals[k])
			switch {
			case a == onlyOther && b >= it.lo:
				laterOnly[item][b] += n
			case b == onlyOther && a >= it.lo:
				earlierAny[item][a] += n
			case a >= it.lo && b >= it.lo:
				pairs[item][[2]int{a, b}] += n
			}
		}
		return nil
	})
	if err != nil {
		return ChangeReport{}, err
	}
	rep := ChangeReport{Filter: f, From: first, To: second, MinGroup: min}
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
		ci.Independent = s.independent(pc, earlierAny[i], laterOnly[i], it.top, min)
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
