package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A cube is a pre-aggregated count table (insight_counts, one kind per cube) that the compactor keeps in
// step with one source, so that a report counts a few thousand rows instead of scanning a million.
//
// A row of a source stands for one contribution per item it yields (a theme mentioned, a pair of answers,
// an invitation's stages), under its segment snapshot and the bucket of its period column. When a pass
// makes rows current it adds their contributions (cnt +1 each) and takes away those of the rows they
// replace (cnt −1), under gen = the pass's watermark; rows cancelling out vanish as parts merge. A
// query sums the cube's rows with base ≤ gen ≤ W and adds the contributions newer than W the same way
// (−1 for the compacted rows a newer one replaces, +1 for the newer one), so the sum is exactly the
// contributions of the current rows.
//
// A cube answers a filter only on the dimensions it keeps and a period that starts and ends on its
// buckets (months or quarters in Japan time, see bucketZone); the report scans its source otherwise.
type cube struct {
	kind string
	src  string
	// dims are the dimensions it keeps; the others are empty (exit_quarter 1970-01-01).
	dims []Dim
	// bucket is "month", "quarter" or "" (no period) and period the source column it buckets.
	bucket, period string
	// cols are the source columns contrib reads.
	cols []string
	// contrib is a SELECT of cubeColumns and cnt from rows (source columns in cols and a sign).
	contrib func(s *Service, cb cube, rows string, args []any) (string, []any)
}

// bucketZone is the time zone of the cubes' month and quarter buckets: Japan's, where alumnipulse's tenants
// are, so that a fiscal year or a month as a Japanese tenant counts it (from midnight JST) is whole
// buckets. Japan has no daylight saving time, so a fixed offset is exact. A period starting at midnight
// elsewhere is answered by scanning.
const bucketZone = "Asia/Tokyo"

var bucketLoc = time.FixedZone("JST", 9*60*60)

// cubeTables are the tables holding a source's rows as the compactor emitted them.
var cubeTables = map[string]string{srcPivot: "response_pivot", srcFunnel: "invitation_funnel", srcText: "insight_text"}

// cubeColumns are the key columns of insight_counts after tenant_id, kind and gen.
const cubeColumns = "survey_id, wave, department, job_family, exit_type, tenure_band, exit_quarter, bucket, item, a, b"

var (
	funnelCube = cube{kind: "funnel", src: srcFunnel,
		dims:   []Dim{DimSurvey, DimWave, DimDepartment, DimJobFamily, DimExitType, DimExitQuarter},
		bucket: "month", period: "planned_at",
		cols: []string{"tenant_id", "survey_id", "wave", "department", "job_family", "exit_type", "exit_quarter", "planned_at", "stages"},
		contrib: func(s *Service, cb cube, rows string, args []any) (string, []any) {
			return "SELECT tenant_id, " + cb.segment() + ", '' AS item, toInt16(stages) AS a, toInt16(0) AS b, sign AS cnt FROM (" + rows + ")", args
		}}
	// Themes and change keep months, not quarters, so that "the last 12 months" from any month is whole
	// buckets; the themes report groups them into quarters itself.
	themeCube = cube{kind: "theme", src: srcText, dims: Dims, bucket: "month", period: "submitted_at",
		cols: []string{"tenant_id", "survey_id", "wave", "department", "job_family", "exit_type", "tenure_band", "exit_quarter",
			"submitted_at", "themes", "theme_sentiments", "sentiment"},
		contrib: func(s *Service, cb cube, rows string, args []any) (string, []any) {
			// The answer itself (item '') with its overall sentiment, then each theme with its own.
			return "SELECT tenant_id, " + cb.segment() + `, item,
				toInt16(transform(ts, ['neutral', 'positive', 'negative', 'mixed'], [0, 1, 2, 3], 0)) AS a, toInt16(0) AS b, sign AS cnt
				FROM (` + rows + `)
				ARRAY JOIN arrayPushFront(themes, '') AS item,
					arrayPushFront(arrayResize(theme_sentiments, length(themes), ''), toString(sentiment)) AS ts`, args
		}}
	changeCube = cube{kind: "change", src: srcPivot,
		dims:   []Dim{DimDepartment, DimJobFamily, DimExitType, DimTenureBand, DimExitQuarter},
		bucket: "month", period: "submitted_at",
		cols: []string{"tenant_id", "survey_id", "wave", "prev_wave", "department", "job_family", "exit_type", "tenure_band",
			"exit_quarter", "submitted_at", "score", "prev_score", "return_intent", "prev_return_intent", "retainable",
			"prev_retainable", "drivers", "prev_drivers"},
		contrib: changeContrib,
	}
	// surveyCube holds what the human-capital report reads of the answers (surveyFigures): the answered
	// scores, return intents and management ratings and the stated → true reasons, per wave, department and
	// month.
	surveyCube = cube{kind: "survey", src: srcPivot, dims: []Dim{DimSurvey, DimWave, DimDepartment},
		bucket: "month", period: "submitted_at",
		cols: []string{"tenant_id", "survey_id", "wave", "department", "submitted_at", "score", "return_intent", "drivers",
			"exit_reason", "true_reason"},
		contrib: surveyContrib,
	}
	// scoreCube holds every answered would-recommend score (s) and return intent (r) per segment; no period.
	scoreCube = cube{kind: "score", src: srcPivot, dims: Dims,
		cols: []string{"tenant_id", "survey_id", "wave", "department", "job_family", "exit_type", "tenure_band", "exit_quarter",
			"score", "return_intent"},
		contrib: func(s *Service, cb cube, rows string, args []any) (string, []any) {
			return `SELECT tenant_id, ` + cb.segment() + `, it.1 AS item, it.2 AS a, toInt16(0) AS b, sign AS cnt
				FROM (` + rows + `)
				ARRAY JOIN arrayFilter(x -> x.1 != '', [
					(if(score >= 0, 's', ''), toInt16(score)),
					(if(return_intent >= 1, 'r', ''), toInt16(return_intent))]) AS it`, args
		}}
	cubes = []cube{funnelCube, themeCube, changeCube, surveyCube, scoreCube}
)

// segment is the SQL of the segment columns and the bucket, for a source row.
func (cb cube) segment() string {
	var parts []string
	for _, d := range Dims { // survey_id, wave, department, job_family, exit_type, tenure_band, exit_quarter
		switch {
		case slices.Contains(cb.dims, d):
			parts = append(parts, string(d))
		case d == DimExitQuarter:
			parts = append(parts, "toDate('1970-01-01') AS exit_quarter")
		default:
			parts = append(parts, "'' AS "+string(d))
		}
	}
	// A plain DateTime of the bucket's first second, midnight in bucketZone (the columns' own time zone
	// may differ).
	b := "toDateTime(toUInt32(0))"
	switch cb.bucket {
	case "month":
		b = "toDateTime(toUInt32(toDateTime(toStartOfMonth(" + cb.period + ", '" + bucketZone + "'), '" + bucketZone + "')))"
	case "quarter":
		b = "toDateTime(toUInt32(toDateTime(toStartOfQuarter(" + cb.period + ", '" + bucketZone + "'), '" + bucketZone + "')))"
	}
	return strings.Join(parts, ", ") + ", " + b + " AS bucket"
}

// covers reports whether the cube can answer a filter broken down by the given dimensions.
func (cb cube) covers(f Filter, by ...Dim) bool {
	for d, v := range f.Values {
		if v != "" && !slices.Contains(cb.dims, d) {
			return false
		}
	}
	for _, d := range by {
		if d != "" && !slices.Contains(cb.dims, d) {
			return false
		}
	}
	for _, t := range []time.Time{f.From, f.To} {
		if t.IsZero() {
			continue
		}
		u := t.In(bucketLoc)
		if cb.bucket == "" || u.Day() != 1 || u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 || u.Nanosecond() != 0 ||
			(cb.bucket == "quarter" && (u.Month()-1)%3 != 0) {
			return false
		}
	}
	return true
}

// changeContrib yields, for a response_pivot row, the items Change counts: for a second-wave answer
// paired with the same person's first-wave one, the person ("pair"), the answer pairs of would-recommend
// (p0), return intent (p1) and retainable (p2, yes = 1) and of every driver rated in both (d<j>); for a
// first-wave answer (e0–e2) and a second-wave answer without one (l0–l2), the single answers. Only valid
// answers are counted (scores ≥ 0, return intent ≥ 1, a retainable answer given).
func changeContrib(s *Service, cb cube, rows string, args []any) (string, []any) {
	first, second := s.opts.FirstWave, s.opts.SecondWave
	q := &sqlb{}
	q.add(`SELECT tenant_id, `+cb.segment()+`, it.1 AS item, it.2 AS a, it.3 AS b, sign AS cnt
		FROM (
			SELECT *, wave = ? AND prev_wave = ? AS paired, wave = ? AS earlier, wave = ? AND prev_wave != ? AS later,
				toInt16(multiIf(retainable = 'yes', 1, retainable = '', -1, 0)) AS k,
				toInt16(multiIf(prev_retainable = 'yes', 1, prev_retainable = '', -1, 0)) AS pk
			FROM (`, second, first, first, second, first)
	q.add(rows, args...)
	q.add(`)
		)
		ARRAY JOIN arrayConcat(
			arrayFilter(x -> x.1 != '', [
				(if(paired, 'pair', ''), toInt16(0), toInt16(0)),
				(if(paired AND prev_score >= 0 AND score >= 0, 'p0', ''), toInt16(prev_score), toInt16(score)),
				(if(paired AND prev_return_intent >= 1 AND return_intent >= 1, 'p1', ''), toInt16(prev_return_intent), toInt16(return_intent)),
				(if(paired AND pk >= 0 AND k >= 0, 'p2', ''), pk, k),
				(if(score >= 0, multiIf(earlier, 'e0', later, 'l0', ''), ''), toInt16(score), toInt16(0)),
				(if(return_intent >= 1, multiIf(earlier, 'e1', later, 'l1', ''), ''), toInt16(return_intent), toInt16(0)),
				(if(k >= 0, multiIf(earlier, 'e2', later, 'l2', ''), ''), k, toInt16(0))]),
			arrayFilter(x -> x.1 != '', arrayMap((d, pd, j) -> (if(paired AND d > 0 AND pd > 0, concat('d', toString(j)), ''),
				toInt16(pd), toInt16(d)), drivers, arrayResize(prev_drivers, length(drivers), toInt8(0)), arrayEnumerate(drivers)))
		) AS it`)
	return q.String(), q.args
}

// managerDriver is the 1-based position of the management rating in response_pivot.drivers (0: no
// survey asks it).
func (s *Service) managerDriver() int { return slices.Index(s.slots.driverCodes, "manager") + 1 }

// surveyContrib yields, for a response_pivot row, the items surveyFigures counts: the score (s), return
// intent (r) and management rating (m) when answered, and "t|<stated>|<true>" when a true reason is given.
func surveyContrib(s *Service, cb cube, rows string, args []any) (string, []any) {
	mgr := "toInt16(0)"
	if m := s.managerDriver(); m > 0 {
		mgr = fmt.Sprintf("toInt16(drivers[%d])", m)
	}
	q := &sqlb{}
	q.add(`SELECT tenant_id, `+cb.segment()+`, it.1 AS item, it.2 AS a, toInt16(0) AS b, sign AS cnt
		FROM (`+rows+`)
		ARRAY JOIN arrayFilter(x -> x.1 != '', [
			(if(score >= 0, 's', ''), toInt16(score)),
			(if(return_intent >= 1, 'r', ''), toInt16(return_intent)),
			(if(`+mgr+` > 0, 'm', ''), `+mgr+`),
			(if(true_reason != '', concat('t|', if(exit_reason = '', ?, exit_reason), '|', true_reason), ''), toInt16(0))]) AS it`,
		append(append([]any{}, args...), UnknownReason)...)
	return q.String(), q.args
}

// cubeBases reads, for every cube whose source is among srcs, the gen of its latest complete rebuild at
// or below the source's watermark (0: none, the cube cannot be used yet).
func cubeBaseSQL(cb cube, wm uint64) (string, []any) {
	return `(SELECT max(gen) FROM (
			SELECT gen, sum(cnt) AS c FROM insight_counts WHERE tenant_id = '' AND kind = ? AND gen <= ? GROUP BY gen HAVING c > 0))`,
		[]any{cb.kind, wm}
}

// cubeRows is a subquery with the cube's rows (cubeColumns and cnt) for a tenant as of the session's
// watermark, with the contributions of the given rows newer than it added (tail: source columns and a
// sign; "" when none).
func (s *Service) cubeRows(cb cube, st session, tail string, targs []any) (string, []any) {
	q := &sqlb{}
	q.add("SELECT "+cubeColumns+", cnt FROM insight_counts WHERE tenant_id = ? AND kind = ? AND gen >= ? AND gen <= ?",
		st.tenant, cb.kind, st.base[cb.kind], st.w.get(cb.src))
	if tail != "" {
		c, cargs := cb.contrib(s, cb, tail, targs)
		q.add(" UNION ALL SELECT "+cubeColumns+", cnt FROM ("+c+")", cargs...)
	}
	return q.String(), q.args
}

// useCube reports whether a report may read the cube: it has been built and covers the filter.
func (st session) useCube(cb cube, f Filter, by ...Dim) bool {
	return st.base[cb.kind] > 0 && cb.covers(f, by...)
}

// sums is the counting's select list for cube rows: each count a sum of cnt.
func (c counting) sums() (string, []any) {
	q := &sqlb{}
	for i, cond := range c.counts {
		if i > 0 {
			q.add(", ")
		}
		q.add("toUInt64(sumIf(cnt, "+cond+"))", c.countArgs[i]...)
	}
	return q.String(), q.args
}

// currentRows is a subquery with a tenant's current rows of a cube's source as of watermark wm (the
// cube's columns), restricted further by restrict, each with the given sign.
func (cb cube) currentRows(tenantID string, wm uint64, sign int, restrict string, rargs ...any) (string, []any) {
	q := &sqlb{}
	cols := strings.Join(cb.cols, ", ")
	switch cb.src {
	case srcPivot:
		cur, cargs := current(tenantID, wm)
		q.add("SELECT "+cols+fmt.Sprintf(", toInt64(%d) AS sign FROM response_pivot WHERE ", sign)+cur, cargs...)
	case srcFunnel:
		cur, cargs := funnelCurrent(tenantID, wm)
		q.add("SELECT "+cols+fmt.Sprintf(", toInt64(%d) AS sign FROM invitation_funnel WHERE ", sign)+cur, cargs...)
	case srcText:
		// The row of the highest gen of each key: insight_text is ordered by key, so a restriction to
		// a few keys reads only their granules.
		q.add("SELECT "+cols+fmt.Sprintf(", toInt64(%d) AS sign FROM insight_text WHERE tenant_id = ?", sign), tenantID)
		q.add(" AND (text_key, gen) IN (SELECT text_key, max(gen) FROM insight_text WHERE tenant_id = ? AND gen <= ? AND ", tenantID, wm)
		q.add(restrict+" GROUP BY text_key)", rargs...)
		return q.String(), q.args
	}
	q.add(" AND "+restrict, rargs...)
	return q.String(), q.args
}

// textKeys is the subquery of the keys (insight_text.text_key) of a tenant's analyses in (from, to]
// of analyzed_at (to 0: no upper bound).
func textKeys(tenantID string, from, to uint64) (string, []any) {
	q := "SELECT " + textSource.key + " FROM text_analyses WHERE tenant_id = ? AND analyzed_at > toDateTime(?)"
	if to == 0 {
		return q, []any{tenantID, from}
	}
	return q + " AND analyzed_at <= toDateTime(?)", []any{tenantID, from, to}
}

// writeText stores in insight_text, under gen, the newest version of a tenant's analyses whose key
// matches restrict.
func (s *Service) writeText(ctx context.Context, tenantID string, gen uint64, restrict string, rargs ...any) error {
	q := &sqlb{}
	q.add(`INSERT INTO insight_text (tenant_id, gen, text_key, survey_id, wave, department, job_family, exit_type,
			tenure_band, exit_quarter, submitted_at, themes, theme_sentiments, sentiment)
		SELECT tenant_id, ?, `+textSource.key+` AS k, argMax(survey_id, version), argMax(wave, version),
			argMax(department, version), argMax(job_family, version), argMax(exit_type, version),
			argMax(tenure_band, version), argMax(exit_quarter, version), argMax(submitted_at, version),
			argMax(themes, version), argMax(theme_sentiments, version), argMax(toString(sentiment), version)
		FROM text_analyses WHERE tenant_id = ? AND `, gen, tenantID)
	q.add(restrict+" GROUP BY tenant_id, k", rargs...)
	if err := s.conn.Exec(ctx, q.String(), q.args...); err != nil {
		return fmt.Errorf("store text analyses: %w", err)
	}
	return nil
}

// touched is the condition on a source's rows selecting the ones a pass from → to re-emits (pivot: the
// alumni with a submission in the range; funnel: the invitations with an event; text: the keys with a
// version analysed).
func (cb cube) touched(tenantID string, from, to uint64) (string, []any) {
	switch cb.src {
	case srcPivot:
		return "alumnus_id IN (SELECT alumnus_id FROM response_facts WHERE tenant_id = ? AND version > ? AND version <= ?)",
			[]any{tenantID, from, to}
	case srcFunnel:
		return "invitation_id IN (SELECT invitation_id FROM invitation_events WHERE tenant_id = ? AND at > toDateTime(?) AND at <= toDateTime(?))",
			[]any{tenantID, from, to}
	}
	keys, args := textKeys(tenantID, from, to)
	return "text_key IN (" + keys + ")", args
}

// compactCubes brings the cubes of src up to date with a pass from → to, after the pass has written its
// rows (response_pivot, invitation_funnel) or superseded keys (text) and before it stores its watermark.
func (s *Service) compactCubes(ctx context.Context, src string, from, to uint64) error {
	for _, cb := range cubes {
		if cb.src != src {
			continue
		}
		// Rows a failed pass left above the watermark are cancelled where they stand.
		if err := s.conn.Exec(ctx, `INSERT INTO insight_counts (tenant_id, kind, gen, `+cubeColumns+`, cnt)
			SELECT tenant_id, kind, gen, `+cubeColumns+`, -sum(cnt) AS c FROM insight_counts
			WHERE kind = ? AND gen > ?
			GROUP BY tenant_id, kind, gen, `+cubeColumns+` HAVING c != 0`, cb.kind, from); err != nil {
			return fmt.Errorf("cancel unfinished %s counts: %w", cb.kind, err)
		}
		var base uint64
		bq, bargs := cubeBaseSQL(cb, from)
		if err := s.conn.QueryRow(ctx, "SELECT "+bq, bargs...).Scan(&base); err != nil {
			return fmt.Errorf("read %s counts base: %w", cb.kind, err)
		}
		if base == 0 {
			if err := s.rebuildCube(ctx, cb, to); err != nil {
				return err
			}
			continue
		}
		tenants, err := s.touchedTenants(ctx, map[string]string{srcPivot: "response_facts", srcFunnel: "invitation_events",
			srcText: "text_analyses"}[src], map[string]string{srcPivot: "version", srcFunnel: "toUInt64(at)",
			srcText: "toUInt64(analyzed_at)"}[src], from, to)
		if err != nil {
			return err
		}
		for _, t := range tenants {
			touched, targs := cb.touched(t, from, to)
			old, oargs := cb.currentRows(t, from, -1, touched, targs...)
			if src == srcText {
				keys, kargs := textKeys(t, from, to)
				if err := s.writeText(ctx, t, to, textSource.key+" IN ("+keys+")", kargs...); err != nil {
					return err
				}
			}
			// The pass's own rows: exactly the touched ones, all current.
			cur, cargs := "SELECT "+strings.Join(cb.cols, ", ")+", toInt64(1) AS sign FROM "+cubeTables[src]+" WHERE tenant_id = ? AND gen = ?",
				[]any{t, to}
			if err := s.insertCounts(ctx, cb, to, old+" UNION ALL "+cur, append(oargs, cargs...)); err != nil {
				return err
			}
		}
	}
	return nil
}

// rebuildCube writes the contributions of every current row as of to, then the mark that makes them the
// cube's base.
func (s *Service) rebuildCube(ctx context.Context, cb cube, to uint64) error {
	table := cubeTables[cb.src]
	if cb.src == srcText {
		table = "text_analyses"
	}
	tenants, err := s.distinctTenants(ctx, table)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		if cb.src == srcText {
			// Every key afresh; the rows of older gens no longer count once the base moves here.
			if err := s.writeText(ctx, t, to, "1"); err != nil {
				return err
			}
		}
		rows, args := cb.currentRows(t, to, 1, "1")
		if err := s.insertCounts(ctx, cb, to, rows, args); err != nil {
			return err
		}
	}
	if err := s.conn.Exec(ctx, `INSERT INTO insight_counts (tenant_id, kind, gen, `+cubeColumns+`, cnt)
		SELECT '', ?, ?, '', '', '', '', '', '', toDate('1970-01-01'), toDateTime(toUInt32(0)), '', 0, 0, 1`, cb.kind, to); err != nil {
		return fmt.Errorf("mark %s counts: %w", cb.kind, err)
	}
	return nil
}

func (s *Service) insertCounts(ctx context.Context, cb cube, gen uint64, rows string, args []any) error {
	c, cargs := cb.contrib(s, cb, rows, args)
	q := &sqlb{}
	q.add(`INSERT INTO insight_counts (tenant_id, kind, gen, `+cubeColumns+`, cnt)
		SELECT tenant_id, ?, ?, `+cubeColumns+`, sum(cnt) AS c FROM (`, cb.kind, gen)
	q.add(c, cargs...)
	q.add(") GROUP BY tenant_id, " + cubeColumns + " HAVING c != 0")
	if err := s.conn.Exec(ctx, q.String(), q.args...); err != nil {
		return fmt.Errorf("write %s counts: %w", cb.kind, err)
	}
	return nil
}

func (s *Service) distinctTenants(ctx context.Context, table string) ([]string, error) {
	return s.tenantList(ctx, "tenants of "+table, "SELECT DISTINCT tenant_id FROM "+table)
}

// tenantList runs a query of tenant ids.
func (s *Service) tenantList(ctx context.Context, what, sql string, args ...any) ([]string, error) {
	var out []string
	err := query(ctx, s.conn, what, sql, args, func(r interface{ Scan(...any) error }) error {
		var t string
		if err := r.Scan(&t); err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	return out, err
}
