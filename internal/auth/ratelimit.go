package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter limits failed sign-ins per client address, in memory. It is per process: with several
// replicas an attacker gets the burst once per replica, which the per-account lockout (stored in
// ClickHouse, shared) still bounds.
type ipLimiter struct {
	mu     sync.Mutex
	burst  int
	every  time.Duration
	byIP   map[string]*rate.Limiter
	pruned time.Time
}

func newIPLimiter(burst int, every time.Duration) *ipLimiter {
	return &ipLimiter{burst: burst, every: every, byIP: map[string]*rate.Limiter{}}
}

// allowed reports whether ip may try to sign in now: whether it has a failure left to spend.
func (l *ipLimiter) allowed(ip string, now time.Time) bool {
	if ip == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.byIP[ip]
	return !ok || lim.TokensAt(now) >= 1
}

// consume spends one failure of ip's allowance.
func (l *ipLimiter) consume(ip string, now time.Time) {
	if ip == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	lim, ok := l.byIP[ip]
	if !ok {
		lim = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.byIP[ip] = lim
	}
	lim.AllowN(now, 1)
}

// prune forgets addresses whose allowance has refilled, at most once a minute, so the map stays the size
// of the recent attackers rather than of every address ever seen.
func (l *ipLimiter) prune(now time.Time) {
	if now.Sub(l.pruned) < time.Minute {
		return
	}
	l.pruned = now
	for ip, lim := range l.byIP {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.byIP, ip)
		}
	}
}
