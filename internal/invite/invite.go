// Package invite holds survey invitations: one per (tenant, alumnus, survey, wave), the signed link that
// opens it, and the append-only history of what happened to it (planned, sent, opened, submitted…).
package invite

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/invitetoken"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Errors callers react to.
var (
	ErrNotFound = errors.New("invitation not found")
	// ErrNotAllowed: the alumnus was erased, opted out, or has not consented; no invitation may exist.
	ErrNotAllowed = errors.New("this person may not be surveyed")
)

// Event is something that happened to an invitation.
type Event string

// Invitation events, as in the invitation_events table.
const (
	EventPlanned   Event = "planned"
	EventSending   Event = "sending"
	EventSent      Event = "sent"
	EventReminding Event = "reminding"
	EventReminded  Event = "reminded"
	EventOpened    Event = "opened"
	EventSubmitted Event = "submitted"
	EventBounced   Event = "bounced"
	EventFailed    Event = "failed"
	EventExpired   Event = "expired"
	EventOptedOut  Event = "opted_out"
	EventSkipped   Event = "skipped"
)

// Invitation asks one alumnus to answer one survey in one wave.
type Invitation struct {
	TenantID  string
	ID        uuid.UUID
	AlumnusID uuid.UUID
	SurveyID  string
	Wave      string
	Locale    string
	DueAt     time.Time
	ClosesAt  time.Time
	CreatedAt time.Time
}

// Closed reports whether the invitation no longer takes answers at now.
func (i Invitation) Closed(now time.Time) bool {
	return !i.ClosesAt.IsZero() && !now.Before(i.ClosesAt)
}

// Eligibility tells whether an alumnus may be surveyed; the alumni registry implements it.
type Eligibility interface {
	Surveyable(ctx context.Context, tenantID string, alumnusID uuid.UUID) (locale string, err error)
}

// Store keeps invitations and their events in ClickHouse and signs their links.
type Store struct {
	conn    db.Conn
	tenants *tenant.Store
	elig    Eligibility
	idKey   []byte
	linkKey []byte
	now     func() time.Time
}

// NewStore returns a Store. secret is the master secret: invitation ids and link keys derive from it.
func NewStore(conn db.Conn, tenants *tenant.Store, elig Eligibility, secret []byte) *Store {
	return &Store{conn: conn, tenants: tenants, elig: elig,
		idKey: derive(secret, "invitation-id/v1"), linkKey: derive(secret, "link-key/v1"), now: time.Now}
}

func derive(secret []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("alumnipulse/" + purpose))
	return mac.Sum(nil)
}

// ID is the invitation id of (tenant, alumnus, survey, wave): the idempotency key of every send.
func (s *Store) ID(tenantID string, alumnusID uuid.UUID, surveyID, wave string) uuid.UUID {
	mac := hmac.New(sha256.New, s.idKey)
	for _, part := range [][]byte{[]byte(tenantID), alumnusID[:], []byte(surveyID), []byte(wave)} {
		mac.Write(part)
		mac.Write([]byte{0})
	}
	var id uuid.UUID
	copy(id[:], mac.Sum(nil))
	id[6] = (id[6] & 0x0f) | 0x80
	id[8] = (id[8] & 0x3f) | 0x80
	return id
}

// Create stores an invitation (or returns the existing one: creating twice is harmless). It refuses
// people who were erased, opted out or did not consent.
func (s *Store) Create(ctx context.Context, inv Invitation) (Invitation, error) {
	locale, err := s.elig.Surveyable(ctx, inv.TenantID, inv.AlumnusID)
	if err != nil {
		return Invitation{}, err
	}
	inv.ID = s.ID(inv.TenantID, inv.AlumnusID, inv.SurveyID, inv.Wave)
	if old, err := s.Get(ctx, inv.TenantID, inv.ID); err == nil {
		return old, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Invitation{}, err
	}
	// DateTime columns keep whole seconds: truncate so the returned value equals what is stored.
	now := s.now().UTC().Truncate(time.Second)
	if inv.Locale == "" {
		inv.Locale = locale
	}
	if inv.DueAt.IsZero() {
		inv.DueAt = now
	}
	if inv.ClosesAt.IsZero() {
		inv.ClosesAt = inv.DueAt.AddDate(0, 0, 28)
	}
	inv.CreatedAt = now
	inv.DueAt, inv.ClosesAt = inv.DueAt.UTC().Truncate(time.Second), inv.ClosesAt.UTC().Truncate(time.Second)
	if err := s.Put(ctx, inv); err != nil {
		return Invitation{}, err
	}
	return inv, nil
}

// Put writes an invitation as it is (a new version replaces the old one: to move a close date, say).
func (s *Store) Put(ctx context.Context, inv Invitation) error {
	err := db.Insert(ctx, s.conn, `INSERT INTO invitations (tenant_id, invitation_id, alumnus_id, survey_id, wave, locale,
		due_at, closes_at, created_at, version)`,
		[]any{inv.TenantID, inv.ID, inv.AlumnusID, inv.SurveyID, inv.Wave, inv.Locale, inv.DueAt.UTC(), inv.ClosesAt.UTC(),
			inv.CreatedAt.UTC(), uint64(s.now().UnixNano())})
	if err != nil {
		return fmt.Errorf("store invitation: %w", err)
	}
	return nil
}

// Get returns an invitation.
func (s *Store) Get(ctx context.Context, tenantID string, id uuid.UUID) (Invitation, error) {
	inv := Invitation{TenantID: tenantID, ID: id}
	err := s.conn.QueryRow(ctx, `
		SELECT alumnus_id, survey_id, wave, locale, due_at, closes_at, created_at
		FROM invitations FINAL
		WHERE tenant_id = ? AND invitation_id = ?`, tenantID, id).Scan(
		&inv.AlumnusID, &inv.SurveyID, &inv.Wave, &inv.Locale, &inv.DueAt, &inv.ClosesAt, &inv.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, ErrNotFound
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("read invitation: %w", err)
	}
	return inv, nil
}

// Record appends an event to an invitation's history. seq numbers reminders (1, 2, …); 0 otherwise.
func (s *Store) Record(ctx context.Context, inv Invitation, e Event, seq int, detail string) error {
	err := db.Insert(ctx, s.conn, "INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)",
		[]any{inv.TenantID, inv.ID, inv.SurveyID, inv.Wave, string(e), uint16(seq), s.now().UTC(), detail})
	if err != nil {
		return fmt.Errorf("record invitation %s: %w", e, err)
	}
	return nil
}

// History returns the events of an invitation, oldest first.
func (s *Store) History(ctx context.Context, tenantID string, id uuid.UUID) ([]Event, error) {
	rows, err := s.conn.Query(ctx, `
		SELECT toString(event) FROM invitation_events
		WHERE tenant_id = ? AND invitation_id = ?
		ORDER BY at, event`, tenantID, id)
	if err != nil {
		return nil, fmt.Errorf("read invitation events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("read invitation events: %w", err)
		}
		out = append(out, Event(e))
	}
	return out, rows.Err()
}

// keyring returns the tenant's link keys: the current key id signs, older ones still verify.
func (s *Store) keyring(ctx context.Context, tenantID string) (invitetoken.Keyring, error) {
	t, err := s.tenants.Get(ctx, tenantID)
	if err != nil {
		return invitetoken.Keyring{}, err
	}
	st := t.Settings.WithDefaults()
	secrets := map[string][]byte{st.LinkKeyID: s.linkSecret(tenantID, st.LinkKeyID)}
	for _, k := range st.OldLinkKeyIDs {
		secrets[k] = s.linkSecret(tenantID, k)
	}
	return invitetoken.NewKeyring(st.LinkKeyID, secrets)
}

func (s *Store) linkSecret(tenantID, keyID string) []byte {
	mac := hmac.New(sha256.New, s.linkKey)
	mac.Write([]byte(tenantID))
	mac.Write([]byte{0})
	mac.Write([]byte(keyID))
	return mac.Sum(nil)
}

// Token signs the link token of an invitation; it expires when the invitation closes, plus a grace
// period during which the link still shows the friendly "closed" page and opt-out keeps working.
func (s *Store) Token(ctx context.Context, inv Invitation) (string, error) {
	k, err := s.keyring(ctx, inv.TenantID)
	if err != nil {
		return "", err
	}
	return invitetoken.Sign(k, invitetoken.Payload{TenantID: inv.TenantID, InvitationID: inv.ID, ExpiresAt: inv.ClosesAt}), nil
}

// Resolve verifies a link token and returns its invitation. A tampered, unknown or other-tenant token is
// ErrNotFound; an expired one returns the invitation together with invitetoken.ErrExpired.
func (s *Store) Resolve(ctx context.Context, token string) (Invitation, error) {
	p, err := invitetoken.Verify(lookup{s, ctx}, token, s.now())
	if err != nil && !errors.Is(err, invitetoken.ErrExpired) {
		return Invitation{}, ErrNotFound
	}
	inv, gerr := s.Get(ctx, p.TenantID, p.InvitationID)
	if gerr != nil {
		return Invitation{}, gerr
	}
	return inv, err
}

type lookup struct {
	s   *Store
	ctx context.Context
}

// Secret implements invitetoken.KeyringLookup with the tenant's current and older key ids.
func (l lookup) Secret(tenantID, keyID string) ([]byte, bool) {
	k, err := l.s.keyring(l.ctx, tenantID)
	if err != nil {
		return nil, false
	}
	if keyID == k.Current() {
		return l.s.linkSecret(tenantID, keyID), true
	}
	t, err := l.s.tenants.Get(l.ctx, tenantID)
	if err != nil {
		return nil, false
	}
	for _, old := range t.Settings.OldLinkKeyIDs {
		if old == keyID {
			return l.s.linkSecret(tenantID, keyID), true
		}
	}
	return nil, false
}
