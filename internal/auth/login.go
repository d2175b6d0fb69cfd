package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Credentials are what the sign-in form sends.
type Credentials struct {
	TenantID string
	Email    string
	Password string
	// Code is the TOTP code; required once the user has enrolled.
	Code string
	// ClientIP is the client's address, for the per-address limit ("" skips it: the CLI).
	ClientIP string
}

// Principal is a signed-in user, as a session presents them.
type Principal struct {
	TenantID    string
	UserID      string
	Name        string
	Role        tenant.Role
	TOTPEnabled bool
	ExpiresAt   time.Time
}

// Actor is the principal as an audit actor.
func (p Principal) Actor() string { return "user:" + p.UserID }

// attempts is the recent sign-in history of one (tenant, address).
type attempts struct {
	failures    int       // failures since the last success, within the lockout window
	lastFailure time.Time // the latest of them
	lastStep    uint64    // the highest TOTP time step a success used (replay guard)
}

// subject keys login_attempts by a keyed hash of (tenant, address): failures against an address nobody
// has count and lock exactly like failures against a real account, so neither the answer nor the lockout
// tells an attacker whether an address is registered; and the table holds no address.
func (s *Service) subject(tenantID, email string) string {
	m := hmac.New(sha256.New, s.subjectKey)
	m.Write([]byte(tenantID + "\x00" + email))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// replayLookback is how far back successful TOTP steps are remembered: beyond the ±1 step (30 s each)
// a code is accepted for.
const replayLookback = 5 * time.Minute

func (s *Service) readAttempts(ctx context.Context, tenantID, subject string) (attempts, error) {
	now := s.now()
	since := now.Add(-max(s.opt.LockoutWindow, replayLookback))
	// On a tie in at_ns a success sorts first, so the failures beside it still count.
	rows, err := s.conn.Query(ctx, `
		SELECT at_ns, ok, totp_step FROM login_attempts
		WHERE tenant_id = ? AND subject = ? AND at_ns > ?
		ORDER BY at_ns, ok DESC`, tenantID, subject, uint64(since.UnixNano()))
	if err != nil {
		return attempts{}, fmt.Errorf("read sign-in attempts: %w", err)
	}
	defer rows.Close()
	var a attempts
	windowStart := now.Add(-s.opt.LockoutWindow)
	for rows.Next() {
		var atNS, step uint64
		var ok uint8
		if err := rows.Scan(&atNS, &ok, &step); err != nil {
			return attempts{}, fmt.Errorf("read sign-in attempts: %w", err)
		}
		at := time.Unix(0, int64(atNS)).UTC()
		switch {
		case ok == 1:
			a.failures = 0
			a.lastStep = max(a.lastStep, step)
		case at.After(windowStart):
			a.failures++
			a.lastFailure = at
		}
	}
	return a, rows.Err()
}

// lockedUntil returns when the lock ends, or the zero time when there is none. Attempts made while locked
// are refused before the password is checked and are not recorded, so a lock lasts LockoutWindow after
// the failure that caused it and an attacker cannot extend it by hammering.
func (s *Service) lockedUntil(a attempts) time.Time {
	if a.failures < s.opt.MaxFailures {
		return time.Time{}
	}
	if until := a.lastFailure.Add(s.opt.LockoutWindow); s.now().Before(until) {
		return until
	}
	return time.Time{}
}

func (s *Service) recordAttempt(ctx context.Context, tenantID, subject, userID string, ok bool, step uint64) error {
	now := s.now()
	uid := uuid.Nil
	if userID != "" {
		uid = uuid.MustParse(userID)
	}
	var okb uint8
	if ok {
		okb = 1
	}
	if err := db.Insert(ctx, s.conn,
		"INSERT INTO login_attempts (tenant_id, subject, at, at_ns, user_id, ok, totp_step)",
		[]any{tenantID, subject, now, uint64(now.UnixNano()), uid, okb, step}); err != nil {
		return fmt.Errorf("record sign-in attempt: %w", err)
	}
	return nil
}

// Login checks credentials and opens a session. It returns the principal and the session token for the
// cookie. Failures: ErrInvalidCredentials, ErrTOTPRequired (password right, code missing: ask for it),
// ErrInvalidCode, *LockedError, ErrRateLimited, *ValidationError, or a storage error.
//
// The failure count is read, then a failure row written: two wrong guesses at the same instant may both
// be let through as the fifth, so a lock can come one or two guesses late. That is accepted; the per-address
// limit bounds what a single client can try.
func (s *Service) Login(ctx context.Context, c Credentials) (Principal, string, error) {
	tenantID := strings.ToLower(strings.TrimSpace(c.TenantID))
	email, err := NormalizeEmail(c.Email)
	if err != nil || tenant.ValidateID(tenantID) != nil || c.Password == "" || len(c.Password) > maxPasswordLen {
		return Principal{}, "", ErrInvalidCredentials
	}
	if s.ips != nil && !s.ips.allowed(c.ClientIP, s.now()) {
		return Principal{}, "", ErrRateLimited
	}
	subject := s.subject(tenantID, email)
	hist, err := s.readAttempts(ctx, tenantID, subject)
	if err != nil {
		return Principal{}, "", err
	}
	if until := s.lockedUntil(hist); !until.IsZero() {
		return Principal{}, "", &LockedError{Until: until}
	}

	r, err := s.userByEmail(ctx, tenantID, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Principal{}, "", err
	}
	known := err == nil
	ok, err := s.verifyPassword(ctx, c.Password, r.passwordHash)
	if err != nil {
		// A malformed stored hash: refuse, and say so in the log without the address.
		return Principal{}, "", fmt.Errorf("verify password of user %s: %w", r.id, err)
	}
	switch {
	case !known:
		return Principal{}, "", s.fail(ctx, c.ClientIP, tenantID, subject, "", "unknown_user", hist, ErrInvalidCredentials)
	case !ok:
		return Principal{}, "", s.fail(ctx, c.ClientIP, tenantID, subject, r.id, "bad_password", hist, ErrInvalidCredentials)
	case r.disabled == 1:
		return Principal{}, "", s.fail(ctx, c.ClientIP, tenantID, subject, r.id, "disabled", hist, ErrInvalidCredentials)
	}

	var step uint64
	if r.totpEnabled == 1 {
		if strings.TrimSpace(c.Code) == "" {
			return Principal{}, "", ErrTOTPRequired
		}
		secret, err := s.openTOTP(r)
		if err != nil {
			return Principal{}, "", err
		}
		step = matchTOTP(secret, c.Code, s.now())
		if step == 0 || step <= hist.lastStep {
			return Principal{}, "", s.fail(ctx, c.ClientIP, tenantID, subject, r.id, "bad_code", hist, ErrInvalidCode)
		}
	}

	if err := s.recordAttempt(ctx, tenantID, subject, r.id, true, step); err != nil {
		return Principal{}, "", err
	}
	if err := s.record(ctx, tenantID, "user:"+r.id, "auth.login", r.id, ""); err != nil {
		return Principal{}, "", err
	}
	return s.openSession(ctx, r)
}

// fail records a failed attempt, audits it (and the lockout it may cause) and returns the error to give.
func (s *Service) fail(ctx context.Context, clientIP, tenantID, subject, userID, reason string, hist attempts, result error) error {
	if s.ips != nil {
		// Consumed here and not at the check: successful sign-ins from a shared office address are free.
		s.ips.consume(clientIP, s.now())
	}
	if err := s.recordAttempt(ctx, tenantID, subject, userID, false, 0); err != nil {
		return errors.Join(result, err)
	}
	actor := "anonymous"
	if userID != "" {
		actor = "user:" + userID
	}
	errs := []error{result}
	if err := s.record(ctx, tenantID, actor, "auth.login_failed", userID, "reason="+reason); err != nil {
		errs = append(errs, err)
	}
	if hist.failures+1 >= s.opt.MaxFailures {
		until := s.now().Add(s.opt.LockoutWindow)
		if err := s.record(ctx, tenantID, actor, "auth.lockout", userID,
			fmt.Sprintf("failures=%d until=%s", hist.failures+1, until.Format(time.RFC3339))); err != nil {
			errs = append(errs, err)
		}
		errs[0] = &LockedError{Until: until}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// openSession stores a new session for a user and returns its token: "<tenant>.<secret>". The tenant in
// the token only says where to look; the session row, found by (tenant, SHA-256 of the secret), is what
// binds it, so editing the prefix finds nothing.
func (s *Service) openSession(ctx context.Context, r userRow) (Principal, string, error) {
	secret, hash, err := newSecret()
	if err != nil {
		return Principal{}, "", err
	}
	now := s.now().Truncate(time.Second)
	expires := now.Add(s.opt.SessionTTL)
	if err := db.Insert(ctx, s.conn,
		"INSERT INTO sessions (tenant_id, session_hash, user_id, created_at, expires_at, revoked, version)",
		[]any{r.tenantID, hash, uuid.MustParse(r.id), now, expires, uint8(0), uint64(1)}); err != nil {
		return Principal{}, "", fmt.Errorf("store session: %w", err)
	}
	p := Principal{TenantID: r.tenantID, UserID: r.id, Name: r.name, Role: tenant.Role(r.role),
		TOTPEnabled: r.totpEnabled == 1, ExpiresAt: expires}
	return p, r.tenantID + "." + secret, nil
}

type sessionRow struct {
	tenantID, hash, userID string
	createdAt, expiresAt   time.Time
	revoked                uint8
	version                uint64
}

func (s *Service) session(ctx context.Context, token string) (sessionRow, error) {
	tenantID, secret, ok := strings.Cut(token, ".")
	if !ok || secret == "" || tenant.ValidateID(tenantID) != nil {
		return sessionRow{}, ErrNoSession
	}
	r := sessionRow{tenantID: tenantID, hash: hashToken(secret)}
	rows, err := s.conn.Query(ctx, `
		SELECT toString(user_id), min(created_at), argMax(expires_at, version), argMax(revoked, version), max(version)
		FROM sessions
		WHERE tenant_id = ? AND session_hash = ?
		GROUP BY user_id`, tenantID, r.hash)
	if err != nil {
		return sessionRow{}, fmt.Errorf("read session: %w", err)
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		if err := rows.Scan(&r.userID, &r.createdAt, &r.expiresAt, &r.revoked, &r.version); err != nil {
			return sessionRow{}, fmt.Errorf("read session: %w", err)
		}
		found = true
	}
	if err := rows.Err(); err != nil {
		return sessionRow{}, fmt.Errorf("read session: %w", err)
	}
	if !found {
		return sessionRow{}, ErrNoSession
	}
	return r, nil
}

// Authenticate returns the principal of a live session token: not revoked, not expired, and its user
// still enabled. The role is read from the user each time, so a change applies at the next request.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	sr, err := s.session(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	if sr.revoked != 0 || !s.now().Before(sr.expiresAt) {
		return Principal{}, ErrNoSession
	}
	u, err := s.userByID(ctx, sr.tenantID, sr.userID)
	if errors.Is(err, ErrNotFound) {
		return Principal{}, ErrNoSession
	}
	if err != nil {
		return Principal{}, err
	}
	if u.disabled == 1 || u.passwordHash == "" {
		return Principal{}, ErrNoSession
	}
	return Principal{TenantID: u.tenantID, UserID: u.id, Name: u.name, Role: tenant.Role(u.role),
		TOTPEnabled: u.totpEnabled == 1, ExpiresAt: sr.expiresAt}, nil
}

// Logout revokes a session. An unknown or already revoked token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	sr, err := s.session(ctx, token)
	if errors.Is(err, ErrNoSession) {
		return nil
	}
	if err != nil {
		return err
	}
	if sr.revoked != 0 {
		return nil
	}
	if err := db.Insert(ctx, s.conn,
		"INSERT INTO sessions (tenant_id, session_hash, user_id, created_at, expires_at, revoked, version)",
		[]any{sr.tenantID, sr.hash, uuid.MustParse(sr.userID), sr.createdAt, sr.expiresAt, uint8(1), sr.version + 1}); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return s.record(ctx, sr.tenantID, "user:"+sr.userID, "auth.logout", sr.userID, "")
}
