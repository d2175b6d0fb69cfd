package web

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/surveys"
)

const testSecret = "survey-test-secret-survey-test-secret"

const testPeople = "社員番号,氏名,メールアドレス,部署,職種,等級,性別,入社日,退職日,退職区分,退職理由,言語,同意\n" +
	"E1,山田 太郎,taro@example.jp,営業本部,営業,G3,男性,2019/4/1,2025/3/31,自己都合,家庭の事情,ja,はい\n" +
	"E2,佐藤 花子,hanako@example.jp,開発本部,エンジニア,G4,女性,2015/10/1,2025/6/30,自己都合,キャリアアップ,ja,はい\n" +
	"E3,John Smith,john@example.com,開発本部,エンジニア,G2,male,2023/4/1,2025/5/31,voluntary,growth,en,yes\n" +
	"E4,鈴木 一郎,ichiro@example.jp,人事部,人事,G3,男性,2010/4/1,2025/3/31,自己都合,,ja,はい\n" +
	"E5,高橋 美咲,misaki@example.jp,営業本部,営業,G1,女性,2024/4/1,2025/4/30,自己都合,,ja,はい\n"

// surveyFixture is a server with the real stores on a throwaway database.
type surveyFixture struct {
	t       *testing.T
	conn    db.Conn
	tenants *tenant.Store
	alumni  *alumni.Store
	invites *invite.Store
	writer  *answer.Writer
	events  *invite.Recorder
	catalog *survey.Catalog
	srv     *Server
	http    *httptest.Server
	offset  atomic.Int64 // added to the pages' clock
	answers SurveyAnswers
}

type fixtureOptions struct {
	limits  SurveyLimits
	answers func(SurveyAnswers) SurveyAnswers // wraps the writer, e.g. to make it fail
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newSurveyFixture(t *testing.T, opts fixtureOptions) *surveyFixture {
	t.Helper()
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	f := &surveyFixture{t: t, conn: conn, tenants: tenant.NewStore(conn)}
	auditLog := audit.New(conn)
	f.alumni = alumni.NewStore(conn, []byte(testSecret), auditLog)
	f.invites = invite.NewStore(conn, f.tenants, f.alumni, []byte(testSecret))
	for _, tn := range []tenant.Tenant{
		{ID: "acme", Name: "株式会社アクメ", TimeZone: "Asia/Tokyo", DefaultLocale: "ja", Settings: tenant.Settings{MinGroupSize: 7}},
		{ID: "other", Name: "Other KK", TimeZone: "Asia/Tokyo", DefaultLocale: "ja"},
	} {
		if err := f.tenants.Put(ctx, tn); err != nil {
			t.Fatal(err)
		}
		if _, err := f.alumni.Import(ctx, tn.ID, func() (alumni.Source, error) {
			return alumni.NewReader(strings.NewReader(testPeople), alumni.ReaderOptions{})
		}, alumni.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if f.catalog, err = survey.Load(surveys.FS); err != nil {
		t.Fatal(err)
	}
	f.writer = answer.New(conn, answer.Options{MaxDelay: time.Millisecond}, quietLog())
	f.events = invite.NewRecorder(f.invites, quietLog())
	t.Cleanup(func() {
		_ = f.writer.Close(context.Background())
		_ = f.events.Close(context.Background())
	})
	f.answers = f.writer
	if opts.answers != nil {
		f.answers = opts.answers(f.writer)
	}
	cfg := config.Config{Secret: testSecret, BaseURL: "http://survey.example.jp"}
	f.srv, err = New(cfg, Deps{Tenants: f.tenants, Audit: auditLog, Alumni: f.alumni, Survey: SurveyDeps{
		Catalog: f.catalog, Invites: f.invites, Alumni: f.alumni, Answers: f.answers, Events: f.events,
		Limits: opts.limits, Now: func() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) },
	}}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	f.http = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.http.Close)
	return f
}

// invitation creates an invitation and returns it with its token.
func (f *surveyFixture) invitation(tenantID, code, wave string) (invite.Invitation, string) {
	f.t.Helper()
	ctx := context.Background()
	inv, err := f.invites.Create(ctx, invite.Invitation{TenantID: tenantID, AlumnusID: f.alumni.AlumnusID(tenantID, code),
		SurveyID: "alumni-" + wave, Wave: wave})
	if err != nil {
		f.t.Fatal(err)
	}
	token, err := f.invites.Token(ctx, inv)
	if err != nil {
		f.t.Fatal(err)
	}
	return inv, token
}

// browser is an HTTP client with its own cookies that does not follow redirects.
type surveyClient struct {
	t      *testing.T
	base   string
	client *http.Client
}

func (f *surveyFixture) browser() *surveyClient {
	jar, _ := cookiejar.New(nil)
	return &surveyClient{t: f.t, base: f.http.URL, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *surveyClient) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *surveyClient) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *surveyClient) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf is the CSRF token of a rendered form.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfPattern.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf field in the page (status %d)", p.status)
	}
	return html.UnescapeString(m[1])
}

// has reports whether the page's text contains s (HTML entities decoded).
func (p page) has(s string) bool { return strings.Contains(html.UnescapeString(p.body), s) }

// checked reports whether the input with that id is rendered checked.
func (p page) checked(id string) bool {
	re := regexp.MustCompile(`<input[^>]*id="` + regexp.QuoteMeta(id) + `"[^>]*>`)
	return bytes.Contains(re.Find([]byte(p.body)), []byte(" checked"))
}

// validForm is a complete, valid answer to alumni-3m in Japanese.
func validForm(csrf string) url.Values {
	return url.Values{
		"csrf":               {csrf},
		"would_recommend":    {"8"},
		"return_intent":      {"4"},
		"true_reason":        {"growth"},
		"hindsight_pay":      {"2"},
		"new_job_comparison": {"better"},
		"new_job_better_in":  {"growth", "compensation"},
		"could_have_kept":    {"maybe"},
		"alumni_interest":    {"network"},
		"improve":            {"評価の基準をもっと分かりやすくしてほしいです。"},
	}
}
