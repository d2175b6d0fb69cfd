package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/surveys"
)

// insightEnv is a server on a throwaway database with two tenants and API keys of every role.
type insightEnv struct {
	t    *testing.T
	ctx  context.Context
	conn db.Conn
	h    http.Handler
	keys map[string]string // "tenant/role" → token
	cat  *survey.Catalog
	ver  uint64
	al   *alumni.Store
}

func newInsightEnv(t *testing.T) *insightEnv {
	t.Helper()
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	cat, err := survey.Load(surveys.FS)
	if err != nil {
		t.Fatal(err)
	}
	ts := tenant.NewStore(conn)
	al := audit.New(conn)
	e := &insightEnv{t: t, ctx: ctx, conn: conn, keys: map[string]string{}, cat: cat, ver: uint64(time.Now().UnixNano())}
	e.al = alumni.NewStore(conn, []byte("test secret of enough length for hmac"), al)
	for _, id := range []string{"acme", "beta"} {
		if err := ts.Put(ctx, tenant.Tenant{ID: id, Name: id, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []tenant.Role{tenant.RoleHRAdmin, tenant.RoleHRViewer, tenant.RoleLeadership} {
			_, tok, err := ts.CreateAPIKey(ctx, id, "test", r)
			if err != nil {
				t.Fatal(err)
			}
			e.keys[id+"/"+string(r)] = tok
		}
	}
	svc := insight.New(conn, cat, ts, al, insight.Options{CompactEvery: -1, Margin: time.Nanosecond})
	t.Cleanup(svc.Close)
	srv, err := New(config.Config{}, Deps{Tenants: ts, Audit: al, Alumni: e.al, Insight: svc}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e.h = srv.Handler()
	return e
}

func (e *insightEnv) version() uint64 { e.ver++; return e.ver }

// answer stores one response of a person to alumni-<wave>: would-recommend rec, return intent 3,
// every hindsight rating 3, true reason "growth" against "personal" stated at exit.
func (e *insightEnv) answer(tenantID, person, wave, dept string, rec int) {
	e.t.Helper()
	sv, _ := e.cat.Get("alumni-" + wave)
	ver := e.version()
	var rows [][]any
	for _, q := range sv.Questions {
		answered, n, choices := false, 0.0, []string{}
		switch {
		case q.Metric == survey.MetricENPS:
			answered, n = true, float64(rec)
		case q.Metric == survey.MetricReturnIntent || q.Driver != "":
			answered, n = true, 3
		case q.Metric == survey.MetricTrueReason:
			answered, choices = true, []string{"growth"}
		case q.Metric == survey.MetricRetainable:
			answered, choices = true, []string{"maybe"}
		}
		rows = append(rows, []any{tenantID, q.ID, sv.ID, uuid.NewSHA1(uuid.NameSpaceOID, []byte(tenantID+person+wave)),
			uint32(sv.Version), wave, uuid.NewSHA1(uuid.NameSpaceOID, []byte(tenantID+person)), b2u(answered), n, choices, "",
			dept, "sales", "G1", "female", "voluntary", "personal", "1-3y", time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), uint8(0),
			"ja", submitted[wave], ver})
	}
	if err := db.Insert(e.ctx, e.conn, `INSERT INTO answers (tenant_id, question_id, survey_id, response_id,
		survey_version, wave, alumnus_id, answered, num, choices, text, department, job_family, grade, gender,
		exit_type, exit_reason, tenure_band, exit_quarter, regrettable, locale, submitted_at, version)`, rows...); err != nil {
		e.t.Fatal(err)
	}
	if err := db.Insert(e.ctx, e.conn, `INSERT INTO text_analyses (tenant_id, question_id, survey_id, response_id, wave,
		analyzer_version, masked, terms, themes, theme_sentiments, sentiment, score, department, job_family, exit_type,
		tenure_band, exit_quarter, submitted_at, analyzed_at, version)`,
		[]any{tenantID, "improve", sv.ID, uuid.NewSHA1(uuid.NameSpaceOID, []byte(tenantID+person+wave)), wave, "t", "…",
			[]string{}, []string{"workload"}, []string{"negative"}, "negative", float32(0), dept, "sales", "voluntary", "1-3y",
			time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC),
			time.Now().UTC().Add(-time.Minute).Truncate(time.Second), ver}); err != nil {
		e.t.Fatal(err)
	}
}

var submitted = map[string]time.Time{
	"3m": time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC),
	"6m": time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC),
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// invite stores an invitation of a person to alumni-<wave> that was sent and answered.
func (e *insightEnv) invite(tenantID, person, wave string) {
	e.t.Helper()
	inv := uuid.NewSHA1(uuid.NameSpaceOID, []byte(tenantID+"inv"+person+wave))
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	if err := db.Insert(e.ctx, e.conn, "INSERT INTO invitations (tenant_id, invitation_id, alumnus_id, survey_id, wave, locale, due_at, closes_at, created_at, version)",
		[]any{tenantID, inv, e.al.AlumnusID(tenantID, person), "alumni-" + wave, wave, "ja", at, at, at, e.version()}); err != nil {
		e.t.Fatal(err)
	}
	var rows [][]any
	for i, ev := range []string{"planned", "sent", "opened", "submitted"} {
		rows = append(rows, []any{tenantID, inv, "alumni-" + wave, wave, ev, uint16(0), at.Add(time.Duration(i) * time.Minute), ""})
	}
	if err := db.Insert(e.ctx, e.conn, "INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)", rows...); err != nil {
		e.t.Fatal(err)
	}
}

// alumnus stores a registry row through the registry itself.
func (e *insightEnv) alumnus(tenantID, person, dept string) {
	e.t.Helper()
	csv := "employee_code,department,exit_date,exit_type,exit_reason,consent,email\n" +
		fmt.Sprintf("%s,%s,2025-06-01,voluntary,personal,1,%s@example.com\n", person, dept, person)
	_, err := e.al.Import(e.ctx, tenantID, func() (alumni.Source, error) {
		return alumni.NewReader(strings.NewReader(csv), alumni.ReaderOptions{})
	}, alumni.ImportOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *insightEnv) do(method, path, key string, body io.Reader, ct string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+e.keys[key])
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

func (e *insightEnv) getJSON(path, key string) map[string]any {
	e.t.Helper()
	w := e.do("GET", path, key, nil, "")
	if w.Code != http.StatusOK {
		e.t.Fatalf("GET %s as %s: %d %s", path, key, w.Code, w.Body.String())
	}
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

// seed: acme has departments A (8 people), B (5) and C (3) answering both waves, invited, in the
// registry; beta has 10 people who all score 0.
func (e *insightEnv) seed() {
	for d, n := range map[string]int{"A": 8, "B": 5, "C": 3} {
		for i := 0; i < n; i++ {
			p := fmt.Sprintf("%s%d", d, i)
			e.answer("acme", p, "3m", d, 10)
			e.answer("acme", p, "6m", d, 9)
			e.invite("acme", p, "3m")
			e.alumnus("acme", p, d)
		}
	}
	for i := 0; i < 10; i++ {
		e.answer("beta", fmt.Sprint("x", i), "3m", "A", 0)
	}
}

// groupsOf returns the cells of a report's "groups" by key.
func groupsOf(t *testing.T, rep map[string]any) map[string]map[string]any {
	t.Helper()
	gs, _ := rep["groups"].([]any)
	out := map[string]map[string]any{}
	for _, g := range gs {
		m := g.(map[string]any)
		out[m["key"].(string)] = m
	}
	return out
}

// hidden checks a cell is suppressed and carries no n (JSON null) and no figures.
func hidden(t *testing.T, what string, cell map[string]any, figures ...string) {
	t.Helper()
	n, hasN := cell["n"]
	if cell["suppressed"] != true || !hasN || n != nil {
		t.Errorf("%s: %v, want \"suppressed\": true, \"n\": null", what, cell)
	}
	for _, f := range figures {
		if v, ok := cell[f]; ok && v != nil {
			t.Errorf("%s: suppressed cell still carries %q", what, f)
		}
	}
}

func TestInsightEndpointsSuppressSmallGroups(t *testing.T) {
	e := newInsightEnv(t)
	e.seed()
	key := "acme/leadership"
	// Every breakdown by department: C (3 people) hidden, and B too, or total − A − B = C.
	for _, ep := range []struct{ path, figure string }{
		{"/api/v1/insights/enps?wave=3m&by=department", "enps"},
		{"/api/v1/insights/return-intent?wave=3m&by=department", "top2box"},
		{"/api/v1/insights/funnel?by=department", "stages"},
		{"/api/v1/insights/candour-gap?by=department", "changed_share"},
		{"/api/v1/insights/themes?wave=3m&by=department", "themes"},
	} {
		rep := e.getJSON(ep.path, key)
		g := groupsOf(t, rep)
		if a := g["A"]; a["suppressed"] != false || a["n"] != float64(8) {
			t.Errorf("%s: A %v", ep.path, a)
		}
		hidden(t, ep.path+" C", g["C"], ep.figure)
		hidden(t, ep.path+" B", g["B"], ep.figure)
	}
	// Reports without a breakdown: a filter selecting department C is refused outright.
	for _, ep := range []string{"/api/v1/insights/change?department=C", "/api/v1/insights/enps?wave=3m&department=C"} {
		rep := e.getJSON(ep, key)
		cell, _ := rep["people"].(map[string]any)
		if cell == nil {
			cell, _ = rep["total"].(map[string]any)
		}
		hidden(t, ep, cell, "enps")
	}
	rep := e.getJSON("/api/v1/insights/drivers?department=C", key)
	for _, o := range rep["outcomes"].([]any) {
		hidden(t, "drivers C", o.(map[string]any), "drivers", "r_squared")
	}
	// Department A at 3m vs the same without the wave: 8 vs 16 people, allowed; A vs all at 3m: 8 vs
	// 16, allowed. Department A's change is shown.
	rep = e.getJSON("/api/v1/insights/change?department=A", key)
	if p := rep["people"].(map[string]any); p["n"] != float64(8) {
		t.Errorf("change A: %v", p)
	}
	hc := e.getJSON("/api/v1/insights/human-capital?fy=2025", key)
	for _, f := range hc["figures"].([]any) {
		fg := f.(map[string]any)
		if fg["id"] == "leavers" && (fg["suppressed"] != false || fg["n"] != float64(16)) {
			t.Errorf("leavers %v", fg)
		}
		if fg["id"] == "average_headcount" {
			hidden(t, "headcount not reported", fg, "value")
		}
	}
}

func TestInsightTenantIsolationAndRoles(t *testing.T) {
	e := newInsightEnv(t)
	e.seed()
	acme := e.getJSON("/api/v1/insights/enps?wave=3m", "acme/hr_viewer")["total"].(map[string]any)
	beta := e.getJSON("/api/v1/insights/enps?wave=3m", "beta/hr_viewer")["total"].(map[string]any)
	if acme["n"] != float64(16) || acme["enps"].(map[string]any)["score"] != float64(100) {
		t.Errorf("acme sees %v", acme)
	}
	if beta["n"] != float64(10) || beta["enps"].(map[string]any)["score"] != float64(-100) {
		t.Errorf("beta sees %v", beta)
	}
	// Roles: every role reads aggregates and the disclosure; only HR admins write.
	for _, role := range []string{"hr_admin", "hr_viewer", "leadership"} {
		for _, path := range []string{"/api/v1/insights/enps", "/api/v1/insights/funnel", "/api/v1/insights/candour-gap",
			"/api/v1/insights/change", "/api/v1/insights/drivers", "/api/v1/insights/themes", "/api/v1/insights/return-intent",
			"/api/v1/insights/human-capital?fy=2025", "/api/v1/disclosure?fy=2025&format=json"} {
			if w := e.do("GET", path, "acme/"+role, nil, ""); w.Code != http.StatusOK {
				t.Errorf("%s GET %s: %d %s", role, path, w.Code, w.Body.String())
			}
		}
	}
	csv := "period,department,headcount\n2025-04,,100\n"
	if w := e.do("POST", "/api/v1/headcounts", "acme/leadership", strings.NewReader(csv), "text/csv"); w.Code != http.StatusForbidden {
		t.Errorf("leadership imports headcounts: %d", w.Code)
	}
	if w := e.do("POST", "/api/v1/headcounts", "acme/hr_viewer", strings.NewReader(csv), "text/csv"); w.Code != http.StatusForbidden {
		t.Errorf("hr_viewer imports headcounts: %d", w.Code)
	}
	if w := e.do("POST", "/api/v1/headcounts", "acme/hr_admin", strings.NewReader(csv), "text/csv"); w.Code != http.StatusOK {
		t.Errorf("hr_admin imports headcounts: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("GET", "/api/v1/insights/enps", "", nil, ""); w.Code != http.StatusUnauthorized {
		t.Errorf("no key: %d", w.Code)
	}
	if w := e.do("GET", "/api/v1/insights/enps?exit_quarter=2025-05-01", "acme/hr_admin", nil, ""); w.Code != http.StatusBadRequest {
		t.Errorf("bad exit quarter: %d", w.Code)
	}
	if w := e.do("GET", "/api/v1/insights/enps?by=salary", "acme/hr_admin", nil, ""); w.Code != http.StatusBadRequest {
		t.Errorf("bad breakdown: %d", w.Code)
	}
	// A rehire recorded through the API, found by employee code; another tenant's code is unknown.
	body := `{"kind": "rehired", "date": "2025-10-01"}`
	if w := e.do("POST", "/api/v1/alumni/A1/hires", "acme/hr_admin", strings.NewReader(body), "application/json"); w.Code != http.StatusOK {
		t.Errorf("record rehire: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("POST", "/api/v1/alumni/A1/hires", "beta/hr_admin", strings.NewReader(body), "application/json"); w.Code != http.StatusNotFound {
		t.Errorf("rehire of another tenant's alumnus: %d", w.Code)
	}
	if w := e.do("POST", "/api/v1/alumni/A1/hires", "acme/leadership", strings.NewReader(body), "application/json"); w.Code != http.StatusForbidden {
		t.Errorf("leadership records a rehire: %d", w.Code)
	}
}

func TestDisclosureDownloadIsAudited(t *testing.T) {
	e := newInsightEnv(t)
	e.seed()
	w := e.do("GET", "/api/v1/disclosure?fy=2025&format=csv", "acme/leadership", nil, "")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "disclosure-FY2025.csv") {
		t.Fatalf("csv: %d %v", w.Code, w.Header())
	}
	if !bytes.Contains(w.Body.Bytes(), []byte("turnover_rate")) {
		t.Errorf("csv body %q", w.Body.String()[:200])
	}
	if w := e.do("GET", "/api/v1/disclosure?fy=2025&format=xlsx", "acme/hr_admin", nil, ""); w.Code != http.StatusOK || w.Body.Len() < 1000 {
		t.Errorf("xlsx: %d, %d bytes", w.Code, w.Body.Len())
	}
	if w := e.do("GET", "/api/v1/disclosure?fy=2025&format=pdf", "acme/hr_admin", nil, ""); w.Code != http.StatusBadRequest {
		t.Errorf("pdf: %d", w.Code)
	}
	entries, err := audit.New(e.conn).List(e.ctx, "acme", 100)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, en := range entries {
		actions[en.Action]++
	}
	if actions["export.csv"] != 1 || actions["export.xlsx"] != 1 || actions["export.pdf"] != 0 {
		t.Errorf("audit %v", actions)
	}
}
