package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/invitetoken"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Bounds of what the pages remember and accept.
const (
	linkTTL      = 5 * time.Minute // how long a resolved link is trusted before it is read again
	tenantTTL    = time.Minute
	linkCapacity = 100_000 // resolved links kept, each well under a kilobyte
	maxFormBytes = 1 << 20 // a form: five 4,000-character texts, percent-encoded, fit with room to spare
	langCookie   = "ap_lang"
	ctxLimited   = "survey_rate_limited"
)

// surveyPages serves the pages alumni see: the survey form, its thanks and closed pages, and opt-out.
//
// A resolved link (invitation, and the alumnus's segment snapshot once read) is cached by its token for a
// few minutes, so that a form's POST, its thanks page and repeated views cost no database read: opening a
// link reads the invitation, the previous answers and the alumnus; submitting only writes.
type surveyPages struct {
	deps    SurveyDeps
	tenants *tenant.Store
	log     *slog.Logger
	pages   map[string]*template.Template
	csrfKey []byte
	secure  bool
	limits  SurveyLimits
	byIP    *limiterSet
	byToken *limiterSet
	links   *genCache[string, *link]
	tenantC *genCache[string, *tenantInfo]
	now     func() time.Time
}

// link is a resolved survey link.
type link struct {
	inv     invite.Invitation
	expired bool // the token has expired (the invitation closed)
	at      time.Time

	mu     sync.Mutex
	snap   *alumni.Alumnus // the alumnus's segment attributes, read once
	opened bool            // "opened" was recorded by this process
}

type tenantInfo struct {
	name     string
	minGroup int
	loc      *time.Location
	at       time.Time
}

// linkState is what a token leads to.
type linkState int

const (
	linkOpen        linkState = iota
	linkNotFound              // tampered, unknown, another tenant's: a plain 404
	linkClosed                // expired or closed: the friendly closed page
	linkUnavailable           // the database could not be read: try again
)

func newSurveyPages(secret string, secure bool, deps SurveyDeps, tenants *tenant.Store, log *slog.Logger) (*surveyPages, error) {
	pages, err := parseSurveyTemplates()
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("alumnipulse/survey-csrf/v1"))
	limits := deps.Limits.withDefaults()
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &surveyPages{
		deps: deps, tenants: tenants, log: log, pages: pages, csrfKey: mac.Sum(nil), secure: secure, limits: limits,
		byIP:    newLimiterSet(limits.PerIP, limits.IPBurst, limitCapacity),
		byToken: newLimiterSet(limits.PerToken, limits.TokenBurst, limitCapacity),
		links:   newGenCache[string, *link](linkCapacity),
		tenantC: newGenCache[string, *tenantInfo](1000),
		now:     now,
	}, nil
}

// surveyRoutes registers the alumni survey pages and the invitations API.
func (s *Server) surveyRoutes(api *gin.RouterGroup) {
	if s.deps.Survey.Catalog == nil {
		s.log.Warn("no survey catalog: survey pages are not served")
		return
	}
	secure := strings.HasPrefix(s.cfg.BaseURL, "https://")
	p, err := newSurveyPages(s.cfg.Secret, secure, s.deps.Survey, s.deps.Tenants, s.log)
	if err != nil {
		// The templates are embedded: a parse error is a build defect, caught by the tests.
		panic(err)
	}
	e := s.engine
	e.GET("/s/:token", p.rateLimit, p.form)
	e.POST("/s/:token", p.rateLimit, p.submit)
	e.GET("/s/:token/thanks", p.rateLimit, p.thanks)
	e.GET("/o/:token", p.rateLimit, p.optOutPage)
	e.POST("/o/:token", p.rateLimit, p.optOut)
	api.POST("/invitations", s.requireRole(roleAdmin), s.invitationCreate)
}

func parseSurveyTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"fill": func(s string, kv ...any) string {
			strs := make([]string, len(kv))
			for i, v := range kv {
				strs[i] = fmt.Sprint(v)
			}
			return fill(s, strs...)
		},
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templatesFS, "templates/survey/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse survey layout: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"form", "thanks", "message", "optout"} {
		t, err := template.Must(base.Clone()).ParseFS(templatesFS, "templates/survey/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse survey page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// open resolves a token to its invitation, tenant and survey.
func (p *surveyPages) open(ctx context.Context, token string) (*link, *tenantInfo, *survey.Survey, linkState) {
	now := p.now()
	l, ok := p.links.get(token)
	if !ok || now.Sub(l.at) > linkTTL {
		inv, err := p.deps.Invites.Resolve(ctx, token)
		switch {
		case errors.Is(err, invite.ErrNotFound):
			return nil, nil, nil, linkNotFound
		case err != nil && !errors.Is(err, invitetoken.ErrExpired):
			p.log.Error("resolve survey link", "err", err)
			return nil, nil, nil, linkUnavailable
		}
		fresh := &link{inv: inv, expired: err != nil, at: now}
		if ok {
			l.mu.Lock()
			fresh.snap, fresh.opened = l.snap, l.opened
			l.mu.Unlock()
		}
		l = fresh
		p.links.put(token, l)
	}
	t, err := p.tenant(ctx, l.inv.TenantID)
	if err != nil {
		p.log.Error("read tenant of survey link", "tenant", l.inv.TenantID, "err", err)
		return l, nil, nil, linkUnavailable
	}
	s, ok := p.deps.Catalog.Get(l.inv.SurveyID)
	if !ok {
		p.log.Error("survey of an invitation is not loaded", "tenant", l.inv.TenantID, "survey", l.inv.SurveyID)
		return l, t, nil, linkUnavailable
	}
	if l.expired || l.inv.Closed(now) {
		return l, t, s, linkClosed
	}
	return l, t, s, linkOpen
}

func (p *surveyPages) tenant(ctx context.Context, id string) (*tenantInfo, error) {
	now := p.now()
	if t, ok := p.tenantC.get(id); ok && now.Sub(t.at) < tenantTTL {
		return t, nil
	}
	tn, err := p.tenants.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(tn.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	t := &tenantInfo{name: tn.Name, minGroup: tn.Settings.WithDefaults().MinGroupSize, loc: loc, at: now}
	p.tenantC.put(id, t)
	return t, nil
}

// snapshot returns the alumnus's attributes for the answers' segment columns, reading them once per link.
func (p *surveyPages) snapshot(ctx context.Context, l *link) (alumni.Alumnus, error) {
	l.mu.Lock()
	snap := l.snap
	l.mu.Unlock()
	if snap != nil {
		return *snap, nil
	}
	a, err := p.deps.Alumni.GetByID(ctx, l.inv.TenantID, l.inv.AlumnusID)
	if err != nil {
		return alumni.Alumnus{}, fmt.Errorf("read alumnus for the answers' segments: %w", err)
	}
	// Only the HR attributes travel with the answers; the contact details are not kept here.
	a.Name, a.Email = "", ""
	l.mu.Lock()
	l.snap = &a
	l.mu.Unlock()
	return a, nil
}

// markOpened records "opened" the first time this process shows the link's form. Another process, or
// this one after forgetting the link, may record it again; the funnel counts invitations, not events.
func (p *surveyPages) markOpened(ctx context.Context, l *link) {
	l.mu.Lock()
	first := !l.opened
	l.opened = true
	l.mu.Unlock()
	if first {
		p.event(ctx, l.inv, invite.EventOpened)
	}
}

func (p *surveyPages) event(ctx context.Context, inv invite.Invitation, e invite.Event) {
	if p.deps.Events == nil {
		return
	}
	if err := p.deps.Events.Record(ctx, inv, e, ""); err != nil {
		p.log.Warn("invitation event not recorded", "event", string(e), "tenant", inv.TenantID, "err", err)
	}
}

// lang picks the page language: ?lang= (remembered in a cookie), the form's lang field, the cookie, the
// invitation's locale, else Japanese.
func (p *surveyPages) lang(c *gin.Context, invLocale string) string {
	if q := c.Query("lang"); q == langJA || q == langEN {
		p.setCookie(c, langCookie, q, "/", 365*24*time.Hour)
		return q
	}
	if c.Request.PostForm != nil {
		if f := c.Request.PostForm.Get("lang"); f == langJA || f == langEN {
			return f
		}
	}
	if v, err := c.Cookie(langCookie); err == nil && (v == langJA || v == langEN) {
		return v
	}
	if invLocale != "" {
		return pageLang(invLocale)
	}
	return langJA
}

// view fills what every page shows.
func (p *surveyPages) view(lang, title string, t *tenantInfo, token string) *pageView {
	v := &pageView{Lang: lang, T: pageTexts()[lang], Title: msg(lang, title), CSS: assetURL("survey.css"),
		JS: assetURL("survey.js"), SwitchTo: otherLang(lang)}
	if t != nil {
		v.Company = t.name
	}
	if token != "" {
		v.Token = token
		v.OptOutURL = "/o/" + token
	}
	return v
}

func (p *surveyPages) render(c *gin.Context, status int, page string, v *pageView) {
	var buf bytes.Buffer
	if err := p.pages[page].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		p.log.Error("render survey page", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	// Pages may hold someone's answers: never keep them in a shared cache or the browser's history cache.
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// renderMessage shows a simple page: a title and a paragraph.
func (p *surveyPages) renderMessage(c *gin.Context, status int, lang, title, body string) {
	v := p.view(lang, title, nil, "")
	v.Body = msg(lang, body)
	p.render(c, status, "message", v)
}

// renderState shows the page for a link that does not lead to an open form.
func (p *surveyPages) renderState(c *gin.Context, st linkState, lang string, t *tenantInfo, token string) {
	switch st {
	case linkNotFound:
		p.renderMessage(c, http.StatusNotFound, lang, "notfound_title", "notfound_body")
	case linkClosed:
		v := p.view(lang, "closed_title", t, token)
		v.Body = msg(lang, "closed_body")
		p.render(c, http.StatusGone, "message", v)
	default:
		p.renderMessage(c, http.StatusServiceUnavailable, lang, "unavailable_title", "unavailable_body")
	}
}

func invLocale(l *link) string {
	if l == nil {
		return ""
	}
	return l.inv.Locale
}

// formPage shows the form with values, errors and an alert.
func (p *surveyPages) formPage(c *gin.Context, status int, l *link, t *tenantInfo, s *survey.Survey, lang string,
	values url.Values, errs survey.FieldErrors, alert string, previous bool) {
	token := c.Param("token")
	v := p.view(lang, "", t, token)
	v.Title = s.Title.In(lang)
	v.Deadline = formatDeadline(l.inv.ClosesAt, t.loc, lang)
	f := buildForm(s, lang, values, errs, s.PrivacyNotice(lang, t.minGroup))
	f.Action = "/s/" + token
	f.CSRF = p.csrfToken(l.inv.ID, p.csrfNonce(c))
	f.Previous = previous
	if alert != "" {
		f.Alert = msg(lang, alert)
	}
	v.Form = f
	// Switching language is a plain link: offer it only when the page holds nothing unsaved.
	if status == http.StatusOK {
		v.SwitchURL = "/s/" + token + "?lang=" + otherLang(lang)
	}
	p.render(c, status, "form", v)
}

// form shows the survey, filled with the answers sent before when there are any.
func (p *surveyPages) form(c *gin.Context) {
	ctx := c.Request.Context()
	l, t, s, st := p.open(ctx, c.Param("token"))
	lang := p.lang(c, invLocale(l))
	if st != linkOpen {
		p.renderState(c, st, lang, t, c.Param("token"))
		return
	}
	// Read the alumnus's segment attributes beside the previous answers, so the submit will not have to.
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := p.snapshot(ctx, l); err != nil {
			p.log.Warn("prefetch alumnus for survey", "tenant", l.inv.TenantID, "err", err)
		}
	})
	prev, err := p.deps.Answers.LatestOf(ctx, l.inv.TenantID, s, l.inv.ID)
	wg.Wait()
	if err != nil {
		_ = c.Error(err)
		p.renderMessage(c, http.StatusServiceUnavailable, lang, "unavailable_title", "unavailable_body")
		return
	}
	p.markOpened(ctx, l)
	p.formPage(c, http.StatusOK, l, t, s, lang, s.Form(answer.AnswersOf(s, prev)), nil, "", len(prev) > 0)
}

// submit validates and stores a form. Whatever goes wrong, the form comes back with what was typed.
func (p *surveyPages) submit(c *gin.Context) {
	ctx := c.Request.Context()
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	if err := c.Request.ParseForm(); err != nil {
		p.renderMessage(c, http.StatusRequestEntityTooLarge, p.lang(c, ""), "unavailable_title", "unavailable_body")
		return
	}
	token := c.Param("token")
	if c.GetBool(ctxLimited) {
		// Only a link this process already knows gets its form back: a flood of unknown tokens costs nothing.
		l, ok := p.links.get(token)
		if !ok {
			p.renderMessage(c, http.StatusTooManyRequests, p.lang(c, ""), "too_many_title", "too_many_body")
			return
		}
		t, okT := p.tenantC.get(l.inv.TenantID)
		s, okS := p.deps.Catalog.Get(l.inv.SurveyID)
		if !okT || !okS {
			p.renderMessage(c, http.StatusTooManyRequests, p.lang(c, ""), "too_many_title", "too_many_body")
			return
		}
		p.formPage(c, http.StatusTooManyRequests, l, t, s, p.lang(c, l.inv.Locale), c.Request.PostForm, nil, "rate_limited_form", false)
		return
	}
	l, t, s, st := p.open(ctx, token)
	lang := p.lang(c, invLocale(l))
	if st != linkOpen {
		p.renderState(c, st, lang, t, token)
		return
	}
	form := c.Request.PostForm
	if !p.csrfOK(c, l.inv.ID) {
		p.formPage(c, http.StatusForbidden, l, t, s, lang, form, nil, "csrf_failed", false)
		return
	}
	checkOther(s, form)
	answers, errs := s.Validate(form, lang)
	if errs != nil {
		p.formPage(c, http.StatusUnprocessableEntity, l, t, s, lang, form, errs, "", false)
		return
	}
	al, err := p.snapshot(ctx, l)
	if err == nil {
		err = p.deps.Answers.Write(ctx, answer.Build(s, answers, al, l.inv, lang))
	}
	if err != nil {
		_ = c.Error(err)
		p.formPage(c, http.StatusServiceUnavailable, l, t, s, lang, form, nil, "save_failed", false)
		return
	}
	p.event(ctx, l.inv, invite.EventSubmitted)
	thanks := "/s/" + token + "/thanks"
	if lang != pageLang(l.inv.Locale) {
		thanks += "?lang=" + lang
	}
	c.Redirect(http.StatusSeeOther, thanks)
}

// checkOther selects the "other" choice of a question whose other-text was filled in but whose choice
// was not ticked (no script, or the tick forgotten), so typed text is never silently dropped: for a
// multiple choice always, for a single choice when nothing else was chosen.
func checkOther(s *survey.Survey, form url.Values) {
	for _, q := range s.Questions {
		if q.Other == nil || strings.TrimSpace(form.Get(survey.OtherField(q.ID))) == "" {
			continue
		}
		chosen := form[q.ID]
		has := false
		empty := true
		for _, c := range chosen {
			has = has || c == survey.OtherCode
			empty = empty && strings.TrimSpace(c) == ""
		}
		if !has && (q.Type == survey.Multi || empty) {
			form[q.ID] = append(chosen, survey.OtherCode)
		}
	}
}

// thanks confirms a submission and says until when it can be changed.
func (p *surveyPages) thanks(c *gin.Context) {
	token := c.Param("token")
	l, t, _, st := p.open(c.Request.Context(), token)
	lang := p.lang(c, invLocale(l))
	if st != linkOpen {
		p.renderState(c, st, lang, t, token)
		return
	}
	v := p.view(lang, "thanks_title", t, token)
	v.Body = msg(lang, "thanks_body")
	v.Deadline = formatDeadline(l.inv.ClosesAt, t.loc, lang)
	v.EditURL = "/s/" + token
	v.SwitchURL = "/s/" + token + "/thanks?lang=" + otherLang(lang)
	p.render(c, http.StatusOK, "thanks", v)
}

// optOutPage asks to confirm the opt-out. It works after the survey has closed, too.
func (p *surveyPages) optOutPage(c *gin.Context) {
	token := c.Param("token")
	l, t, _, st := p.open(c.Request.Context(), token)
	lang := p.lang(c, invLocale(l))
	if st == linkNotFound || st == linkUnavailable {
		p.renderState(c, st, lang, t, token)
		return
	}
	v := p.optOutView(lang, t, token, st == linkOpen)
	v.SwitchURL = "/o/" + token + "?lang=" + otherLang(lang)
	p.render(c, http.StatusOK, "optout", v)
}

func (p *surveyPages) optOutView(lang string, t *tenantInfo, token string, open bool) *pageView {
	v := p.view(lang, "optout_title", t, token)
	v.OptOutURL = ""
	v.Body = fill(msg(lang, "optout_body"), "company", v.Company)
	if open {
		v.EditURL = "/s/" + token
	}
	return v
}

// optOut stops every future survey to the alumnus. It takes the page's button and RFC 8058 one-click
// posts from mail clients alike (body "List-Unsubscribe=One-Click", no cookie, no CSRF token): the signed
// link is the authority, and the worst a forged post can do is what the link's owner may do anyway.
func (p *surveyPages) optOut(c *gin.Context) {
	ctx := c.Request.Context()
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	_ = c.Request.ParseForm()
	token := c.Param("token")
	l, t, _, st := p.open(ctx, token)
	lang := p.lang(c, invLocale(l))
	if st == linkNotFound || st == linkUnavailable {
		p.renderState(c, st, lang, t, token)
		return
	}
	how := "page"
	if c.Request.PostForm.Get("List-Unsubscribe") == "One-Click" {
		how = "one-click"
	}
	err := p.deps.Alumni.RecordEvent(ctx, l.inv.TenantID, l.inv.AlumnusID, "opted_out", how)
	if err == nil {
		err = p.deps.Invites.Record(ctx, l.inv, invite.EventOptedOut, 0, how)
	}
	if err != nil {
		_ = c.Error(err)
		v := p.optOutView(lang, t, token, false)
		v.Body = msg(lang, "optout_failed_body")
		p.render(c, http.StatusServiceUnavailable, "optout", v)
		return
	}
	v := p.view(lang, "optedout_title", t, "")
	v.Body = fill(msg(lang, "optedout_body"), "company", v.Company)
	p.render(c, http.StatusOK, "message", v)
}
