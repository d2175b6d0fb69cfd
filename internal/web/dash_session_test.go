package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/auth"
	"github.com/alumnipulse/alumnipulse/internal/demo"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// session is a signed-in HTTP client of the real server.
type session struct {
	t    testing.TB
	base string
	c    *http.Client
	tok  string
}

func (e *dashEnv) signIn(t testing.TB, tenantID, email, password string) *session {
	t.Helper()
	_, token, err := e.app.Auth.Login(context.Background(), auth.Credentials{TenantID: tenantID, Email: email, Password: password})
	if err != nil {
		t.Fatalf("sign in %s/%s: %v", tenantID, email, err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &session{t: t, base: e.url, c: c, tok: token}
}

func (s *session) do(method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if s.tok != "" {
		req.AddCookie(&http.Cookie{Name: "ap_session", Value: s.tok})
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// TestDashWithRealSessions drives the dashboards through real sign-ins: roles, CSRF on the export form,
// audit entries, and two tenants kept apart on every dashboard route.
func TestDashWithRealSessions(t *testing.T) {
	env := newDashEnv(t, 400)
	ctx := context.Background()
	if err := env.app.Tenants.Put(ctx, tenant.Tenant{ID: "acme", Name: "Acme 株式会社", TimeZone: "Asia/Tokyo", DefaultLocale: "en"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.app.Auth.CreateUser(ctx, "acme", "admin@acme.example", "Acme Admin", tenant.RoleHRAdmin, "acme-password-123"); err != nil {
		t.Fatal(err)
	}
	hr := env.signIn(t, demo.TenantID, demo.Users[0].Email, demo.Password)
	leader := env.signIn(t, demo.TenantID, demo.Users[2].Email, demo.Password)
	acme := env.signIn(t, "acme", "admin@acme.example", "acme-password-123")
	anon := &session{t: t, base: env.url, c: hr.c}

	t.Run("sign-in required", func(t *testing.T) {
		resp, _ := anon.do("GET", "/dash/overview?lang=en", nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Errorf("anonymous page: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := anon.do("POST", "/dash/leadership/export", url.Values{"panel": {"disclosure"}, "format": {"csv"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous export: %d", resp.StatusCode)
		}
	})

	t.Run("roles", func(t *testing.T) {
		for page, want := range map[string]int{"overview": 200, "why": 200, "change": 200, "leadership": 200, "fix": 403, "waves": 403} {
			if resp, _ := leader.do("GET", "/dash/"+page, nil); resp.StatusCode != want {
				t.Errorf("leadership %s: %d, want %d", page, resp.StatusCode, want)
			}
		}
		for _, page := range []string{"fix", "waves"} {
			if resp, _ := hr.do("GET", "/dash/"+page, nil); resp.StatusCode != 200 {
				t.Errorf("hr %s: %d", page, resp.StatusCode)
			}
		}
	})

	t.Run("csrf", func(t *testing.T) {
		_, page := hr.do("GET", "/dash/leadership?lang=en", nil)
		m := csrfInput.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the export form carries no CSRF token")
		}
		token := m[1]
		_, acmePage := acme.do("GET", "/dash/leadership", nil)
		acmeToken := csrfInput.FindStringSubmatch(acmePage)[1]
		form := func(tok string) url.Values {
			v := url.Values{"panel": {"disclosure"}, "format": {"csv"}, "period": {"fy"}}
			if tok != "" {
				v.Set("csrf_token", tok)
			}
			return v
		}
		for name, tc := range map[string]struct {
			form url.Values
			hdr  []string
		}{
			"no token":              {form: form("")},
			"another user's token":  {form: form(acmeToken)},
			"wrong token":           {form: form(token[:len(token)-2] + "xx")},
			"cross-site with token": {form: form(token), hdr: []string{"Sec-Fetch-Site", "cross-site"}},
		} {
			if resp, body := hr.do("POST", "/dash/leadership/export", tc.form, tc.hdr...); resp.StatusCode != http.StatusForbidden ||
				strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s: %d %q", name, resp.StatusCode, body[:min(len(body), 80)])
			}
		}
		resp, body := hr.do("POST", "/dash/leadership/export", form(token))
		if resp.StatusCode != 200 || !strings.HasPrefix(body, "\ufeff") {
			t.Fatalf("export with the session's token: %d", resp.StatusCode)
		}
		// Leadership may export from its own page but not from an HR page.
		_, lpage := leader.do("GET", "/dash/leadership", nil)
		ltok := csrfInput.FindStringSubmatch(lpage)[1]
		if resp, _ := leader.do("POST", "/dash/waves/export", url.Values{"panel": {"waves"}, "format": {"csv"}, "csrf_token": {ltok}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("leadership export from the waves page: %d", resp.StatusCode)
		}
		// The export is in the audit log, with who and what (the insight service records the disclosure file).
		deadline := time.Now().Add(5 * time.Second)
		for {
			es, err := env.app.Audit.List(ctx, demo.TenantID, 200)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range es {
				found = found || (e.Action == "export.csv" && strings.HasPrefix(e.Target, "disclosure/FY") && strings.HasPrefix(e.Actor, "user:"))
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no export.csv audit entry")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("tenant isolation", func(t *testing.T) {
		// What the demo tenant's pages show that no other tenant may see: its departments and comments.
		_, demoFix := hr.do("GET", "/dash/fix?lang=ja", nil)
		secrets := demoMarkers(demoFix)
		if len(secrets) < 3 {
			t.Fatalf("found only %d demo markers on the demo fix page", len(secrets))
		}
		for _, p := range env.app.Dashboards.Catalog().Pages() {
			// acme's own session, with the demo tenant named everywhere a request could carry it.
			resp, body := acme.do("GET", "/dash/"+p.ID+"?tenant=demo&tenant_id=demo&lang=ja", nil)
			if resp.StatusCode != 200 {
				t.Errorf("acme %s: %d", p.ID, resp.StatusCode)
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("acme's %s page shows the demo tenant's %q", p.ID, s)
				}
			}
			for _, x := range p.Exports() {
				tok := csrfInput.FindStringSubmatch(body)[1]
				resp, exp := acme.do("POST", "/dash/"+p.ID+"/export", url.Values{"panel": {x.ID}, "format": {"json"},
					"csrf_token": {tok}, "tenant": {"demo"}})
				if resp.StatusCode != 200 {
					t.Errorf("acme export %s: %d", x.ID, resp.StatusCode)
				}
				for _, s := range secrets {
					if strings.Contains(exp, s) {
						t.Errorf("acme's %s export holds the demo tenant's %q", x.ID, s)
					}
				}
			}
		}
		if resp, _ := acme.do("GET", "/dash?tenant=demo", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("/dash: %d", resp.StatusCode)
		}
	})
}

var (
	optionValue = regexp.MustCompile(`<select name="department"[\s\S]*?</select>`)
	optionText  = regexp.MustCompile(`<option value="([^"]+)"`)
	quote       = regexp.MustCompile(`<blockquote>([^<]{12,})</blockquote>`)
)

// demoMarkers picks strings only the demo tenant's data holds from its page: department names offered by
// the filter and comment texts.
func demoMarkers(page string) []string {
	var out []string
	if sel := optionValue.FindString(page); sel != "" {
		for _, m := range optionText.FindAllStringSubmatch(sel, -1) {
			out = append(out, m[1])
		}
	}
	for _, m := range quote.FindAllStringSubmatch(page, 5) {
		out = append(out, m[1])
	}
	return out
}
