package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/gin-gonic/gin"
)

// csrfField is the form field (and X-CSRF-Token the header) that carries the token back.
const csrfField = "csrf_token"

// authSessionCSRF derives a session's CSRF token from its secret token: nothing to store, different for
// every session, and showing it in a page reveals nothing about the session cookie.
func authSessionCSRF(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("alumnipulse csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrf protects every unsafe request of the routes it is on, and makes csrfToken(c) available to their
// pages. After sessionAuth the token is the session's; before sign-in (the login and invitation forms) it
// is a random double-submit cookie that the form must echo. Requests a browser marks cross-site are
// refused outright. Use it on every group of HTML pages with forms (the survey form has its own).
func (a *authPages) csrf() gin.HandlerFunc {
	return func(c *gin.Context) {
		token := c.GetString(ctxSessionCSRF)
		if token == "" {
			token = a.csrfCookie(c)
		}
		c.Set(ctxCSRF, token)
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			c.Next()
			return
		}
		sent := c.GetHeader("X-CSRF-Token")
		if sent == "" {
			sent = c.PostForm(csrfField)
		}
		if c.GetHeader("Sec-Fetch-Site") == "cross-site" || sent == "" ||
			subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
			a.message(c, http.StatusForbidden, "csrf_title", "csrf", "", "")
			return
		}
		c.Next()
	}
}

// csrfCookie returns the double-submit token, setting a new cookie when there is none.
func (a *authPages) csrfCookie(c *gin.Context) string {
	name := a.cookieName(c, "ap_csrf")
	if v, err := c.Cookie(name); err == nil && len(v) == 43 {
		return v
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: v, Path: "/", HttpOnly: true,
		Secure: a.authSecure(c), SameSite: http.SameSiteLaxMode})
	return v
}

// csrfToken returns the token a form rendered for this request must send back in a hidden csrf_token
// field (or an X-CSRF-Token header). It is empty unless csrf() is on the route, so such a form fails
// closed.
func csrfToken(c *gin.Context) string {
	return c.GetString(ctxCSRF)
}
