package insight

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Tenants is what the service needs of the tenant store: minimum group sizes and the time zone.
type Tenants interface {
	Get(ctx context.Context, id string) (tenant.Tenant, error)
}

// Auditor records exports.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Options tune a Service; zero values take the defaults.
type Options struct {
	// FirstWave and SecondWave name the waves compared by Change and used by CandourGap (default "3m", "6m").
	FirstWave, SecondWave string
	// FiscalYearStart is the first month of the fiscal year (default April, as most Japanese companies).
	FiscalYearStart time.Month
	// CompactEvery is how often a query may start a background compactor pass (default 1 minute);
	// negative disables automatic passes (tests call Compact themselves).
	CompactEvery time.Duration
	// Margin is how far behind the clock the compactor's watermark stays, so that a write stamped just
	// before a pass but stored just after it is still seen as new (default 2 minutes; see doc.go).
	Margin time.Duration
	// TargetScore is the benchmark a driver's rating is compared with for importance × gap, as a share of
	// the 1–5 scale (default 0.75, an average of 4 "satisfied").
	TargetScore float64
	Now         func() time.Time
	Log         *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.FirstWave == "" {
		o.FirstWave = "3m"
	}
	if o.SecondWave == "" {
		o.SecondWave = "6m"
	}
	if o.FiscalYearStart == 0 {
		o.FiscalYearStart = time.April
	}
	if o.CompactEvery == 0 {
		o.CompactEvery = time.Minute
	}
	if o.Margin == 0 {
		o.Margin = 2 * time.Minute
	}
	if o.TargetScore == 0 {
		o.TargetScore = 0.75
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Service computes the insight figures of a tenant from ClickHouse. Its methods return typed,
// JSON-tagged reports with small groups suppressed; the HTTP handlers and the dashboards call them.
type Service struct {
	conn    db.Conn
	tenants Tenants
	audit   Auditor
	opts    Options
	slots   slots
	// noCubes makes every report scan its source and keep the rows newer than the watermark in its SQL
	// (tests compare both ways).
	noCubes bool

	mu          sync.Mutex
	running     chan struct{} // closed when the pass in progress ends; nil when none runs
	runErr      error         // the outcome of the last pass
	lastCompact time.Time
	wg          sync.WaitGroup
	// The tails read once per data state and shared by reports.
	pivotTails  sharedTail[pivotTailRows]
	funnelTails sharedTail[[]funnelRow]
}

// New returns a Service. The catalog tells which questions carry which metric and driver tags.
func New(conn db.Conn, catalog *survey.Catalog, tenants Tenants, auditor Auditor, opts Options) *Service {
	return &Service{conn: conn, tenants: tenants, audit: auditor, opts: opts.withDefaults(), slots: newSlots(catalog)}
}

// Close waits for a background compactor pass to finish.
func (s *Service) Close() { s.wg.Wait() }

// ErrTenant is returned (wrapped) when the tenant cannot be read.
var ErrTenant = errors.New("tenant not available")

// ErrBacklog is returned (wrapped) when the pre-aggregation is too far behind to answer now; a compactor
// pass is on its way, so the caller may retry shortly.
var ErrBacklog = errors.New("insight pre-aggregation is catching up")

// policy returns the tenant's minimum group sizes and time zone.
func (s *Service) policy(ctx context.Context, tenantID string) (minGroup int, loc *time.Location, err error) {
	t, err := s.tenants.Get(ctx, tenantID)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %w", ErrTenant, err)
	}
	st := t.Settings.WithDefaults()
	return st.MinGroupSize, t.Location(), nil
}

// Location returns the tenant's time zone, for parsing dates in requests.
func (s *Service) Location(ctx context.Context, tenantID string) (*time.Location, error) {
	_, loc, err := s.policy(ctx, tenantID)
	return loc, err
}

// slots maps the metric and driver tags of every survey in the catalog to its question ids; the
// compactor uses it to put each answer in its fixed column of response_pivot.
type slots struct {
	score, returnIntent, trueReason, retainable, viewChange []surveyQuestion
	// drivers[i] lists the questions rating survey.Reasons[i].
	drivers [][]surveyQuestion
	// driverCodes are the taxonomy codes in the order of response_pivot.drivers.
	driverCodes []string
}

type surveyQuestion struct{ survey, question string }

func newSlots(c *survey.Catalog) slots {
	sl := slots{drivers: make([][]surveyQuestion, len(survey.Reasons))}
	for _, r := range survey.Reasons {
		sl.driverCodes = append(sl.driverCodes, r.Code)
	}
	if c == nil {
		return sl
	}
	for _, sv := range c.All() {
		add := func(dst *[]surveyQuestion, metric string) {
			if q, ok := sv.ByMetric(metric); ok {
				*dst = append(*dst, surveyQuestion{sv.ID, q.ID})
			}
		}
		add(&sl.score, survey.MetricENPS)
		add(&sl.returnIntent, survey.MetricReturnIntent)
		add(&sl.trueReason, survey.MetricTrueReason)
		add(&sl.retainable, survey.MetricRetainable)
		add(&sl.viewChange, survey.MetricViewChange)
		for _, q := range sv.Drivers() {
			for i, code := range sl.driverCodes {
				if code == q.Driver {
					sl.drivers[i] = append(sl.drivers[i], surveyQuestion{sv.ID, q.ID})
				}
			}
		}
	}
	return sl
}

// numExpr is the SQL for the numeric answer to one of qs in a response_facts row, or missing.
func numExpr(qs []surveyQuestion, missing string) (string, []any) {
	if len(qs) == 0 {
		return "toInt8(" + missing + ")", nil
	}
	var b strings.Builder
	var args []any
	b.WriteString("multiIf(")
	for _, q := range qs {
		// arrayPushFront puts "missing" at index 1, so an absent question (indexOf = 0) reads it.
		b.WriteString("survey_id = ?, toInt8(arrayPushFront(num_v, " + missing + ")[indexOf(num_q, cityHash64(?)) + 1]), ")
		args = append(args, q.survey, q.question)
	}
	b.WriteString("toInt8(" + missing + "))")
	return b.String(), args
}

// choiceExpr is the SQL for the single-choice answer to one of qs in a response_facts row, or empty.
func choiceExpr(qs []surveyQuestion) (string, []any) {
	if len(qs) == 0 {
		return "''", nil
	}
	var b strings.Builder
	var args []any
	b.WriteString("multiIf(")
	for _, q := range qs {
		b.WriteString("survey_id = ?, arrayPushFront(choice_v, '')[indexOf(choice_q, cityHash64(?)) + 1], ")
		args = append(args, q.survey, q.question)
	}
	b.WriteString("'')")
	return b.String(), args
}
