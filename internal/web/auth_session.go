package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alumnipulse/alumnipulse/internal/auth"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Keys the session and CSRF middleware set on the gin context.
const (
	ctxPrincipal   = "principal"    // auth.Principal
	ctxSessionCSRF = "session_csrf" // the signed-in session's CSRF token
	ctxCSRF        = "csrf"         // the CSRF token forms must send back
)

// authSecure reports whether cookies must be Secure (and may use the __Host- prefix): when the request
// came over TLS, or when the service is published on https behind a proxy that ends TLS.
func (a *authPages) authSecure(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.HasPrefix(a.s.cfg.BaseURL, "https://")
}

// cookieName gives a cookie the __Host- prefix when Secure: the browser then refuses it from any
// subdomain and without Secure, Path=/ — no one can plant one.
func (a *authPages) cookieName(c *gin.Context, base string) string {
	if a.authSecure(c) {
		return "__Host-" + base
	}
	return base
}

func (a *authPages) sessionCookie(c *gin.Context) string {
	v, err := c.Cookie(a.cookieName(c, "ap_session"))
	if err != nil {
		return ""
	}
	return v
}

// setSessionCookie sets the session cookie: HttpOnly, SameSite=Lax (a link from a mail still arrives
// signed in; a cross-site POST does not), and with no Max-Age, so it ends with the browser session; the
// server-side expiry bounds it in any case.
func (a *authPages) setSessionCookie(c *gin.Context, token string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: a.cookieName(c, "ap_session"), Value: token, Path: "/",
		HttpOnly: true, Secure: a.authSecure(c), SameSite: http.SameSiteLaxMode})
}

func (a *authPages) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: a.cookieName(c, "ap_session"), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.authSecure(c), SameSite: http.SameSiteLaxMode})
}

// sessionAuth admits requests with a live session cookie and binds them to the session's tenant, role
// and user, like apiKeyAuth does for API keys. Without one, a page request is redirected to /login (and
// back after), a JSON request gets 401.
func (a *authPages) sessionAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		if a.svc == nil {
			a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
			return
		}
		token := a.sessionCookie(c)
		if token == "" {
			a.unauthenticated(c)
			return
		}
		p, err := a.svc.Authenticate(c.Request.Context(), token)
		if errors.Is(err, auth.ErrNoSession) {
			a.clearSessionCookie(c)
			a.unauthenticated(c)
			return
		}
		if err != nil {
			_ = c.Error(err)
			a.message(c, http.StatusServiceUnavailable, "error_title", "err_unavailable", "", "")
			return
		}
		c.Set(ctxTenant, p.TenantID)
		c.Set(ctxRole, p.Role)
		c.Set(ctxActor, p.Actor())
		c.Set(ctxPrincipal, p)
		c.Set(ctxSessionCSRF, authSessionCSRF(token))
		c.Header("Cache-Control", "no-store")
		c.Next()
	}
}

func (a *authPages) unauthenticated(c *gin.Context) {
	accept := c.GetHeader("Accept")
	switch {
	case strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html"):
		abortJSON(c, http.StatusUnauthorized, "sign in first")
	case c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead:
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
	default:
		a.message(c, http.StatusUnauthorized, "login_title", "err_session", "/login", "signin_again")
	}
}

// requirePageRole admits only the given roles (after sessionAuth) and answers others with a small 403 page.
func (a *authPages) requirePageRole(roles ...tenant.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, _ := c.Get(ctxRole)
		role, _ := r.(tenant.Role)
		if !slices.Contains(roles, role) {
			a.message(c, http.StatusForbidden, "forbidden_title", "forbidden", "", "")
			return
		}
		c.Next()
	}
}

// authPrincipal returns the signed-in user (sessionAuth must have run).
func authPrincipal(c *gin.Context) auth.Principal {
	p, _ := c.Get(ctxPrincipal)
	pp, _ := p.(auth.Principal)
	return pp
}
