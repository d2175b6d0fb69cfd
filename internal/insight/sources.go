package insight

import (
	"fmt"
	"slices"
	"strings"
)

// sqlb builds a statement and its bound values together, in text order, so a "?" and its value can never
// drift apart.
type sqlb struct {
	b    strings.Builder
	args []any
}

func (q *sqlb) add(sql string, args ...any) *sqlb {
	// A mismatch is a bug in this package (the SQL here never holds a literal "?"): fail loudly.
	if n := strings.Count(sql, "?"); n != len(args) {
		panic(fmt.Sprintf("insight: SQL fragment has %d placeholders but %d values: %.80q", n, len(args), sql))
	}
	q.b.WriteString(sql)
	q.args = append(q.args, args...)
	return q
}

func (q *sqlb) String() string { return q.b.String() }

// The sources the compactor folds and the queries read. Their watermarks are in the unit of the column
// that orders them: response_facts.version and alumni.version in ns, invitation_events.at and
// text_analyses.analyzed_at in seconds.
const (
	srcPivot  = "pivot"
	srcFunnel = "funnel"
	srcText   = "text"
	srcAlumni = "alumni"
)

var sources = []string{srcPivot, srcFunnel, srcText, srcAlumni}

// watermarks are the current watermark of every source, as a query read them, and for one tenant
// whether each source has rows newer than its watermark.
type watermarks struct {
	at   map[string]uint64
	tail map[string]bool
}

func (w watermarks) get(src string) uint64 { return w.at[src] }

func (w watermarks) hasTail(src string) bool { return w.tail[src] }

// pivotColumns are the columns of response_pivot in the order pivotSelect produces them.
var pivotColumns = []string{"tenant_id", "gen", "row_key", "alumnus_id", "response_id", "version", "first_version",
	"survey_id", "wave", "submitted_at", "department", "job_family", "exit_type", "exit_reason", "tenure_band",
	"exit_quarter", "regrettable", "score", "return_intent", "drivers", "true_reason", "retainable", "view_change",
	"prev_response_id", "prev_survey_id", "prev_wave", "prev_score", "prev_return_intent", "prev_drivers",
	"prev_retainable"}

// responseTuple lists the fields of the tuple r that responseTuples and pivotTuples produce, in order
// (1-based in SQL); the last, the version of the first submission, orders an alumnus's responses.
const responseTuple = `response_id, version, survey_id, wave, submitted_at, department, job_family, exit_type,
	exit_reason, tenure_band, exit_quarter, regrettable, score, return_intent, drivers, true_reason, retainable,
	view_change, first_version`

// tupleColumns projects a tuple r (or cur) of responseTuple's fields back to named columns.
const tupleColumns = `r.1 AS response_id, r.2 AS version, r.19 AS first_version, r.3 AS survey_id, r.4 AS wave,
	r.5 AS submitted_at, r.6 AS department, r.7 AS job_family, r.8 AS exit_type, r.9 AS exit_reason,
	r.10 AS tenure_band, r.11 AS exit_quarter, r.12 AS regrettable, r.13 AS score, r.14 AS return_intent,
	r.15 AS drivers, r.16 AS true_reason, r.17 AS retainable, r.18 AS view_change`

// responseTuples is a subquery with one row (tenant_id, aid, r) per response with response_facts rows
// matching restrict: its latest version among them, with the answers in fixed columns (looked up by
// metric and driver tag), as a tuple of responseTuple's fields.
func (s *Service) responseTuples(restrict string, rargs ...any) (string, []any) {
	sl := s.slots
	q := &sqlb{}
	q.add(`
		SELECT tenant_id, response_id, argMax(aid0, version) AS aid,
			tuple(response_id, max(version), argMax(survey_id, version), argMax(wave, version),
				argMax(submitted_at, version), argMax(department, version), argMax(job_family, version),
				argMax(exit_type, version), argMax(exit_reason, version), argMax(tenure_band, version),
				argMax(exit_quarter, version), argMax(regrettable, version), argMax(`)
	e, a := numExpr(sl.score, "-1")
	q.add(e+", version), argMax(", a...)
	e, a = numExpr(sl.returnIntent, "-1")
	q.add(e+", version), argMax([", a...)
	for i, qs := range sl.drivers {
		if i > 0 {
			q.add(", ")
		}
		e, a = numExpr(qs, "0")
		q.add(e, a...)
	}
	q.add("], version), argMax(")
	e, a = choiceExpr(sl.trueReason)
	q.add(e+", version), argMax(", a...)
	e, a = choiceExpr(sl.retainable)
	q.add(e+", version), argMax(", a...)
	e, a = choiceExpr(sl.viewChange)
	q.add(e+`, version), min(version)) AS r
		FROM (
			-- A submission is one row unless an INSERT reached the view in several blocks: merge them.
			SELECT tenant_id, response_id, version, any(alumnus_id) AS aid0, any(survey_id) AS survey_id,
				any(wave) AS wave, any(submitted_at) AS submitted_at, any(department) AS department,
				any(job_family) AS job_family, any(exit_type) AS exit_type, any(exit_reason) AS exit_reason,
				any(tenure_band) AS tenure_band, any(exit_quarter) AS exit_quarter, any(regrettable) AS regrettable,
				groupArrayArray(num_q) AS num_q, groupArrayArray(num_v) AS num_v,
				groupArrayArray(choice_q) AS choice_q, groupArrayArray(choice_v) AS choice_v
			FROM response_facts
			WHERE `, a...)
	q.add(restrict, rargs...)
	q.add(`
			GROUP BY tenant_id, response_id, version
		)
		GROUP BY tenant_id, response_id`)
	return q.String(), q.args
}

// pairUp turns rows (tenant_id, aid, r) — every current response of some alumni — into response_pivot
// rows: each response with the same alumnus's previous one (by first submission) beside it.
func pairUp(gen uint64, tuples string, targs []any) (string, []any) {
	q := &sqlb{}
	q.add(`SELECT tenant_id, toUInt64(?) AS gen, cityHash64(toUInt64(alumnus_id), gen) AS row_key, alumnus_id,
	rs[i] AS cur, rs[i - 1] AS prev,
	cur.1 AS response_id, cur.2 AS version, cur.19 AS first_version, cur.3 AS survey_id, cur.4 AS wave,
	cur.5 AS submitted_at, cur.6 AS department, cur.7 AS job_family, cur.8 AS exit_type, cur.9 AS exit_reason,
	cur.10 AS tenure_band, cur.11 AS exit_quarter, cur.12 AS regrettable, cur.13 AS score, cur.14 AS return_intent,
	cur.15 AS drivers, cur.16 AS true_reason, cur.17 AS retainable, cur.18 AS view_change,
	prev.1 AS prev_response_id, prev.3 AS prev_survey_id, prev.4 AS prev_wave, prev.13 AS prev_score,
	prev.14 AS prev_return_intent, prev.15 AS prev_drivers, prev.17 AS prev_retainable
FROM (
	SELECT tenant_id, aid AS alumnus_id, arraySort(x -> x.19, groupArray(r)) AS rs
	FROM (`, gen)
	q.add(tuples, targs...)
	q.add(`
	)
	GROUP BY tenant_id, aid
)
ARRAY JOIN arrayEnumerate(rs) AS i`)
	return q.String(), q.args
}

// pivotSelect computes response_pivot rows from response_facts: for every alumnus with a response
// matching restrict, each of their responses at its latest version (among the rows restrict admits),
// paired with their previous response. restrict must admit all versions of those alumni's responses up
// to a bound, never a subset of an alumnus's responses, or "previous" would be wrong.
func (s *Service) pivotSelect(gen uint64, restrict string, rargs ...any) (string, []any) {
	t, targs := s.responseTuples(restrict, rargs...)
	return pairUp(gen, t, targs)
}

// current is the condition on response_pivot admitting a tenant's compacted rows up to the watermark that
// no later pass replaced.
func current(tenantID string, wm uint64) (string, []any) {
	return `tenant_id = ? AND gen <= ?
		AND row_key NOT IN (
			SELECT row_key FROM insight_superseded WHERE tenant_id = ? AND source = 'pivot' AND gen <= ?)`,
		[]any{tenantID, wm, tenantID, wm}
}

// newer is a subquery listing a column (response_id or alumnus_id) of the submissions newer than the
// watermark; response_facts is ordered by version, so it reads only those.
func newer(col, tenantID string, wm uint64) (string, []any) {
	return "SELECT " + col + " FROM response_facts WHERE tenant_id = ? AND version > ?", []any{tenantID, wm}
}

// pivotRows is a subquery with a tenant's current responses (the given columns of response_pivot other
// than the prev_ ones): the compacted rows of responses with nothing newer than the watermark, and,
// worked out on the fly from their new rows alone, the responses submitted (or edited) since (w.tail
// says whether there are any; without them the query skips that part). scope restricts both parts
// further (the table is ordered by wave, so a wave restriction is cheap).
func (s *Service) pivotRows(tenantID string, w watermarks, cols []string, scope ...cond) (string, []any) {
	c := strings.Join(cols, ", ")
	wm := w.get(srcPivot)
	sc, scArgs := andConds(scope)
	cur, curArgs := current(tenantID, wm)
	q := &sqlb{}
	q.add("SELECT "+c+" FROM response_pivot WHERE "+cur, curArgs...)
	q.add(" AND "+sc, scArgs...)
	if !w.hasTail(srcPivot) {
		return q.String(), q.args
	}
	ids, idArgs := newer("response_id", tenantID, wm)
	q.add(" AND response_id NOT IN ("+ids+")", idArgs...)
	// Every version newer than the watermark is newer than the compacted one, so the new rows alone give
	// the current version of these responses.
	t, targs := s.responseTuples("tenant_id = ? AND version > ?", tenantID, wm)
	q.add(" UNION ALL SELECT " + c + " FROM (SELECT tenant_id, aid AS alumnus_id, " + tupleColumns + " FROM (")
	q.add(t, targs...)
	q.add(")) WHERE "+sc, scArgs...)
	return q.String(), q.args
}

// pairRows is pivotRows with the prev_ columns: every response beside the same person's previous one.
// For the alumni with a submission newer than the watermark the pairs are worked out again from their
// compacted responses and their new rows.
func (s *Service) pairRows(tenantID string, w watermarks, cols []string) (string, []any) {
	c := strings.Join(cols, ", ")
	wm := w.get(srcPivot)
	cur, curArgs := current(tenantID, wm)
	q := &sqlb{}
	q.add("SELECT "+c+" FROM response_pivot WHERE "+cur, curArgs...)
	if !w.hasTail(srcPivot) {
		return q.String(), q.args
	}
	alumni, aArgs := newer("alumnus_id", tenantID, wm)
	q.add(" AND alumnus_id NOT IN ("+alumni+")", aArgs...)
	p, pArgs := s.repaired(tenantID, wm)
	q.add(" UNION ALL SELECT "+c+" FROM ("+p+")", pArgs...)
	return q.String(), q.args
}

// repaired is a subquery with the response_pivot rows (prev_ columns included) of the alumni with a
// submission newer than the watermark, paired afresh from their compacted responses not edited since and
// their new rows.
func (s *Service) repaired(tenantID string, wm uint64) (string, []any) {
	cur, curArgs := current(tenantID, wm)
	alumni, aArgs := newer("alumnus_id", tenantID, wm)
	ids, idArgs := newer("response_id", tenantID, wm)
	old := &sqlb{}
	// PREWHERE: only the granules of these alumni are read beyond the alumnus column.
	old.add("SELECT tenant_id, response_id, alumnus_id AS aid, tuple("+responseTuple+") AS r FROM response_pivot PREWHERE alumnus_id IN ("+alumni+")", aArgs...)
	old.add(" WHERE "+cur, curArgs...)
	old.add(" AND response_id NOT IN ("+ids+")", idArgs...)
	fresh, fArgs := s.responseTuples("tenant_id = ? AND version > ?", tenantID, wm)
	old.add(" UNION ALL SELECT tenant_id, response_id, aid, r FROM ("+fresh+")", fArgs...)
	return pairUp(0, old.String(), old.args)
}

// scopeConds are the restrictions of f on the given dimensions.
func scopeConds(f Filter, dims ...Dim) []cond {
	var out []cond
	for _, c := range f.conds("") {
		if slices.Contains(dims, Dim(c.name)) {
			out = append(out, c)
		}
	}
	return out
}

// funnelColumns are the columns of invitation_funnel in the order funnelSelect produces them.
var funnelColumns = []string{"tenant_id", "gen", "row_key", "invitation_id", "survey_id", "wave", "planned_at", "stages",
	"department", "job_family", "exit_type", "exit_quarter"}

// funnelSelect computes invitation_funnel rows for the invitations matching inv (a condition on
// invitation_id and tenant_id, applied to invitation_events and invitations) from their events up to
// atMax (0: all), with their alumnus's current segment from the registry.
func funnelSelect(gen uint64, atMax uint64, tenantID string, inv string, iargs ...any) (string, []any) {
	q := &sqlb{}
	q.add(`SELECT tenant_id, toUInt64(?) AS gen, cityHash64(toUInt64(invitation_id), gen) AS row_key, invitation_id,
	survey_id, wave, planned_at, stages,
	department, job_family, exit_type, exit_quarter
FROM (
	SELECT tenant_id, invitation_id, survey_id, wave, planned_at, stages, alumnus_id
	FROM (
		SELECT tenant_id, invitation_id, any(survey_id) AS survey_id, any(wave) AS wave, min(at) AS planned_at,
			groupBitOr(bitShiftLeft(toUInt16(1), toUInt8(event))) AS stages
		FROM invitation_events
		WHERE `, gen)
	q.add(inv, iargs...)
	if atMax > 0 {
		q.add(" AND at <= toDateTime(?)", atMax)
	}
	q.add(`
		GROUP BY tenant_id, invitation_id
	) ANY LEFT JOIN (
		SELECT invitation_id, argMax(alumnus_id, version) AS alumnus_id
		FROM invitations WHERE `)
	q.add(inv, iargs...)
	q.add(`
		GROUP BY invitation_id
	) USING invitation_id
) ANY LEFT JOIN (
	SELECT alumnus_id, argMax(department, version) AS department, argMax(job_family, version) AS job_family,
		argMax(toString(exit_type), version) AS exit_type, toStartOfQuarter(argMax(exit_date, version)) AS exit_quarter
	FROM alumni
	WHERE tenant_id = ? AND alumnus_id IN (SELECT alumnus_id FROM invitations WHERE `, tenantID)
	q.add(inv, iargs...)
	q.add(`)
	GROUP BY alumnus_id
) USING alumnus_id`)
	return q.String(), q.args
}

// keyedSource describes a table with one row per (key, version) whose latest version counts.
type keyedSource struct {
	name  string // insight_superseded.source
	table string
	key   string // SQL of the row's key as a UInt64
	order string // the column the watermark applies to, as a UInt64
}

var (
	alumniSource = keyedSource{srcAlumni, "alumni", "toUInt64(alumnus_id)", "version"}
	textSource   = keyedSource{srcText, "text_analyses", "cityHash64(question_id, toUInt64(response_id))", "toUInt64(analyzed_at)"}
)

// currentCond is a condition admitting only the latest version of each key of a keyed source: not a
// version a compactor pass found replaced, and, for keys with rows newer than the watermark, only the
// newest of those (which is newer than every compacted version). tail says whether the tenant had such
// rows when the report started.
func (k keyedSource) currentCond(tenantID string, wm uint64, tail bool) (string, []any) {
	q := &sqlb{}
	q.add(`cityHash64(`+k.key+`, version) NOT IN (
			SELECT row_key FROM insight_superseded WHERE tenant_id = ? AND source = ? AND gen <= ?)`,
		tenantID, k.name, wm)
	if !tail {
		// Nothing was newer when the query started; a version stored since must not count either, or
		// it and the one it replaces would both be current.
		q.add(" AND "+k.order+" <= ?", wm)
		return q.String(), q.args
	}
	q.add(`
		AND (`+k.key+` NOT IN (SELECT `+k.key+` FROM `+k.table+` WHERE tenant_id = ? AND `+k.order+` > ?)
			OR cityHash64(`+k.key+`, version) IN (
				SELECT cityHash64(`+k.key+`, max(version)) FROM `+k.table+`
				WHERE tenant_id = ? AND `+k.order+` > ? GROUP BY `+k.key+`))`,
		tenantID, wm, tenantID, wm)
	return q.String(), q.args
}
