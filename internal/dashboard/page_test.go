package dashboard_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/dashboards"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/dashboard/dashboardtest"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

func newService(t testing.TB, src dashboard.Source, o dashboard.Options) *dashboard.Service {
	t.Helper()
	cat, err := dashboard.Load(dashboards.FS)
	if err != nil {
		t.Fatal(err)
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC) }
	}
	return dashboard.New(cat, src, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
}

func TestRenderRoles(t *testing.T) {
	svc := newService(t, &dashboardtest.Source{}, dashboard.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		role tenant.Role
		page string
		want error
	}{
		{tenant.RoleLeadership, "overview", nil},
		{tenant.RoleLeadership, "why", nil},
		{tenant.RoleLeadership, "change", nil},
		{tenant.RoleLeadership, "leadership", nil},
		{tenant.RoleLeadership, "fix", dashboard.ErrForbidden},
		{tenant.RoleLeadership, "waves", dashboard.ErrForbidden},
		{tenant.RoleHRViewer, "fix", nil},
		{tenant.RoleHRViewer, "waves", nil},
		{tenant.RoleHRAdmin, "waves", nil},
		{tenant.Role(""), "overview", dashboard.ErrForbidden},
		{tenant.RoleHRAdmin, "nope", dashboard.ErrNoPage},
	} {
		v, err := svc.Render(ctx, dashboard.Request{TenantID: "t1", Role: tc.role, Page: tc.page, Lang: "ja"})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s opening %s: err = %v, want %v", tc.role, tc.page, err, tc.want)
		}
		if err == nil {
			for _, n := range v.Nav {
				p, _ := svc.Catalog().Page(n.ID)
				if !p.Allows(tc.role) {
					t.Errorf("%s sees a link to %s", tc.role, n.ID)
				}
			}
		}
	}
}

func TestPanelsFailIndependently(t *testing.T) {
	src := &dashboardtest.Source{Fail: map[string]bool{"drivers": true}, Panic: map[string]bool{"cooccurrence": true},
		Block: map[string]bool{"theme_trend": true}}
	svc := newService(t, src, dashboard.Options{PanelTimeout: 100 * time.Millisecond})
	v, err := svc.Render(context.Background(), dashboard.Request{TenantID: "t1", Role: tenant.RoleHRAdmin, Page: "fix", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range v.Panels {
		switch p.ID {
		case "drivers_enps", "drivers_return", "cooccurrence":
			if p.Error != dashboard.T("en", "panel_error") || len(p.Option) != 0 {
				t.Errorf("%s: error %q, option %d bytes; want the panel error alone", p.ID, p.Error, len(p.Option))
			}
		case "theme_trend":
			if p.Error != dashboard.T("en", "panel_timeout") {
				t.Errorf("%s: error %q, want the timeout message", p.ID, p.Error)
			}
		default:
			if p.Error != "" {
				t.Errorf("%s failed: %s", p.ID, p.Error)
			}
		}
	}
}

// barrierSource lets Compute return only once k calls are in flight at the same time, so a page whose
// panels were computed one after another would time out.
type barrierSource struct {
	dashboardtest.Source
	k       int
	mu      sync.Mutex
	arrived int
	active  int
	peak    int
	release chan struct{}
}

func (b *barrierSource) Compute(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	b.mu.Lock()
	b.arrived++
	b.active++
	b.peak = max(b.peak, b.active)
	if b.arrived == b.k {
		close(b.release)
	}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.active--
		b.mu.Unlock()
	}()
	select {
	case <-b.release:
	case <-ctx.Done():
		return dashboard.Data{}, ctx.Err()
	}
	return b.Source.Compute(ctx, q)
}

func TestPanelsComputeInParallelWithABound(t *testing.T) {
	b := &barrierSource{k: 3, release: make(chan struct{})}
	svc := newService(t, b, dashboard.Options{Parallel: 3, PanelTimeout: 5 * time.Second})
	v, err := svc.Render(context.Background(), dashboard.Request{TenantID: "t1", Role: tenant.RoleHRAdmin, Page: "fix"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range v.Panels {
		if p.Error != "" {
			t.Fatalf("%s: %s (panels were not computed in parallel)", p.ID, p.Error)
		}
	}
	if b.peak != 3 {
		t.Errorf("peak concurrency %d, want the bound, 3", b.peak)
	}
}

func TestRenderFilters(t *testing.T) {
	src := &dashboardtest.Source{}
	svc := newService(t, src, dashboard.Options{})
	q := url.Values{"period": {"fy2024"}, "department": {"t1 Sales"}, "wave": {"9m"}, "exit_type": {"voluntary"}}
	v, err := svc.Render(context.Background(), dashboard.Request{TenantID: "t1", Role: tenant.RoleHRViewer, Page: "overview", Lang: "en", Query: q})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Ignored) != 1 || v.Ignored[0].Field != "wave" {
		t.Errorf("ignored = %+v, want the bad wave", v.Ignored)
	}
	want := dashboard.Filters{Period: "fy2024", Department: "t1 Sales", ExitType: "voluntary"}
	if v.Filters != want {
		t.Errorf("filters = %+v, want %+v", v.Filters, want)
	}
	for _, qq := range src.Queries() {
		if qq.TenantID != "t1" || qq.Filters != want {
			t.Errorf("query %+v does not carry the tenant and filters", qq)
		}
		if got := qq.From.Format("2006-01-02"); got != "2024-04-01" || qq.To.Format("2006-01-02") != "2025-04-01" {
			t.Errorf("fy2024 range = %v – %v", qq.From, qq.To)
		}
	}
	if v.Query.Get("lang") != "en" || v.Query.Get("department") != "t1 Sales" {
		t.Errorf("page query = %v", v.Query)
	}
	// The leadership page offers only the period, defaulting to this fiscal year: a department left in a
	// shared link must not silently narrow its figures.
	v, err = svc.Render(context.Background(), dashboard.Request{TenantID: "t1", Role: tenant.RoleLeadership, Page: "leadership", Lang: "ja", Query: q})
	if err != nil {
		t.Fatal(err)
	}
	if v.Filters != (dashboard.Filters{Period: "fy2024"}) {
		t.Errorf("leadership filters = %+v", v.Filters)
	}
	v, _ = svc.Render(context.Background(), dashboard.Request{TenantID: "t1", Role: tenant.RoleLeadership, Page: "leadership", Lang: "ja"})
	if v.Filters.Period != "fy" || len(v.Form) != 1 || !strings.Contains(v.Form[0].Choices[3].Label, "2025") {
		t.Errorf("leadership default = %+v, form %+v", v.Filters, v.Form)
	}
}

func TestFiltersChangeNumbers(t *testing.T) {
	src := &dashboardtest.Source{}
	svc := newService(t, src, dashboard.Options{})
	render := func(q url.Values) string {
		v, err := svc.Render(context.Background(), dashboard.Request{TenantID: "t1", Role: tenant.RoleHRViewer, Page: "overview", Query: q})
		if err != nil {
			t.Fatal(err)
		}
		return string(v.Panels[1].Option)
	}
	if render(nil) == render(url.Values{"exit_type": {"voluntary"}}) {
		t.Error("a filter did not change the numbers")
	}
}

func TestFilterRange(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	now := time.Date(2026, 3, 31, 23, 0, 0, 0, jst)
	for _, tc := range []struct{ period, from, to string }{
		{"fy", "2025-04-01", "2026-04-01"},
		{"fy2023", "2023-04-01", "2024-04-01"},
		{"12m", "2025-04-01", "2026-04-01"},
		{"24m", "2024-04-01", "2026-04-01"},
		{"all", "0001-01-01", "0001-01-01"},
	} {
		from, to := dashboard.Filters{Period: tc.period}.Range(now, jst)
		if from.Format("2006-01-02") != tc.from || to.Format("2006-01-02") != tc.to {
			t.Errorf("%s: %s – %s, want %s – %s", tc.period, from.Format("2006-01-02"), to.Format("2006-01-02"), tc.from, tc.to)
		}
	}
	// Mid-month, the last months are whole months, this one included (the insight counts are monthly).
	mid := time.Date(2026, 11, 22, 10, 0, 0, 0, jst)
	for _, tc := range []struct{ period, from, to string }{
		{"12m", "2025-12-01", "2026-12-01"},
		{"24m", "2024-12-01", "2026-12-01"},
	} {
		from, to := dashboard.Filters{Period: tc.period}.Range(mid, jst)
		if from.Format("2006-01-02") != tc.from || to.Format("2006-01-02") != tc.to || from.Location() != jst {
			t.Errorf("%s mid-month: %s – %s, want %s – %s", tc.period, from, to, tc.from, tc.to)
		}
	}
	f, problems := dashboard.ParseFilters(url.Values{"department": {"営業\x00部"}, "tenure_band": {"<script src=x>"}, "period": {"fy1899"}})
	if f != (dashboard.Filters{}) || len(problems) != 3 {
		t.Errorf("bad values accepted: %+v %+v", f, problems)
	}
}
