package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

// genCache is a bounded map that forgets the least recently used keys in bulk: it keeps two generations,
// and when the current one holds half the capacity it becomes the old one and the old one is dropped. A
// hit in the old generation moves the key to the current one. Every operation is O(1), and the memory
// bound holds whatever keys an attacker sends.
type genCache[K comparable, V any] struct {
	mu       sync.Mutex
	half     int
	cur, old map[K]V
}

func newGenCache[K comparable, V any](capacity int) *genCache[K, V] {
	half := max(capacity/2, 1)
	return &genCache[K, V]{half: half, cur: make(map[K]V, half), old: map[K]V{}}
}

func (c *genCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(k)
}

func (c *genCache[K, V]) getLocked(k K) (V, bool) {
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.old[k]
	if ok {
		delete(c.old, k)
		c.putLocked(k, v)
	}
	return v, ok
}

func (c *genCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

func (c *genCache[K, V]) putLocked(k K, v V) {
	if _, ok := c.cur[k]; !ok && len(c.cur) >= c.half {
		c.old, c.cur = c.cur, make(map[K]V, c.half)
	}
	c.cur[k] = v
}

// getOrPut returns the value of k, storing make() first when there is none.
func (c *genCache[K, V]) getOrPut(k K, make func() V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.getLocked(k); ok {
		return v
	}
	v := make()
	c.putLocked(k, v)
	return v
}

func (c *genCache[K, V]) delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, k)
	delete(c.old, k)
}

func (c *genCache[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}

// limiterSet holds one token bucket per key (an address, a link) in a bounded cache. A key forgotten
// while idle starts again with a full bucket, which errs on the side of letting people in.
type limiterSet struct {
	limit rate.Limit
	burst int
	set   *genCache[string, *rate.Limiter]
}

func newLimiterSet(limit rate.Limit, burst, capacity int) *limiterSet {
	return &limiterSet{limit: limit, burst: burst, set: newGenCache[string, *rate.Limiter](capacity)}
}

// allow takes a token for key; when there is none it returns how long until there is.
func (l *limiterSet) allow(key string, now time.Time) (bool, time.Duration) {
	lim := l.set.getOrPut(key, func() *rate.Limiter { return rate.NewLimiter(l.limit, l.burst) })
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// limitCapacity bounds the addresses and links whose buckets are remembered.
const limitCapacity = 50_000

// rateLimit answers 429 with a friendly page when the address or the link has made too many requests.
func (p *surveyPages) rateLimit(c *gin.Context) {
	if p.limits.Off {
		c.Next()
		return
	}
	now := p.now()
	ok, wait := p.byIP.allow(c.ClientIP(), now)
	if ok {
		ok, wait = p.byToken.allow(c.Param("token"), now)
	}
	if !ok {
		c.Header("Retry-After", formatSeconds(wait))
		if c.Request.Method == http.MethodPost && c.FullPath() == "/s/:token" {
			// The submit handler answers 429 itself, with the form and what was typed in it.
			c.Set(ctxLimited, true)
			c.Next()
			return
		}
		p.renderMessage(c, http.StatusTooManyRequests, p.lang(c, ""), "too_many_title", "too_many_body")
		c.Abort()
		return
	}
	c.Next()
}

func formatSeconds(d time.Duration) string {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}

// CSRF protection of the survey form (double submit, bound to the invitation): the browser holds a random
// nonce in a cookie, and the form carries an HMAC of the invitation id and that nonce. A page elsewhere can
// make the browser post with the cookie but cannot read it, so it cannot compute the form's value; and a
// value taken from one invitation's form is worthless for another.
const (
	csrfCookie      = "ap_csrf"
	surveyCSRFField = "csrf"
	nonceLen        = 16
)

// csrfNonce returns the browser's nonce, setting a new cookie when it has none (or a malformed one).
func (p *surveyPages) csrfNonce(c *gin.Context) []byte {
	if v, err := c.Cookie(csrfCookie); err == nil {
		if n, err := base64.RawURLEncoding.DecodeString(v); err == nil && len(n) == nonceLen {
			return n
		}
	}
	n := make([]byte, nonceLen)
	_, _ = rand.Read(n)
	p.setCookie(c, csrfCookie, base64.RawURLEncoding.EncodeToString(n), "/s/", 7*24*time.Hour)
	return n
}

func (p *surveyPages) csrfToken(invID uuid.UUID, nonce []byte) string {
	m := hmac.New(sha256.New, p.csrfKey)
	m.Write(invID[:])
	m.Write(nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// csrfOK checks the form's token against the cookie's nonce.
func (p *surveyPages) csrfOK(c *gin.Context, invID uuid.UUID) bool {
	v, err := c.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	nonce, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(nonce) != nonceLen {
		return false
	}
	got := c.Request.PostForm.Get(surveyCSRFField)
	return hmac.Equal([]byte(got), []byte(p.csrfToken(invID, nonce)))
}

func (p *surveyPages) setCookie(c *gin.Context, name, value, path string, maxAge time.Duration) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: p.secure, SameSite: http.SameSiteLaxMode,
	})
}
