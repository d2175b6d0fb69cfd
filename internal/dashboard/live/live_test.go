package live_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/app"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/dashboard/live"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/demo"
	"github.com/alumnipulse/alumnipulse/internal/mail"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/wave"
)

// seeded opens the app on a throwaway database with a small demo tenant and a second tenant that has one
// answer in a department of its own.
func seeded(t *testing.T) *app.App {
	t.Helper()
	_, chcfg := dbtest.New(t)
	cfg, err := config.LoadFrom(map[string]string{"ALUMNIPULSE_SECRET": "live-test-secret-0123456789abcdef0123456789ab",
		"ALUMNIPULSE_OUTBOX_DIR": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClickHouse = chcfg
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	if err := demo.Seed(ctx, a.DemoDeps(), demo.Options{Seed: 3, Alumni: 300}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Comments.AnalyzePending(ctx, demo.TenantID, 1_000_000); err != nil {
		t.Fatal(err)
	}
	if err := a.Tenants.Put(ctx, tenant.Tenant{ID: "other", Name: "Other", TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Insert(ctx, a.Conn, "INSERT INTO answers (tenant_id, question_id, survey_id, response_id, wave, department, tenure_band, version)",
		[]any{"other", "would_recommend", "alumni-3m", uuid.New(), "3m", "他社だけの部署", "<1y", uint64(1)}); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSegmentsAndCommentsOnTheRealStores(t *testing.T) {
	a := seeded(t)
	ctx := context.Background()
	src := live.New(live.Deps{Conn: a.Conn, Comments: a.Comments})

	segs, err := src.Segments(ctx, demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs.Departments) < 3 || slices.Contains(segs.Departments, "他社だけの部署") {
		t.Errorf("demo departments = %q", segs.Departments)
	}
	if len(segs.TenureBands) == 0 || segs.TenureBands[0].Value != "<1y" {
		t.Errorf("tenure bands out of order: %+v", segs.TenureBands)
	}
	other, err := src.Segments(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(other.Departments, []string{"他社だけの部署"}) {
		t.Errorf("other departments = %q", other.Departments)
	}

	q := dashboard.Query{TenantID: demo.TenantID, Insight: "comments", Options: map[string]string{"question": "improve", "limit": "5"},
		Locale: "ja", Actor: "user:test", Settings: tenant.Settings{}.WithDefaults()}
	d, err := src.Compute(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Comments
	if c == nil || c.Withheld || len(c.Items) == 0 || len(c.Items) > 5 || d.N < c.MinN {
		t.Fatalf("comments = %+v (n=%d)", c, d.N)
	}
	for _, it := range c.Items {
		if it.Text == "" || strings.Contains(it.Text, "@") || len(it.When) != 7 {
			t.Errorf("comment %+v", it)
		}
		for _, th := range it.Themes {
			if th == "" || strings.ContainsAny(th, "_") {
				t.Errorf("theme %q is a code, not a label", th)
			}
		}
	}
	// A group below the comment minimum gets no list at all.
	q.Filters.Department = segs.Departments[0]
	q.Filters.TenureBand = "10y+"
	q.Filters.Wave = "6m"
	d, err = src.Compute(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Comments.Withheld || len(d.Comments.Items) != 0 {
		t.Errorf("small group: %+v", d.Comments)
	}
	// Another tenant's comments never come back for this one.
	d, err = src.Compute(ctx, dashboard.Query{TenantID: "other", Insight: "comments", Options: map[string]string{"question": "improve"},
		Settings: tenant.Settings{}.WithDefaults()})
	if err != nil || !d.Comments.Withheld {
		t.Errorf("other tenant: %+v %v", d.Comments, err)
	}
	// The co-occurrence network: frequent words only, each linked to another.
	d, err = src.Compute(ctx, dashboard.Query{TenantID: demo.TenantID, Insight: "cooccurrence", Options: map[string]string{"top": "20"},
		Locale: "ja", Settings: tenant.Settings{}.WithDefaults()})
	if err != nil {
		t.Fatal(err)
	}
	if nw := d.Network; d.Suppressed || len(nw.Nodes) < 5 || len(nw.Nodes) > 20 || len(nw.Edges) == 0 {
		t.Errorf("network: %d nodes, %d edges, suppressed %v", len(nw.Nodes), len(nw.Edges), d.Suppressed)
	} else {
		for _, n := range nw.Nodes {
			if n.Weight < 5 {
				t.Errorf("term %q from %v comments is shown", n.Label, n.Weight)
			}
		}
	}
	if d, err = src.Compute(ctx, dashboard.Query{TenantID: "other", Insight: "cooccurrence", Settings: tenant.Settings{}.WithDefaults()}); err != nil || !d.Suppressed {
		t.Errorf("other tenant's network: suppressed %v, %v", d.Suppressed, err)
	}
	// The read was audited by the comments service, as the viewer.
	es, err := a.Audit.List(ctx, demo.TenantID, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(es, func(e audit.Entry) bool { return e.Action == "comments.read" && e.Actor == "user:test" }) {
		t.Errorf("no comments.read audit entry: %+v", es)
	}
}

// fakeWaves answers for one tenant.
type fakeWaves struct {
	ov      wave.Overview
	entries []mail.OutboxEntry
}

func (f fakeWaves) Overview(_ context.Context, tenantID string) (wave.Overview, error) {
	ov := f.ov
	if ov.Tenant == "" {
		ov.Tenant = tenantID
	}
	return ov, nil
}

func (f fakeWaves) Outbox(context.Context, string, int) ([]mail.OutboxEntry, bool, error) {
	return f.entries, true, nil
}

func TestWavePanels(t *testing.T) {
	ctx := context.Background()
	ov := wave.Overview{
		States: []wave.StateCount{{Wave: "3m", State: "sent", Count: 10}, {Wave: "3m", State: "submitted", Count: 30},
			{Wave: "3m", State: "bounced", Count: 2}, {Wave: "6m", State: "planned", Count: 7}},
		Problems: []wave.Problem{{Wave: "3m", Event: "bounced", At: time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC),
			Detail: "550 5.1.1 <taro.yamada@example.co.jp>: user unknown"}},
	}
	src := live.New(live.Deps{Waves: fakeWaves{ov: ov, entries: []mail.OutboxEntry{{To: "hanako@example.jp", Subject: "ご協力のお願い", Kind: mail.KindInvitation}}}})
	q := dashboard.Query{TenantID: "t1", Insight: "waves", Locale: "en"}
	d, err := src.Compute(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Table.Rows) != 2 || d.Table.Rows[0][0] != "3m" || d.Table.Rows[0][len(d.Table.Rows[0])-1] != "75.0%" {
		t.Errorf("waves rows = %q", d.Table.Rows)
	}
	q.Filters.Wave = "6m"
	if d, _ = src.Compute(ctx, q); len(d.Table.Rows) != 1 || d.Table.Rows[0][0] != "6m" {
		t.Errorf("wave filter: %q", d.Table.Rows)
	}
	d, err = src.Compute(ctx, dashboard.Query{TenantID: "t1", Insight: "wave_problems", Locale: "en", Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Table.Rows[0][3]; strings.Contains(got, "taro.yamada") || !strings.Contains(got, "t…@example.co.jp") {
		t.Errorf("problem detail not masked: %q", got)
	}
	d, err = src.Compute(ctx, dashboard.Query{TenantID: "t1", Insight: "outbox", Locale: "ja"})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Table.Rows[0][2]; got != "h…@example.jp" {
		t.Errorf("outbox address = %q", got)
	}
	// A scheduler that answered for another tenant is an error, not a page of someone else's numbers.
	bad := live.New(live.Deps{Waves: fakeWaves{ov: wave.Overview{Tenant: "t2"}}})
	if _, err := bad.Compute(ctx, dashboard.Query{TenantID: "t1", Insight: "waves"}); err == nil {
		t.Error("an overview of another tenant was accepted")
	}
}

// TestRetainableMatchesTheAnswers checks the "could we have kept you" panel, which counts from the
// insight pivot, against the answers themselves (their latest versions), in total and by department.
func TestRetainableMatchesTheAnswers(t *testing.T) {
	a := seeded(t)
	ctx := context.Background()
	if err := a.Insight.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	src := live.New(live.Deps{Conn: a.Conn, Comments: a.Comments, Insights: a.Insight, Surveys: a.Surveys, InsightTTL: -1})
	want := map[string]map[string]int{} // department ("" in total) → choice → n
	rows, err := a.Conn.Query(ctx, `SELECT department, arrayJoin(choices) AS c, count() FROM answers FINAL
		WHERE tenant_id = ? AND answered = 1 AND question_id = 'could_have_kept' GROUP BY department, c`, demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var g, c string
		var n uint64
		if err := rows.Scan(&g, &c, &n); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{g, ""} {
			if want[k] == nil {
				want[k] = map[string]int{}
			}
			want[k][c] += int(n)
		}
	}
	rows.Close()
	if len(want) < 3 {
		t.Fatalf("demo answers of could_have_kept: %v", want)
	}
	for _, by := range []string{"", "department"} {
		d, err := src.Compute(ctx, dashboard.Query{TenantID: demo.TenantID, Insight: "retainable", Options: map[string]string{"by": by},
			Locale: "en", Settings: tenant.Settings{}.WithDefaults()})
		if err != nil {
			t.Fatal(err)
		}
		if d.Suppressed || d.Series == nil {
			t.Fatalf("by %q: suppressed %+v", by, d)
		}
		total := 0
		for _, n := range want[""] {
			total += n
		}
		if d.N != total {
			t.Errorf("by %q: n = %d, answers say %d", by, d.N, total)
		}
		shown := 0
		for i, cat := range d.Series.Categories {
			g := ""
			if by != "" {
				g = cat // departments are labelled by their name
				if want[g] == nil {
					t.Errorf("by %q: department %q has no answers", by, g)
				}
			}
			gt := 0
			for _, n := range want[g] {
				gt += n
			}
			for _, l := range d.Series.Lines {
				p := l.Points[i]
				if p.Suppressed {
					continue
				}
				shown++
				if p.N != gt {
					t.Errorf("by %q, %q, %s: n = %d, answers say %d", by, cat, l.Name, p.N, gt)
				}
			}
		}
		if shown == 0 {
			t.Errorf("by %q: nothing shown", by)
		}
	}
}
