package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/net/html"

	"github.com/alumnipulse/alumnipulse/dashboards"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/dashboard/dashboardtest"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// dashFixture is a server with the dashboard routes behind a stand-in sign-in that takes the tenant and
// role from test headers (the real session sign-in is exercised by the browser test).
type dashFixture struct {
	srv   *httptest.Server
	src   *dashboardtest.Source
	audit *audit.Log
}

const (
	hdrTenant = "X-Test-Tenant"
	hdrRole   = "X-Test-Role"
)

func newDashFixture(t *testing.T, src *dashboardtest.Source) *dashFixture {
	t.Helper()
	conn, _ := dbtest.New(t)
	tenants := tenant.NewStore(conn)
	ctx := context.Background()
	for _, id := range []string{"t1", "t2"} {
		if err := tenants.Put(ctx, tenant.Tenant{ID: id, Name: "Company " + id, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := dashboard.Load(dashboards.FS)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	al := audit.New(conn)
	s, err := New(config.Config{}, Deps{Tenants: tenants, Audit: al}, log)
	if err != nil {
		t.Fatal(err)
	}
	s.deps.Dashboards = dashboard.New(cat, src, log, dashboard.Options{})
	s.dashRoutes(func(c *gin.Context) {
		if id := c.GetHeader(hdrTenant); id != "" {
			c.Set(ctxTenant, id)
			c.Set(ctxRole, tenant.Role(c.GetHeader(hdrRole)))
			c.Set(ctxActor, "user:test-"+id)
			c.Set(ctxCSRF, "test-csrf-token")
		}
		c.Next()
	})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &dashFixture{srv: srv, src: src, audit: al}
}

func (f *dashFixture) do(t *testing.T, method, path, tenantID string, role tenant.Role, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if tenantID != "" {
		req.Header.Set(hdrTenant, tenantID)
		req.Header.Set(hdrRole, string(role))
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// scripts returns the page's <script> elements as the browser's parser sees them: their attributes and text.
func scripts(t *testing.T, page string) []map[string]string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	var out []map[string]string
	var cur map[string]string
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			tok := z.Token()
			if tok.Data == "script" {
				cur = map[string]string{}
				for _, a := range tok.Attr {
					cur[a.Key] = a.Val
				}
				out = append(out, cur)
			}
		case html.TextToken:
			if cur != nil {
				cur["#text"] += string(z.Text())
			}
		case html.EndTagToken:
			cur = nil
		}
	}
}

func TestDashPagesForEachRole(t *testing.T) {
	f := newDashFixture(t, &dashboardtest.Source{})
	want := map[tenant.Role]map[string]int{
		tenant.RoleHRAdmin:    {"overview": 200, "why": 200, "fix": 200, "change": 200, "leadership": 200, "waves": 200, "nope": 404},
		tenant.RoleHRViewer:   {"overview": 200, "why": 200, "fix": 200, "change": 200, "leadership": 200, "waves": 200},
		tenant.RoleLeadership: {"overview": 200, "why": 200, "fix": 403, "change": 200, "leadership": 200, "waves": 403},
	}
	for role, pages := range want {
		for page, status := range pages {
			for _, lang := range []string{"ja", "en"} {
				resp, body := f.do(t, "GET", "/dash/"+page+"?lang="+lang, "t1", role, nil)
				if resp.StatusCode != status {
					t.Errorf("%s GET %s: %d, want %d", role, page, resp.StatusCode, status)
					continue
				}
				if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Security-Policy") == "" {
					t.Errorf("%s: headers %v", page, resp.Header)
				}
				if status != 200 {
					if strings.Contains(body, "application/json") {
						t.Errorf("%s %s: a refused page carries chart data", role, page)
					}
					continue
				}
				if !strings.Contains(body, `<html lang="`+lang+`">`) {
					t.Errorf("%s in %s: wrong lang attribute", page, lang)
				}
				blocks := 0
				for _, s := range scripts(t, body) {
					switch {
					case s["type"] == "application/json":
						blocks++
						if !json.Valid([]byte(s["#text"])) {
							t.Errorf("%s: chart block %s is not valid JSON", page, s["id"])
						}
					case s["src"] == "":
						t.Errorf("%s: inline script %q (the CSP forbids it)", page, s["#text"])
					}
				}
				if blocks == 0 && page != "leadership" && page != "waves" {
					t.Errorf("%s: no chart data blocks", page)
				}
				if strings.Contains(body, "style=") {
					t.Errorf("%s: inline style attribute (the CSP forbids it)", page)
				}
			}
		}
	}
	// /dash goes to the overview; an unauthenticated request is refused.
	resp, _ := f.do(t, "GET", "/dash?lang=en", "t1", tenant.RoleLeadership, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dash/overview?lang=en" {
		t.Errorf("/dash: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := f.do(t, "GET", "/dash/overview", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", resp.StatusCode)
	}
}

// TestDashEscapesAlumniText puts markup, quotes, backslashes, newlines and line separators into department
// names and comments and checks that they reach the reader as text: escaped in HTML, intact in the JSON.
func TestDashEscapesAlumniText(t *testing.T) {
	evil := []string{
		`</script><script>alert(1)</script>`,
		`"quotes" and 'apostrophes' \ back\slash \u003c`,
		"line one\nline two",
		"sep\u2028arator\u2029end",
		`<img src=x onerror=alert(2)>`,
	}
	src := &dashboardtest.Source{Departments: map[string][]string{"t1": evil}, Comments: map[string][]string{"t1": evil}}
	f := newDashFixture(t, src)
	for _, page := range []string{"fix", "why"} {
		resp, body := f.do(t, "GET", "/dash/"+page+"?lang=en", "t1", tenant.RoleHRAdmin, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", page, resp.StatusCode)
		}
		for _, bad := range []string{"<script>alert(1)", "<img src=x"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: page contains raw %q", page, bad)
			}
		}
		seen := map[string]bool{}
		for _, s := range scripts(t, body) {
			if s["src"] != "" {
				continue
			}
			if s["type"] != "application/json" {
				t.Fatalf("%s: an executable inline script appeared: %q", page, s["#text"])
			}
			// Line separators are harmless in HTML text but end a line in older JavaScript parsers: the data
			// blocks carry them escaped.
			if strings.ContainsAny(s["#text"], "\u2028\u2029<>") {
				t.Errorf("%s: block %s holds a raw <, >, U+2028 or U+2029", page, s["id"])
			}
			var v any
			if err := json.Unmarshal([]byte(s["#text"]), &v); err != nil {
				t.Fatalf("%s: block %s does not parse: %v", page, s["id"], err)
			}
			collect(v, seen)
		}
		for _, e := range evil {
			if !seen[e] {
				t.Errorf("%s: %q did not reach the chart data intact", page, e)
			}
		}
	}
	// Comments are HTML text: the parser finds no element the comment smuggled in.
	_, body := f.do(t, "GET", "/dash/fix?lang=ja", "t1", tenant.RoleHRViewer, nil)
	z := html.NewTokenizer(strings.NewReader(body))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tok := z.Token(); tt == html.StartTagToken && tok.Data == "img" {
			t.Error("a comment became an <img> element")
		}
	}
	if !strings.Contains(body, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the comment text is not shown escaped")
	}
}

func collect(v any, out map[string]bool) {
	switch x := v.(type) {
	case string:
		out[x] = true
	case []any:
		for _, e := range x {
			collect(e, out)
		}
	case map[string]any:
		for _, e := range x {
			collect(e, out)
		}
	}
}

// TestDashTenantIsolation opens every dashboard route as tenant t1 (with t2's id planted in the query) and
// checks that only t1's data was asked for and shown.
func TestDashTenantIsolation(t *testing.T) {
	src := &dashboardtest.Source{Departments: map[string][]string{"t1": {"Alpha-t1"}, "t2": {"Bravo-t2-SECRET"}},
		Comments: map[string][]string{"t1": {"t1 comment"}, "t2": {"t2-SECRET comment"}}}
	f := newDashFixture(t, src)
	cat, _ := dashboard.Load(dashboards.FS)
	for _, p := range cat.Pages() {
		_, body := f.do(t, "GET", "/dash/"+p.ID+"?tenant=t2&tenant_id=t2&department=Bravo-t2-SECRET", "t1", tenant.RoleHRAdmin, nil)
		if strings.Contains(body, "t2-SECRET comment") || strings.Contains(body, "Company t2") {
			t.Errorf("%s: t1's page shows t2's data", p.ID)
		}
		if !strings.Contains(body, "Alpha-t1") && p.ID != "leadership" && p.ID != "change" {
			t.Errorf("%s: t1's own data is missing", p.ID)
		}
		for _, x := range p.Exports() {
			resp, body := f.do(t, "POST", "/dash/"+p.ID+"/export", "t1", tenant.RoleHRAdmin,
				url.Values{"panel": {x.ID}, "format": {"json"}, "csrf_token": {"test-csrf-token"}, "tenant": {"t2"}})
			if resp.StatusCode != 200 || strings.Contains(body, "Bravo") || (x.ID == "disclosure" && !strings.Contains(body, "Alpha-t1")) {
				t.Errorf("export %s/%s: %d %s", p.ID, x.ID, resp.StatusCode, body)
			}
		}
	}
	for _, q := range src.Queries() {
		if q.TenantID != "t1" {
			t.Fatalf("a query ran for tenant %q", q.TenantID)
		}
	}
	// And t2 sees its own.
	_, body := f.do(t, "GET", "/dash/fix", "t2", tenant.RoleHRViewer, nil)
	if !strings.Contains(body, "Bravo-t2-SECRET") || strings.Contains(body, "Alpha-t1") {
		t.Error("t2's page is not t2's")
	}
}

func TestDashAuditsCommentsAndExports(t *testing.T) {
	f := newDashFixture(t, &dashboardtest.Source{})
	ctx := context.Background()
	f.do(t, "GET", "/dash/overview", "t1", tenant.RoleHRAdmin, nil)
	f.do(t, "GET", "/dash/fix?department=t1+Sales", "t1", tenant.RoleHRViewer, nil)
	resp, body := f.do(t, "POST", "/dash/leadership/export", "t1", tenant.RoleLeadership,
		url.Values{"panel": {"disclosure"}, "format": {"csv"}, "period": {"fy2024"}, "csrf_token": {"test-csrf-token"}})
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "\ufeff") ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="alumnipulse-leadership-disclosure-fy2024.csv"` {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := f.do(t, "POST", "/dash/leadership/export", "t1", tenant.RoleLeadership,
		url.Values{"panel": {"enps_trend"}, "format": {"csv"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("export of a chart panel: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "POST", "/dash/waves/export", "t1", tenant.RoleLeadership,
		url.Values{"panel": {"waves"}, "format": {"csv"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("leadership export from the waves page: %d", resp.StatusCode)
	}
	var entries []audit.Entry
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if entries, err = f.audit.List(ctx, "t1", 10); err != nil {
			t.Fatal(err)
		}
		if len(entries) >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := map[string]audit.Entry{}
	for _, e := range entries {
		got[e.Action] = e
	}
	if len(entries) != 2 {
		t.Fatalf("audit entries = %+v, want one comments.view and one export.csv", entries)
	}
	if e := got["comments.view"]; e.Target != "dash/fix" || e.Detail != "department=t1+Sales" || e.Actor != "user:test-t1" {
		t.Errorf("comments.view entry = %+v", e)
	}
	if e := got["export.csv"]; e.Target != "dash/leadership/disclosure" || !strings.HasPrefix(e.Detail, "period=fy2024 rows=") {
		t.Errorf("export entry = %+v", e)
	}
}
