package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/demo"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/web"
)

// BenchmarkDashPage measures the server time to render each dashboard page for the demo tenant (2,000
// leavers with their invitations, answers and analysed comments), signed in as HR, and the HTML bytes
// each page sends. Per page:
//
//   - warm: the same view again after a first, untimed one (reports are reused for a minute and then
//     refreshed in the background);
//   - cold: a view not seen before (department × exit type; periods on the leadership page, waves on the
//     waves page), so every panel is computed; only the first pass over the views is measured.
//
// p95-ms is the 95th percentile of the measured iterations; html-bytes is the last page's size.
//
//	go test -run '^$' -bench BenchmarkDashPage -benchtime 30x ./internal/web/
func BenchmarkDashPage(b *testing.B) {
	env := newDashEnv(b, 2000)
	hr := env.signIn(b, demo.TenantID, demo.Users[0].Email, demo.Password)
	segs, err := env.app.Dashboards.Render(b.Context(), dashRequest(demo.TenantID))
	if err != nil {
		b.Fatal(err)
	}
	var departments []string
	for _, f := range segs.Form {
		if f.Name == "department" {
			for _, c := range f.Choices[1:] {
				departments = append(departments, c.Value)
			}
		}
	}
	// Distinct views per page, for the cold runs: each is computed once (the first cycle is measured).
	var segmented []url.Values
	for _, d := range append([]string{""}, departments...) {
		for _, e := range []string{"", "voluntary", "involuntary", "retirement", "contract_end"} {
			segmented = append(segmented, url.Values{"department": {d}, "exit_type": {e}})
		}
	}
	var periods []url.Values
	for _, p := range []string{"all", "12m", "24m", "fy", "fy2025", "fy2024", "fy2023", "fy2022"} {
		periods = append(periods, url.Values{"period": {p}})
	}
	waves := []url.Values{{"wave": {""}}, {"wave": {"3m"}}, {"wave": {"6m"}}}
	coldViews := map[string][]url.Values{"leadership": periods, "waves": waves}
	for _, p := range env.app.Dashboards.Catalog().Pages() {
		for _, mode := range []string{"warm", "cold"} {
			b.Run(p.ID+"/"+mode, func(b *testing.B) {
				views := segmented
				if v, ok := coldViews[p.ID]; ok {
					views = v
				}
				web.BenchPage(b, env.handler, p.ID, mode, views, func(r *http.Request) {
					r.AddCookie(&http.Cookie{Name: "ap_session", Value: hr.tok})
				})
			})
		}
	}
}

func dashRequest(tenantID string) dashboard.Request {
	return dashboard.Request{TenantID: tenantID, Role: tenant.RoleHRAdmin, Page: "overview", Lang: "ja"}
}
