package comments_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/comments"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func submit(t *testing.T, w *answer.Writer, tenantID string, resp uuid.UUID, dept, text string) {
	t.Helper()
	submitAt(t, w, tenantID, resp, dept, text, time.Time{})
}

// submitAt submits with a given submission time (zero: now).
func submitAt(t *testing.T, w *answer.Writer, tenantID string, resp uuid.UUID, dept, text string, at time.Time) {
	t.Helper()
	err := w.Write(context.Background(), answer.Submission{TenantID: tenantID, ResponseID: resp, Rows: []answer.Row{
		{QuestionID: "improve", SurveyID: "alumni-3m", Wave: "3m", AlumnusID: resp, Answered: text != "", Text: text, Department: dept, SubmittedAt: at},
		{QuestionID: "would_recommend", SurveyID: "alumni-3m", Wave: "3m", AlumnusID: resp, Answered: true, Num: 8, Department: dept, SubmittedAt: at},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, conn db.Conn, q string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAnalyseMaskListAndAudit(t *testing.T) {
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	tenants := tenant.NewStore(conn)
	for _, id := range []string{"acme", "other"} {
		if err := tenants.Put(ctx, tenant.Tenant{ID: id, Name: id, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
			t.Fatal(err)
		}
	}
	w := answer.New(conn, answer.Options{}, quiet())
	defer w.Close(ctx)
	svc := comments.New(conn, tenants, audit.New(conn), quiet())

	first := uuid.New()
	submit(t, w, "acme", first, "営業本部", "田中部長には感謝していますが、残業が多すぎて体力的に限界でした。")
	for i := range 11 {
		submit(t, w, "acme", uuid.New(), "営業本部", fmt.Sprintf("給与水準が低く、評価制度も不透明でした。(%d)", i))
	}
	submit(t, w, "other", uuid.New(), "営業本部", "他社のコメントです。")

	n, err := svc.AnalyzePending(ctx, "acme", 100)
	if err != nil {
		t.Fatal(err)
	}
	if n != 12 {
		t.Fatalf("analysed %d, want 12 (acme's text answers only)", n)
	}
	if again, _ := svc.AnalyzePending(ctx, "acme", 100); again != 0 {
		t.Errorf("second pass analysed %d, want 0", again)
	}
	var masked string
	var themes []string
	if err := conn.QueryRow(ctx, "SELECT masked, themes FROM text_analyses FINAL WHERE tenant_id = 'acme' AND response_id = ?", first).Scan(&masked, &themes); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(masked, "田中") || !strings.Contains(masked, "部長") {
		t.Errorf("masked = %q: the name must go, the role stay", masked)
	}
	if !contains(themes, "workload") {
		t.Errorf("themes = %v, want workload", themes)
	}

	// An edit makes the answer pending again, and the new analysis replaces the old one.
	submit(t, w, "acme", first, "営業本部", "リモートワークができて働きやすかったです。")
	if n, _ := svc.AnalyzePending(ctx, "acme", 100); n != 1 {
		t.Errorf("after an edit analysed %d, want 1", n)
	}
	if err := conn.QueryRow(ctx, "SELECT masked FROM text_analyses FINAL WHERE tenant_id = 'acme' AND response_id = ?", first).Scan(&masked); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(masked, "リモート") {
		t.Errorf("after edit masked = %q", masked)
	}

	// Listing: enough respondents → masked comments and an audit entry; a small group → refused.
	list, total, err := svc.List(ctx, "acme", comments.Filter{Department: "営業本部"}, 10, "user:hr1")
	if err != nil || total != 12 || len(list) != 12 {
		t.Fatalf("List = %d comments of %d, %v", len(list), total, err)
	}
	for _, c := range list {
		if strings.Contains(c.Masked, "田中") || strings.Contains(c.Masked, "他社") {
			t.Errorf("listed %q", c.Masked)
		}
	}
	if _, _, err := svc.List(ctx, "acme", comments.Filter{Department: "営業本部", Theme: "flexibility"}, 10, "user:hr1"); !errors.Is(err, comments.ErrTooFew) {
		t.Errorf("one-person group: err = %v, want ErrTooFew", err)
	}
	if got := count(t, conn, "SELECT count() FROM audit_log WHERE tenant_id = 'acme' AND action = 'comments.read' AND actor = 'user:hr1'"); got != 1 {
		t.Errorf("audit entries = %d, want 1 (refused reads show nothing)", got)
	}

	// Rebuild after the analyses are dropped redoes everything, with progress.
	if err := svc.ForgetAnalyses(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for count(t, conn, "SELECT count() FROM text_analyses WHERE tenant_id = 'acme'") > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	var last int
	done, err := svc.Rebuild(ctx, "acme", func(d, total int) { last = d })
	if err != nil || done != 12 || last != 12 {
		t.Errorf("Rebuild = %d (progress %d), %v", done, last, err)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestListMatchesFinal checks the list against the same read with FINAL (each answer at its latest
// analysis, newest first), for filters that take the path without FINAL and those that do not, and when
// the newest rows are mostly versions of one answer.
func TestListMatchesFinal(t *testing.T) {
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	tenants := tenant.NewStore(conn)
	if err := tenants.Put(ctx, tenant.Tenant{ID: "acme", Name: "acme", TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
		t.Fatal(err)
	}
	w := answer.New(conn, answer.Options{}, quiet())
	defer w.Close(ctx)
	svc := comments.New(conn, tenants, audit.New(conn), quiet())
	// Keep every version apart: a merge would fold them and leave nothing for the list to choose from.
	if err := conn.Exec(ctx, "SYSTEM STOP MERGES text_analyses"); err != nil {
		t.Fatal(err)
	}
	texts := []string{"給与水準が低く、評価制度も不透明でした。", "残業が多すぎて限界でした。", "リモートワークができて働きやすかったです。"}
	var ids []uuid.UUID
	for i := range 9 {
		id := uuid.New()
		ids = append(ids, id)
		submit(t, w, "acme", id, []string{"営業本部", "開発本部"}[i%2], texts[i%3])
	}
	if _, err := svc.AnalyzePending(ctx, "acme", 100); err != nil {
		t.Fatal(err)
	}
	// Ten edits of the same answer, each analysed: its versions are the newest rows, more of them than
	// twice four (the rows looked at per wanted comment), so a list of two needs the FINAL read.
	for i := range 10 {
		at := time.Now().Add(time.Duration(i+1) * time.Minute)
		submitAt(t, w, "acme", ids[0], "営業本部", fmt.Sprintf("%s(%d回目)", texts[i%3], i), at)
		if _, err := svc.AnalyzePending(ctx, "acme", 100); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, conn, "SELECT count() FROM text_analyses WHERE tenant_id = 'acme' AND response_id = ?", ids[0]); n != 11 {
		t.Fatalf("the edited answer has %d analysis rows, want 11 (merges stopped)", n)
	}
	final := func(where string, limit int) []string {
		rows, err := conn.Query(ctx, "SELECT masked FROM text_analyses FINAL WHERE tenant_id = 'acme'"+where+
			" ORDER BY submitted_at DESC, response_id LIMIT ?", uint64(limit))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var m string
			if err := rows.Scan(&m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	tests := []struct {
		name  string
		f     comments.Filter
		where string
	}{
		{"all", comments.Filter{}, ""},
		{"department", comments.Filter{Department: "営業本部"}, " AND department = '営業本部'"},
		{"question", comments.Filter{QuestionID: "improve"}, " AND question_id = 'improve'"},
		{"theme (FINAL)", comments.Filter{Theme: "workload"}, " AND has(themes, 'workload')"},
	}
	for _, tc := range tests {
		for _, limit := range []int{1, 2, 5, 50} {
			tc.f.Limit = limit
			list, _, err := svc.List(ctx, "acme", tc.f, 1, "user:test")
			if err != nil {
				t.Fatalf("%s, limit %d: %v", tc.name, limit, err)
			}
			var got []string
			for _, c := range list {
				got = append(got, c.Masked)
			}
			if want := final(tc.where, limit); !slices.Equal(got, want) {
				t.Errorf("%s, limit %d:\n got %q\nwant %q", tc.name, limit, got, want)
			}
		}
	}
}
