// Package live is the dashboard Source of a running alumnipulse: it asks the insight service, the comment
// service and the development outbox for each panel's numbers and shapes their answers for the dashboard.
// Every query it makes or forwards is bound to the tenant of the request.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/alumnipulse/alumnipulse/dashboards"
	"github.com/alumnipulse/alumnipulse/internal/comments"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/mail"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/wave"
)

// ErrNotWired is returned for an insight whose service this build does not have.
var ErrNotWired = errors.New("insight not available in this build")

// CommentLister lists masked comments (the comments service); it audits every read itself.
type CommentLister interface {
	List(ctx context.Context, tenantID string, f comments.Filter, minGroup int, actor string) ([]comments.Comment, int, error)
}

// Waves is what the waves panels need of the wave scheduler.
type Waves interface {
	Overview(ctx context.Context, tenantID string) (wave.Overview, error)
	// Outbox returns the tenant's messages in the development outbox and whether it is in use.
	Outbox(ctx context.Context, tenantID string, limit int) ([]mail.OutboxEntry, bool, error)
}

// Deps are the services the live Source reads from.
type Deps struct {
	Conn     db.Conn
	Comments CommentLister
	Waves    Waves
	Insights Insights
	// Surveys tells which questions carry the "could we have kept you" and "has your view changed" tags.
	Surveys *survey.Catalog
	// InsightTTL is how long insight reports are reused (default a minute; negative: not at all).
	InsightTTL time.Duration
}

// segmentsTTL is how long a tenant's filter choices are reused: they change only when new answers
// bring a new department, and every page view asks for them.
const segmentsTTL = time.Minute

// Source is the dashboard.Source of a running alumnipulse.
type Source struct {
	d   Deps
	now func() time.Time

	mu       sync.Mutex
	segments map[string]cachedSegments // by tenant id
	// panels caches the panels this package computes from the tables itself (nil: no cache).
	panels *reportCache
}

type cachedSegments struct {
	at   time.Time
	segs dashboard.Segments
}

var (
	_ dashboard.Source   = (*Source)(nil)
	_ dashboard.Exporter = (*Source)(nil)
)

// New returns the live Source.
func New(d Deps) *Source {
	if d.InsightTTL == 0 {
		d.InsightTTL = time.Minute
	}
	if d.Insights != nil && d.InsightTTL > 0 {
		d.Insights = newCachedInsights(d.Insights, d.InsightTTL, maxCachedReports)
	}
	src := &Source{d: d, now: time.Now, segments: map[string]cachedSegments{}}
	if d.InsightTTL > 0 {
		src.panels = newReportCache(d.InsightTTL, maxCachedReports)
	}
	return src
}

// cached computes a panel through the panel cache (keyed by tenant, insight, options, filters and language).
func (s *Source) cached(ctx context.Context, q dashboard.Query, fn func(context.Context, dashboard.Query) (dashboard.Data, error)) (dashboard.Data, error) {
	if s.panels == nil {
		return fn(ctx, q)
	}
	key := fmt.Sprintf("%s\x00%s\x00%v\x00%s\x00%s\x00%s\x00%s", q.TenantID, q.Insight, q.Options, q.Filters.Key(),
		q.From.UTC().Format(time.RFC3339), q.To.UTC().Format(time.RFC3339), q.Locale)
	return get(ctx, s.panels, key, func(ctx context.Context) (dashboard.Data, error) { return fn(ctx, q) })
}

// maxCachedReports bounds the insight reports kept in memory (a report is a few kilobytes).
const maxCachedReports = 2000

// NewService loads the dashboard pages (from ALUMNIPULSE_DASHBOARDS_DIR when set, else the shipped ones)
// and returns the dashboard service on the live Source.
func NewService(cfg config.Config, d Deps, log *slog.Logger) (*dashboard.Service, error) {
	cat, err := dashboard.Load(dashboards.Open(cfg.DashboardsDir))
	if err != nil {
		return nil, fmt.Errorf("dashboards: %w", err)
	}
	return dashboard.New(cat, New(d), log, dashboard.Options{}), nil
}

// Compute implements dashboard.Source.
func (s *Source) Compute(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	switch q.Insight {
	case "comments":
		return s.comments(ctx, q)
	case "metric_trend", "metric_by_segment":
		return s.metricTrend(ctx, q)
	case "funnel":
		return s.funnel(ctx, q)
	case "candour_gap":
		return s.candourGap(ctx, q)
	case "reasons_by_segment":
		return s.reasonsBySegment(ctx, q)
	case "drivers":
		return s.drivers(ctx, q)
	case "change_flow":
		return s.changeFlow(ctx, q)
	case "change_tests":
		return s.changeTests(ctx, q)
	case "themes", "theme_sentiment", "theme_trend", "themes_by_segment":
		return s.themes(ctx, q)
	case "changes":
		return s.changes(ctx, q)
	case "human_capital":
		return s.humanCapital(ctx, q)
	case "disclosure":
		return s.disclosure(ctx, q)
	case "retainable", "view_change":
		return s.choices(ctx, q) // the counts behind it are cached as insight reports
	case "cooccurrence":
		return s.cached(ctx, q, s.cooccurrence)
	case "outbox":
		return s.outbox(ctx, q)
	case "waves":
		return s.waves(ctx, q)
	case "wave_upcoming":
		return s.waveUpcoming(ctx, q)
	case "wave_problems":
		return s.waveProblems(ctx, q)
	}
	return dashboard.Data{}, fmt.Errorf("%s: %w", q.Insight, ErrNotWired)
}

// Segments lists the departments and tenure bands in the tenant's answers (cached per tenant for a minute).
func (s *Source) Segments(ctx context.Context, tenantID string) (dashboard.Segments, error) {
	s.mu.Lock()
	c, ok := s.segments[tenantID]
	s.mu.Unlock()
	if ok && s.now().Sub(c.at) < segmentsTTL {
		return c.segs, nil
	}
	segs, err := s.readSegments(ctx, tenantID)
	if err != nil {
		return segs, err
	}
	s.mu.Lock()
	s.segments[tenantID] = cachedSegments{at: s.now(), segs: segs}
	s.mu.Unlock()
	return segs, nil
}

func (s *Source) readSegments(ctx context.Context, tenantID string) (dashboard.Segments, error) {
	var out dashboard.Segments
	// Every response answers a required recommend question, and the answers table is ordered by question:
	// reading its rows alone finds every segment at a twentieth of the cost of all answers. (A survey set
	// without one falls back to every answer.)
	only, args := "", []any{tenantID}
	if s.d.Surveys != nil {
		var ids []any
		all := true
		for _, sv := range s.d.Surveys.All() {
			qu, ok := sv.ByMetric(survey.MetricENPS)
			all = all && ok && qu.Required
			if ok && !slices.Contains(ids, any(qu.ID)) {
				ids = append(ids, qu.ID)
			}
		}
		if all && len(ids) > 0 {
			only, args = " AND question_id IN ?", append(args, clickhouse.GroupSet{Value: ids})
		}
	}
	for _, col := range []string{"department", "tenure_band"} {
		rows, err := s.d.Conn.Query(ctx, "SELECT DISTINCT "+col+" FROM answers WHERE tenant_id = ?"+only+" AND "+col+" != '' ORDER BY "+col+" LIMIT 500", args...)
		if err != nil {
			return out, fmt.Errorf("list %s values: %w", col, err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return out, fmt.Errorf("list %s values: %w", col, err)
			}
			if col == "department" {
				out.Departments = append(out.Departments, v)
			} else {
				out.TenureBands = append(out.TenureBands, dashboard.Choice{Value: v, Label: tenureLabel(v)})
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return out, fmt.Errorf("list %s values: %w", col, err)
		}
	}
	sortTenure(out.TenureBands)
	return out, nil
}

var tenureOrder = []string{"<1y", "1-3y", "3-5y", "5-10y", "10y+", "unknown"}

func sortTenure(cs []dashboard.Choice) {
	rank := func(v string) int {
		for i, t := range tenureOrder {
			if t == v {
				return i
			}
		}
		return len(tenureOrder)
	}
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && rank(cs[j].Value) < rank(cs[j-1].Value); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

func tenureLabel(v string) string {
	switch v {
	case "<1y":
		return "< 1y"
	case "1-3y":
		return "1–3y"
	case "3-5y":
		return "3–5y"
	case "5-10y":
		return "5–10y"
	}
	return v
}

// themeLabel names a theme or reason code in lang (the code itself when it is not in the taxonomy).
func themeLabel(code, lang string) string {
	if r, ok := survey.ReasonByCode(code); ok {
		return r.Label.In(lang)
	}
	return code
}

// comments lists masked comments for the page's filters, only for groups at or above the tenant's comment
// minimum; the comments service audits the read.
func (s *Source) comments(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	minN := q.Settings.WithDefaults().MinCommentGroupSize
	f := comments.Filter{QuestionID: q.Options["question"], Wave: q.Filters.Wave, Department: q.Filters.Department,
		ExitType: q.Filters.ExitType, TenureBand: q.Filters.TenureBand, From: q.From, To: q.To, Limit: 10}
	if n := q.Options["limit"]; n != "" {
		fmt.Sscan(n, &f.Limit)
	}
	list, n, err := s.d.Comments.List(ctx, q.TenantID, f, minN, q.Actor)
	c := &dashboard.Comments{MinN: minN}
	d := dashboard.Data{N: n, MinN: q.Settings.WithDefaults().MinGroupSize, Comments: c}
	if errors.Is(err, comments.ErrTooFew) {
		c.Withheld = true
		d.N = 0
		return d, nil
	}
	if err != nil {
		return dashboard.Data{}, err
	}
	for _, m := range list {
		item := dashboard.Comment{Text: m.Masked, Sentiment: m.Sentiment, Wave: m.Wave, When: m.Month}
		for _, t := range m.Themes {
			item.Themes = append(item.Themes, themeLabel(t, q.Locale))
		}
		c.Items = append(c.Items, item)
	}
	return d, nil
}

// maskAddress keeps the first letter and the domain of an address: enough to check a send, not to harvest.
func maskAddress(a string) string {
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" {
		return "…"
	}
	return local[:1] + "…@" + domain
}
