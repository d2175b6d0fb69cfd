// Package auth signs HR and leadership users of a tenant in: users with argon2id passwords and optional
// TOTP, single-use invitations, server-side sessions, and a lockout after repeated failed sign-ins.
//
// Everything lives in ClickHouse (migrations/0002_users.sql). ClickHouse has no transactions or atomic
// counters, so state changes are new row versions and failed sign-ins are rows counted by a query; the
// races this allows are named where they happen. E-mail addresses are PII: they are never logged, never
// put in an error message and never written to the audit log (which names users by id only).
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Errors callers react to. Sign-in failures are deliberately coarse: an unknown address, a wrong password,
// a disabled account and an invitation not yet accepted all give ErrInvalidCredentials.
var (
	ErrInvalidCredentials = errors.New("sign-in failed: unknown company, address or wrong password")
	ErrTOTPRequired       = errors.New("an authentication code is required")
	ErrInvalidCode        = errors.New("the authentication code is wrong or was already used")
	ErrRateLimited        = errors.New("too many failed sign-ins from this address; try again later")
	ErrNoSession          = errors.New("no valid session")
	ErrInvalidInvitation  = errors.New("the invitation link is invalid, already used or expired")
	ErrUserExists         = errors.New("a user with that e-mail address already exists in this tenant")
	ErrNotFound           = errors.New("user not found")
	ErrTOTPEnabled        = errors.New("two-step sign-in is already enabled")
)

// LockedError is returned while an account (or an unknown address: the two must look alike) is locked
// after too many failed sign-ins.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return "too many failed sign-ins; locked until " + e.Until.UTC().Format(time.RFC3339)
}

// ValidationError reports a bad input field.
type ValidationError struct {
	Field   string // "email", "name", "role", "password", "tenant"
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// InviteMailer sends an invitation e-mail with the link that sets the password.
type InviteMailer interface {
	SendInvite(ctx context.Context, tenantID, to, name, link string) error
}

// Auditor records audited actions; *audit.Log implements it.
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Tenants looks tenants up; *tenant.Store implements it.
type Tenants interface {
	Get(ctx context.Context, id string) (tenant.Tenant, error)
}

// Options configure a Service. Zero values mean the defaults.
type Options struct {
	// Secret keys the TOTP secret encryption and the hash of addresses in login_attempts (required, ≥ 16
	// bytes; the app passes its master secret).
	Secret []byte
	// BaseURL prefixes invitation links ("https://pulse.example.com").
	BaseURL string
	// Mailer, when set, sends invitations; without it the caller hands the link over itself.
	Mailer InviteMailer
	// Now is the clock (tests inject one).
	Now func() time.Time
	// Argon2 are the password hash costs (DefaultParams).
	Argon2 Params
	// MaxFailures failed sign-ins within LockoutWindow lock an address for LockoutWindow after the last
	// one (5, 15 minutes).
	MaxFailures   int
	LockoutWindow time.Duration
	// IPBurst failed sign-ins from one client address are allowed at once, then one per IPEvery (20, 1
	// minute), so one client cannot lock many accounts quickly. Negative IPBurst turns the limit off.
	IPBurst int
	IPEvery time.Duration
	// SessionTTL is how long a session lasts (12 hours); InviteTTL how long an invitation (7 days).
	SessionTTL time.Duration
	InviteTTL  time.Duration
	// Issuer names the service in authenticator apps ("alumnipulse").
	Issuer string
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Argon2 == (Params{}) {
		o.Argon2 = DefaultParams
	}
	if o.MaxFailures == 0 {
		o.MaxFailures = 5
	}
	if o.LockoutWindow == 0 {
		o.LockoutWindow = 15 * time.Minute
	}
	if o.IPBurst == 0 {
		o.IPBurst = 20
	}
	if o.IPEvery == 0 {
		o.IPEvery = time.Minute
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.InviteTTL == 0 {
		o.InviteTTL = 7 * 24 * time.Hour
	}
	if o.Issuer == "" {
		o.Issuer = "alumnipulse"
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return o
}

// Service manages users, sign-in and sessions.
type Service struct {
	conn    db.Conn
	tenants Tenants
	audit   Auditor
	opt     Options

	subjectKey []byte // keys the hash of (tenant, address) in login_attempts
	totpKey    []byte // encrypts TOTP secrets at rest

	// hashing bounds concurrent argon2 runs: each takes 64 MiB and a core, and a burst of sign-ins must
	// queue rather than exhaust memory.
	hashing chan struct{}
	ips     *ipLimiter

	dummyOnce sync.Once
	dummy     string // a hash to verify against for unknown users, so they take as long as known ones
}

// New returns a Service. tenants is used to check that a tenant exists before users are added to it.
func New(conn db.Conn, tenants Tenants, auditor Auditor, opt Options) (*Service, error) {
	if len(opt.Secret) < 16 {
		return nil, errors.New("auth: secret must be at least 16 bytes")
	}
	opt = opt.withDefaults()
	s := &Service{
		conn: conn, tenants: tenants, audit: auditor, opt: opt,
		subjectKey: deriveKey(opt.Secret, "alumnipulse/auth/login-subject/v1"),
		totpKey:    deriveKey(opt.Secret, "alumnipulse/auth/totp-secret/v1"),
		hashing:    make(chan struct{}, max(1, runtime.NumCPU())),
	}
	if opt.IPBurst > 0 {
		s.ips = newIPLimiter(opt.IPBurst, opt.IPEvery)
	}
	return s, nil
}

func deriveKey(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// hashPassword and verifyPassword run argon2 under the concurrency bound.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return HashPassword(password, s.opt.Argon2)
}

func (s *Service) verifyPassword(ctx context.Context, password, encoded string) (bool, error) {
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	if encoded == "" {
		s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("no such user", s.opt.Argon2) })
		_, _ = VerifyPassword(password, s.dummy)
		return false, nil
	}
	return VerifyPassword(password, encoded)
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait to hash a password: %w", ctx.Err())
	}
}

func (s *Service) now() time.Time { return s.opt.Now().UTC() }

// record writes an audit entry. A successful sign-in fails when its audit entry cannot be written (the
// audit package's rule); for a failed sign-in or a sign-out the outcome stands and the error is returned
// joined to it, for the caller to log.
func (s *Service) record(ctx context.Context, tenantID, actor, action, target, detail string) error {
	if s.audit == nil {
		return nil
	}
	return s.audit.Record(ctx, audit.Entry{TenantID: tenantID, At: s.now(), Actor: actor, Action: action,
		Target: target, Detail: detail})
}
