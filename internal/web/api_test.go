package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/web"
)

const testSecret = "test-secret-test-secret-test-secret"

type apiFixture struct {
	srv         *httptest.Server
	keyA, keyB  string
	viewerA     string
	leadershipA string
	tenants     *tenant.Store
}

func newAPI(t *testing.T) apiFixture {
	t.Helper()
	conn, chcfg := dbtest.New(t)
	ctx := context.Background()
	tenants := tenant.NewStore(conn)
	al := audit.New(conn)
	for _, id := range []string{"tenant-a", "tenant-b"} {
		if err := tenants.Put(ctx, tenant.Tenant{ID: id, Name: id, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
			t.Fatal(err)
		}
	}
	key := func(tenantID string, role tenant.Role) string {
		_, tok, err := tenants.CreateAPIKey(ctx, tenantID, "test", role)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	cfg, err := config.LoadFrom(map[string]string{"ALUMNIPULSE_SECRET": testSecret})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClickHouse = chcfg
	deps := web.Deps{Tenants: tenants, Audit: al, Alumni: alumni.NewStore(conn, []byte(testSecret), al),
		Ready: func(ctx context.Context) error { return conn.Ping(ctx) }}
	s, err := web.New(cfg, deps, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return apiFixture{srv: srv, keyA: key("tenant-a", tenant.RoleHRAdmin), keyB: key("tenant-b", tenant.RoleHRAdmin),
		viewerA: key("tenant-a", tenant.RoleHRViewer), leadershipA: key("tenant-a", tenant.RoleLeadership), tenants: tenants}
}

func (f apiFixture) do(t *testing.T, method, path, key, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

const importCSV = "employee_code,name,email,department,exit_date,exit_type,consent\n" +
	"A1,Taro Yamada,taro@example.jp,Sales,2025-03-31,voluntary,yes\n" +
	"A2,Hanako Sato,hanako@example.jp,Engineering,2025-04-30,voluntary,yes\n"

func TestTenantIsolationThroughTheAPI(t *testing.T) {
	f := newAPI(t)
	if code, body := f.do(t, "POST", "/api/v1/alumni/import", f.keyA, "text/csv", importCSV); code != 200 || body["inserted"] != float64(2) {
		t.Fatalf("tenant A import: %d %v", code, body)
	}
	// A reads its own alumnus; the response carries no PII.
	code, body := f.do(t, "GET", "/api/v1/alumni/A1", f.keyA, "", "")
	if code != 200 || body["department"] != "Sales" {
		t.Fatalf("A reads A1: %d %v", code, body)
	}
	for _, pii := range []string{"name", "email"} {
		if _, ok := body[pii]; ok {
			t.Errorf("API response carries %s", pii)
		}
	}
	// B cannot read, erase or overwrite A's alumni.
	if code, _ := f.do(t, "GET", "/api/v1/alumni/A1", f.keyB, "", ""); code != 404 {
		t.Errorf("B reads A's alumnus: %d, want 404", code)
	}
	if code, _ := f.do(t, "POST", "/api/v1/alumni/A1/erase", f.keyB, "", ""); code != 404 {
		t.Errorf("B erases A's alumnus: %d, want 404", code)
	}
	changed := strings.Replace(importCSV, "Sales", "Legal", 1)
	if code, body := f.do(t, "POST", "/api/v1/alumni/import", f.keyB, "text/csv", changed); code != 200 || body["inserted"] != float64(2) {
		t.Fatalf("B import: %d %v", code, body)
	}
	if _, body := f.do(t, "GET", "/api/v1/alumni/A1", f.keyA, "", ""); body["department"] != "Sales" {
		t.Errorf("B's import changed A's alumnus: %v", body)
	}
	// A's key is still A's after all that, and is refused once tampered.
	if code, _ := f.do(t, "GET", "/api/v1/alumni/A1", f.keyA+"x", "", ""); code != 401 {
		t.Errorf("tampered key: %d, want 401", code)
	}
}

func TestAPIRolesAndErrors(t *testing.T) {
	f := newAPI(t)
	tests := []struct {
		name, method, path, key, ctype, body string
		want                                 int
	}{
		{"no key", "GET", "/api/v1/alumni/A1", "", "", "", 401},
		{"viewer cannot import", "POST", "/api/v1/alumni/import", f.viewerA, "text/csv", importCSV, 403},
		{"leadership cannot read people", "GET", "/api/v1/alumni/A1", f.leadershipA, "", "", 403},
		{"leadership cannot erase", "POST", "/api/v1/alumni/A1/erase", f.leadershipA, "", "", 403},
		{"wrong content type", "POST", "/api/v1/alumni/import", f.keyA, "text/plain", "x", 415},
		{"header missing columns", "POST", "/api/v1/alumni/import", f.keyA, "text/csv", "name\nx\n", 422},
		{"strict with a bad row", "POST", "/api/v1/alumni/import?strict=1", f.keyA, "text/csv", importCSV + "A3,X,bad-email,Sales,2025-03-31,voluntary,yes\n", 422},
		{"unknown alumnus", "GET", "/api/v1/alumni/NOPE", f.viewerA, "", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := f.do(t, tt.method, tt.path, tt.key, tt.ctype, tt.body); code != tt.want {
				t.Errorf("%s %s = %d %v, want %d", tt.method, tt.path, code, body, tt.want)
			}
		})
	}
	// JSON import names the element and field of each problem.
	code, body := f.do(t, "POST", "/api/v1/alumni/import", f.keyA, "application/json",
		`[{"employee_code":"J1","exit_date":"2025-03-31","email":"j1@example.jp"},{"employee_code":"J2","exit_date":"2025-02-30"}]`)
	if code != 200 || body["inserted"] != float64(1) {
		t.Fatalf("json import: %d %v", code, body)
	}
	problems, _ := body["problems"].([]any)
	if len(problems) != 1 || problems[0].(map[string]any)["field"] != "exit_date" || problems[0].(map[string]any)["index"] != float64(1) {
		t.Errorf("json problems = %v", problems)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	f := newAPI(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s = %d", path, resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP = %q", path, csp)
		}
	}
}
