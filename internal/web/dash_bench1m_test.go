package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/dashboards"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/comments"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/dashboard/live"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/surveys"
)

// BenchmarkDashPageLarge renders every dashboard page for the large tenant of the insight benchmark data
// (`go run ./cmd/benchdata gen -responses 1000000`, database alumnipulse_bench, tenant "bench"), read
// only: audit entries go to a throwaway database, and the insight service never compacts the data set.
// The sign-in is a stand-in (tenant and role set directly), so this is the page's own server time.
//
//	ALUMNIPULSE_BENCH_DB=alumnipulse_bench go test -run '^$' -bench BenchmarkDashPageLarge -benchtime 20x ./internal/web/
func BenchmarkDashPageLarge(b *testing.B) {
	name := os.Getenv("ALUMNIPULSE_BENCH_DB")
	if name == "" {
		b.Skip("set ALUMNIPULSE_BENCH_DB to the database `benchdata gen` filled (alumnipulse_bench)")
	}
	ctx := context.Background()
	conn, err := db.Open(ctx, dbtest.Config(name))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	scratch, _ := dbtest.New(b)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	al := audit.New(scratch)
	tenants := tenant.NewStore(conn)
	cat, err := survey.Load(surveys.FS)
	if err != nil {
		b.Fatal(err)
	}
	ins := insight.New(conn, cat, tenants, al, insight.Options{CompactEvery: -1, Log: log})
	defer ins.Close()
	pages, err := dashboard.Load(dashboards.FS)
	if err != nil {
		b.Fatal(err)
	}
	src := live.New(live.Deps{Conn: conn, Comments: comments.New(conn, tenants, al, log), Insights: ins, Surveys: cat})
	s, err := New(config.Config{}, Deps{Tenants: tenants, Audit: al}, log)
	if err != nil {
		b.Fatal(err)
	}
	s.deps.Dashboards = dashboard.New(pages, src, log, dashboard.Options{})
	s.dashRoutes(func(c *gin.Context) {
		c.Set(ctxTenant, "bench")
		c.Set(ctxRole, tenant.RoleHRAdmin)
		c.Set(ctxActor, "user:bench")
		c.Next()
	})
	// Cold views: every exit type under every period, 20 in all.
	var views []url.Values
	for _, period := range []string{"all", "24m", "12m", "fy"} {
		for _, et := range []string{"", "voluntary", "involuntary", "retirement", "contract_end"} {
			views = append(views, url.Values{"exit_type": {et}, "period": {period}})
		}
	}
	for _, p := range pages.Pages() {
		if p.ID == "waves" {
			continue // the scheduler's plan of a million-person registry is the scheduler's benchmark
		}
		for _, mode := range []string{"cold", "warm"} {
			b.Run(p.ID+"/"+mode, func(b *testing.B) {
				BenchPage(b, s.Handler(), p.ID, mode, views, func(*http.Request) {})
			})
		}
	}
}

// BenchPage (exported for the external benchmarks of this package) renders page id b.N times and reports the p95 server time and the HTML bytes: warm repeats
// one URL (the first request, which fills the caches, is not counted); cold takes the next of views each
// time, so every panel is computed afresh (only the first len(views) requests count).
func BenchPage(b *testing.B, h http.Handler, id, mode string, views []url.Values, prepare func(*http.Request)) {
	var took []time.Duration
	size, i := 0, 0
	for b.Loop() {
		q := url.Values{}
		if mode == "cold" {
			q = url.Values{}
			for k, v := range views[i%len(views)] {
				q[k] = v
			}
		}
		q.Set("lang", "ja")
		req := httptest.NewRequest("GET", "/dash/"+id+"?"+q.Encode(), nil)
		prepare(req)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		if (mode == "warm" && i > 0) || (mode == "cold" && i < len(views)) {
			took = append(took, time.Since(start))
		}
		i++
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d", id, w.Code)
		}
		size = w.Body.Len()
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[(len(took)*95)/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(size), "html-bytes")
}
