package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// User is an HR or leadership user of a tenant.
type User struct {
	TenantID    string
	ID          string
	Email       string // PII: never log it
	Name        string
	Role        tenant.Role
	HasPassword bool
	TOTPEnabled bool
	Disabled    bool
	// InvitePending is true while an unexpired invitation is waiting to be accepted.
	InvitePending bool
	CreatedAt     time.Time
}

// Invitation is a new user's single-use link to set their password.
type Invitation struct {
	User      User
	Token     string // secret: only its hash is stored
	Link      string
	ExpiresAt time.Time
}

// userRow is the stored state of a user, secrets included.
type userRow struct {
	tenantID, id, email, name, role string
	passwordHash, totpSecret        string
	totpEnabled, disabled           uint8
	inviteHash                      string
	inviteExpires, createdAt        time.Time
	version                         uint64
}

func (r userRow) user(now time.Time) User {
	return User{TenantID: r.tenantID, ID: r.id, Email: r.email, Name: r.name, Role: tenant.Role(r.role),
		HasPassword: r.passwordHash != "", TOTPEnabled: r.totpEnabled == 1, Disabled: r.disabled == 1,
		InvitePending: r.inviteHash != "" && now.Before(r.inviteExpires), CreatedAt: r.createdAt}
}

// noTime stands for "none" in DateTime columns, which cannot hold Go's zero time.
var noTime = time.Unix(0, 0).UTC()

const userColumns = `toString(user_id), argMax(email, version) AS cur_email, argMax(display_name, version),
	argMax(toString(role), version), argMax(password_hash, version), argMax(totp_secret, version),
	argMax(totp_enabled, version), argMax(disabled, version), argMax(invite_hash, version),
	argMax(invite_expires, version), min(created_at), max(version)`

type scanner interface{ Scan(dest ...any) error }

func scanUser(sc scanner, tenantID string) (userRow, error) {
	r := userRow{tenantID: tenantID}
	err := sc.Scan(&r.id, &r.email, &r.name, &r.role, &r.passwordHash, &r.totpSecret, &r.totpEnabled,
		&r.disabled, &r.inviteHash, &r.inviteExpires, &r.createdAt, &r.version)
	return r, err
}

// findUsers reads a tenant's users, all of them or the one with userID or the one with email. Users are
// found with argMax over versions rather than FINAL, because FINAL filters before it collapses on old
// servers: a WHERE on the e-mail could match a superseded version.
func (s *Service) findUsers(ctx context.Context, tenantID, userID, email string) ([]userRow, error) {
	q := `SELECT ` + userColumns + ` FROM users WHERE tenant_id = ?`
	args := []any{tenantID}
	if userID != "" {
		id, err := uuid.Parse(userID)
		if err != nil {
			return nil, nil
		}
		q += ` AND user_id = ?`
		args = append(args, id)
	}
	q += ` GROUP BY user_id`
	if email != "" {
		q += ` HAVING cur_email = ?`
		args = append(args, email)
	}
	q += ` ORDER BY min(created_at), user_id`
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	defer rows.Close()
	var out []userRow
	for rows.Next() {
		r, err := scanUser(rows, tenantID)
		if err != nil {
			return nil, fmt.Errorf("read users: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	return out, nil
}

func (s *Service) userByID(ctx context.Context, tenantID, userID string) (userRow, error) {
	rs, err := s.findUsers(ctx, tenantID, userID, "")
	if err != nil {
		return userRow{}, err
	}
	if len(rs) == 0 {
		return userRow{}, ErrNotFound
	}
	return rs[0], nil
}

// userByEmail returns the user with an address. Two users can share one when two creations raced; the
// oldest wins, consistently.
func (s *Service) userByEmail(ctx context.Context, tenantID, email string) (userRow, error) {
	rs, err := s.findUsers(ctx, tenantID, "", email)
	if err != nil {
		return userRow{}, err
	}
	if len(rs) == 0 {
		return userRow{}, ErrNotFound
	}
	return rs[0], nil
}

// putUser stores a new version of a user. The version is at least one above the previous one, so a
// frozen test clock (or two writes within a nanosecond) still orders them.
func (s *Service) putUser(ctx context.Context, r *userRow) error {
	now := s.now()
	r.version = max(uint64(now.UnixNano()), r.version+1)
	if r.createdAt.IsZero() {
		r.createdAt = now
	}
	if r.inviteExpires.IsZero() {
		r.inviteExpires = noTime
	}
	return db.Insert(ctx, s.conn, `INSERT INTO users (tenant_id, user_id, email, display_name, role, password_hash,
		totp_secret, totp_enabled, disabled, invite_hash, invite_expires, created_at, updated_at, version)`,
		[]any{r.tenantID, uuid.MustParse(r.id), r.email, r.name, r.role, r.passwordHash, r.totpSecret,
			r.totpEnabled, r.disabled, r.inviteHash, r.inviteExpires.UTC(), r.createdAt.UTC(), now, r.version})
}

// NormalizeEmail folds full-width characters and case (ｔａｒｏ＠ＥＸＡＭＰＬＥ.jp → taro@example.jp) and checks
// that the result is a bare address.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(norm.NFKC.String(email)))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || len(e) > 254 {
		return "", &ValidationError{Field: "email", Message: "not a valid e-mail address"}
	}
	return e, nil
}

// Password length bounds: NIST SP 800-63B asks for at least 8 and allows long passphrases; the upper
// bound only keeps hashing cheap to refuse.
const (
	minPasswordLen = 10
	maxPasswordLen = 256
)

// ValidatePassword checks a new password's length in characters.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	if n < minPasswordLen {
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at least %d characters", minPasswordLen)}
	}
	if len(password) > maxPasswordLen {
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at most %d bytes", maxPasswordLen)}
	}
	return nil
}

// newUser checks the inputs of CreateUser and Invite and returns the row to store (without a password).
// An existing user with the address is returned as the second value.
func (s *Service) newUser(ctx context.Context, tenantID, email, name string, role tenant.Role) (userRow, *userRow, error) {
	if err := tenant.ValidateID(tenantID); err != nil {
		return userRow{}, nil, &ValidationError{Field: "tenant", Message: err.Error()}
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return userRow{}, nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return userRow{}, nil, &ValidationError{Field: "name", Message: "required, at most 100 characters"}
	}
	if !role.Valid() {
		return userRow{}, nil, &ValidationError{Field: "role", Message: "want hr_admin, hr_viewer or leadership"}
	}
	if s.tenants != nil {
		if _, err := s.tenants.Get(ctx, tenantID); err != nil {
			return userRow{}, nil, err
		}
	}
	existing, err := s.userByEmail(ctx, tenantID, email)
	switch {
	case err == nil:
		return userRow{}, &existing, nil
	case !errors.Is(err, ErrNotFound):
		return userRow{}, nil, err
	}
	return userRow{tenantID: tenantID, id: uuid.NewString(), email: email, name: name, role: string(role)}, nil, nil
}

// CreateUser adds a user with a password, for the CLI and the demo seed. The address must be new to the
// tenant. ClickHouse cannot enforce that: two creations racing may both succeed, and sign-in then uses
// the older user.
func (s *Service) CreateUser(ctx context.Context, tenantID, email, name string, role tenant.Role, password string) (User, error) {
	if err := ValidatePassword(password); err != nil {
		return User{}, err
	}
	r, existing, err := s.newUser(ctx, tenantID, email, name, role)
	if err != nil {
		return User{}, err
	}
	if existing != nil {
		return User{}, ErrUserExists
	}
	if r.passwordHash, err = s.hashPassword(ctx, password); err != nil {
		return User{}, err
	}
	if err := s.putUser(ctx, &r); err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	if err := s.record(ctx, tenantID, "system", "auth.user_create", r.id, "role="+r.role); err != nil {
		return User{}, err
	}
	return r.user(s.now()), nil
}

// Invite creates a user without a password and a single-use invitation to set one, and mails the link
// when a Mailer is configured. Inviting an address again before its user has set a password replaces the
// invitation (the old link stops working) and keeps the user; a user with a password gives ErrUserExists.
// inviter is the audit actor ("user:<id>", "cli").
func (s *Service) Invite(ctx context.Context, tenantID, email, name string, role tenant.Role, inviter string) (Invitation, error) {
	r, existing, err := s.newUser(ctx, tenantID, email, name, role)
	if err != nil {
		return Invitation{}, err
	}
	if existing != nil {
		if existing.passwordHash != "" {
			return Invitation{}, ErrUserExists
		}
		r = *existing
		r.name, r.role = strings.TrimSpace(name), string(role)
	}
	token, hash, err := newSecret()
	if err != nil {
		return Invitation{}, err
	}
	r.inviteHash, r.inviteExpires = hash, s.now().Add(s.opt.InviteTTL).Truncate(time.Second)
	if err := s.putUser(ctx, &r); err != nil {
		return Invitation{}, fmt.Errorf("store invitation: %w", err)
	}
	if err := s.record(ctx, tenantID, inviter, "auth.invite", r.id, "role="+r.role); err != nil {
		return Invitation{}, err
	}
	inv := Invitation{User: r.user(s.now()), Token: tenantID + "." + r.id + "." + token, ExpiresAt: r.inviteExpires}
	inv.Link = s.opt.BaseURL + "/invite/" + inv.Token
	if s.opt.Mailer != nil {
		if err := s.opt.Mailer.SendInvite(ctx, tenantID, r.email, r.name, inv.Link); err != nil {
			return inv, fmt.Errorf("send invitation to user %s: %w", r.id, err)
		}
	}
	return inv, nil
}

// newSecret returns a random URL-safe secret and its SHA-256 (hex), the only form stored. The secrets are
// 256 random bits, so a fast hash is enough: there is nothing to guess.
func newSecret() (secret, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("random secret: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	return secret, hashToken(secret), nil
}

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// invitation finds the user an invitation token belongs to, if it is valid now.
func (s *Service) invitation(ctx context.Context, token string) (userRow, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || tenant.ValidateID(parts[0]) != nil || parts[2] == "" {
		return userRow{}, ErrInvalidInvitation
	}
	r, err := s.userByID(ctx, parts[0], parts[1])
	if errors.Is(err, ErrNotFound) {
		return userRow{}, ErrInvalidInvitation
	}
	if err != nil {
		return userRow{}, err
	}
	if r.inviteHash == "" || r.disabled == 1 || !s.now().Before(r.inviteExpires) ||
		subtle.ConstantTimeCompare([]byte(r.inviteHash), []byte(hashToken(parts[2]))) != 1 {
		return userRow{}, ErrInvalidInvitation
	}
	return r, nil
}

// InvitationUser returns the user an invitation token is for, or ErrInvalidInvitation.
func (s *Service) InvitationUser(ctx context.Context, token string) (User, error) {
	r, err := s.invitation(ctx, token)
	if err != nil {
		return User{}, err
	}
	return r.user(s.now()), nil
}

// AcceptInvitation sets the password of an invited user and uses the invitation up. Two acceptances
// racing within milliseconds could both pass the check; the later password version wins, and both were
// made by the holder of the link.
func (s *Service) AcceptInvitation(ctx context.Context, token, password string) (User, error) {
	if err := ValidatePassword(password); err != nil {
		return User{}, err
	}
	r, err := s.invitation(ctx, token)
	if err != nil {
		return User{}, err
	}
	if r.passwordHash, err = s.hashPassword(ctx, password); err != nil {
		return User{}, err
	}
	r.inviteHash, r.inviteExpires = "", noTime
	if err := s.putUser(ctx, &r); err != nil {
		return User{}, fmt.Errorf("set password: %w", err)
	}
	if err := s.record(ctx, r.tenantID, "user:"+r.id, "auth.invite_accept", r.id, ""); err != nil {
		return User{}, err
	}
	return r.user(s.now()), nil
}

// GetUser returns one user of a tenant.
func (s *Service) GetUser(ctx context.Context, tenantID, userID string) (User, error) {
	r, err := s.userByID(ctx, tenantID, userID)
	if err != nil {
		return User{}, err
	}
	return r.user(s.now()), nil
}

// ListUsers returns a tenant's users, oldest first.
func (s *Service) ListUsers(ctx context.Context, tenantID string) ([]User, error) {
	rs, err := s.findUsers(ctx, tenantID, "", "")
	if err != nil {
		return nil, err
	}
	out := make([]User, len(rs))
	for i, r := range rs {
		out[i] = r.user(s.now())
	}
	return out, nil
}

// SetDisabled disables or re-enables a user. A disabled user cannot sign in, and their open sessions stop
// working at their next request. actor is the audit actor.
func (s *Service) SetDisabled(ctx context.Context, tenantID, userID string, disabled bool, actor string) error {
	r, err := s.userByID(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	r.disabled = 0
	action := "auth.user_enable"
	if disabled {
		r.disabled, action = 1, "auth.user_disable"
	}
	if err := s.putUser(ctx, &r); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return s.record(ctx, tenantID, actor, action, r.id, "")
}
