package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/stats"
	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

// ThemesReport is how often the analysed free-text answers matching a filter mention each theme, with
// the sentiment of those mentions, in total and by one dimension, and which themes rose or fell between
// the last two quarters (by submission) with the Benjamini–Hochberg false discovery rate controlled.
type ThemesReport struct {
	Filter   Filter        `json:"filter"`
	By       Dim           `json:"by,omitempty"`
	MinGroup int           `json:"min_group"`
	Total    ThemeGroup    `json:"total"`
	Groups   []ThemeGroup  `json:"groups"`
	Rising   *RisingThemes `json:"rising,omitempty"`
}

// ThemeGroup is the themes of one group; n counts analysed answers.
type ThemeGroup struct {
	Cell
	Sentiment map[string]int `json:"sentiment,omitempty"` // answers by overall sentiment
	Themes    []ThemeShare   `json:"themes,omitempty"`
}

// ThemeShare is one theme's share of the answers (Wilson 95%) and the sentiment of its mentions.
type ThemeShare struct {
	Theme     string         `json:"theme"`
	Share     Share          `json:"share"`
	Sentiment map[string]int `json:"sentiment"`
}

// RisingThemes compares the last two quarters; refused when either has fewer answers than the minimum
// or is hidden to protect another quarter.
type RisingThemes struct {
	Before  string        `json:"before"` // the quarters' first days
	After   string        `json:"after"`
	Alpha   Num           `json:"alpha"`
	Refused bool          `json:"refused,omitempty"`
	Reason  string        `json:"reason,omitempty"`
	Changes []ThemeChange `json:"changes,omitempty"`
}

// ThemeChange is one theme's change between the two quarters (see stats.ThemeChange).
type ThemeChange struct {
	Theme     string `json:"theme"`
	Before    Share  `json:"before"`
	After     Share  `json:"after"`
	Diff      Effect `json:"diff"`
	CohensH   Num    `json:"cohens_h"`
	Z         Num    `json:"z"`
	P         Num    `json:"p"`
	Q         Num    `json:"q"`
	Direction int    `json:"direction"` // +1 rising, −1 falling, 0 no significant change
}

// sentiments are the sentiment labels by the code the themes query groups them by.
var sentiments = []string{"neutral", "positive", "negative", "mixed"}

// risingAlpha is the false discovery rate at which a theme counts as rising or falling.
const risingAlpha = 0.05

// themeCounts are the counts of one group or quarter: answers, answers by sentiment, mentions by theme
// and by theme and sentiment.
type themeCounts struct {
	answers   int
	sentiment map[string]int
	themes    map[string]int
	themeSent map[string]map[string]int
}

func newThemeCounts() *themeCounts {
	return &themeCounts{sentiment: map[string]int{}, themes: map[string]int{}, themeSent: map[string]map[string]int{}}
}

func (t *themeCounts) add(theme, sent string, n int) {
	if theme == "" {
		t.answers += n
		t.sentiment[sent] += n
		return
	}
	t.themes[theme] += n
	if t.themeSent[theme] == nil {
		t.themeSent[theme] = map[string]int{}
	}
	if sent == "" {
		sent = "neutral"
	}
	t.themeSent[theme][sent] += n
}

// Themes reports the themes of the free-text answers matching f, broken down by one dimension.
func (s *Service) Themes(ctx context.Context, tenantID string, f Filter, by Dim) (ThemesReport, error) {
	st, err := s.start(ctx, tenantID, srcText)
	if err != nil {
		return ThemesReport{}, err
	}
	min, w := st.min, st.w
	var c counting
	q := &sqlb{}
	if st.useCube(themeCube, f, by) {
		// The mentions counted per segment, quarter, theme and sentiment at compaction; the analyses
		// newer than the watermark replace their compacted version's contribution.
		c = countsFor(f, "bucket")
		sel, selArgs := c.sums()
		rows, rowsArgs := s.cubeRows(themeCube, st, "", nil)
		q.add("SELECT "+byExpr(by)+" AS g, toString(toStartOfQuarter(bucket, '"+bucketZone+"')) AS sq, item, toUInt8(a) AS sent, "+sel, selArgs...)
		q.add(" FROM ("+rows+")", rowsArgs...)
		q.add(" WHERE "+c.where+" GROUP BY g, sq, item, sent", c.whereArgs...)
	} else {
		cur, curArgs := textSource.currentCond(tenantID, w.get(srcText), w.hasTail(srcText))
		cols := columns(f, "submitted_at", "themes", "theme_sentiments", "sentiment", "submitted_at", byCol(by))
		c = countsFor(f, "submitted_at")
		// The themes and their sentiments are unrolled as arrays of their own (the answer itself first, with
		// its overall sentiment), so nothing else is copied per theme; grouping is by fixed-width keys (hashes
		// of the breakdown value and the theme, the sentiment as a small number), which costs much less than
		// grouping by the strings.
		pass := columns(f, "submitted_at", byCol(by))
		q.add("SELECT any(g), toString(any(sq)), any(theme), sent, "+c.sel+" FROM (", c.selArgs...)
		sel := append(pass, byExpr(by)+" AS g", "toStartOfQuarter(submitted_at, '"+bucketZone+"') AS sq", "theme",
			"transform(ts, ['neutral', 'positive', 'negative', 'mixed'], [0, 1, 2, 3], 0) AS sent")
		q.add("SELECT " + strings.Join(sel, ", "))
		q.add(" FROM (SELECT "+strings.Join(cols, ", ")+" FROM text_analyses WHERE tenant_id = ? AND ", tenantID)
		q.add(cur+")", curArgs...)
		q.add(" ARRAY JOIN arrayPushFront(themes, '') AS theme," +
			" arrayPushFront(arrayResize(theme_sentiments, length(themes), ''), toString(sentiment)) AS ts)")
		q.add(" WHERE "+c.where+" GROUP BY cityHash64(g), sq, cityHash64(theme), sent", c.whereArgs...)
	}

	groups := map[string]*themeCounts{}
	quarters := map[string]*themeCounts{}
	gt, qt := map[string]*tally{}, map[string]*tally{}
	total := newThemeCounts()
	var tot tally
	add := func(g, sq, theme string, code uint8, n int, ps []int) {
		sent := "neutral"
		if int(code) < len(sentiments) {
			sent = sentiments[code]
		}
		for _, m := range []struct {
			counts map[string]*themeCounts
			ts     map[string]*tally
			key    string
		}{{groups, gt, g}, {quarters, qt, sq}} {
			if m.counts[m.key] == nil {
				m.counts[m.key], m.ts[m.key] = newThemeCounts(), &tally{key: m.key}
			}
			m.counts[m.key].add(theme, sent, n)
			if theme == "" {
				m.ts[m.key].add(n, ps)
			}
		}
		total.add(theme, sent, n)
		if theme == "" {
			tot.add(n, ps)
		}
	}
	// The rows are summed by key first, so that the analyses newer than the watermark (below) land on
	// the same keys as the SQL would have grouped them.
	type key struct {
		g, sq, theme string
		code         uint8
	}
	sums := map[key]*tally{}
	var keys []key
	sum := func(k key, n int, ps []int) {
		if sums[k] == nil {
			sums[k] = &tally{parents: make([]int, c.parents)}
			keys = append(keys, k)
		}
		sums[k].add(n, ps)
	}
	err = query(ctx, s.conn, "read themes", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var k key
		n, ps, err := scanCounts(r, c.parents, &k.g, &k.sq, &k.theme, &k.code)
		if err != nil {
			return err
		}
		sum(k, n, ps)
		return nil
	})
	if err != nil {
		return ThemesReport{}, err
	}
	if st.useCube(themeCube, f, by) && w.hasTail(srcText) {
		// The analyses newer than the watermark replace their compacted version's contribution.
		rows, err := s.textTail(ctx, tenantID, w.get(srcText))
		if err != nil {
			return ThemesReport{}, err
		}
		for _, r := range rows {
			n, ps := r.counts(c)
			if n == 0 && !slices.Contains(ps, 1) {
				continue
			}
			for i := range ps {
				ps[i] *= r.sign
			}
			g := r.vals[by]
			at := r.at.In(bucketLoc) // quarters in Japan time, as the SQL's
			sq := time.Date(at.Year(), (at.Month()-1)/3*3+1, 1, 0, 0, 0, 0, bucketLoc).Format(time.DateOnly)
			sum(key{g, sq, "", sentimentCode(r.sentiment)}, r.sign*n, ps)
			for i, th := range r.themes {
				ts := ""
				if i < len(r.sents) {
					ts = r.sents[i]
				}
				sum(key{g, sq, th, sentimentCode(ts)}, r.sign*n, ps)
			}
		}
	}
	for _, k := range keys {
		t := sums[k]
		if t.n == 0 && !slices.ContainsFunc(t.parents, func(p int) bool { return p != 0 }) {
			continue // counts that cancelled out: no analysis behind them
		}
		add(k.g, k.sq, k.theme, k.code, t.n, t.parents)
	}
	rep := ThemesReport{Filter: f, By: by, MinGroup: min}
	var list []tally
	for _, k := range sortedKeys(gt) {
		if gt[k].n > 0 && by != "" {
			list = append(list, *gt[k])
		}
	}
	v, err := protect(list, tot, min)
	if err != nil {
		return ThemesReport{}, fmt.Errorf("themes: %w", err)
	}
	rep.Total = themeGroup(total, v.total)
	for _, t := range list {
		rep.Groups = append(rep.Groups, themeGroup(groups[t.key], v.groups[t.key]))
	}
	if !v.total.Suppressed {
		rep.Rising = rising(quarters, qt, tot, min)
	}
	return rep, nil
}

func themeGroup(t *themeCounts, c Cell) ThemeGroup {
	g := ThemeGroup{Cell: c}
	if c.Suppressed {
		return g
	}
	g.Sentiment = t.sentiment
	for _, theme := range sortedKeys(t.themes) {
		g.Themes = append(g.Themes, ThemeShare{Theme: theme, Share: share(t.themes[theme], t.answers), Sentiment: t.themeSent[theme]})
	}
	slices.SortStableFunc(g.Themes, func(a, b ThemeShare) int { return b.Share.Count - a.Share.Count })
	return g
}

// rising compares the last two quarters with answers. The quarters are a breakdown of the published
// total, so they go through the same protection as any other: a quarter hidden to protect another is
// not compared either.
func rising(quarters map[string]*themeCounts, qt map[string]*tally, tot tally, min int) *RisingThemes {
	var list []tally
	for _, k := range sortedKeys(qt) {
		if qt[k].n > 0 {
			list = append(list, *qt[k])
		}
	}
	if len(list) < 2 {
		return nil
	}
	before, after := list[len(list)-2].key, list[len(list)-1].key
	r := &RisingThemes{Before: before, After: after, Alpha: risingAlpha}
	v, err := protect(list, tot, min)
	if err != nil || v.groups[before].Suppressed || v.groups[after].Suppressed {
		r.Refused, r.Reason = true, suppress.ReasonBelowMinimum
		if err == nil && v.groups[after].Suppressed {
			r.Reason = v.groups[after].Reason
		} else if err == nil {
			r.Reason = v.groups[before].Reason
		}
		return r
	}
	b, a := quarters[before], quarters[after]
	themes := map[string]bool{}
	for t := range b.themes {
		themes[t] = true
	}
	for t := range a.themes {
		themes[t] = true
	}
	var counts []stats.ThemeCount
	for _, t := range sortedKeys(themes) {
		counts = append(counts, stats.ThemeCount{Theme: t, Before: b.themes[t], BeforeN: b.answers, After: a.themes[t], AfterN: a.answers})
	}
	for _, ch := range stats.CompareThemes(counts, risingAlpha) {
		r.Changes = append(r.Changes, ThemeChange{Theme: ch.Theme,
			Before:  Share{Count: ch.Before.Successes, N: ch.Before.N, Estimate: Num(ch.Before.Estimate), CI: interval(ch.Before.CI)},
			After:   Share{Count: ch.After.Successes, N: ch.After.N, Estimate: Num(ch.After.Estimate), CI: interval(ch.After.CI)},
			Diff:    Effect{Name: ch.Diff.Name, Value: Num(ch.Diff.Value), CI: interval(ch.Diff.CI)},
			CohensH: Num(ch.CohensH), Z: Num(ch.Z), P: Num(ch.P), Q: Num(ch.Q), Direction: ch.Direction})
	}
	slices.SortStableFunc(r.Changes, func(x, y ThemeChange) int {
		if x.Direction != y.Direction {
			return y.Direction - x.Direction
		}
		return 0
	})
	return r
}

// textRow is an analysis as the themes count it, with the sign of its contribution.
type textRow struct {
	segment
	themes, sents []string
	sentiment     string
	sign          int
}

func sentimentCode(s string) uint8 {
	if i := slices.Index(sentiments, s); i > 0 {
		return uint8(i)
	}
	return 0
}

// maxTextTail bounds the analyses a report works out itself; beyond it the compactor is behind.
const maxTextTail = 50_000

// textTail reads the analyses that change the theme counts since the watermark: the compacted row of
// every key with a newer version (sign −1) and that key's newest version (+1).
func (s *Service) textTail(ctx context.Context, tenantID string, wm uint64) ([]textRow, error) {
	k := textSource.key
	keys, kargs := textKeys(tenantID, wm, 0)
	old, args := themeCube.currentRows(tenantID, wm, -1, "text_key IN ("+keys+")", kargs...)
	q := &sqlb{}
	q.add(old, args...)
	q.add(` UNION ALL SELECT tenant_id, survey_id, wave, department, job_family, exit_type, tenure_band, exit_quarter,
			submitted_at, themes, theme_sentiments, toString(sentiment) AS sentiment, toInt64(1) AS sign
		FROM text_analyses
		WHERE tenant_id = ? AND analyzed_at > toDateTime(?) AND cityHash64(`+k+`, version) IN (
			SELECT cityHash64(`+k+`, max(version)) FROM text_analyses WHERE tenant_id = ? AND analyzed_at > toDateTime(?) GROUP BY `+k+`)`,
		tenantID, wm, tenantID, wm)
	sql := "SELECT survey_id, wave, department, job_family, exit_type, tenure_band, toString(exit_quarter), submitted_at, " +
		"themes, theme_sentiments, sentiment, sign FROM (" + q.String() + ") LIMIT ?"
	var out []textRow
	err := query(ctx, s.conn, "read new analyses", sql, append(q.args, 2*maxTextTail+1), func(r interface{ Scan(...any) error }) error {
		var t textRow
		var survey, wave, dept, fam, exitType, tenure, quarter string
		var sign int64
		if err := r.Scan(&survey, &wave, &dept, &fam, &exitType, &tenure, &quarter, &t.at, &t.themes, &t.sents, &t.sentiment, &sign); err != nil {
			return err
		}
		t.vals = map[Dim]string{DimSurvey: survey, DimWave: wave, DimDepartment: dept, DimJobFamily: fam,
			DimExitType: exitType, DimTenureBand: tenure, DimExitQuarter: quarter}
		t.sign = int(sign)
		out = append(out, t)
		return nil
	})
	if err == nil && len(out) > 2*maxTextTail {
		err = fmt.Errorf("themes: %d+ analyses changed since the last compactor pass: %w", maxTextTail, ErrBacklog)
	}
	return out, err
}
