package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/alumnipulse/alumnipulse/internal/app"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/demo"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/web"
)

// dashEnv is the real server (app wiring, sign-in, dashboards on the live source) on a throwaway database
// holding the seeded demo tenant.
type dashEnv struct {
	url     string
	app     *app.App
	handler http.Handler
}

func newDashEnv(t testing.TB, alumni int) *dashEnv {
	t.Helper()
	_, chcfg := dbtest.New(t)
	// The configuration a deployment gets from its environment (defaults included), on the test database.
	cfg, err := config.LoadFrom(map[string]string{"ALUMNIPULSE_SECRET": "browser-test-secret-0123456789abcdef0123456789",
		"ALUMNIPULSE_OUTBOX_DIR": t.TempDir(), "ALUMNIPULSE_SCHEDULER": "false"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClickHouse = chcfg
	// Warnings and errors (a panel that failed, with its cause) go to the test's output.
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, a.DemoDeps(), demo.Options{Seed: 1, Alumni: alumni}); err != nil {
		t.Fatalf("seed the demo tenant: %v", err)
	}
	if _, err := a.Comments.AnalyzePending(ctx, demo.TenantID, 1_000_000); err != nil {
		t.Fatalf("analyse comments: %v", err)
	}
	srv, err := web.New(cfg, a.WebDeps(), logger)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &dashEnv{url: ts.URL, app: a, handler: srv.Handler()}
}

// testLog writes log lines to the test's output.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func dashBrowser(t *testing.T) context.Context {
	t.Helper()
	root := web.NewBrowser(t, 1440, 900)
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return root
}

// dashTab opens a tab in a fresh browser context (its own cookies), sized like a laptop screen.
func dashTab(t *testing.T, root context.Context) (context.Context, *web.Console) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	con := web.WatchConsole(t, ctx)
	dashDo(t, ctx, "size the window", chromedp.EmulateViewport(1440, 900))
	return ctx, con
}

func dashRun[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	// A navigation that is still settling can take the page's script context away under an evaluation;
	// the page is fine, so ask again.
	for try := 0; err != nil && strings.Contains(err.Error(), "Cannot find context") && try < 3; try++ {
		time.Sleep(200 * time.Millisecond)
		v, err = chromedp.Run(tctx, a)
	}
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func dashDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	dashRun(t, ctx, what, chromedp.Steps(steps...))
}

// repoRoot finds the repository root (the folder with go.mod) above the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

func dashScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png := dashRun(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := filepath.Join(repoRoot(t), "artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// chartsDrawn waits until every chart element has been handled by dash.js and reports how many charts
// the page has and how many hold a canvas with pixels.
const chartsDrawn = `(() => {
  const charts = [...document.querySelectorAll('.chart[data-option]')];
  if (!charts.every(el => el.dataset.drawn === 'true' || el.classList.contains('chart-failed'))) return null;
  const drawn = charts.filter(el => { const c = el.querySelector('canvas'); return c && c.width > 0 && c.height > 0; });
  return {charts: charts.length, canvases: drawn.length,
    errors: [...document.querySelectorAll('.panel-error')].map(e => e.closest('section').id)};
})()`

type drawnCharts struct {
	Charts   int      `json:"charts"`
	Canvases int      `json:"canvases"`
	Errors   []string `json:"errors"`
}

func dashSignIn(t *testing.T, ctx context.Context, base string, u demo.User) {
	t.Helper()
	dashDo(t, ctx, "sign in as "+string(u.Role),
		chromedp.Navigate(base+"/login?next=/dash/overview"),
		chromedp.SendKeys(chromedp.CSS("#tenant"), demo.TenantID),
		chromedp.SendKeys(chromedp.CSS("#email"), u.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("main .grid")),
	)
}

func TestDashboardsInBrowser(t *testing.T) {
	env := newDashEnv(t, 2000)
	root := dashBrowser(t)
	cat := env.app.Dashboards.Catalog()

	// The console capture sees a CSP violation (so a quiet console below means something).
	probe, con := dashTab(t, root)
	dashDo(t, probe, "probe the CSP", chromedp.Navigate(env.url+"/login"),
		chromedp.Evaluate[chromedp.Void](`{const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.appendChild(s)}`),
		chromedp.Sleep(300*time.Millisecond))
	if msgs := con.Take(); len(msgs) == 0 || !strings.Contains(strings.Join(msgs, " "), "Content Security Policy") {
		t.Fatalf("the console capture did not see a CSP violation: %q", msgs)
	}

	for _, u := range demo.Users {
		t.Run(string(u.Role), func(t *testing.T) {
			ctx, con := dashTab(t, root)
			dashSignIn(t, ctx, env.url, u)
			for _, p := range cat.Pages() {
				resp := dashRun(t, ctx, "open "+p.ID, chromedp.NavigateResponse(env.url+"/dash/"+p.ID+"?lang=ja"))
				if !p.Allows(u.Role) {
					if resp.Status != http.StatusForbidden {
						t.Errorf("%s opened %s: status %d, want 403", u.Role, p.ID, resp.Status)
					}
					con.Take() // the 403 response is logged by the browser as a failed load
					continue
				}
				if resp.Status != http.StatusOK {
					t.Fatalf("%s: status %d", p.ID, resp.Status)
				}
				got := dashRun(t, ctx, "charts of "+p.ID, chromedp.Poll[drawnCharts](chartsDrawn, chromedp.WithPollingTimeout(30*time.Second)))
				if got.Canvases != got.Charts {
					t.Errorf("%s: %d of %d charts drew a canvas", p.ID, got.Canvases, got.Charts)
				}
				if len(got.Errors) > 0 {
					t.Errorf("%s: panels failed: %v", p.ID, got.Errors)
				}
				if drawnPanels(p) > 0 && got.Charts == 0 {
					t.Errorf("%s: no charts on the page", p.ID)
				}
				dashScreenshot(t, ctx, "dash-"+p.ID+"-"+string(u.Role))
				if msgs := con.Take(); len(msgs) > 0 {
					t.Errorf("%s: console errors: %q", p.ID, msgs)
				}
			}
			if u.Role == tenant.RoleLeadership {
				// The disclosure page prints as figures and tables: no navigation, filters or buttons, every
				// data table open.
				dashDo(t, ctx, "print view", chromedp.Navigate(env.url+"/dash/leadership?lang=ja"),
					chromedp.Poll[chromedp.Void](`document.querySelectorAll('.chart[data-drawn]').length > 0`),
					chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
						_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
						return err
					}),
					chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event('beforeprint'))`))
				hidden := dashRun(t, ctx, "print layout", chromedp.Evaluate[bool](`['.topbar', '.filters', '.export', '.print-button']
					.every(s => [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none'))
					&& [...document.querySelectorAll('details.data-table')].every(d => d.open)`))
				if !hidden {
					t.Error("print view shows controls or closed data tables")
				}
				dashScreenshot(t, ctx, "dash-leadership-leadership-print")
				dashDo(t, ctx, "screen media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
					return err
				}))
				con.Take()
				// Comment panels live only on HR pages; the page that lists them is refused.
				resp := dashRun(t, ctx, "open fix", chromedp.NavigateResponse(env.url+"/dash/fix"))
				if resp.Status != http.StatusForbidden {
					t.Errorf("leadership opened the comments page: %d", resp.Status)
				}
				con.Take()
			}
		})
	}

	t.Run("filters", func(t *testing.T) {
		ctx, con := dashTab(t, root)
		dashSignIn(t, ctx, env.url, demo.Users[0])
		dashRun(t, ctx, "charts", chromedp.Poll[drawnCharts](chartsDrawn))
		block := `document.getElementById('o-enps_trend').textContent`
		before := dashRun(t, ctx, "read the eNPS trend", chromedp.Evaluate[string](block))
		// Choosing a filter submits the form: the page reloads with the filter in its URL.
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		resp, err := chromedp.RunResponse(tctx, chromedp.Evaluate[chromedp.Void](
			`setTimeout(() => {const s = document.querySelector('select[name=exit_type]'); s.value = 'voluntary'; s.dispatchEvent(new Event('change'))}, 0)`))
		cancel()
		if err != nil || resp.Status != http.StatusOK || !strings.Contains(resp.URL, "exit_type=voluntary") {
			t.Fatalf("choosing a filter: %v %+v", err, resp)
		}
		got := dashRun(t, ctx, "charts", chromedp.Poll[drawnCharts](chartsDrawn))
		if got.Canvases != got.Charts || len(got.Errors) > 0 {
			t.Errorf("filtered page: %+v", got)
		}
		after := dashRun(t, ctx, "read the eNPS trend again", chromedp.Evaluate[string](block))
		if before == after || !json.Valid([]byte(after)) {
			t.Errorf("the voluntary-exit filter did not change the eNPS trend")
		}
		// The filtered view is a link: opening it in English keeps the filter.
		url := dashRun(t, ctx, "location", chromedp.Location())
		dashDo(t, ctx, "english", chromedp.Navigate(strings.Replace(url, "lang=ja", "lang=en", 1)))
		dashRun(t, ctx, "charts", chromedp.Poll[drawnCharts](chartsDrawn))
		sel := dashRun(t, ctx, "selected exit type", chromedp.Evaluate[string](`document.querySelector('select[name=exit_type]').value`))
		lang := dashRun(t, ctx, "lang", chromedp.Evaluate[string](`document.documentElement.lang`))
		if sel != "voluntary" || lang != "en" {
			t.Errorf("shared link: exit type %q, lang %q", sel, lang)
		}
		dashScreenshot(t, ctx, "dash-overview-hr_admin-en-filtered")
		// And on a tablet.
		dashDo(t, ctx, "tablet", chromedp.EmulateViewport(820, 1180), chromedp.Navigate(env.url+"/dash/why?lang=ja"))
		dashRun(t, ctx, "charts", chromedp.Poll[drawnCharts](chartsDrawn))
		dashScreenshot(t, ctx, "dash-why-hr_admin-tablet")
		if msgs := con.Take(); len(msgs) > 0 {
			t.Errorf("console errors: %q", msgs)
		}
	})
}

func drawnPanels(p *dashboard.Page) int {
	n := 0
	for _, pn := range p.Panels {
		if pn.Chart.Drawn() {
			n++
		}
	}
	return n
}
