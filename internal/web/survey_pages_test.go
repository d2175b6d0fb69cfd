package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// waitEvents waits until the invitation's history holds want events of kind e (the recorder is
// asynchronous) and fails if it ends up with another number.
func (f *surveyFixture) waitEvents(inv invite.Invitation, e invite.Event, want int) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, err := f.invites.History(context.Background(), inv.TenantID, inv.ID)
		if err != nil {
			f.t.Fatal(err)
		}
		n := 0
		for _, got := range h {
			if got == e {
				n++
			}
		}
		if n == want {
			// Give a stray extra event the time to arrive, so "exactly want" is really checked.
			time.Sleep(150 * time.Millisecond)
			h, _ = f.invites.History(context.Background(), inv.TenantID, inv.ID)
			n = 0
			for _, got := range h {
				if got == e {
					n++
				}
			}
			if n != want {
				f.t.Fatalf("%s events = %d, want %d (history %v)", e, n, want, h)
			}
			return
		}
		if n > want || time.Now().After(deadline) {
			f.t.Fatalf("%s events = %d, want %d (history %v)", e, n, want, h)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *surveyFixture) latest(inv invite.Invitation) map[string]answer.Row {
	f.t.Helper()
	rows, err := f.writer.Latest(context.Background(), inv.TenantID, inv.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return rows
}

var (
	inlineScript  = regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	inlineHandler = regexp.MustCompile(`\son[a-z]+\s*=`)
)

// assertStrictCSP fails when a page needs something the CSP forbids: inline script, handlers or styles.
func assertStrictCSP(t *testing.T, p page) {
	t.Helper()
	if strings.Contains(p.body, "style=") || strings.Contains(p.body, "<style") {
		t.Error("page has inline style")
	}
	if inlineScript.MatchString(p.body) || inlineHandler.MatchString(p.body) {
		t.Error("page has inline script")
	}
	if !strings.Contains(p.header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("CSP header = %q", p.header.Get("Content-Security-Policy"))
	}
}

func TestSurveyFormSubmitEditAndThanks(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	inv, token := f.invitation("acme", "E1", "3m")
	b := f.browser()

	p := b.get("/s/" + token)
	if p.status != http.StatusOK {
		t.Fatalf("GET form: %d", p.status)
	}
	assertStrictCSP(t, p)
	for _, want := range []string{
		`<html lang="ja">`, "退職後3か月アンケート", "株式会社アクメ", "回答の取り扱いについて",
		"7人未満のグループ", // the tenant's minimum group size is larger than the survey's 5
		"全18問（うち必須2問）", `href="/o/` + token + `"`, `<legend class="qtext">`, `<label class="qtext" for="f-improve">`,
		"問11で「今の職場のほうが良い」とお答えの方のみ、ご回答ください。", `data-show-if="new_job_comparison"`,
		`<progress`, "0：まったくおすすめしない", "10：ぜひおすすめしたい",
	} {
		if !p.has(want) {
			t.Errorf("form lacks %q", want)
		}
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", p.header.Get("Cache-Control"))
	}
	b.get("/s/" + token) // a second view records nothing more
	f.waitEvents(inv, invite.EventOpened, 1)

	form := validForm(p.csrf(t))
	form.Set("message", "ありがとうございました！\r\n皆さんによろしく。")
	p = b.post("/s/"+token, form)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/s/"+token+"/thanks" {
		t.Fatalf("POST: %d → %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	rows := f.latest(inv)
	if len(rows) != 18 || rows["would_recommend"].Num != 8 || rows["message"].Text != "ありがとうございました！\n皆さんによろしく。" ||
		rows["would_recommend"].Department != "営業本部" || rows["would_recommend"].TenureBand != answer.Tenure5to10 ||
		rows["hindsight_manager"].Answered || !rows["new_job_better_in"].Answered || rows["would_recommend"].Locale != "ja" {
		t.Errorf("stored rows: %d; would_recommend=%+v message=%q", len(rows), rows["would_recommend"], rows["message"].Text)
	}
	p = b.get("/s/" + token + "/thanks")
	if p.status != http.StatusOK || !p.has("ご回答ありがとうございました") || !p.has("回答を見直す・修正する") {
		t.Errorf("thanks: %d", p.status)
	}
	assertStrictCSP(t, p)

	// Coming back shows the answers given, and an edit replaces them whole.
	p = b.get("/s/" + token)
	if !p.checked("f-would_recommend-8") || !p.checked("f-new_job_better_in-growth") || !p.has("評価の基準をもっと分かりやすくしてほしいです。") ||
		!p.has("前回お送りいただいた回答を表示しています") {
		t.Error("previous answers are not shown")
	}
	form = validForm(p.csrf(t))
	form.Set("would_recommend", "10")
	form.Set("new_job_comparison", "same") // hides new_job_better_in: its answer is dropped
	p = b.post("/s/"+token, form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", p.status)
	}
	rows = f.latest(inv)
	if rows["would_recommend"].Num != 10 || rows["new_job_better_in"].Answered || rows["message"].Answered {
		t.Errorf("after edit: would_recommend=%v better_in answered=%t message answered=%t",
			rows["would_recommend"].Num, rows["new_job_better_in"].Answered, rows["message"].Answered)
	}
	f.waitEvents(inv, invite.EventSubmitted, 2)
}

func TestSurveyDoubleSubmitOneResponse(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	inv, token := f.invitation("acme", "E2", "3m")
	b := f.browser()
	form := validForm(b.get("/s/" + token).csrf(t))
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, b.base+"/s/"+token, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	form.Set("would_recommend", "3")
	if p := b.post("/s/"+token, form); p.status != http.StatusSeeOther {
		t.Fatalf("third post: %d", p.status)
	}
	if statuses[0] != http.StatusSeeOther || statuses[1] != http.StatusSeeOther {
		t.Errorf("double submit statuses: %v", statuses)
	}
	var rows, responses, versions uint64
	var recommend float64
	if err := f.conn.QueryRow(context.Background(), `
		SELECT count(), uniqExact(response_id), uniqExact(version), anyIf(num, question_id = 'would_recommend')
		FROM answers FINAL WHERE tenant_id = 'acme'`).Scan(&rows, &responses, &versions, &recommend); err != nil {
		t.Fatal(err)
	}
	if rows != 18 || responses != 1 || versions != 1 || recommend != 3 {
		t.Errorf("under FINAL: %d rows, %d responses, %d versions, would_recommend %v; want 18, 1, 1, 3 (the last wins)",
			rows, responses, versions, recommend)
	}
	if got := f.latest(inv)["would_recommend"].Num; got != 3 {
		t.Errorf("Latest would_recommend = %v", got)
	}
}

// forge re-signs nothing: it swaps the tenant id inside a token, keeping the other tenant's tag.
func forge(t *testing.T, token, fromTenant, toTenant string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	keyLen := int(raw[1])
	at := 2 + keyLen
	if int(raw[at]) != len(fromTenant) || string(raw[at+1:at+1+len(fromTenant)]) != fromTenant {
		t.Fatalf("token layout: tenant not at %d", at)
	}
	out := append([]byte{}, raw[:at]...)
	out = append(out, byte(len(toTenant)))
	out = append(out, toTenant...)
	out = append(out, raw[at+1+len(fromTenant):]...)
	return base64.RawURLEncoding.EncodeToString(out)
}

func TestSurveyBadAndClosedLinks(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	_, token := f.invitation("acme", "E1", "3m")
	_, otherToken := f.invitation("other", "E1", "3m")
	tampered := []byte(token)
	tampered[len(tampered)/2] ^= 1
	closed, err := f.invites.Create(context.Background(), invite.Invitation{TenantID: "acme", AlumnusID: f.alumni.AlumnusID("acme", "E4"),
		SurveyID: "alumni-3m", Wave: "3m", DueAt: time.Now().Add(-40 * 24 * time.Hour), ClosesAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	closedToken, err := f.invites.Token(context.Background(), closed)
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	for name, tok := range map[string]string{
		"tampered":      string(tampered),
		"garbage":       "not-a-token",
		"other tenant":  forge(t, otherToken, "other", "acme"),
		"tenant forged": forge(t, token, "acme", "other"),
	} {
		for _, path := range []string{"/s/" + tok, "/s/" + tok + "/thanks", "/o/" + tok} {
			p := b.get(path)
			if p.status != http.StatusNotFound || !p.has("ページが見つかりません") || p.has("株式会社アクメ") {
				t.Errorf("%s GET %s: %d", name, path, p.status)
			}
		}
		if p := b.post("/s/"+tok, url.Values{"would_recommend": {"1"}}); p.status != http.StatusNotFound {
			t.Errorf("%s POST: %d", name, p.status)
		}
		if p := b.post("/o/"+tok, url.Values{"List-Unsubscribe": {"One-Click"}}); p.status != http.StatusNotFound {
			t.Errorf("%s opt-out: %d", name, p.status)
		}
	}
	// The genuine other-tenant token still works for its own tenant.
	if p := b.get("/s/" + otherToken); p.status != http.StatusOK || !p.has("Other KK") {
		t.Errorf("other tenant's own link: %d", p.status)
	}

	p := b.get("/s/" + closedToken)
	if p.status != http.StatusGone || !p.has("このアンケートは締め切りました") || !p.has(`href="/o/`+closedToken+`"`) {
		t.Errorf("expired link: %d\n%s", p.status, p.body)
	}
	assertStrictCSP(t, p)
	if p := b.post("/s/"+closedToken, validForm("x")); p.status != http.StatusGone {
		t.Errorf("POST to expired link: %d", p.status)
	}
	if rows := f.latest(closed); len(rows) != 0 {
		t.Errorf("expired link stored %d rows", len(rows))
	}
}

func TestSurveyEditAfterCloseRefused(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	inv, token := f.invitation("acme", "E1", "3m")
	b := f.browser()
	form := validForm(b.get("/s/" + token).csrf(t))
	if p := b.post("/s/"+token, form); p.status != http.StatusSeeOther {
		t.Fatalf("submit: %d", p.status)
	}
	f.offset.Store(int64(29 * 24 * time.Hour)) // invitations close after 28 days
	form.Set("would_recommend", "0")
	p := b.post("/s/"+token, form)
	if p.status != http.StatusGone || !p.has("締め切りました") {
		t.Errorf("edit after close: %d", p.status)
	}
	if p := b.get("/s/" + token); p.status != http.StatusGone {
		t.Errorf("view after close: %d", p.status)
	}
	if got := f.latest(inv)["would_recommend"].Num; got != 8 {
		t.Errorf("would_recommend = %v after a refused edit, want 8", got)
	}
	// Opting out still works after the close.
	if p := b.get("/o/" + token); p.status != http.StatusOK || !p.has("配信を停止する") {
		t.Errorf("opt-out page after close: %d", p.status)
	}
}

func TestSurveyCSRF(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	inv, token := f.invitation("acme", "E1", "3m")
	_, token2 := f.invitation("acme", "E2", "3m")
	b := f.browser()
	good := b.get("/s/" + token).csrf(t)
	other := b.get("/s/" + token2).csrf(t) // same browser, another invitation
	stranger := f.browser()
	strangerToken := stranger.get("/s/" + token).csrf(t)

	for name, tc := range map[string]struct {
		b    *surveyClient
		csrf string
	}{
		"missing":            {b, ""},
		"wrong":              {b, good[:len(good)-2] + "AA"},
		"other invitation":   {b, other},
		"other browser's":    {b, strangerToken},
		"no cookie":          {&surveyClient{t: t, base: b.base, client: &http.Client{}}, good},
		"valid but no state": {f.browser(), good},
	} {
		form := validForm(tc.csrf)
		form.Set("message", "消えてはいけない文章")
		p := tc.b.post("/s/"+token, form)
		if p.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, p.status)
			continue
		}
		// Nothing typed is lost: the form comes back filled, with a fresh token.
		if !p.has("消えてはいけない文章") || !p.checked("f-would_recommend-8") || !p.has("安全のため") || p.csrf(t) == "" {
			t.Errorf("%s: the refused form lost its values", name)
		}
	}
	if rows := f.latest(inv); len(rows) != 0 {
		t.Errorf("a refused post stored %d rows", len(rows))
	}
	if p := b.post("/s/"+token, validForm(good)); p.status != http.StatusSeeOther {
		t.Errorf("valid token: %d", p.status)
	}
}

func TestSurveyValidationKeepsValues(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	inv, token := f.invitation("acme", "E1", "3m")
	b := f.browser()
	form := validForm(b.get("/s/" + token).csrf(t))
	form.Del("would_recommend")    // required
	form.Set("return_intent", "9") // out of range
	form.Set("went_well", "チームの雰囲気がとても良かった。")
	form.Set("true_reason.other", "家業を継ぐため") // typed without ticking "other"
	form.Del("true_reason")
	p := b.post("/s/"+token, form)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.status)
	}
	assertStrictCSP(t, p)
	for _, want := range []string{
		`id="error-summary"`, "入力内容をご確認ください（2件）", `href="#f-would_recommend-0"`,
		`<p class="err" id="err-would_recommend">この質問への回答は必須です。</p>`,
		`aria-describedby="err-would_recommend ends-would_recommend"`, "1〜5の中からお選びください。",
		"チームの雰囲気がとても良かった。", "評価の基準をもっと分かりやすくしてほしいです。", `value="家業を継ぐため"`,
	} {
		if !p.has(want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	if !p.checked("f-new_job_better_in-growth") || !p.checked("f-new_job_better_in-compensation") || !p.checked("f-true_reason-other") {
		t.Error("choices made are not kept")
	}
	if !strings.HasPrefix(regexp.MustCompile(`<title>[^<]*`).FindString(p.body), "<title>入力内容の確認") {
		t.Error("title does not say there are errors")
	}
	if rows := f.latest(inv); len(rows) != 0 {
		t.Errorf("an invalid post stored %d rows", len(rows))
	}
	form.Set("would_recommend", "6")
	form.Set("return_intent", "2")
	if p := b.post("/s/"+token, form); p.status != http.StatusSeeOther {
		t.Fatalf("corrected: %d", p.status)
	}
	if r := f.latest(inv)["true_reason"]; !slices.Equal(r.Choices, []string{"other"}) || r.Text != "家業を継ぐため" {
		t.Errorf("true_reason = %+v", r)
	}
}

type failingAnswers struct{ SurveyAnswers }

func (failingAnswers) Write(context.Context, answer.Submission) error {
	return errors.New("clickhouse: connection refused")
}

func TestSurveyWriteFailureKeepsForm(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{answers: func(a SurveyAnswers) SurveyAnswers { return failingAnswers{a} }})
	inv, token := f.invitation("acme", "E1", "3m")
	b := f.browser()
	form := validForm(b.get("/s/" + token).csrf(t))
	p := b.post("/s/"+token, form)
	if p.status != http.StatusServiceUnavailable || !p.has("回答を保存できませんでした") ||
		!p.has("評価の基準をもっと分かりやすくしてほしいです。") || !p.checked("f-would_recommend-8") {
		t.Errorf("write failure: %d", p.status)
	}
	time.Sleep(200 * time.Millisecond)
	f.waitEvents(inv, invite.EventSubmitted, 0)
}

func TestSurveyOptOut(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	ctx := context.Background()
	inv, token := f.invitation("acme", "E1", "3m")
	inv5, token5 := f.invitation("acme", "E5", "3m")

	p := f.browser().get("/o/" + token)
	if p.status != http.StatusOK || !p.has("株式会社アクメから元社員の方へお送りしているアンケート") || !p.has(`action="/o/`+token+`"`) {
		t.Fatalf("opt-out page: %d", p.status)
	}
	assertStrictCSP(t, p)

	// RFC 8058 one-click: a mail client posts the fixed body, with no cookie and no CSRF token.
	req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/o/"+token, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click: %d", resp.StatusCode)
	}
	// The page's button does the same for another person.
	if p := f.browser().post("/o/"+token5, url.Values{"lang": {"en"}}); p.status != http.StatusOK || !p.has("You will receive no more surveys") {
		t.Errorf("button: %d", p.status)
	}
	for _, tc := range []struct {
		code string
		inv  invite.Invitation
		how  string
	}{{"E1", inv, "one-click"}, {"E5", inv5, "page"}} {
		a, err := f.alumni.Get(ctx, "acme", tc.code)
		if err != nil || !a.OptedOut {
			t.Errorf("%s opted out = %t, %v", tc.code, a.OptedOut, err)
		}
		if _, err := f.alumni.Surveyable(ctx, "acme", a.ID); !errors.Is(err, alumni.ErrNotSurveyable) {
			t.Errorf("%s Surveyable: %v", tc.code, err)
		}
		if _, err := f.invites.Create(ctx, invite.Invitation{TenantID: "acme", AlumnusID: a.ID, SurveyID: "alumni-6m", Wave: "6m"}); !errors.Is(err, alumni.ErrNotSurveyable) {
			t.Errorf("%s new invitation: %v", tc.code, err)
		}
		h, _ := f.invites.History(ctx, "acme", tc.inv.ID)
		if !slices.Contains(h, invite.EventOptedOut) {
			t.Errorf("%s invitation history %v", tc.code, h)
		}
	}
	// The other tenant's person with the same employee code is untouched.
	if a, _ := f.alumni.Get(ctx, "other", "E1"); a.OptedOut {
		t.Error("opt-out leaked to another tenant")
	}
}

func TestSurveyRateLimit(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{limits: SurveyLimits{PerToken: 0.001, TokenBurst: 3, PerIP: 1000, IPBurst: 1000}})
	inv, token := f.invitation("acme", "E1", "3m")
	b := f.browser()
	p := b.get("/s/" + token)
	csrf := p.csrf(t)
	b.get("/s/" + token)
	b.get("/s/" + token)
	p = b.get("/s/" + token)
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" || !p.has("アクセスが集中しています") {
		t.Errorf("4th request: %d, Retry-After %q", p.status, p.header.Get("Retry-After"))
	}
	assertStrictCSP(t, p)
	form := validForm(csrf)
	p = b.post("/s/"+token, form)
	if p.status != http.StatusTooManyRequests || !p.has("今回の送信は保存していません") || !p.has("評価の基準をもっと分かりやすくしてほしいです。") {
		t.Errorf("limited post: %d", p.status)
	}
	if rows := f.latest(inv); len(rows) != 0 {
		t.Errorf("a limited post stored %d rows", len(rows))
	}
	// Another link from the same address is not affected.
	_, token2 := f.invitation("acme", "E2", "3m")
	if p := b.get("/s/" + token2); p.status != http.StatusOK {
		t.Errorf("other link: %d", p.status)
	}

	// Per address.
	g := newSurveyFixture(t, fixtureOptions{limits: SurveyLimits{PerIP: 0.001, IPBurst: 2}})
	_, t1 := g.invitation("acme", "E1", "3m")
	_, t2 := g.invitation("acme", "E2", "3m")
	_, t3 := g.invitation("acme", "E4", "3m")
	gb := g.browser()
	if gb.get("/s/"+t1).status != http.StatusOK || gb.get("/s/"+t2).status != http.StatusOK || gb.get("/s/"+t3).status != http.StatusTooManyRequests {
		t.Error("per-address limit not applied")
	}
	if p := gb.get("/static/survey.css"); p.status != http.StatusOK {
		t.Errorf("static files must not be limited: %d", p.status)
	}
}

func TestSurveyLanguage(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	_, tokenJA := f.invitation("acme", "E1", "3m")
	_, tokenEN := f.invitation("acme", "E3", "3m") // imported with language en
	b := f.browser()
	if p := b.get("/s/" + tokenEN); !p.has(`<html lang="en">`) || !p.has("Alumni survey – three months on") || !p.has("fewer than 7 people") {
		t.Error("the invitation's locale (en) is not respected")
	}
	p := b.get("/s/" + tokenJA + "?lang=en")
	if !p.has(`<html lang="en">`) || !p.has("Submit my answers") || !p.has(`href="/s/`+tokenJA+`?lang=ja"`) {
		t.Error("?lang=en not applied")
	}
	if p := b.get("/s/" + tokenJA); !p.has(`<html lang="en">`) {
		t.Error("the language choice is not kept")
	}
	b.get("/s/" + tokenJA + "?lang=ja")
	if p := b.get("/s/" + tokenEN); !p.has(`<html lang="ja">`) {
		t.Error("the language chosen does not win over the invitation's")
	}
	// English validation messages and redirect keep the language.
	form := validForm(b.get("/s/" + tokenJA + "?lang=en").csrf(t))
	form.Del("would_recommend")
	form.Set("lang", "en")
	if p := b.post("/s/"+tokenJA, form); p.status != http.StatusUnprocessableEntity || !p.has("Please answer this question.") {
		t.Errorf("English error: %d", p.status)
	}
}

func TestInvitationsAPI(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	ctx := context.Background()
	_, admin, err := f.tenants.CreateAPIKey(ctx, "acme", "test", tenant.RoleHRAdmin)
	if err != nil {
		t.Fatal(err)
	}
	_, viewer, err := f.tenants.CreateAPIKey(ctx, "acme", "test", tenant.RoleHRViewer)
	if err != nil {
		t.Fatal(err)
	}
	call := func(key, body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, f.http.URL+"/api/v1/invitations", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, out := call(admin, `{"employee_code": "E2", "wave": "6m"}`)
	link, _ := out["url"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(link, "http://survey.example.jp/s/") || out["survey_id"] != "alumni-6m" ||
		!strings.HasPrefix(out["opt_out_url"].(string), "http://survey.example.jp/o/") {
		t.Fatalf("create: %d %v", status, out)
	}
	if p := f.browser().get(strings.TrimPrefix(link, "http://survey.example.jp")); p.status != http.StatusOK || !p.has("退職後6か月アンケート") {
		t.Errorf("the link does not open the 6m form: %d", p.status)
	}
	if status, again := call(admin, `{"employee_code": "E2", "wave": "6m"}`); status != http.StatusOK || again["url"] != link || again["created"] != false {
		t.Errorf("create twice: %d %v", status, again)
	}
	for _, tc := range []struct {
		key, body string
		want      int
	}{
		{viewer, `{"employee_code": "E1", "wave": "3m"}`, http.StatusForbidden},
		{"", `{"employee_code": "E1", "wave": "3m"}`, http.StatusUnauthorized},
		{admin, `{"employee_code": "E9", "wave": "3m"}`, http.StatusNotFound},
		{admin, `{"employee_code": "E1", "wave": "9y"}`, http.StatusUnprocessableEntity},
		{admin, `{"employee_code": "E1", "wave": "12m"}`, http.StatusUnprocessableEntity}, // no alumni-12m survey
		{admin, `not json`, http.StatusBadRequest},
	} {
		if status, out := call(tc.key, tc.body); status != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.body, status, out, tc.want)
		}
	}
	// Opted-out people get no invitation.
	if err := f.alumni.RecordEvent(ctx, "acme", f.alumni.AlumnusID("acme", "E4"), "opted_out", "test"); err != nil {
		t.Fatal(err)
	}
	if status, out := call(admin, `{"employee_code": "E4", "wave": "3m"}`); status != http.StatusConflict {
		t.Errorf("opted out: %d %v", status, out)
	}
}

func TestSurveyStaticAssets(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	b := f.browser()
	for name, ctype := range map[string]string{"survey.css": "text/css", "survey.js": "text/javascript"} {
		u := assetURL(name)
		p := b.get(u)
		if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), ctype) ||
			!strings.Contains(p.header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d %q %q", u, p.status, p.header.Get("Content-Type"), p.header.Get("Cache-Control"))
		}
	}
	if p := b.get("/static/nope.js"); p.status != http.StatusNotFound {
		t.Errorf("missing asset: %d", p.status)
	}
}

func TestGenCacheBounded(t *testing.T) {
	c := newGenCache[string, int](100)
	for i := 0; i < 10_000; i++ {
		c.put(uuid.NewString(), i)
		if n := c.len(); n > 100 {
			t.Fatalf("%d entries, capacity 100", n)
		}
	}
	c.put("keep", 1)
	for i := 0; i < 40; i++ {
		c.put(uuid.NewString(), i)
		if _, ok := c.get("keep"); !ok { // a key in use survives generations
			t.Fatalf("recently used key evicted after %d puts", i)
		}
	}
	l := newLimiterSet(1, 2, 10)
	now := time.Now()
	if ok, _ := l.allow("a", now); !ok {
		t.Error("first request refused")
	}
	l.allow("a", now)
	if ok, wait := l.allow("a", now); ok || wait <= 0 {
		t.Errorf("third request in a burst of 2: ok=%t wait=%v", ok, wait)
	}
	if ok, _ := l.allow("a", now.Add(1100*time.Millisecond)); !ok {
		t.Error("bucket does not refill")
	}
}

func TestSurveyMessagesComplete(t *testing.T) {
	for k, v := range surveyMessages {
		if strings.TrimSpace(v.JA) == "" || strings.TrimSpace(v.EN) == "" {
			t.Errorf("message %q lacks a translation", k)
		}
	}
}
