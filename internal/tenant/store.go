package tenant

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// Store reads and writes tenants and API keys in ClickHouse.
type Store struct {
	conn db.Conn
	now  func() time.Time
}

// NewStore returns a Store on conn.
func NewStore(conn db.Conn) *Store {
	return &Store{conn: conn, now: time.Now}
}

// Put creates or replaces a tenant.
func (s *Store) Put(ctx context.Context, t Tenant) error {
	if err := t.Validate(); err != nil {
		return err
	}
	settings, err := json.Marshal(t.Settings)
	if err != nil {
		return fmt.Errorf("encode tenant settings: %w", err)
	}
	now := s.now().UTC()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	return db.Insert(ctx, s.conn,
		"INSERT INTO tenants (tenant_id, name, time_zone, default_locale, settings, created_at, version)",
		[]any{t.ID, t.Name, t.TimeZone, t.DefaultLocale, string(settings), t.CreatedAt.UTC(), uint64(now.UnixNano())})
}

// Get returns a tenant by id.
func (s *Store) Get(ctx context.Context, id string) (Tenant, error) {
	ts, err := s.list(ctx, id)
	if err != nil {
		return Tenant{}, err
	}
	if len(ts) == 0 {
		return Tenant{}, fmt.Errorf("tenant %q: %w", id, ErrNotFound)
	}
	return ts[0], nil
}

// List returns every tenant.
func (s *Store) List(ctx context.Context) ([]Tenant, error) {
	return s.list(ctx, "")
}

func (s *Store) list(ctx context.Context, id string) ([]Tenant, error) {
	rows, err := s.conn.Query(ctx, `
		SELECT tenant_id, argMax(name, version), argMax(time_zone, version), argMax(default_locale, version),
		       argMax(settings, version), min(created_at)
		FROM tenants
		WHERE (? = '' OR tenant_id = ?)
		GROUP BY tenant_id
		ORDER BY tenant_id`, id, id)
	if err != nil {
		return nil, fmt.Errorf("read tenants: %w", err)
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		var t Tenant
		var settings string
		if err := rows.Scan(&t.ID, &t.Name, &t.TimeZone, &t.DefaultLocale, &settings, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("read tenants: %w", err)
		}
		if settings != "" {
			if err := json.Unmarshal([]byte(settings), &t.Settings); err != nil {
				return nil, fmt.Errorf("tenant %s settings: %w", t.ID, err)
			}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// APIKey is a credential for the JSON API, bound to one tenant and one role.
type APIKey struct {
	TenantID  string
	KeyID     string
	Name      string
	Role      Role
	CreatedAt time.Time
}

// keyPrefix starts every API key, so leaked keys are easy to find with secret scanners.
const keyPrefix = "ap_"

// CreateAPIKey makes a new key and returns it with the secret token, which is shown once and never stored.
func (s *Store) CreateAPIKey(ctx context.Context, tenantID, name string, role Role) (APIKey, string, error) {
	if !role.Valid() {
		return APIKey{}, "", fmt.Errorf("api key role %q: want hr_admin, hr_viewer or leadership", role)
	}
	if _, err := s.Get(ctx, tenantID); err != nil {
		return APIKey{}, "", err
	}
	var idb [6]byte
	var secret [24]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return APIKey{}, "", fmt.Errorf("api key id: %w", err)
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return APIKey{}, "", fmt.Errorf("api key secret: %w", err)
	}
	k := APIKey{TenantID: tenantID, KeyID: hex.EncodeToString(idb[:]), Name: name, Role: role, CreatedAt: s.now().UTC()}
	sec := base64.RawURLEncoding.EncodeToString(secret[:])
	err := db.Insert(ctx, s.conn,
		"INSERT INTO api_keys (tenant_id, key_id, hash, name, role, created_at, revoked, version)",
		[]any{k.TenantID, k.KeyID, hashSecret(sec), k.Name, string(k.Role), k.CreatedAt, uint8(0), uint64(s.now().UnixNano())})
	if err != nil {
		return APIKey{}, "", fmt.Errorf("store api key: %w", err)
	}
	return k, keyPrefix + k.KeyID + "_" + sec, nil
}

// Authenticate checks an API key token and returns the key it belongs to.
func (s *Store) Authenticate(ctx context.Context, token string) (APIKey, error) {
	rest, ok := strings.CutPrefix(token, keyPrefix)
	keyID, sec, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || keyID == "" || sec == "" {
		return APIKey{}, fmt.Errorf("api key: %w", ErrNotFound)
	}
	var k APIKey
	var hash, role string
	var revoked uint8
	err := s.conn.QueryRow(ctx, `
		SELECT tenant_id, key_id, argMax(hash, version), argMax(name, version), argMax(toString(role), version),
		       min(created_at), argMax(revoked, version)
		FROM api_keys
		WHERE key_id = ?
		GROUP BY tenant_id, key_id`, keyID).Scan(&k.TenantID, &k.KeyID, &hash, &k.Name, &role, &k.CreatedAt, &revoked)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return APIKey{}, fmt.Errorf("api key: %w", ErrNotFound)
		}
		return APIKey{}, fmt.Errorf("read api key: %w", err)
	}
	if revoked != 0 || subtle.ConstantTimeCompare([]byte(hash), []byte(hashSecret(sec))) != 1 {
		return APIKey{}, fmt.Errorf("api key: %w", ErrNotFound)
	}
	k.Role = Role(role)
	return k, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
