package web_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/demo"
)

// BenchmarkDashPage measures the server time to render each dashboard page for the demo tenant (2,000
// leavers with their answers), signed in as HR, and the bytes of HTML each page sends. It reports the
// 95th percentile of the iterations as p95-ms.
//
//	go test -run '^$' -bench BenchmarkDashPage -benchtime 50x ./internal/web/
func BenchmarkDashPage(b *testing.B) {
	env := newDashEnv(b, 2000)
	hr := env.signIn(b, demo.TenantID, demo.Users[0].Email, demo.Password)
	for _, p := range env.app.Dashboards.Catalog().Pages() {
		b.Run(p.ID, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/dash/"+p.ID+"?lang=ja", nil)
			req.AddCookie(&http.Cookie{Name: "ap_session", Value: hr.tok})
			var took []time.Duration
			size := 0
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				start := time.Now()
				env.handler.ServeHTTP(w, req)
				took = append(took, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", p.ID, w.Code)
				}
				size = w.Body.Len()
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[(len(took)*95)/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(size), "html-bytes")
		})
	}
}
