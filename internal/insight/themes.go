package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
		var tail string
		var targs []any
		if w.hasTail(srcText) {
			tail, targs = textTail(tenantID, w.get(srcText))
		}
		c = countsFor(f, "bucket")
		sel, selArgs := c.sums()
		rows, rowsArgs := s.cubeRows(themeCube, st, tail, targs)
		q.add("SELECT "+byExpr(by)+" AS g, toString(toDate(bucket, 'UTC')) AS sq, item, toUInt8(a) AS sent, "+sel, selArgs...)
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
		sel := append(pass, byExpr(by)+" AS g", "toStartOfQuarter(submitted_at) AS sq", "theme",
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
	err = query(ctx, s.conn, "read themes", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var g, sq, theme string
		var code uint8
		n, ps, err := scanCounts(r, c.parents, &g, &sq, &theme, &code)
		if err != nil {
			return err
		}
		if n == 0 && !slices.ContainsFunc(ps, func(p int) bool { return p != 0 }) {
			return nil // counts that cancelled out: no row of the source behind them
		}
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
		return nil
	})
	if err != nil {
		return ThemesReport{}, err
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

// textTail is a subquery with the analyses that change a theme cube's figures since the watermark (the
// cube's source columns and a sign): the compacted row of every key with a newer version (−1) and that
// key's newest version (+1).
func textTail(tenantID string, wm uint64) (string, []any) {
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
	return q.String(), q.args
}
