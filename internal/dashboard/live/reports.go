package live

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/survey"
)

func (s *Source) insights(q dashboard.Query) (Insights, error) {
	if s.d.Insights == nil {
		return nil, fmt.Errorf("%s: %w", q.Insight, ErrNotWired)
	}
	return s.d.Insights, nil
}

func nan() float64 { return math.NaN() }

func intOr0(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// reasonLabel names a reason or theme code ("unknown": the stated reason is not on record).
func reasonLabel(code, lang string) string {
	if code == insight.UnknownReason {
		return label(lang, "記録なし", "Not recorded")
	}
	return themeLabel(code, lang)
}

// sharePct turns an insight share (0–1) into a percentage point with its interval.
func sharePct(sh insight.Share) dashboard.Point {
	return dashboard.Point{Value: 100 * float64(sh.Estimate), Lo: 100 * float64(sh.CI.Lo), Hi: 100 * float64(sh.CI.Hi), N: sh.N}
}

func pct(v insight.Num) string { return dashboard.Num(100*float64(v), 1) + "%" }

// funnel is invitations per wave at each stage: planned, sent, opened, answered.
func (s *Source) funnel(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	rep, err := ins.Funnel(ctx, q.TenantID, filterOf(q), insight.DimWave)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	stages := []struct {
		name string
		get  func(*insight.FunnelStages) int
	}{
		{label(lang, "予定", "Planned"), func(st *insight.FunnelStages) int { return st.Planned }},
		{label(lang, "送信", "Sent"), func(st *insight.FunnelStages) int { return st.Sent }},
		{label(lang, "開封", "Opened"), func(st *insight.FunnelStages) int { return st.Opened }},
		{label(lang, "回答", "Answered"), func(st *insight.FunnelStages) int { return st.Submitted }},
	}
	sr := &dashboard.Series{YName: label(lang, "人", "people")}
	var rates []string
	for _, g := range rep.Groups {
		sr.Categories = append(sr.Categories, segmentLabel("wave", g.Key, lang))
		if g.Stages != nil && !g.Suppressed {
			rr := g.Stages.ResponseRate
			rates = append(rates, fmt.Sprintf("%s %s", segmentLabel("wave", g.Key, lang), pct(rr.Estimate)))
		}
	}
	for _, st := range stages {
		line := dashboard.Line{Name: st.name}
		for _, g := range rep.Groups {
			p := dashboard.Point{Value: nan(), Lo: nan(), Hi: nan(), Suppressed: g.Suppressed}
			if g.Stages != nil && !g.Suppressed {
				v := st.get(g.Stages)
				p.Value, p.N = float64(v), v
			}
			line.Points = append(line.Points, p)
		}
		sr.Lines = append(sr.Lines, line)
	}
	d := dashboard.Data{MinN: rep.MinGroup, Series: sr, Suppressed: rep.Total.Suppressed}
	if rep.Total.Stages != nil {
		d.N = rep.Total.Stages.Planned
	}
	if len(rates) > 0 {
		d.Note = label(lang, "回答率（回答÷届いた招待）: ", "Response rate (answered ÷ delivered): ") + strings.Join(rates, " · ")
	}
	return d, nil
}

// candourGap is the flow from the reason given at exit to the true reason given in the survey, and the
// share whose reason changed.
func (s *Source) candourGap(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	rep, err := ins.CandourGap(ctx, q.TenantID, filterOf(q), "")
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	fl := &dashboard.Flow{LeftName: label(lang, "退職時に伝えた理由", "Reason given at exit"),
		RightName: label(lang, "本当の理由", "True reason")}
	hidden := 0
	for _, f := range rep.Flows {
		if f.Suppressed || f.N == nil {
			hidden++
			continue
		}
		fl.Links = append(fl.Links, dashboard.FlowLink{From: reasonLabel(f.Stated, lang), To: reasonLabel(f.True, lang), Value: *f.N})
	}
	d := dashboard.Data{N: intOr0(rep.Changed.N), MinN: rep.MinGroup, Flow: fl, Suppressed: rep.Changed.Suppressed}
	var notes []string
	if c := rep.Changed.Changed; c != nil {
		notes = append(notes, fmt.Sprintf(label(lang, "本当の理由が退職時の理由と違った人: %s（95%%信頼区間 %s–%s）",
			"Gave a different true reason: %s (95%% CI %s–%s)"), pct(c.Estimate), pct(c.CI.Lo), pct(c.CI.Hi)))
	}
	if hidden > 0 {
		notes = append(notes, fmt.Sprintf(label(lang, "%d本の少人数の流れは非表示。", "%d small flows are hidden."), hidden))
	}
	d.Note = strings.Join(notes, " ")
	return d, nil
}

// reasonsBySegment is the distribution of true reasons in each group of a breakdown: one candour-gap
// report per group (each protected against the others by the insight service's differencing checks),
// computed a few at a time.
func (s *Source) reasonsBySegment(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	by := q.Options["by"]
	dim, ok := dims[by]
	if !ok {
		return dashboard.Data{}, fmt.Errorf("reasons by %q: unknown breakdown", by)
	}
	f := filterOf(q)
	top, err := ins.CandourGap(ctx, q.TenantID, f, dim)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	d := dashboard.Data{N: intOr0(top.Changed.N), MinN: top.MinGroup, Suppressed: top.Changed.Suppressed}
	if d.Suppressed {
		return d, nil
	}
	type col struct {
		key  string
		n    int
		true map[string]insight.CandourFlow
		off  bool
	}
	cols := make([]col, len(top.Groups))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	errs := make([]error, len(top.Groups))
	for i, g := range top.Groups {
		cols[i] = col{key: g.Key, n: intOr0(g.N), off: g.Suppressed}
		if g.Suppressed {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rep, err := ins.CandourGap(ctx, q.TenantID, f.With(dim, g.Key), "")
			if err != nil {
				errs[i] = err
				return
			}
			cols[i].true = map[string]insight.CandourFlow{}
			for _, t := range rep.True {
				cols[i].true[t.True] = t
			}
			if rep.Changed.Suppressed {
				cols[i].off = true
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return dashboard.Data{}, err
		}
	}
	present := map[string]bool{}
	for _, c := range cols {
		for r := range c.true {
			present[r] = true
		}
	}
	mx := &dashboard.Matrix{Unit: "%", RowName: label(lang, "本当の理由", "True reason"), ColName: segmentTitle(by, lang)}
	var codes []string
	for _, r := range survey.Reasons {
		if present[r.Code] {
			codes = append(codes, r.Code)
		}
	}
	for _, c := range cols {
		mx.Cols = append(mx.Cols, segmentLabel(by, c.key, lang))
	}
	for _, code := range codes {
		mx.Rows = append(mx.Rows, reasonLabel(code, lang))
		row := make([]dashboard.Cell, len(cols))
		for j, c := range cols {
			t, ok := c.true[code]
			switch {
			case c.off || (ok && t.Suppressed):
				row[j] = dashboard.Cell{Suppressed: true, Value: nan()}
			case !ok || t.N == nil || c.n == 0:
				row[j] = dashboard.Cell{Value: 0, N: c.n}
			default:
				row[j] = dashboard.Cell{Value: 100 * float64(*t.N) / float64(c.n), N: c.n}
			}
		}
		mx.Cells = append(mx.Cells, row)
	}
	d.Matrix = mx
	return d, nil
}

// segmentTitle names a breakdown dimension.
func segmentTitle(by, lang string) string {
	switch by {
	case "department":
		return dashboard.T(lang, "f.department")
	case "exit_type":
		return dashboard.T(lang, "f.exit_type")
	case "tenure_band":
		return dashboard.T(lang, "f.tenure_band")
	case "wave":
		return dashboard.T(lang, "f.wave")
	case "job_family":
		return label(lang, "職種", "Job family")
	}
	return by
}

// drivers is importance (relative-weight share of R²) × gap (room to improve) per driver, split into
// quarters at the means: top right is where to act first.
func (s *Source) drivers(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	rep, err := ins.Drivers(ctx, q.TenantID, filterOf(q))
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	var out *insight.DriverOutcome
	for i := range rep.Outcomes {
		if rep.Outcomes[i].Outcome == q.Options["metric"] {
			out = &rep.Outcomes[i]
		}
	}
	if out == nil {
		return dashboard.Data{MinN: rep.MinGroup, Points: &dashboard.Points{}}, nil
	}
	d := dashboard.Data{N: intOr0(out.N), MinN: rep.MinGroup, Suppressed: out.Suppressed}
	pts := &dashboard.Points{XName: label(lang, "重要度（説明力の割合 %）", "Importance (share of R², %)"),
		YName: label(lang, "改善余地", "Gap to target"),
		Quadrants: [4]string{label(lang, "最優先で改善", "Fix first"), label(lang, "改善余地あり", "Room to improve"),
			label(lang, "優先度低", "Lower priority"), label(lang, "強み（維持）", "Strengths to keep")}}
	var sx, sy float64
	for _, p := range out.Priorities {
		if math.IsNaN(float64(p.Importance)) || math.IsNaN(float64(p.Gap)) {
			continue
		}
		pts.Items = append(pts.Items, dashboard.XY{Label: themeLabel(p.Driver, lang), X: 100 * float64(p.Importance), Y: float64(p.Gap), N: d.N})
		sx += 100 * float64(p.Importance)
		sy += float64(p.Gap)
	}
	if n := float64(len(pts.Items)); n > 0 {
		pts.XRef, pts.YRef = sx/n, sy/n
	}
	d.Points = pts
	if len(out.Warnings) > 0 {
		d.Note = strings.Join(out.Warnings, "; ")
	}
	if out.RSquared != nil && !math.IsNaN(float64(*out.RSquared)) {
		d.Note = strings.TrimSpace(d.Note + " R²=" + dashboard.Num(float64(*out.RSquared), 2))
	}
	return d, nil
}

// changeNames label the questions of a change report.
func changeName(question, lang string) string {
	switch {
	case question == "enps":
		return label(lang, "推奨度（推奨者の割合）", "Recommendation (promoters)")
	case question == "return_intent":
		return label(lang, "再入社意向（戻りたい割合）", "Return intent (would return)")
	case question == "retainable":
		return label(lang, "引き留められた（はい）", "Could have been kept (yes)")
	case strings.HasPrefix(question, "driver:"):
		return label(lang, "振り返り評価: ", "Hindsight rating: ") + themeLabel(strings.TrimPrefix(question, "driver:"), lang)
	}
	return question
}

// changeFlow is how the same people moved between the top box (promoters, or would return) and the rest
// from the first wave to the second.
func (s *Source) changeFlow(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	f := filterOf(q)
	delete(f.Values, insight.DimWave) // the report compares the waves itself
	rep, err := ins.Change(ctx, q.TenantID, f)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	d := dashboard.Data{N: intOr0(rep.People.N), MinN: rep.MinGroup, Suppressed: rep.People.Suppressed,
		Flow: &dashboard.Flow{LeftName: segmentLabel("wave", rep.From, lang), RightName: segmentLabel("wave", rep.To, lang)}}
	var it *insight.ChangeItem
	for i := range rep.Items {
		if rep.Items[i].Question == q.Options["metric"] {
			it = &rep.Items[i]
		}
	}
	if it == nil || it.Suppressed || it.Before == nil || it.After == nil {
		if it != nil && it.Suppressed {
			d.Suppressed = true
		}
		return d, nil
	}
	top, rest := label(lang, "推奨者（9–10）", "Promoters (9–10)"), label(lang, "それ以外（0–8）", "Others (0–8)")
	if it.Question == "return_intent" {
		top, rest = label(lang, "戻りたい（4–5）", "Would return (4–5)"), label(lang, "それ以外（1–3）", "Others (1–3)")
	}
	n := it.Before.N
	stay := it.Before.Count - it.Left
	flows := []dashboard.FlowLink{{From: top, To: top, Value: stay}, {From: top, To: rest, Value: it.Left},
		{From: rest, To: top, Value: it.Joined}, {From: rest, To: rest, Value: n - stay - it.Left - it.Joined}}
	// A flow of fewer than the minimum people is not drawn (its count is a small group of its own).
	hidden := 0
	for _, fl := range flows {
		if fl.Value >= rep.MinGroup {
			d.Flow.Links = append(d.Flow.Links, fl)
		} else if fl.Value > 0 {
			hidden++
		}
	}
	d.N = n
	var notes []string
	if hidden > 0 {
		notes = append(notes, fmt.Sprintf(label(lang, "%d本の少人数の流れは非表示。", "%d small flows are hidden."), hidden))
	}
	notes = append(notes, fmt.Sprintf(label(lang, "同じ人の比較（%d人）: %s → %s", "Same people (%d): %s → %s"), n,
		pct(it.Before.Estimate), pct(it.After.Estimate)))
	if it.McNemar != nil && !math.IsNaN(float64(it.McNemar.P)) {
		p := strings.TrimSuffix(pval(it.McNemar), " *")
		if strings.HasPrefix(p, "<") {
			notes = append(notes, "McNemar p "+p)
		} else {
			notes = append(notes, "McNemar p = "+p)
		}
	}
	d.Note = strings.Join(notes, " · ")
	return d, nil
}

// changeTests is the paired tests of every question both waves share.
func (s *Source) changeTests(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	f := filterOf(q)
	delete(f.Values, insight.DimWave)
	rep, err := ins.Change(ctx, q.TenantID, f)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	t := &dashboard.Table{Columns: []string{label(lang, "項目", "Question"), label(lang, "人数（両方回答）", "People (both waves)"),
		segmentLabel("wave", rep.From, lang), segmentLabel("wave", rep.To, lang), label(lang, "差", "Change"),
		"McNemar p", "Wilcoxon p", label(lang, "効果量", "Effect size")},
		Numeric: []bool{false, true, true, true, true, true, true, true}}
	mn := fmt.Sprintf("n<%d", rep.MinGroup)
	for _, it := range rep.Items {
		row := []string{changeName(it.Question, lang)}
		if it.Suppressed || it.Before == nil || it.After == nil {
			row = append(row, mn, "", "", "", "", "", "")
			t.Rows = append(t.Rows, row)
			continue
		}
		diff := 100 * (float64(it.After.Estimate) - float64(it.Before.Estimate))
		row = append(row, strconv.Itoa(it.Before.N), pct(it.Before.Estimate), pct(it.After.Estimate),
			signed(diff)+"pt", pval(it.McNemar), pval(it.Signed), effect(it))
		t.Rows = append(t.Rows, row)
	}
	return dashboard.Data{N: intOr0(rep.People.N), MinN: rep.MinGroup, Suppressed: rep.People.Suppressed, Table: t,
		Note: label(lang, "p<0.05 は偶然では説明しにくい変化。", "p < 0.05: unlikely to be chance.")}, nil
}

func signed(v float64) string {
	if v > 0 {
		return "+" + dashboard.Num(v, 1)
	}
	return dashboard.Num(v, 1)
}

func pval(t *insight.Test) string {
	if t == nil || math.IsNaN(float64(t.P)) {
		return "–"
	}
	s := dashboard.Num(float64(t.P), 3)
	if t.P < 0.001 {
		s = "<0.001"
	}
	if t.P < 0.05 {
		s += " *"
	}
	return s
}

func effect(it insight.ChangeItem) string {
	for _, t := range []*insight.Test{it.Signed, it.McNemar} {
		if t != nil && len(t.Effects) > 0 && !math.IsNaN(float64(t.Effects[0].Value)) {
			return t.Effects[0].Name + " " + dashboard.Num(float64(t.Effects[0].Value), 2)
		}
	}
	return "–"
}

// themesData covers the theme panels: top themes, sentiment by theme, themes by segment and over time.
func (s *Source) themes(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	top := 8
	if v, err := strconv.Atoi(q.Options["top"]); err == nil {
		top = v
	}
	var by insight.Dim
	switch q.Insight {
	case "themes_by_segment":
		by = dims[q.Options["by"]]
	case "theme_trend":
		by = insight.DimExitQuarter
	}
	rep, err := ins.Themes(ctx, q.TenantID, filterOf(q), by)
	if err != nil {
		return dashboard.Data{}, err
	}
	d := dashboard.Data{N: intOr0(rep.Total.N), MinN: rep.MinGroup, Suppressed: rep.Total.Suppressed}
	if d.Suppressed {
		return d, nil
	}
	leaders := rep.Total.Themes
	if len(leaders) > top {
		leaders = leaders[:top]
	}
	switch q.Insight {
	case "themes":
		sr := &dashboard.Series{Unit: "%", Horizontal: true}
		line := dashboard.Line{Name: label(lang, "言及した割合", "Share of comments")}
		for _, t := range leaders {
			sr.Categories = append(sr.Categories, themeLabel(t.Theme, lang))
			line.Points = append(line.Points, sharePct(t.Share))
		}
		sr.Lines = []dashboard.Line{line}
		d.Series = sr
	case "theme_sentiment":
		sr := &dashboard.Series{Unit: "%", Horizontal: true, Stacked: true}
		kinds := []string{"positive", "neutral", "mixed", "negative"}
		colors := []string{"#3a9e6e", "#b8bec8", "#c9a227", "#c9473f"}
		lines := make([]dashboard.Line, len(kinds))
		for i, k := range kinds {
			lines[i].Name, lines[i].Color = dashboard.T(lang, "sentiment."+k), colors[i]
		}
		for _, t := range leaders {
			sr.Categories = append(sr.Categories, themeLabel(t.Theme, lang))
			total := 0
			for _, n := range t.Sentiment {
				total += n
			}
			for i, k := range kinds {
				v := nan()
				if total > 0 {
					v = 100 * float64(t.Sentiment[k]) / float64(total)
				}
				lines[i].Points = append(lines[i].Points, dashboard.Point{Value: v, Lo: nan(), Hi: nan(), N: total})
			}
		}
		sr.Lines = lines
		d.Series = sr
	case "themes_by_segment":
		d.Matrix = themeMatrix(rep, leaders, q.Options["by"], lang)
	case "theme_trend":
		sr := &dashboard.Series{Unit: "%"}
		for _, g := range rep.Groups {
			sr.Categories = append(sr.Categories, quarterLabel(g.Key))
		}
		for _, t := range leaders {
			line := dashboard.Line{Name: themeLabel(t.Theme, lang)}
			for _, g := range rep.Groups {
				p := dashboard.Point{Value: nan(), Lo: nan(), Hi: nan(), Suppressed: g.Suppressed}
				if !g.Suppressed {
					p.Value, p.N = 0, intOr0(g.N)
					for _, ts := range g.Themes {
						if ts.Theme == t.Theme {
							p = sharePct(ts.Share)
							p.Lo, p.Hi = nan(), nan() // lines only: five bands on one chart are unreadable
						}
					}
				}
				line.Points = append(line.Points, p)
			}
			sr.Lines = append(sr.Lines, line)
		}
		d.Series = sr
	}
	return d, nil
}

func themeMatrix(rep insight.ThemesReport, leaders []insight.ThemeShare, by, lang string) *dashboard.Matrix {
	mx := &dashboard.Matrix{Unit: "%", RowName: dashboard.T(lang, "themes"), ColName: segmentTitle(by, lang)}
	for _, g := range rep.Groups {
		mx.Cols = append(mx.Cols, segmentLabel(by, g.Key, lang))
	}
	for _, t := range leaders {
		mx.Rows = append(mx.Rows, themeLabel(t.Theme, lang))
		row := make([]dashboard.Cell, len(rep.Groups))
		for j, g := range rep.Groups {
			if g.Suppressed {
				row[j] = dashboard.Cell{Suppressed: true, Value: nan()}
				continue
			}
			row[j] = dashboard.Cell{Value: 0, N: intOr0(g.N)}
			for _, ts := range g.Themes {
				if ts.Theme == t.Theme {
					row[j] = dashboard.Cell{Value: 100 * float64(ts.Share.Estimate), N: ts.Share.N}
				}
			}
		}
		mx.Cells = append(mx.Cells, row)
	}
	return mx
}

// changes is what moved between the last two quarters: themes rising or falling (Benjamini–Hochberg
// adjusted), and eNPS and return intent of the last two exit quarters with their intervals.
func (s *Source) changes(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	ins, err := s.insights(q)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	f := filterOf(q)
	t := &dashboard.Table{Columns: []string{label(lang, "項目", "Item"), label(lang, "前の四半期", "Previous quarter"),
		label(lang, "直近の四半期", "Latest quarter"), label(lang, "変化", "Change"), label(lang, "判定", "Verdict")},
		Numeric: []bool{false, true, true, true, false}}
	d := dashboard.Data{Table: t}
	for _, m := range []struct {
		name string
		get  func(context.Context, string, insight.Filter, insight.Dim) (insight.ScoreReport, error)
		unit string
	}{
		{label(lang, "アルムナイeNPS", "Alumni eNPS"), ins.ENPS, "pt"},
		{label(lang, "再入社意向あり", "Would return"), ins.ReturnIntent, "%"},
	} {
		rep, err := m.get(ctx, q.TenantID, f, "")
		if err != nil {
			return dashboard.Data{}, err
		}
		d.MinN = rep.MinGroup
		var shown []insight.ScoreCell
		for _, c := range rep.Trend {
			if !c.Suppressed {
				shown = append(shown, c)
			}
		}
		if len(shown) < 2 {
			continue
		}
		a, b := scorePoint(shown[len(shown)-2]), scorePoint(shown[len(shown)-1])
		verdict := label(lang, "区間が重なる（差は不確か）", "Intervals overlap (uncertain)")
		if a.Hi < b.Lo {
			verdict = label(lang, "上昇", "Up")
		} else if b.Hi < a.Lo {
			verdict = label(lang, "低下", "Down")
		}
		t.Rows = append(t.Rows, []string{m.name + " (" + quarterLabel(shown[len(shown)-2].Key) + " → " + quarterLabel(shown[len(shown)-1].Key) + ")",
			dashboard.Num(a.Value, 1) + m.unit, dashboard.Num(b.Value, 1) + m.unit, signed(b.Value-a.Value) + m.unit, verdict})
		d.N += b.N
	}
	th, err := ins.Themes(ctx, q.TenantID, f, "")
	if err != nil {
		return dashboard.Data{}, err
	}
	if r := th.Rising; r != nil && !r.Refused {
		for _, ch := range r.Changes {
			if ch.Direction == 0 {
				continue
			}
			verdict := label(lang, "増加（有意）", "Rising (significant)")
			if ch.Direction < 0 {
				verdict = label(lang, "減少（有意）", "Falling (significant)")
			}
			t.Rows = append(t.Rows, []string{label(lang, "テーマ: ", "Theme: ") + themeLabel(ch.Theme, lang),
				pct(ch.Before.Estimate), pct(ch.After.Estimate), signed(100*float64(ch.Diff.Value)) + "pt", verdict})
		}
	}
	if len(t.Rows) == 0 {
		t.Rows = [][]string{}
	}
	d.Note = label(lang, "テーマの判定は多重比較を補正（FDR 5%）。", "Theme verdicts are corrected for multiple comparisons (FDR 5%).")
	return d, nil
}
