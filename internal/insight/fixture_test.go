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
	if err := db.Insert(f.ctx, f.conn, `INSERT INTO answers (tenant_id, question_id, survey_id, response_id,
		survey_version, wave, alumnus_id, answered, num, choices, text, department, job_family, grade, gender,
		exit_type, exit_reason, tenure_band, exit_quarter, regrettable, locale, submitted_at, version)`, rows...); err != nil {
		f.t.Fatal(err)
	}
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
