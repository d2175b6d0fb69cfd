package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// The generator writes every table with INSERT … SELECT FROM numbers(): the server computes the rows from
// deterministic hashes of (seed, alumnus number, purpose), so a run takes minutes, not hours, and the same
// seed gives the same data. Only constants built here (never user input) are put into the SQL text.

// gen holds the parameters every statement shares.
type gen struct {
	seed    uint64
	alumni  int // leavers in the registry
	tenant  string
	verbose func(format string, args ...any)
	// from and count select the leavers a statement covers: the generator writes in chunks, so that no
	// single INSERT runs for minutes.
	from, count int
}

// u returns an expression uniform on [0, 1) for alumnus a and purpose k.
func (g gen) u(k int) string {
	return fmt.Sprintf("(cityHash64(%d, a, %d) %% 1000003 / 1000003.)", g.seed, k)
}

// uuid returns a deterministic UUID expression for alumnus a and the given salt expression.
func (g gen) uuid(salt string) string {
	half := func(k int) string {
		return fmt.Sprintf("reinterpretAsString(bitOr(cityHash64(%d, a, %s, %d), 0x8080808080808080))", g.seed, salt, k)
	}
	return fmt.Sprintf("toUUID(UUIDNumToString(toFixedString(concat(%s, %s), 16)))", half(1), half(2))
}

// departments, with the cumulative share of leavers each has; 監査室 is kept to a handful of people on
// purpose, so that suppression shows in every breakdown.
var departments = []struct {
	name, family string
	cum, effect  float64
}{
	{"営業本部", "sales", 0.20, -0.10},
	{"開発本部", "engineering", 0.38, 0.15},
	{"製造本部", "manufacturing", 0.52, -0.20},
	{"カスタマーサクセス部", "support", 0.63, -0.05},
	{"マーケティング部", "sales", 0.71, 0.10},
	{"品質保証部", "manufacturing", 0.78, 0.00},
	{"人事部", "corporate", 0.83, 0.20},
	{"経理財務部", "corporate", 0.88, 0.05},
	{"法務部", "corporate", 0.915, 0.10},
	{"情報システム部", "engineering", 0.955, 0.00},
	{"経営企画室", "corporate", 1.0, 0.25},
}

const tinyDepartment = "監査室"

// drivers: the hindsight questions in survey order, their reason code, their average offset from 3 (the
// "gap") and their weights on would-recommend and on return intent.
var drivers = []struct {
	q, code                   string
	bias, wRecommend, wReturn float64
}{
	{"hindsight_pay", "compensation", -0.45, 0.15, 0.25},
	{"hindsight_manager", "manager", -0.10, 0.32, 0.15},
	{"hindsight_growth", "growth", -0.35, 0.22, 0.30},
	{"hindsight_workload", "workload", -0.25, 0.08, 0.10},
	{"hindsight_flexibility", "flexibility", 0.20, 0.05, 0.05},
	{"hindsight_culture", "culture", 0.10, 0.13, 0.10},
	{"hindsight_strategy", "strategy", -0.15, 0.05, 0.05},
}

// reasonCodes is the taxonomy as the true_reason choices list it.
var reasonCodes = []string{"compensation", "evaluation", "growth", "manager", "relationships", "workload",
	"flexibility", "culture", "strategy", "job_content", "benefits", "onboarding", "personal"}

// comments are the free-text answers: text, themes and their sentiments, overall sentiment. The first
// half are criticisms (for "improve"), the rest praise (for "went_well").
var comments = []struct {
	text       string
	themes     []string
	sentiments []string
	sentiment  string
}{
	{"給与が業界水準より低く、評価にも納得できなかった。", []string{"compensation", "evaluation"}, []string{"negative", "negative"}, "negative"},
	{"上司が忙しく、相談できる機会がほとんどなかった。", []string{"manager"}, []string{"negative"}, "negative"},
	{"残業が多く、家族との時間が取れなかった。", []string{"workload"}, []string{"negative"}, "negative"},
	{"リモートワークの制度がもっと柔軟だと良かった。", []string{"flexibility"}, []string{"negative"}, "negative"},
	{"会社の将来の方向性が見えず不安だった。", []string{"strategy"}, []string{"negative"}, "negative"},
	{"研修や受け入れ体制を充実させてほしい。", []string{"onboarding"}, []string{"negative"}, "negative"},
	{"評価制度が不透明で、昇進の基準が分かりにくかった。", []string{"evaluation"}, []string{"negative"}, "negative"},
	{"給与は良かったが、キャリアの見通しが持てなかった。", []string{"compensation", "growth"}, []string{"positive", "negative"}, "mixed"},
	{"成長できる環境で、多くのことを学べた。", []string{"growth"}, []string{"positive"}, "positive"},
	{"チームの雰囲気が良く、人間関係に恵まれた。", []string{"relationships", "culture"}, []string{"positive", "positive"}, "positive"},
	{"仕事内容にやりがいを感じていた。", []string{"job_content"}, []string{"positive"}, "positive"},
	{"福利厚生は手厚く満足していた。", []string{"benefits"}, []string{"positive"}, "positive"},
	{"機会があればまた一緒に働きたい。", []string{"alumni"}, []string{"positive"}, "positive"},
	{"家庭の事情でやむを得ず退職したが、良い会社だった。", []string{"personal", "culture"}, []string{"neutral", "positive"}, "positive"},
}

// questions of the shipped surveys, in survey order.
var (
	questions3m = []string{"would_recommend", "return_intent", "true_reason", "hindsight_pay", "hindsight_manager",
		"hindsight_growth", "hindsight_workload", "hindsight_flexibility", "hindsight_culture", "hindsight_strategy",
		"new_job_comparison", "new_job_better_in", "could_have_kept", "what_would_have_kept", "alumni_interest",
		"improve", "went_well", "message"}
	questions6m = append(append([]string{}, questions3m[:3]...), append([]string{"view_change", "view_change_reason"}, questions3m[3:]...)...)
)

func sqlStrings(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + x + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func clamp(expr string, lo, hi int) string {
	return fmt.Sprintf("toFloat64(greatest(%d, least(%d, toInt32(round(%s)))))", lo, hi, expr)
}

// normal returns an approximately standard normal expression (Irwin–Hall of four uniforms).
func (g gen) normal(k int) string {
	return fmt.Sprintf("((%s + %s + %s + %s - 2) * 1.732)", g.u(k), g.u(k+1), g.u(k+2), g.u(k+3))
}

// alumnusSelect is a subquery with one row per leaver a in [0, g.alumni) and everything the other tables
// derive from them: registry attributes, both waves' answers and whether each wave was answered.
func (g gen) alumnusSelect() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("SELECT a, %s AS alumnus_id, ", g.uuid("0"))
	// Department, with a tiny one made of four people.
	dep := "multiIf(a % 250000 = 3, '" + tinyDepartment + "'"
	fam := "multiIf(a % 250000 = 3, 'corporate'"
	eff := "multiIf(a % 250000 = 3, 0."
	for _, d := range departments[:len(departments)-1] {
		dep += fmt.Sprintf(", %s < %g, '%s'", g.u(1), d.cum, d.name)
		fam += fmt.Sprintf(", %s < %g, '%s'", g.u(1), d.cum, d.family)
		eff += fmt.Sprintf(", %s < %g, %g", g.u(1), d.cum, d.effect)
	}
	last := departments[len(departments)-1]
	w("%s, '%s') AS department, ", dep, last.name)
	w("%s, '%s') AS job_family, ", fam, last.family)
	w("%s, %g) AS dep_effect, ", eff, last.effect)
	w("arrayElement(['G1', 'G2', 'G3', 'G4', 'M1', 'M2'], 1 + cityHash64(%d, a, 2) %% 6) AS grade, ", g.seed)
	w("multiIf(%s < 0.48, 'male', %s < 0.96, 'female', %s < 0.98, 'other', 'unknown') AS gender, ", g.u(3), g.u(3), g.u(3))
	// Exits spread over five fiscal years, April 2021 to March 2026.
	w("toDate('2021-04-01') + cityHash64(%d, a, 4) %% 1826 AS exit_date, ", g.seed)
	w("toUInt32(floor(pow(%s, 1.6) * 25 * 365) + 30) AS tenure_days, ", g.u(5))
	w("exit_date - tenure_days AS hire_date, ")
	w("multiIf(tenure_days < 365, '0-1y', tenure_days < 3 * 365, '1-3y', tenure_days < 5 * 365, '3-5y', tenure_days < 10 * 365, '5-10y', '10y+') AS tenure_band, ")
	w("toStartOfQuarter(exit_date) AS exit_quarter, ")
	w("multiIf(%s < 0.80, 'voluntary', %s < 0.87, 'involuntary', %s < 0.93, 'retirement', 'contract_end') AS exit_type, ", g.u(6), g.u(6), g.u(6))
	w("exit_type = 'voluntary' AND %s < 0.35 AS regrettable, ", g.u(7))
	w("%s < 0.88 AS consent, ", g.u(8))
	w("if(%s < 0.9, 'ja', 'en') AS locale, ", g.u(9))
	// A latent attitude; every hindsight rating and outcome leans on it, so drivers correlate.
	w("%s + dep_effect + if(exit_quarter >= toDate('2024-04-01'), -0.15, 0.) AS z, ", g.normal(10))
	ds3 := make([]string, len(drivers))
	ds6 := make([]string, len(drivers))
	for i, d := range drivers {
		w("%s AS d3_%d, ", clamp(fmt.Sprintf("3.1 + %g + 0.85 * z + 0.75 * %s", d.bias, g.normal(20+4*i)), 1, 5), i)
		w("%s AS d6_%d, ", clamp(fmt.Sprintf("d3_%d + multiIf(%s < 0.16, 1, %s > 0.93, -1, 0)", i, g.u(60+i), g.u(60+i)), 1, 5), i)
		ds3[i] = fmt.Sprintf("d3_%d", i)
		ds6[i] = fmt.Sprintf("d6_%d", i)
	}
	rec, ret := make([]string, len(drivers)), make([]string, len(drivers))
	for i, d := range drivers {
		rec[i] = fmt.Sprintf("%g * (d3_%d - 3)", d.wRecommend, i)
		ret[i] = fmt.Sprintf("%g * (d3_%d - 3)", d.wReturn, i)
	}
	w("%s AS e3, ", clamp(fmt.Sprintf("6.9 + 2.6 * (%s) + 1.5 * %s", strings.Join(rec, " + "), g.normal(50)), 0, 10))
	w("%s AS e6, ", clamp(fmt.Sprintf("e3 + (%s - 0.40) * 3.2", g.u(54)), 0, 10))
	w("%s AS r3, ", clamp(fmt.Sprintf("2.9 + 1.6 * (%s) + 0.8 * %s", strings.Join(ret, " + "), g.normal(55)), 1, 5))
	w("%s AS r6, ", clamp(fmt.Sprintf("r3 + multiIf(%s < 0.18, 1, %s > 0.91, -1, 0)", g.u(59), g.u(59)), 1, 5))
	// The true reason: mostly the worst-rated driver, sometimes personal, sometimes anything.
	codes := make([]string, len(drivers))
	for i, d := range drivers {
		codes[i] = d.code
	}
	w("[%s] AS ds3, [%s] AS ds6, ", strings.Join(ds3, ", "), strings.Join(ds6, ", "))
	w("arrayElement(%s, indexOf(ds3, arrayReduce('min', ds3))) AS worst, ", sqlStrings(codes))
	w("multiIf(%s < 0.62, worst, %s < 0.76, 'personal', %s < 0.97, arrayElement(%s, 1 + cityHash64(%d, a, 71) %% %d), 'other') AS true_reason, ",
		g.u(70), g.u(70), g.u(70), sqlStrings(reasonCodes), g.seed, len(reasonCodes))
	// The reason stated at exit: the true one less than half of the time, "personal" most of the rest.
	w("multiIf(%s < 0.42 AND true_reason != 'other', true_reason, %s < 0.86, 'personal', 'growth') AS exit_reason, ", g.u(72), g.u(72))
	w("multiIf(z < -0.5, multiIf(%s < 0.4, 'yes', %s < 0.8, 'maybe', 'no'), multiIf(%s < 0.1, 'yes', %s < 0.4, 'maybe', 'no')) AS kept, ",
		g.u(73), g.u(73), g.u(73), g.u(73))
	w("multiIf(%s < 0.55 - 0.1 * z, 'better', %s < 0.80, 'same', %s < 0.92, 'worse', 'not_working') AS comparison, ", g.u(74), g.u(74), g.u(74))
	w("arrayFilter(x -> x != '', [worst, if(%s < 0.4, arrayElement(%s, 1 + cityHash64(%d, a, 76) %% 12), '')]) AS better_in, ",
		g.u(75), sqlStrings(reasonCodes[:12]), g.seed)
	w("arrayFilter(x -> x != '', [if(r3 >= 3 AND %s < 0.6, 'network', ''), if(%s < 0.3, 'referral', ''), if(%s < 0.2, 'side_work', ''), if(%s < 0.35, 'events', '')]) AS interest, ",
		g.u(77), g.u(78), g.u(79), g.u(80))
	w("multiIf(e6 > e3, 'better', e6 < e3, 'worse', 'same') AS view_change, ")
	// Who answers: 60%% at three months; at six months 75%% of those who answered before, 20%% of the rest.
	w("consent AND %s >= 0.02 AS sent3, consent AND %s >= 0.02 AS sent6, ", g.u(81), g.u(82))
	w("sent3 AND %s < 0.60 AS answered3, ", g.u(83))
	w("sent6 AND if(answered3, %s < 0.75, %s < 0.20) AS answered6, ", g.u(84), g.u(84))
	w("%s < 0.03 AS edited, ", g.u(85))
	w("cityHash64(%d, a, 86) %% 14 AS c_improve, cityHash64(%d, a, 87) %% 14 AS c_good, ", g.seed, g.seed)
	w("%s AS u_text ", g.u(88))
	w("FROM (SELECT number AS a FROM numbers(%d, %d))", g.from, g.count)
	return b.String()
}

func (g gen) exec(ctx context.Context, conn db.Conn, what, query string, args ...any) error {
	start := time.Now()
	if err := conn.Exec(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	g.verbose("%-36s %6.1fs", what, time.Since(start).Seconds())
	return nil
}

// chunk is how many leavers one INSERT covers.
const chunk = 150_000

// generate fills the tables of one tenant.
func (g gen) generate(ctx context.Context, conn db.Conn) error {
	for g.from = 0; g.from < g.alumni; g.from += chunk {
		g.count = min(chunk, g.alumni-g.from)
		base := g.alumnusSelect()
		steps := []struct{ what, sql string }{
			{"alumni", g.alumniSQL(base)},
			{"invitations", g.invitationsSQL(base)},
			{"invitation_events", g.eventsSQL(base)},
			{"answers", g.answersSQL(base, false)},
			{"answers (edits)", g.answersSQL(base, true)},
			{"text_analyses", g.textSQL(base)},
			{"alumni_events", g.alumniEventsSQL(base)},
		}
		for _, s := range steps {
			if err := g.exec(ctx, conn, fmt.Sprintf("%s %d–%d", s.what, g.from, g.from+g.count), s.sql, g.tenant); err != nil {
				return err
			}
		}
	}
	return g.exec(ctx, conn, "headcounts", g.headcountSQL(), g.tenant)
}

func (g gen) alumniSQL(base string) string {
	return `INSERT INTO alumni (tenant_id, alumnus_id, employee_code, department, job_family, grade, gender, hire_date,
		exit_date, exit_type, exit_reason, exit_reason_text, regrettable, rehire_eligible, locale, consent, has_email,
		source_hash, imported_at, updated_at, version)
	SELECT ?, alumnus_id, concat('E', toString(1000000 + a)), department, job_family, grade, gender, hire_date,
		exit_date, exit_type, exit_reason, '', regrettable, exit_type != 'involuntary', locale, consent, 1,
		cityHash64(a), toDateTime(exit_date), toDateTime(exit_date), toUInt64(toDateTime(exit_date)) * 1000000000
	FROM (` + base + `)`
}

// waveJoin turns one leaver row into one row per wave with the wave's values.
const waveJoin = `ARRAY JOIN ['3m', '6m'] AS wave`

func (g gen) invitationsSQL(base string) string {
	return `INSERT INTO invitations (tenant_id, invitation_id, alumnus_id, survey_id, wave, locale, due_at, closes_at,
		created_at, version)
	SELECT ?, ` + g.uuid("wave") + `, alumnus_id, concat('alumni-', wave), wave, locale, due_at, due_at + 28 * 86400,
		due_at - 7 * 86400, toUInt64(due_at) * 1000000000
	FROM (SELECT *, wave, toDateTime(addMonths(exit_date, if(wave = '3m', 3, 6))) + 3600 AS due_at FROM (` + base + `) ` + waveJoin + `)
	WHERE consent`
}

// eventsSQL writes each invitation's history: planned, sending, sent or bounced, reminders to those who had
// not answered after a week, opened, submitted (twice when the answers were edited).
func (g gen) eventsSQL(base string) string {
	return `INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)
	SELECT ?, invitation_id, concat('alumni-', wave), wave, ev.1, ev.2, ev.3, ''
	FROM (
		SELECT ` + g.uuid("wave") + ` AS invitation_id, wave,
			toDateTime(addMonths(exit_date, if(wave = '3m', 3, 6))) + 3600 AS due_at,
			if(wave = '3m', sent3, sent6) AS sent, if(wave = '3m', answered3, answered6) AS answered,
			(cityHash64(a, wave, 90) % 20) * 86400 + 5000 AS delay,
			answered OR ` + g.u(91) + ` < 0.35 AS opened,
			arrayFilter(x -> x.1 != '', [
				('planned', 0, due_at - 7 * 86400),
				('sending', 0, due_at),
				(if(sent, 'sent', 'bounced'), 0, due_at + 2),
				(if(sent AND (NOT answered OR delay > 7 * 86400), 'reminded', ''), 1, due_at + 7 * 86400),
				(if(sent AND (NOT answered OR delay > 14 * 86400), 'reminded', ''), 2, due_at + 14 * 86400),
				(if(sent AND opened, 'opened', ''), 0, due_at + delay - 600),
				(if(answered, 'submitted', ''), 0, due_at + delay),
				(if(answered AND edited, 'submitted', ''), 0, due_at + delay + 86400),
				(if(sent AND NOT answered, 'expired', ''), 0, due_at + 28 * 86400)
			]) AS evs
		FROM (` + base + `) ` + waveJoin + `
		WHERE consent
	) ARRAY JOIN evs AS ev`
}

// answersSQL writes one row per (response, question) for every answered wave; with edits, a second
// version of 3% of the responses, submitted a day later with a changed would-recommend score. Each
// response's rows are built as one array of tuples and then unrolled, so every value is computed once.
func (g gen) answersSQL(base string, edits bool) string {
	shift, filter, bump := "0", "", "0"
	if edits {
		shift, filter, bump = "86400", " AND edited", "1"
	}
	texts := make([]string, len(comments))
	for i, c := range comments {
		texts[i] = c.text
	}
	comment := func(idx string) string { return fmt.Sprintf("arrayElement(%s, 1 + %s)", sqlStrings(texts), idx) }
	item := func(q, answered, num, choices, text string) string {
		return fmt.Sprintf("('%s', toUInt8(%s), toFloat64(%s), %s, %s)", q, answered, num, choices, text)
	}
	none := "emptyArrayString()"
	items := []string{
		item("would_recommend", "1", "rec", none, "''"),
		item("return_intent", "1", "ret", none, "''"),
		item("true_reason", "1", "0", "[true_reason]", "if(true_reason = 'other', '家族の介護のため', '')"),
	}
	for i, d := range drivers {
		items = append(items, item(d.q, fmt.Sprintf("hind[%d] > 0", i+1), fmt.Sprintf("hind[%d]", i+1), none, "''"))
	}
	items = append(items,
		item("new_job_comparison", "1", "0", "[comparison]", "''"),
		item("new_job_better_in", "comparison = 'better'", "0", "if(comparison = 'better', better_in, emptyArrayString())", "''"),
		item("could_have_kept", "1", "0", "[kept]", "''"),
		item("what_would_have_kept", "kept != 'no' AND u_text < 0.6", "0", none, "if(kept != 'no' AND u_text < 0.6, "+comment("c_improve % 8")+", '')"),
		item("alumni_interest", "notEmpty(interest)", "0", "interest", "''"),
		item("improve", "u_text < 0.55", "0", none, "if(u_text < 0.55, "+comment("c_improve % 8")+", '')"),
		item("went_well", "u_text > 0.50", "0", none, "if(u_text > 0.50, "+comment("8 + c_good % 6")+", '')"),
		item("message", "u_text > 0.80", "0", none, "if(u_text > 0.80, "+comment("12")+", '')"),
	)
	sixOnly := []string{
		item("view_change", "1", "0", "[view_change]", "''"),
		item("view_change_reason", "view_change != 'same' AND u_text < 0.5", "0", none,
			"if(view_change != 'same' AND u_text < 0.5, "+comment("c_good % 14")+", '')"),
	}
	return `INSERT INTO answers (tenant_id, question_id, survey_id, response_id, survey_version, wave, alumnus_id,
		answered, num, choices, text, department, job_family, grade, gender, exit_type, exit_reason, tenure_band,
		exit_quarter, regrettable, locale, submitted_at, version)
	SELECT ?, it.1, survey_id, response_id, 1, wave, alumnus_id, it.2, it.3, it.4, it.5, department, job_family, grade,
		gender, exit_type, exit_reason, tenure_band, exit_quarter, regrettable, locale, submitted_at, version
	FROM (
		SELECT wave, concat('alumni-', wave) AS survey_id, ` + g.uuid("wave") + ` AS response_id, alumnus_id,
			department, job_family, grade, gender, exit_type, exit_reason, tenure_band, exit_quarter, regrettable, locale,
			toDateTime(addMonths(exit_date, if(wave = '3m', 3, 6))) + 3600 + (cityHash64(a, wave, 90) % 20) * 86400 + 5000 + ` + shift + ` AS submitted_at,
			toUInt64(submitted_at) * 1000000000 + cityHash64(a) % 1000000 AS version,
			least(10, if(wave = '3m', e3, e6) + ` + bump + `) AS rec, if(wave = '3m', r3, r6) AS ret,
			arrayMap((x, i) -> if(cityHash64(a, wave, i) % 100 < 4, 0, x), if(wave = '3m', ds3, ds6), [1, 2, 3, 4, 5, 6, 7]) AS hind,
			[` + strings.Join(items, ",\n\t\t\t") + `] AS items3,
			if(wave = '3m', items3, arrayConcat(arraySlice(items3, 1, 3), [` + strings.Join(sixOnly, ", ") + `], arraySlice(items3, 4))) AS items
		FROM (` + base + `) ` + waveJoin + `
		WHERE if(wave = '3m', answered3, answered6)` + filter + `
	)
	ARRAY JOIN items AS it`
}

// textSQL writes the text pipeline's reading of the answered comments (one analyser version).
func (g gen) textSQL(base string) string {
	texts, themes, sents, overall := make([]string, len(comments)), make([]string, len(comments)), make([]string, len(comments)), make([]string, len(comments))
	for i, c := range comments {
		texts[i] = "'" + c.text + "'"
		themes[i] = sqlStrings(c.themes)
		sents[i] = sqlStrings(c.sentiments)
		overall[i] = "'" + c.sentiment + "'"
	}
	// Workload complaints grow in the later exit quarters: a rising theme to find.
	return `INSERT INTO text_analyses (tenant_id, question_id, survey_id, response_id, wave, analyzer_version, masked,
		terms, themes, theme_sentiments, sentiment, score, department, job_family, exit_type, tenure_band,
		exit_quarter, submitted_at, analyzed_at, version)
	SELECT ?, q, concat('alumni-', wave), response_id, wave, 'bench-1', arrayElement([` + strings.Join(texts, ", ") + `], c + 1),
		emptyArrayString(), arrayElement([` + strings.Join(themes, ", ") + `], c + 1), arrayElement([` + strings.Join(sents, ", ") + `], c + 1),
		arrayElement([` + strings.Join(overall, ", ") + `], c + 1), 0, department, job_family, exit_type, tenure_band,
		exit_quarter, submitted_at, submitted_at + 60, toUInt64(submitted_at) * 1000000000
	FROM (
		SELECT *, wave, ` + g.uuid("wave") + ` AS response_id,
			toDateTime(addMonths(exit_date, if(wave = '3m', 3, 6))) + 3600 + (cityHash64(a, wave, 90) % 20) * 86400 + 5000 AS submitted_at,
			arrayJoin(arrayFilter(x -> x.2 >= 0, [
				('what_would_have_kept', if(kept != 'no' AND u_text < 0.6, toInt32(c_improve % 8), -1)),
				('improve', if(u_text < 0.55, toInt32(if(exit_quarter >= toDate('2025-01-01') AND u_text < 0.2, 2, c_improve % 8)), -1)),
				('went_well', if(u_text > 0.50, toInt32(8 + c_good % 6), -1)),
				('message', if(u_text > 0.80, 12, -1)),
				('view_change_reason', if(wave = '6m' AND view_change != 'same' AND u_text < 0.5, toInt32(c_good % 14), -1))
			])) AS qc, qc.1 AS q, qc.2 AS c
		FROM (` + base + `) ` + waveJoin + `
		WHERE if(wave = '3m', answered3, answered6)
	)`
}

// alumniEventsSQL records rehires (about 3% of voluntary, regrettable-leaning leavers, 3 to 36 months
// after exit and not in the future) and referral hires made through alumni.
func (g gen) alumniEventsSQL(base string) string {
	return `INSERT INTO alumni_events (tenant_id, alumnus_id, event, at, detail)
	SELECT ?, alumnus_id, ev.1, ev.2, ''
	FROM (
		SELECT alumnus_id,
			toDateTime(exit_date) + 86400 * (90 + cityHash64(a, 92) % 990) AS rehired_at,
			toDateTime(exit_date) + 86400 * (30 + cityHash64(a, 93) % 700) AS referral_at,
			arrayFilter(x -> x.1 != '' AND x.2 < toDateTime('2026-11-01 00:00:00'), [
				(if(exit_type = 'voluntary' AND ` + g.u(94) + ` < if(regrettable, 0.06, 0.025), 'rehired', ''), rehired_at),
				(if(consent AND ` + g.u(95) + ` < 0.03, 'referral', ''), referral_at)
			]) AS evs
		FROM (` + base + `)
	) ARRAY JOIN evs AS ev`
}

// headcountSQL reports month-end headcounts per department, April 2020 to March 2026, sized so that annual
// turnover is around 15%.
func (g gen) headcountSQL() string {
	perYear := float64(g.alumni) / 5
	total := perYear / 0.15
	var sizes []string
	prev := 0.0
	for _, d := range departments {
		sizes = append(sizes, fmt.Sprintf("('%s', %d)", d.name, int((d.cum-prev)*total)))
		prev = d.cum
	}
	sizes = append(sizes, fmt.Sprintf("('%s', 40)", tinyDepartment))
	return `INSERT INTO headcounts (tenant_id, period_start, period_end, kind, department, headcount, source, imported_at, version)
	SELECT ?, period_start, addDays(addMonths(period_start, 1), -1), 'month', dep.1,
		toUInt32(dep.2 * (0.97 + 0.0008 * m + (cityHash64(dep.1, m) % 100) / 5000.)), 'benchdata', now(), 1
	FROM (SELECT number AS m, addMonths(toDate('2020-04-01'), toInt32(number)) AS period_start FROM numbers(72))
	ARRAY JOIN [` + strings.Join(sizes, ", ") + `] AS dep`
}
