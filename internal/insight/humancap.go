package insight

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/stats"
	"github.com/alumnipulse/alumnipulse/internal/suppress"
	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// HumanCapitalReport holds the human-capital figures of one fiscal year, each with its definition,
// formula, the n it rests on and its place in ISO 30414 and in the Japanese 人的資本可視化指針 — the
// content of the disclosure export.
type HumanCapitalReport struct {
	FiscalYear int      `json:"fiscal_year"`
	From       string   `json:"from"` // first day
	To         string   `json:"to"`   // last day
	Department string   `json:"department,omitempty"`
	MinGroup   int      `json:"min_group"`
	Figures    []Figure `json:"figures"`
}

// Figure is one disclosed figure. A suppressed figure has no value and a null n.
type Figure struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	NameJA     string    `json:"name_ja"`
	Value      *Num      `json:"value"`
	Unit       string    `json:"unit"` // "%", "people", "points", "mean 1–5"
	N          *int      `json:"n"`
	CI         *Interval `json:"ci,omitempty"`
	Definition string    `json:"definition"`
	Formula    string    `json:"formula"`
	ISO30414   string    `json:"iso30414,omitempty"`
	JPArea     string    `json:"jp_area,omitempty"` // the guideline's area: エンゲージメント, 流動性（維持）, 流動性（採用）
	Suppressed bool      `json:"suppressed"`
	Reason     string    `json:"reason,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// Areas of the Japanese human-capital visualisation guideline (人的資本可視化指針) the figures belong to.
const (
	JPEngagement = "エンゲージメント"
	JPRetention  = "流動性（維持）"
	JPHiring     = "流動性（採用）"
)

// FiscalYear returns the first and the last day of fiscal year fy (fy 2025 starts in April 2025 by
// default), at midnight in Japan: answers submitted at 08:00 JST on 1 April belong to the new year, and
// the year is whole buckets of the cubes.
func (s *Service) FiscalYear(fy int) (first, last time.Time) {
	first = time.Date(fy, s.opts.FiscalYearStart, 1, 0, 0, 0, 0, bucketLoc)
	return first, first.AddDate(1, 0, -1)
}

// boomerangYears is how far back the boomerang cohort reaches: voluntary leavers of the last five years.
const boomerangYears = 5

// HumanCapital computes the figures of fiscal year fy, for the company or one department.
func (s *Service) HumanCapital(ctx context.Context, tenantID string, fy int, department string) (HumanCapitalReport, error) {
	if fy < 1971 || fy > 2100 {
		return HumanCapitalReport{}, &ValidationError{"fy", "want a year such as 2025"}
	}
	st, err := s.start(ctx, tenantID, srcPivot, srcFunnel, srcAlumni)
	if err != nil {
		return HumanCapitalReport{}, err
	}
	min, w := st.min, st.w
	first, last := s.FiscalYear(fy)
	rep := HumanCapitalReport{FiscalYear: fy, From: first.Format(time.DateOnly), To: last.Format(time.DateOnly),
		Department: department, MinGroup: min}
	// What alumni say: the first wave's answers submitted in the year.
	sf := Filter{From: first, To: last.AddDate(0, 0, 1), Values: map[Dim]string{DimWave: s.opts.FirstWave}}
	if department != "" {
		sf.Values[DimDepartment] = department
	}
	// The queries are independent, so they run at once: the report waits for the slowest, not the sum.
	var (
		hc     headcount
		lv     leaverCounts
		survey []Figure
		hires  map[HireKind]int
		km     stats.KMCurve
		wg     sync.WaitGroup
	)
	errs := make([]error, 5)
	for i, run := range []func() error{
		func() (err error) { hc, err = s.headcountFor(ctx, tenantID, first, last, department); return err },
		func() (err error) { lv, err = s.leavers(ctx, tenantID, w, first, last, department); return err },
		func() error { return s.surveyFigures(ctx, st, sf, func(f Figure) { survey = append(survey, f) }) },
		func() (err error) { hires, err = s.hires(ctx, tenantID, first, last, department); return err },
		func() (err error) { km, err = s.boomerang(ctx, tenantID, w, first, last, department); return err },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return HumanCapitalReport{}, err
		}
	}
	add := func(f Figure) { rep.Figures = append(rep.Figures, f) }

	// Headcount and turnover.
	avg := Figure{ID: "average_headcount", Name: "Average headcount", NameJA: "平均従業員数", Unit: "people",
		Definition: "Average number of employees in the fiscal year, as reported by HR",
		Formula:    "mean of the month-end headcounts of the year (or the reported yearly average)",
		ISO30414:   "Workforce availability: number of employees"}
	if math.IsNaN(hc.average) {
		avg.Suppressed, avg.Reason = true, "no headcount reported"
	} else {
		avg.Value = num(hc.average)
		avg.N = intp(hc.months)
		avg.Note = fmt.Sprintf("n = months reported (%d)", hc.months)
	}
	add(avg)
	rate := func(id, name, ja, def, formula, iso string, count int) Figure {
		f := Figure{ID: id, Name: name, NameJA: ja, Unit: "%", Definition: def, Formula: formula, ISO30414: iso, JPArea: JPRetention}
		switch {
		case math.IsNaN(hc.average) || hc.average <= 0:
			f.Suppressed, f.Reason = true, "no headcount reported"
		case count > 0 && count < min:
			f.Suppressed, f.Reason = true, suppress.ReasonBelowMinimum
		default:
			f.Value, f.N = num(100*stats.Turnover(count, hc.average).Value), intp(count)
		}
		return f
	}
	add(rate("turnover_rate", "Turnover rate", "離職率", "Leavers in the year as a share of the average headcount",
		"leavers ÷ average headcount × 100", "Turnover: turnover rate", lv.all))
	add(rate("voluntary_turnover_rate", "Voluntary turnover rate", "自発的離職率",
		"Employees who chose to leave, as a share of the average headcount",
		"voluntary leavers ÷ average headcount × 100", "Turnover: voluntary turnover rate", lv.voluntary))
	add(rate("regrettable_turnover_rate", "Regrettable voluntary turnover rate", "惜しまれる自発的離職率",
		"Voluntary leavers HR marked as regrettable (people the company wanted to keep), as a share of the average headcount",
		"regrettable voluntary leavers ÷ average headcount × 100", "Turnover: voluntary turnover (regretted leavers)", lv.regrettable))
	ret := Figure{ID: "retention_rate", Name: "Retention rate", NameJA: "定着率", Unit: "%", JPArea: JPRetention,
		Definition: "Of the employees at the start of the year, the share still employed at its end (hires during the year not counted)",
		Formula:    "(headcount at the start − leavers hired before the start) ÷ headcount at the start × 100",
		ISO30414:   "Organizational culture: retention rate"}
	switch {
	case hc.opening <= 0:
		ret.Suppressed, ret.Reason = true, "no headcount reported for the month before the year"
	case lv.hiredBefore > 0 && lv.hiredBefore < min:
		ret.Suppressed, ret.Reason = true, suppress.ReasonBelowMinimum
	default:
		r := stats.Retention(hc.opening, hc.opening-lv.hiredBefore)
		ret.Value, ret.N = num(100*r.Value), intp(hc.opening)
	}
	add(ret)
	add(s.countFigure("leavers", "Leavers", "離職者数", "People whose employment ended in the year", "count of exit dates in the year",
		"Turnover: number of leavers", JPRetention, lv.all, min))

	// Exit reasons as stated at exit: a breakdown of the leavers, protected as one.
	var reasons []tally
	for _, r := range sortedKeys(lv.byReason) {
		reasons = append(reasons, tally{key: r, n: lv.byReason[r]})
	}
	if v, err := protect(reasons, tally{n: lv.all}, min); err == nil && !v.total.Suppressed {
		for _, r := range reasons {
			c := v.groups[r.key]
			f := Figure{ID: "exit_reason_stated:" + r.key, Name: "Exit reason stated at exit: " + r.key,
				NameJA: "退職時の申告理由: " + reasonJA(r.key), Unit: "%", JPArea: JPRetention,
				Definition: "Share of the year's leavers by the main reason recorded at exit",
				Formula:    "leavers with the reason ÷ leavers × 100", ISO30414: "Turnover: exit (turnover) reasons"}
			f.Suppressed, f.Reason = c.Suppressed, c.Reason
			if !c.Suppressed {
				f.Value, f.N = num(100*float64(r.n)/float64(lv.all)), intp(r.n)
				sh := share(r.n, lv.all)
				f.CI = &Interval{Lo: sh.CI.Lo * 100, Hi: sh.CI.Hi * 100}
			}
			add(f)
		}
	}

	for _, f := range survey {
		add(f)
	}
	part := Figure{ID: "alumni_participation", Name: "Alumni participation", NameJA: "アルムナイ参加率", Unit: "%", JPArea: JPHiring,
		Definition: "Share of the year's leavers who agreed to stay in touch (consented to alumni surveys and contact)",
		Formula:    "consenting leavers ÷ leavers × 100"}
	if lv.consented < min || lv.all < min {
		part.Suppressed, part.Reason = true, suppress.ReasonBelowMinimum
	} else {
		sh := share(lv.consented, lv.all)
		part.Value, part.N, part.CI = num(100*float64(sh.Estimate)), intp(lv.all), &Interval{Lo: sh.CI.Lo * 100, Hi: sh.CI.Hi * 100}
	}
	add(part)

	// Hiring from the alumni network.
	add(s.countFigure("rehires", "Rehired alumni (boomerangs)", "アルムナイ再雇用数", "Former employees hired again in the year",
		"count of rehires recorded by HR in the year", "Recruitment: hires (of former employees)", JPHiring, hires[Rehired], min))
	add(s.countFigure("referral_hires", "Referral hires through alumni", "アルムナイ紹介採用数",
		"People hired in the year on the referral of a former employee", "count of referral hires recorded by HR in the year",
		"Recruitment: hires (through referral)", JPHiring, hires[Referral], min))
	for _, months := range []int{12, 24} {
		f := Figure{ID: fmt.Sprintf("boomerang_rate_%dm", months), Name: fmt.Sprintf("Boomerang rate within %d months", months),
			NameJA: fmt.Sprintf("%dか月以内の再入社率", months), Unit: "%", JPArea: JPHiring,
			Definition: fmt.Sprintf("Share of voluntary leavers (exits in the %d years to the year's end) expected to be rehired within %d months of leaving", boomerangYears, months),
			Formula:    "1 − S(t), Kaplan–Meier with follow-up to the year's end (alumni not rehired are censored), 95% log-log interval",
			ISO30414:   "Recruitment, mobility and turnover (rehires)"}
		pt, ok := km.CumulativeIncidenceAt(float64(months))
		switch {
		case km.N < min:
			f.Suppressed, f.Reason = true, suppress.ReasonBelowMinimum
		case !ok:
			f.Suppressed, f.Reason = true, "follow-up shorter than the horizon"
		default:
			f.Value, f.N = num(100*pt.Estimate), intp(km.N)
			f.CI = &Interval{Lo: Num(100 * pt.CI.Lo), Hi: Num(100 * pt.CI.Hi)}
			f.Note = fmt.Sprintf("%d rehires among %d leavers", km.Events, km.N)
		}
		add(f)
	}
	return rep, nil
}

func intp(n int) *int { return &n }

func (s *Service) countFigure(id, name, ja, def, formula, iso, area string, n, min int) Figure {
	f := Figure{ID: id, Name: name, NameJA: ja, Unit: "people", Definition: def, Formula: formula, ISO30414: iso, JPArea: area}
	if n > 0 && n < min {
		f.Suppressed, f.Reason = true, suppress.ReasonBelowMinimum
		return f
	}
	f.Value, f.N = num(float64(n)), intp(n)
	return f
}

// surveyFigures adds the figures from the first wave's answers: alumni eNPS, return intent, the
// management rating (a retrospective view of leadership), the true reasons and the candour gap (one
// pass over the responses), and the response rate (one over the invitations).
func (s *Service) surveyFigures(ctx context.Context, st session, f Filter, add func(Figure)) error {
	tenantID, min, w := st.tenant, st.min, st.w
	mgr := slices.Index(s.slots.driverCodes, "manager") + 1 // 0: no survey rates management
	rowsSQL, rowsArgs := s.pivotRows(tenantID, w, columns(f, "submitted_at", "exit_reason", "true_reason", "score",
		"return_intent", "drivers"), scopeConds(f, DimWave, DimSurvey)...)
	c := countsFor(f, "submitted_at", DimWave, DimSurvey)
	answered := []string{"score >= 0", "return_intent >= 1", fmt.Sprintf("drivers[%d] > 0", max(mgr, 1)), "true_reason != ''"}
	q := &sqlb{}
	q.add("SELECT if(exit_reason = '', ?, exit_reason) AS stated, true_reason", UnknownReason)
	for _, a := range answered {
		sel, args := c.selWith(a)
		q.add(", "+sel, args...)
	}
	q.add(fmt.Sprintf(`, tupleElement(sumMapIf([toUInt16(score)], [toUInt64(1)], (%s) AND score >= 0) AS m, 1), tupleElement(m, 2),
		countIf((%s) AND return_intent >= 4), countIf((%s) AND drivers[%d] >= 4)`, c.all, c.all, c.all, max(mgr, 1)),
		append(append(append([]any{}, c.allArgs...), c.allArgs...), c.allArgs...)...)
	q.add(" FROM ("+rowsSQL+")", rowsArgs...)
	q.add(" WHERE "+c.where+" GROUP BY stated, true_reason", c.whereArgs...)
	tallies := make([]tally, len(answered))
	var scores hist
	var retTop, mgrTop int
	cd := newCandourData()
	var err error
	if st.useCube(surveyCube, f) {
		err = s.surveyFromCube(ctx, st, f, tallies, &scores, &retTop, &mgrTop, cd)
	} else {
		err = query(ctx, s.conn, "read survey figures", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
			var stated, truth string
			raw := make([]uint64, len(answered)*(c.parents+1))
			var keys []uint16
			var vals []uint64
			var rt, mt uint64
			dest := []any{&stated, &truth}
			for i := range raw {
				dest = append(dest, &raw[i])
			}
			dest = append(dest, &keys, &vals, &rt, &mt)
			if err := r.Scan(dest...); err != nil {
				return err
			}
			for k := range answered {
				part := raw[k*(c.parents+1) : (k+1)*(c.parents+1)]
				ps := make([]int, c.parents)
				for i := range ps {
					ps[i] = int(part[i+1])
				}
				tallies[k].add(int(part[0]), ps)
				if k == 3 && truth != "" {
					cd.add("", stated, truth, int(part[0]), ps)
				}
			}
			for i, k := range keys {
				if int(k) < len(scores) {
					scores[k] += int(vals[i])
				}
			}
			retTop += int(rt)
			mgrTop += int(mt)
			return nil
		})
	}
	if err != nil {
		return err
	}
	cell := func(t tally) (Cell, error) {
		if t.parents == nil {
			t.parents = make([]int, c.parents)
		}
		v, err := protect(nil, t, min)
		return v.total, err
	}
	pct := func(sh Share) (*Num, *Interval) {
		return num(100 * float64(sh.Estimate)), &Interval{Lo: sh.CI.Lo * 100, Hi: sh.CI.Hi * 100}
	}

	e := Figure{ID: "alumni_enps", Name: "Alumni eNPS (3 months after exit)", NameJA: "アルムナイeNPS（退職3か月後）", Unit: "points",
		JPArea:     JPEngagement,
		Definition: "Net promoter score of former employees asked how likely they are to recommend the company as a place to work",
		Formula:    "% answering 9–10 − % answering 0–6; 95% CI ± 1.96·SE, SE = 100·√((pP + pD − (pP − pD)²)/n)",
		ISO30414:   "Organizational culture: engagement / satisfaction / commitment (alumni view)"}
	ec, err := cell(tallies[0])
	if err != nil {
		return err
	}
	fromCell(&e, ec)
	if !ec.Suppressed {
		en := scores.enps()
		e.Value, e.CI = num(en.Score), &Interval{Lo: Num(en.CI.Lo), Hi: Num(en.CI.Hi)}
	}
	add(e)

	r := Figure{ID: "alumni_return_intent", Name: "Alumni who would return", NameJA: "再入社意向のあるアルムナイの割合", Unit: "%",
		JPArea:     JPHiring,
		Definition: "Share of former employees answering 4 or 5 (of 5) to whether they would work for the company again",
		Formula:    "answers 4–5 ÷ answers × 100, 95% Wilson interval"}
	rc, err := cell(tallies[1])
	if err != nil {
		return err
	}
	fromCell(&r, rc)
	if !rc.Suppressed {
		r.Value, r.CI = pct(share(retTop, tallies[1].n))
	}
	add(r)

	lt := Figure{ID: "leadership_trust_alumni", Name: "Leadership trust (alumni's retrospective rating)",
		NameJA: "上司・マネジメントへの評価（アルムナイ）", Unit: "%", JPArea: JPEngagement,
		Definition: "Share of former employees satisfied (4–5 of 5) with the support and management they received, looking back",
		Formula:    "answers 4–5 ÷ answers × 100, 95% Wilson interval",
		ISO30414:   "Leadership: leadership trust (from leavers' hindsight ratings)"}
	if mgr == 0 {
		lt.Suppressed, lt.Reason = true, "no survey asks this"
	} else {
		mc, err := cell(tallies[2])
		if err != nil {
			return err
		}
		fromCell(&lt, mc)
		if !mc.Suppressed {
			lt.Value, lt.CI = pct(share(mgrTop, tallies[2].n))
		}
	}
	add(lt)

	cg, err := cd.report(f, "", min)
	if err != nil {
		return err
	}
	if cg.Changed.N != nil {
		total := *cg.Changed.N
		for _, t := range cg.True {
			fig := Figure{ID: "exit_reason_true:" + t.Key, Name: "True main reason for leaving (3 months on): " + t.Key,
				NameJA: "本当の退職理由（退職3か月後）: " + reasonJA(t.Key), Unit: "%", JPArea: JPRetention,
				Definition: "Share of former employees by the main reason for leaving they give three months after exit",
				Formula:    "answers with the reason ÷ answers × 100", ISO30414: "Turnover: exit (turnover) reasons"}
			fromCell(&fig, t.Cell)
			if t.N != nil {
				fig.Value = num(100 * float64(*t.N) / float64(total))
			}
			add(fig)
		}
	}
	ch := Figure{ID: "candour_gap", Name: "Leavers whose real reason differs from the stated one", NameJA: "申告理由と本当の理由が異なる割合",
		Unit: "%", JPArea: JPRetention,
		Definition: "Share of first-wave respondents whose main reason three months on differs from the reason recorded at exit",
		Formula:    "respondents with true reason ≠ stated reason ÷ respondents × 100, 95% Wilson interval"}
	fromCell(&ch, cg.Changed.Cell)
	if sh := cg.Changed.Changed; sh != nil {
		ch.Value, ch.CI = pct(*sh)
	}
	add(ch)

	ff := Filter{From: f.From, To: f.To, Values: map[Dim]string{DimWave: f.Get(DimWave)}}
	if d := f.Get(DimDepartment); d != "" {
		ff.Values[DimDepartment] = d
	}
	fn, err := s.funnel(ctx, st, ff, "")
	if err != nil {
		return err
	}
	rr := Figure{ID: "survey_response_rate", Name: "Alumni survey response rate", NameJA: "アルムナイ調査回答率", Unit: "%",
		JPArea:     JPEngagement,
		Definition: "Share of delivered first-wave invitations planned in the year that were answered",
		Formula:    "submitted ÷ (sent − bounced) × 100, 95% Wilson interval"}
	fromCell(&rr, fn.Total.Cell)
	if st := fn.Total.Stages; st != nil {
		rr.Value, rr.CI = pct(st.ResponseRate)
		rr.N = intp(st.Delivered)
	}
	add(rr)
	return nil
}

// surveyFromCube reads what surveyFigures counts from the survey cube, with the responses newer than
// the watermark replacing their compacted rows' contribution.
func (s *Service) surveyFromCube(ctx context.Context, st session, f Filter, tallies []tally, scores *hist,
	retTop, mgrTop *int, cd *candourData) error {
	c := countsFor(f, "bucket", DimWave, DimSurvey)
	add := func(item string, a, n int, ps []int) {
		switch {
		case item == "s":
			tallies[0].add(n, ps)
			if a >= 0 && a < len(scores) {
				scores[a] += n
			}
		case item == "r":
			tallies[1].add(n, ps)
			if a >= 4 {
				*retTop += n
			}
		case item == "m":
			tallies[2].add(n, ps)
			if a >= 4 {
				*mgrTop += n
			}
		case strings.HasPrefix(item, "t|"):
			stated, truth, _ := strings.Cut(item[2:], "|")
			tallies[3].add(n, ps)
			cd.add("", stated, truth, n, ps)
		}
	}
	sel, selArgs := c.sums()
	rows, rowsArgs := s.cubeRows(surveyCube, st, "", nil)
	q := &sqlb{}
	q.add("SELECT item, a, "+sel, selArgs...)
	q.add(" FROM ("+rows+")", rowsArgs...)
	q.add(" WHERE "+c.where+" GROUP BY item, a", c.whereArgs...)
	err := query(ctx, s.conn, "read survey figures", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var item string
		var a int16
		n, ps, err := scanCounts(r, c.parents, &item, &a)
		if err != nil {
			return err
		}
		add(item, int(a), n, ps)
		return nil
	})
	if err != nil || !st.w.hasTail(srcPivot) {
		return err
	}
	old, fresh, err := s.pivotTail(ctx, st, false)
	if err != nil {
		return err
	}
	mgr := s.managerDriver()
	for sign, rows := range map[int][]pivotRow{-1: old, 1: fresh} {
		for _, r := range rows {
			n, ps := r.counts(c)
			if n == 0 && !slices.Contains(ps, 1) {
				continue
			}
			n *= sign
			for i := range ps {
				ps[i] *= sign
			}
			if r.score >= 0 {
				add("s", int(r.score), n, ps)
			}
			if r.ri >= 1 {
				add("r", int(r.ri), n, ps)
			}
			if mgr > 0 && mgr <= len(r.drivers) && r.drivers[mgr-1] > 0 {
				add("m", int(r.drivers[mgr-1]), n, ps)
			}
			if r.trueReason != "" {
				stated := r.exitReason
				if stated == "" {
					stated = UnknownReason
				}
				add("t|"+stated+"|"+r.trueReason, 0, n, ps)
			}
		}
	}
	// Reasons whose counts cancelled out are no answers at all.
	for p, n := range cd.flows {
		if n == 0 {
			delete(cd.flows, p)
		}
	}
	return nil
}

func fromCell(f *Figure, c Cell) {
	f.N, f.Suppressed, f.Reason = c.N, c.Suppressed, c.Reason
}

// headcount is what HR reported for a fiscal year.
type headcount struct {
	average float64 // NaN when nothing was reported
	months  int
	opening int // headcount at the end of the month before the year; 0 when not reported
}

func (s *Service) headcountFor(ctx context.Context, tenantID string, first, last time.Time, department string) (headcount, error) {
	first, last = calendarDate(first), calendarDate(last) // headcounts are kept by date
	type key struct {
		kind  string
		start time.Time
	}
	company := map[key]int{}
	sumDept := map[key]int{}
	err := query(ctx, s.conn, "read headcounts", `
		SELECT toString(kind), period_start, department, argMax(headcount, version), argMax(deleted, version)
		FROM headcounts
		WHERE tenant_id = ? AND period_start >= toDate(?) AND period_start <= toDate(?) AND (department = ? OR ? = '')
		GROUP BY kind, period_start, department`,
		[]any{tenantID, first.AddDate(0, -1, 0).Format(time.DateOnly), last.Format(time.DateOnly), department, department},
		func(r interface{ Scan(...any) error }) error {
			var kind, dept string
			var start time.Time
			var n uint32
			var deleted uint8
			if err := r.Scan(&kind, &start, &dept, &n, &deleted); err != nil {
				return err
			}
			if deleted == 1 {
				return nil
			}
			k := key{kind, start.UTC()}
			if dept == department {
				company[k] = int(n)
			} else {
				sumDept[k] += int(n)
			}
			return nil
		})
	if err != nil {
		return headcount{}, err
	}
	// The company's own figure wins; otherwise the departments add up to it.
	get := func(k key) (int, bool) {
		if n, ok := company[k]; ok {
			return n, true
		}
		n, ok := sumDept[k]
		return n, ok
	}
	hc := headcount{average: math.NaN()}
	if n, ok := get(key{KindFiscalYear, first}); ok {
		hc.average, hc.months = float64(n), 12
	} else {
		var months []float64
		for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
			if n, ok := get(key{KindMonth, m}); ok {
				months = append(months, float64(n))
			}
		}
		if len(months) > 0 {
			hc.average, hc.months = stats.AverageHeadcount(months), len(months)
		}
	}
	if n, ok := get(key{KindMonth, first.AddDate(0, -1, 0)}); ok {
		hc.opening = n
	}
	return hc, nil
}

// leaverCounts are the year's leavers by kind.
type leaverCounts struct {
	all, voluntary, regrettable, consented, hiredBefore int
	byReason                                            map[string]int
}

func (s *Service) leavers(ctx context.Context, tenantID string, w watermarks, first, last time.Time, department string) (leaverCounts, error) {
	cur, curArgs := alumniSource.currentCond(tenantID, w.get(srcAlumni), w.hasTail(srcAlumni))
	q := &sqlb{}
	q.add(`SELECT toString(exit_type), regrettable, exit_reason, consent, hire_date < toDate(?), count()
		FROM alumni
		PREWHERE exit_date >= toDate(?) AND exit_date <= toDate(?)
		WHERE tenant_id = ? AND `,
		first.Format(time.DateOnly), first.Format(time.DateOnly), last.Format(time.DateOnly), tenantID)
	if department != "" {
		q.add("department = ? AND ", department)
	}
	q.add(cur, curArgs...)
	q.add(" GROUP BY exit_type, regrettable, exit_reason, consent, hire_date < toDate(?)", first.Format(time.DateOnly))
	lc := leaverCounts{byReason: map[string]int{}}
	err := query(ctx, s.conn, "read leavers", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var exitType, reason string
		var regrettable, consent, before uint8
		var n uint64
		if err := r.Scan(&exitType, &regrettable, &reason, &consent, &before, &n); err != nil {
			return err
		}
		c := int(n)
		lc.all += c
		if exitType == "voluntary" {
			lc.voluntary += c
			if regrettable == 1 {
				lc.regrettable += c
			}
		}
		if consent == 1 {
			lc.consented += c
		}
		if before == 1 {
			lc.hiredBefore += c
		}
		if reason == "" {
			reason = UnknownReason
		}
		lc.byReason[reason] += c
		return nil
	})
	return lc, err
}

// hires counts rehires and referral hires recorded in the year.
func (s *Service) hires(ctx context.Context, tenantID string, first, last time.Time, department string) (map[HireKind]int, error) {
	out := map[HireKind]int{}
	q := &sqlb{}
	q.add(`SELECT toString(event), count() FROM alumni_events
		WHERE tenant_id = ? AND event IN ('rehired', 'referral') AND at >= toDateTime(?) AND at < toDateTime(?)`,
		tenantID, first.Format(time.DateTime), last.AddDate(0, 0, 1).Format(time.DateTime))
	if department != "" {
		// Only then: the sub-select reads the whole registry.
		q.add(" AND alumnus_id IN (SELECT alumnus_id FROM alumni WHERE tenant_id = ? AND department = ?)", tenantID, department)
	}
	q.add(" GROUP BY event")
	err := query(ctx, s.conn, "read hires", q.String(), q.args,
		func(r interface{ Scan(...any) error }) error {
			var ev string
			var n uint64
			if err := r.Scan(&ev, &n); err != nil {
				return err
			}
			out[HireKind(ev)] = int(n)
			return nil
		})
	return out, err
}

// daysPerMonth converts the Kaplan–Meier durations (days) to months.
const daysPerMonth = 365.25 / 12

// boomerang estimates the time from exit to rehire of the voluntary leavers of the boomerangYears to the
// year's end, followed up to the year's end (or today).
func (s *Service) boomerang(ctx context.Context, tenantID string, w watermarks, first, last time.Time, department string) (stats.KMCurve, error) {
	end := calendarDate(last)
	if today := s.opts.Now().UTC().Truncate(24 * time.Hour); today.Before(end) {
		end = today
	}
	from := calendarDate(last).AddDate(-boomerangYears, 0, 1)
	cur, curArgs := alumniSource.currentCond(tenantID, w.get(srcAlumni), w.hasTail(srcAlumni))
	endDay := end.Format(time.DateOnly)
	// The leavers of the cohort by exit date (all censored at the end unless rehired), then the few who
	// were rehired, found by the rehire events: no join over the whole cohort.
	// cohort is the condition after PREWHERE on the exit date (and, for the rehired, the alumnus).
	cohort := &sqlb{}
	cohort.add("exit_date >= toDate(?) AND exit_date <= toDate(?) WHERE tenant_id = ? AND exit_type = 'voluntary' AND ",
		from.Format(time.DateOnly), endDay, tenantID)
	if department != "" {
		cohort.add("department = ? AND ", department)
	}
	cohort.add(cur, curArgs...)
	// One scan of the cohort: how many left how many days before the end, and which of them were ever
	// rehired (a few percent). Their rehire dates come from the small events table and are paired up
	// here, rather than scanning the registry a second time for a join.
	counts := map[int][2]int{}      // days → (rehired, censored)
	exitDays := map[uuid.UUID]int{} // rehired alumnus → days from exit to the end
	err := query(ctx, s.conn, "read boomerang cohort",
		"SELECT toInt32(toDate(?) - exit_date) AS days, count(), groupArrayIf(alumnus_id, alumnus_id IN "+
			"(SELECT alumnus_id FROM alumni_events WHERE tenant_id = ? AND event = 'rehired')) FROM alumni PREWHERE "+
			cohort.String()+" GROUP BY days",
		append([]any{endDay, tenantID}, cohort.args...), func(r interface{ Scan(...any) error }) error {
			var days int32
			var n uint64
			var rehired []uuid.UUID
			if err := r.Scan(&days, &n, &rehired); err != nil {
				return err
			}
			c := counts[int(days)]
			c[1] += int(n)
			counts[int(days)] = c
			for _, id := range rehired {
				exitDays[id] = int(days)
			}
			return nil
		})
	if err != nil {
		return stats.KMCurve{}, err
	}
	if len(exitDays) == 0 {
		return kaplanMeier(counts, daysPerMonth), nil
	}
	// The first rehire on or after the exit day and by the end moves the alumnus from censored at the
	// end to rehired at that day.
	firstRehire := map[uuid.UUID]int{} // rehired alumnus → days from exit to the first rehire
	err = query(ctx, s.conn, "read boomerangs", `SELECT alumnus_id, toInt32(toDate(?) - toDate(at)) FROM alumni_events
		WHERE tenant_id = ? AND event = 'rehired' AND at < toDateTime(toDate(?)) + 86400`,
		[]any{endDay, tenantID, endDay}, func(r interface{ Scan(...any) error }) error {
			var id uuid.UUID
			var before int32 // days from the rehire to the end
			if err := r.Scan(&id, &before); err != nil {
				return err
			}
			d, ok := exitDays[id]
			if !ok || int(before) > d { // not in the cohort, or rehired before this exit
				return nil
			}
			after := d - int(before) // days from the exit to the rehire
			if prev, seen := firstRehire[id]; !seen || after < prev {
				firstRehire[id] = after
			}
			return nil
		})
	if err != nil {
		return stats.KMCurve{}, err
	}
	for id, after := range firstRehire {
		d := exitDays[id]
		c := counts[d]
		c[1]--
		counts[d] = c
		c = counts[after]
		c[0]++
		counts[after] = c
	}
	return kaplanMeier(counts, daysPerMonth), nil
}

// kaplanMeier is stats.KaplanMeier from counts: at each duration (in days, divided by unit for the
// curve's time) how many had the event and how many were censored. It computes exactly what stats does
// for the expanded durations, without a slice per person (tested against it).
func kaplanMeier(counts map[int][2]int, unit float64) stats.KMCurve {
	days := make([]int, 0, len(counts))
	n := 0
	for d, c := range counts {
		if c[0]+c[1] > 0 {
			days = append(days, d)
			n += c[0] + c[1]
		}
	}
	slices.Sort(days)
	curve := stats.KMCurve{N: n}
	if n == 0 {
		return curve
	}
	curve.MaxTime = float64(days[len(days)-1]) / unit
	const z = 1.959963984540054
	s, greenwood := 1.0, 0.0
	atRisk := n
	for _, day := range days {
		d, cens := counts[day][0], counts[day][1]
		t := float64(day) / unit
		if d > 0 {
			s *= 1 - float64(d)/float64(atRisk)
			step := stats.KMStep{Time: t, AtRisk: atRisk, Events: d, Survival: s, SE: math.NaN(),
				CI: stats.Interval{Lo: math.NaN(), Hi: math.NaN()}}
			if d < atRisk {
				greenwood += float64(d) / (float64(atRisk) * float64(atRisk-d))
				step.SE = s * math.Sqrt(greenwood)
				a := z * math.Sqrt(greenwood) / math.Abs(math.Log(s))
				step.CI = stats.Interval{Lo: math.Pow(s, math.Exp(a)), Hi: math.Pow(s, math.Exp(-a))}
			} else {
				greenwood = math.Inf(1)
			}
			curve.Steps = append(curve.Steps, step)
			curve.Events += d
		}
		if len(curve.Steps) > 0 {
			curve.Steps[len(curve.Steps)-1].Censored += cens
		}
		atRisk -= d + cens
	}
	return curve
}

// reasonJA is the Japanese label of a reason code (the code itself when unknown).
func reasonJA(code string) string {
	if code == UnknownReason {
		return "不明"
	}
	if code == "other" {
		return "その他"
	}
	if r, ok := survey.ReasonByCode(code); ok {
		return r.Label.JA
	}
	return code
}

// calendarDate is t's date (in t's own location) as midnight UTC, the form Date columns scan into.
func calendarDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
