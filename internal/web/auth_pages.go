package web

import (
	"context"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/auth"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// AuthService is what the sign-in pages and the session middleware need; *auth.Service implements it.
type AuthService interface {
	Login(ctx context.Context, c auth.Credentials) (auth.Principal, string, error)
	Authenticate(ctx context.Context, token string) (auth.Principal, error)
	Logout(ctx context.Context, token string) error
	InvitationUser(ctx context.Context, token string) (auth.User, error)
	AcceptInvitation(ctx context.Context, token, password string) (auth.User, error)
	BeginTOTP(ctx context.Context, tenantID, userID string) (auth.TOTPEnrolment, error)
	ConfirmTOTP(ctx context.Context, tenantID, userID, code string) error
	ListUsers(ctx context.Context, tenantID string) ([]auth.User, error)
}

var _ AuthService = (*auth.Service)(nil)

//go:embed templates/auth/*.html
var authTemplateFS embed.FS

// authPages serves sign-in, sign-out, invitations, TOTP enrolment and the audit log page, and provides
// the session, role and CSRF middleware the other HTML pages use.
type authPages struct {
	s     *Server
	svc   AuthService
	pages map[string]*template.Template
}

// authHome is where a sign-in lands when it has no ?next=.
const authHome = "/"

// authAuditLimit is how many audit entries the audit page shows.
const authAuditLimit = 200

// authRoutes registers the sign-in pages and returns the middleware holder for the other page routes:
//
//	pages := s.authRoutes(s.deps.Auth)
//	hr := s.engine.Group("/", pages.sessionAuth(), pages.csrf(), pages.requirePageRole(hrRoles...))
//
// With a nil svc (a server without sign-in, as in some tests) every protected page answers 503.
func (s *Server) authRoutes(svc AuthService) *authPages {
	a := &authPages{s: s, svc: svc, pages: map[string]*template.Template{}}
	layout := template.Must(template.ParseFS(authTemplateFS, "templates/auth/layout.html"))
	for _, name := range []string{"login", "invite", "totp", "audit", "message"} {
		a.pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(authTemplateFS, "templates/auth/"+name+".html"))
	}
	e := s.engine
	e.GET("/login", a.csrf(), a.loginPage)
	e.POST("/login", a.csrf(), a.loginSubmit)
	e.GET("/invite/:token", a.csrf(), a.invitePage)
	e.POST("/invite/:token", a.csrf(), a.inviteSubmit)
	signedIn := e.Group("/", a.sessionAuth(), a.csrf())
	signedIn.POST("/logout", a.logout)
	signedIn.GET("/account/totp", a.totpPage)
	signedIn.POST("/account/totp", a.totpSubmit)
	signedIn.GET("/admin/audit", a.requirePageRole(roleAdmin), a.auditPage)
	return a
}

// authPageData is what every sign-in template gets.
type authPageData struct {
	Lang, AltLang, AltLangHref string
	L                          map[string]string
	Title                      string
	CSRF                       string
	Principal                  *auth.Principal
	IsAdmin                    bool
	Error, Notice              string

	// login
	Tenant, Email, Next string
	NeedCode            bool
	// invite
	InviteName string
	// totp
	TOTPEnabled bool
	Enrolment   *authEnrolment
	// audit
	Entries []authAuditRow
	Limit   int
	// message
	Message  string
	LinkHref string
	LinkText string
}

type authEnrolment struct {
	QR     template.URL // data: URL of the PNG
	Secret string       // grouped in fours for typing
	URL    template.URL // otpauth:// link
}

type authAuditRow struct {
	At, Actor, Action, Target, Detail string
}

// render writes a page. Pages are never cached: they carry CSRF tokens and per-user data.
func (a *authPages) render(c *gin.Context, status int, page, titleKey string, d authPageData) {
	d.Lang = authLang(c)
	d.L = authText[d.Lang]
	d.AltLang, d.AltLangHref = authLangSwitch(c, d.Lang)
	d.Title = d.L[titleKey]
	d.CSRF = csrfToken(c)
	if p, ok := c.Get(ctxPrincipal); ok {
		pp := p.(auth.Principal)
		d.Principal = &pp
		d.IsAdmin = pp.Role == tenant.RoleHRAdmin
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := a.pages[page].ExecuteTemplate(c.Writer, "layout", d); err != nil {
		_ = c.Error(fmt.Errorf("render %s: %w", page, err))
	}
}

// message renders a short page with a title, a sentence and an optional link, and aborts the chain.
func (a *authPages) message(c *gin.Context, status int, titleKey, msgKey, linkHref, linkKey string) {
	l := authText[authLang(c)]
	a.render(c, status, "message", titleKey, authPageData{Message: l[msgKey], LinkHref: linkHref, LinkText: l[linkKey]})
	c.Abort()
}

func (a *authPages) loginPage(c *gin.Context) {
	d := authPageData{Tenant: c.Query("tenant"), Next: authSafeNext(c.Query("next"))}
	l := authText[authLang(c)]
	switch c.Query("notice") {
	case "signed_out":
		d.Notice = l["notice_signed_out"]
	case "password_set":
		d.Notice = l["notice_password"]
	}
	a.render(c, http.StatusOK, "login", "login_title", d)
}

func (a *authPages) loginSubmit(c *gin.Context) {
	if a.svc == nil {
		a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
		return
	}
	cred := auth.Credentials{TenantID: c.PostForm("tenant"), Email: c.PostForm("email"),
		Password: c.PostForm("password"), Code: c.PostForm("code"), ClientIP: c.ClientIP()}
	d := authPageData{Tenant: strings.TrimSpace(cred.TenantID), Email: strings.TrimSpace(cred.Email),
		Next: authSafeNext(c.PostForm("next"))}
	l := authText[authLang(c)]
	p, token, err := a.svc.Login(c.Request.Context(), cred)
	var locked *auth.LockedError
	status := http.StatusUnauthorized
	switch {
	case err == nil:
		a.setSessionCookie(c, token)
		c.Set(ctxTenant, p.TenantID) // for the request log line
		next := d.Next
		if next == "" {
			next = authHome
		}
		c.Redirect(http.StatusSeeOther, next)
		return
	case errors.Is(err, auth.ErrTOTPRequired):
		d.Error, d.NeedCode = l["err_code_required"], true
	case errors.Is(err, auth.ErrInvalidCode):
		d.Error, d.NeedCode = l["err_code_invalid"], true
	case errors.As(err, &locked):
		d.Error, status = l["err_locked"], http.StatusTooManyRequests
	case errors.Is(err, auth.ErrRateLimited):
		d.Error, status = l["err_rate_limited"], http.StatusTooManyRequests
	case errors.Is(err, auth.ErrInvalidCredentials):
		d.Error = l["err_invalid"]
	default:
		d.Error, status = l["err_unavailable"], http.StatusServiceUnavailable
	}
	if !authIsSentinel(err) {
		// A storage or audit failure rode along with the answer: log it (it names no address).
		_ = c.Error(err)
	}
	a.render(c, status, "login", "login_title", d)
}

// authIsSentinel reports whether err is just the domain's answer, with no storage error joined to it.
func authIsSentinel(err error) bool {
	var locked *auth.LockedError
	switch {
	case errors.As(err, &locked):
		return err == error(locked)
	case err == auth.ErrInvalidCredentials, err == auth.ErrTOTPRequired, err == auth.ErrInvalidCode,
		err == auth.ErrRateLimited:
		return true
	}
	return false
}

// authSafeNext keeps only same-site paths, so ?next= cannot send a signed-in user to another site.
func authSafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") || len(next) > 512 {
		return ""
	}
	return next
}

func (a *authPages) logout(c *gin.Context) {
	if token := a.sessionCookie(c); token != "" {
		if err := a.svc.Logout(c.Request.Context(), token); err != nil {
			_ = c.Error(err)
		}
	}
	a.clearSessionCookie(c)
	c.Redirect(http.StatusSeeOther, "/login?notice=signed_out")
}

func (a *authPages) invitePage(c *gin.Context) {
	if a.svc == nil {
		a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
		return
	}
	u, err := a.svc.InvitationUser(c.Request.Context(), c.Param("token"))
	if err != nil {
		a.inviteError(c, err)
		return
	}
	a.render(c, http.StatusOK, "invite", "invite_title", authPageData{InviteName: u.Name})
}

func (a *authPages) inviteSubmit(c *gin.Context) {
	if a.svc == nil {
		a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
		return
	}
	ctx, token := c.Request.Context(), c.Param("token")
	u, err := a.svc.InvitationUser(ctx, token)
	if err != nil {
		a.inviteError(c, err)
		return
	}
	l := authText[authLang(c)]
	d := authPageData{InviteName: u.Name}
	pw := c.PostForm("password")
	if pw != c.PostForm("confirm") {
		d.Error = l["err_mismatch"]
		a.render(c, http.StatusUnprocessableEntity, "invite", "invite_title", d)
		return
	}
	if _, err := a.svc.AcceptInvitation(ctx, token, pw); err != nil {
		var ve *auth.ValidationError
		if errors.As(err, &ve) {
			d.Error = l["err_password_short"]
			if utf8.RuneCountInString(pw) >= 10 {
				d.Error = l["err_password_long"]
			}
			a.render(c, http.StatusUnprocessableEntity, "invite", "invite_title", d)
			return
		}
		a.inviteError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/login?notice=password_set&tenant="+u.TenantID)
}

func (a *authPages) inviteError(c *gin.Context, err error) {
	if errors.Is(err, auth.ErrInvalidInvitation) {
		a.message(c, http.StatusGone, "invite_title", "invite_invalid", "", "")
		return
	}
	_ = c.Error(err)
	a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
}

func (a *authPages) totpPage(c *gin.Context) {
	p := authPrincipal(c)
	d := authPageData{TOTPEnabled: p.TOTPEnabled}
	if c.Query("notice") == "totp_enabled" {
		d.Notice = authText[authLang(c)]["notice_totp"]
	}
	a.render(c, http.StatusOK, "totp", "totp_title", d)
}

// totpSubmit handles action=begin (show a secret to scan) and action=confirm (check a code, turn on).
func (a *authPages) totpSubmit(c *gin.Context) {
	p := authPrincipal(c)
	ctx := c.Request.Context()
	d := authPageData{TOTPEnabled: p.TOTPEnabled}
	status := http.StatusOK
	if c.PostForm("action") == "confirm" {
		err := a.svc.ConfirmTOTP(ctx, p.TenantID, p.UserID, c.PostForm("code"))
		switch {
		case err == nil || errors.Is(err, auth.ErrTOTPEnabled):
			c.Redirect(http.StatusSeeOther, "/account/totp?notice=totp_enabled")
			return
		case errors.Is(err, auth.ErrInvalidCode):
			d.Error, status = authText[authLang(c)]["err_code_invalid"], http.StatusUnprocessableEntity
		default:
			_ = c.Error(err)
			a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
			return
		}
	}
	enr, err := a.svc.BeginTOTP(ctx, p.TenantID, p.UserID)
	switch {
	case errors.Is(err, auth.ErrTOTPEnabled):
		c.Redirect(http.StatusSeeOther, "/account/totp")
		return
	case err != nil:
		_ = c.Error(err)
		a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
		return
	}
	d.Enrolment = &authEnrolment{
		// Both URLs are made here, not taken from the request, so marking them safe is sound.
		QR:     template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(enr.QRPNG)),
		Secret: authGroup(enr.Secret, 4),
		URL:    template.URL(enr.URL),
	}
	a.render(c, status, "totp", "totp_title", d)
}

func authGroup(s string, n int) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%n == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// auditPage lists the tenant's recent audit entries, times in the tenant's zone, users by name.
func (a *authPages) auditPage(c *gin.Context) {
	ctx, tenantID := c.Request.Context(), tenantOf(c)
	entries, err := a.s.deps.Audit.List(ctx, tenantID, authAuditLimit)
	if err != nil {
		_ = c.Error(err)
		a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
		return
	}
	loc := time.FixedZone("JST", 9*3600)
	if a.s.deps.Tenants != nil {
		if t, err := a.s.deps.Tenants.Get(ctx, tenantID); err == nil {
			loc = t.Location()
		}
	}
	names := map[string]string{}
	if users, err := a.svc.ListUsers(ctx, tenantID); err == nil {
		for _, u := range users {
			names["user:"+u.ID] = u.Name
		}
	} else {
		_ = c.Error(err)
	}
	rows := make([]authAuditRow, len(entries))
	for i, e := range entries {
		actor := e.Actor
		if n, ok := names[actor]; ok {
			actor = n + " (" + actor + ")"
		}
		target := e.Target
		if n, ok := names["user:"+target]; ok {
			target = n + " (" + target + ")"
		}
		rows[i] = authAuditRow{At: e.At.In(loc).Format("2006-01-02 15:04:05 MST"), Actor: actor,
			Action: e.Action, Target: target, Detail: e.Detail}
	}
	a.render(c, http.StatusOK, "audit", "audit_title", authPageData{Entries: rows, Limit: authAuditLimit})
}
