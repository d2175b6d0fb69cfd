package insight

import (
	"context"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/surveys"
)

// fixture is a throwaway database with the shipped surveys, tenants and a Service that never compacts
// on its own (tests call Compact to exercise both the compacted and the on-the-fly path).
type fixture struct {
	t       *testing.T
	ctx     context.Context
	conn    db.Conn
	svc     *Service
	tenants *tenant.Store
	cat     *survey.Catalog
	ver     atomic.Uint64
}

func newFixture(t *testing.T, tenantIDs ...string) *fixture {
	t.Helper()
	conn, _ := dbtest.New(t)
	cat, err := survey.Load(surveys.FS)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), conn: conn, tenants: tenant.NewStore(conn), cat: cat}
	for _, id := range tenantIDs {
		if err := f.tenants.Put(f.ctx, tenant.Tenant{ID: id, Name: id, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
			t.Fatal(err)
		}
	}
	f.svc = New(conn, cat, f.tenants, audit.New(conn), Options{CompactEvery: -1, Margin: time.Nanosecond})
	t.Cleanup(f.svc.Close)
	return f
}

// resp is one response to alumni-<wave>; zero values take defaults.
type resp struct {
	tenant, alumnus, wave                         string
	dept, family, exitType, tenure, reason, quart string
	rec, ret                                      int   // -1: not answered
	drivers                                       []int // hindsight ratings in survey order; 0: not answered
	trueReason, kept, view                        string
	at                                            time.Time
}

func id(parts ...string) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(strings.Join(parts, "\x00")))
}

// submit stores the responses as one INSERT, like one batch of the answer writer, each with a new version.
func (f *fixture) submit(rs ...resp) {
	f.t.Helper()
	f.insertAnswers(f.answerRows(rs...))
}

// submitSplit stores one response as two INSERTs of the same version, as if its batch had reached the
// server in two blocks.
func (f *fixture) submitSplit(r resp) {
	f.t.Helper()
	rows := f.answerRows(r)
	f.insertAnswers(rows[:len(rows)/2])
	f.insertAnswers(rows[len(rows)/2:])
}

func (f *fixture) insertAnswers(rows [][]any) {
	f.t.Helper()
	if err := db.Insert(f.ctx, f.conn, `INSERT INTO answers (tenant_id, question_id, survey_id, response_id,
		survey_version, wave, alumnus_id, answered, num, choices, text, department, job_family, grade, gender,
		exit_type, exit_reason, tenure_band, exit_quarter, regrettable, locale, submitted_at, version)`, rows...); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) answerRows(rs ...resp) [][]any {
	f.t.Helper()
	var rows [][]any
	for _, r := range rs {
		if r.tenant == "" {
			r.tenant = "t1"
		}
		if r.wave == "" {
			r.wave = "3m"
		}
		def := func(p *string, v string) {
			if *p == "" {
				*p = v
			}
		}
		def(&r.dept, "営業")
		def(&r.family, "sales")
		def(&r.exitType, "voluntary")
		def(&r.tenure, "1-3y")
		def(&r.reason, "personal")
		def(&r.quart, "2025-04-01")
		if r.at.IsZero() {
			r.at = time.Date(2025, 8, 1, 1, 0, 0, 0, time.UTC)
		}
		quarter, err := time.Parse(time.DateOnly, r.quart)
		if err != nil {
			f.t.Fatal(err)
		}
		sv, ok := f.cat.Get("alumni-" + r.wave)
		if !ok {
			f.t.Fatalf("no survey for wave %s", r.wave)
		}
		ver := f.nextVersion()
		di := 0
		for _, q := range sv.Questions {
			answered, n, choices := false, 0.0, []string{}
			one := func(c string) {
				if c != "" {
					answered, choices = true, []string{c}
				}
			}
			switch {
			case q.Metric == survey.MetricENPS && r.rec >= 0:
				answered, n = true, float64(r.rec)
			case q.Metric == survey.MetricReturnIntent && r.ret > 0:
				answered, n = true, float64(r.ret)
			case q.Driver != "":
				if di < len(r.drivers) && r.drivers[di] > 0 {
					answered, n = true, float64(r.drivers[di])
				}
				di++
			case q.Metric == survey.MetricTrueReason:
				one(r.trueReason)
			case q.Metric == survey.MetricRetainable:
				one(r.kept)
			case q.Metric == survey.MetricViewChange:
				one(r.view)
			}
			rows = append(rows, []any{r.tenant, q.ID, sv.ID, id(r.tenant, r.alumnus, r.wave), uint32(sv.Version), r.wave,
				id(r.tenant, r.alumnus), b2u(answered), n, choices, "", r.dept, r.family, "G1", "female", r.exitType,
				r.reason, r.tenure, quarter, uint8(0), "ja", r.at, ver})
		}
	}
	return rows
}

// nextVersion stamps like the answer writer: the clock in ns, strictly increasing. A version older than
// a compactor pass that already ran would break the margin's promise (see doc.go).
func (f *fixture) nextVersion() uint64 {
	for {
		last := f.ver.Load()
		v := max(last+1, uint64(time.Now().UnixNano()))
		if f.ver.CompareAndSwap(last, v) {
			return v
		}
	}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func (f *fixture) compact() {
	f.t.Helper()
	if err := f.svc.Compact(f.ctx); err != nil {
		f.t.Fatal(err)
	}
}

// modes runs check with everything newer than the watermark (worked out on the fly), then after a
// compactor pass (read from the pre-aggregated tables): the figures must be the same.
func (f *fixture) modes(check func(mode string)) {
	f.t.Helper()
	check("on the fly")
	f.compact()
	check("compacted")
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6*math.Max(1, math.Abs(b)) }

func nearNum(n *Num, want float64) bool { return n != nil && near(float64(*n), want) }

func scores(vals ...int) []int { return vals }

// alum is one alumni registry row; zero values take defaults.
type alum struct {
	tenant, name, dept, family, exitType, reason string
	hire, exit                                   time.Time
	regrettable, consent                         bool
}

func (f *fixture) alumni(as ...alum) {
	f.t.Helper()
	var rows [][]any
	for _, a := range as {
		if a.tenant == "" {
			a.tenant = "t1"
		}
		if a.dept == "" {
			a.dept = "営業"
		}
		if a.exitType == "" {
			a.exitType = "voluntary"
		}
		if a.exit.IsZero() {
			a.exit = time.Date(2025, 5, 15, 0, 0, 0, 0, time.UTC)
		}
		if a.hire.IsZero() {
			a.hire = a.exit.AddDate(-3, 0, 0)
		}
		rows = append(rows, []any{a.tenant, id(a.tenant, a.name), "E-" + a.name, a.dept, a.family, "G1", "unknown", a.hire,
			a.exit, a.exitType, a.reason, "", b2u(a.regrettable), uint8(1), "ja", b2u(a.consent), uint8(1), uint64(0),
			time.Now().UTC().Truncate(time.Second), time.Now().UTC().Truncate(time.Second), f.nextVersion()})
	}
	if err := db.Insert(f.ctx, f.conn, `INSERT INTO alumni (tenant_id, alumnus_id, employee_code, department, job_family,
		grade, gender, hire_date, exit_date, exit_type, exit_reason, exit_reason_text, regrettable, rehire_eligible, locale,
		consent, has_email, source_hash, imported_at, updated_at, version)`, rows...); err != nil {
		f.t.Fatal(err)
	}
}

// invitation stores an invitation of alumnus name to alumni-<wave> and its events, an hour apart,
// ending an hour ago.
func (f *fixture) invitation(tenantID, name, alumnus, wave string, events ...string) {
	f.t.Helper()
	if tenantID == "" {
		tenantID = "t1"
	}
	inv := id(tenantID, "inv", name)
	now := time.Now().UTC().Truncate(time.Second)
	if err := db.Insert(f.ctx, f.conn, `INSERT INTO invitations (tenant_id, invitation_id, alumnus_id, survey_id, wave,
		locale, due_at, closes_at, created_at, version)`,
		[]any{tenantID, inv, id(tenantID, alumnus), "alumni-" + wave, wave, "ja", now, now, now, f.nextVersion()}); err != nil {
		f.t.Fatal(err)
	}
	var rows [][]any
	for i, e := range events {
		at := now.Add(-time.Duration(len(events)-i) * time.Hour)
		rows = append(rows, []any{tenantID, inv, "alumni-" + wave, wave, e, uint16(0), at, ""})
	}
	if err := db.Insert(f.ctx, f.conn, "INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)", rows...); err != nil {
		f.t.Fatal(err)
	}
}

// event appends one event to an existing invitation, now.
func (f *fixture) event(tenantID, name, wave, e string) {
	f.t.Helper()
	if err := db.Insert(f.ctx, f.conn, "INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)",
		[]any{tenantID, id(tenantID, "inv", name), "alumni-" + wave, wave, e, uint16(0), time.Now().UTC(), ""}); err != nil {
		f.t.Fatal(err)
	}
}

// text is one analysed free-text answer.
type text struct {
	tenant, alumnus, wave, question, dept, sentiment string
	themes, sentiments                               []string
	at                                               time.Time
}

func (f *fixture) texts(ts ...text) {
	f.t.Helper()
	var rows [][]any
	for _, x := range ts {
		if x.tenant == "" {
			x.tenant = "t1"
		}
		if x.wave == "" {
			x.wave = "3m"
		}
		if x.question == "" {
			x.question = "improve"
		}
		if x.dept == "" {
			x.dept = "営業"
		}
		if x.sentiment == "" {
			x.sentiment = "neutral"
		}
		if x.at.IsZero() {
			x.at = time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
		}
		if x.themes == nil {
			x.themes = []string{}
		}
		if x.sentiments == nil {
			x.sentiments = make([]string, len(x.themes))
			for i := range x.sentiments {
				x.sentiments[i] = x.sentiment
			}
		}
		q, _ := time.Parse(time.DateOnly, "2025-04-01")
		rows = append(rows, []any{x.tenant, x.question, "alumni-" + x.wave, id(x.tenant, x.alumnus, x.wave), x.wave, "test-1",
			"…", []string{}, x.themes, x.sentiments, x.sentiment, float32(0), x.dept, "sales", "voluntary", "1-3y", q,
			x.at, time.Now().UTC().Truncate(time.Second), f.nextVersion()})
	}
	if err := db.Insert(f.ctx, f.conn, `INSERT INTO text_analyses (tenant_id, question_id, survey_id, response_id, wave,
		analyzer_version, masked, terms, themes, theme_sentiments, sentiment, score, department, job_family, exit_type,
		tenure_band, exit_quarter, submitted_at, analyzed_at, version)`, rows...); err != nil {
		f.t.Fatal(err)
	}
}
