// Package invitetoken makes and checks the signed, expiring tokens in survey
// invitation links.
//
// A token is URL-safe base64 (no padding) of
//
//	version(1) | len(keyID)(1) | keyID | len(tenantID)(1) | tenantID | invitationID(16) | expiry unix seconds(8, big-endian) | tag(16)
//
// where tag is HMAC-SHA256 over a fixed label and all the bytes before it,
// keyed with the tenant's secret named by keyID, truncated to 128 bits as in
// RFC 4868. The tenant id is signed, so a token of tenant A never verifies as
// tenant B, even if both used the same secret. A token is 66 characters for a
// 4-byte tenant id and a 2-byte key id, plus 4 for every 3 bytes more.
package invitetoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/google/uuid"
)

// Errors of Verify. The web layer answers ErrMalformed and ErrBadSignature
// alike (a plain 404) and ErrExpired with a "survey closed" page.
var (
	ErrMalformed    = errors.New("invitetoken: malformed token")
	ErrBadSignature = errors.New("invitetoken: bad signature")
	ErrExpired      = errors.New("invitetoken: token expired")
)

// Limits on what a token carries.
const (
	MinSecretLen   = 32 // bytes of a signing secret: the HMAC-SHA256 block security level
	MaxKeyIDLen    = 32 // bytes of a key id
	MaxTenantIDLen = 64 // bytes of a tenant id
)

const (
	version = 1
	tagLen  = 16
	// label separates these MACs from any other use of the same secret.
	label = "alumnipulse/invitetoken/v1\x00"
	// maxTokenLen bounds the work Verify does on hostile input.
	maxTokenLen = 256
)

var encoding = base64.RawURLEncoding.Strict()

// Payload is what a token carries.
type Payload struct {
	TenantID     string
	InvitationID uuid.UUID
	ExpiresAt    time.Time // kept to the second; the token is valid strictly before it
	KeyID        string    // set by Sign to the keyring's current key
}

// Keyring is one tenant's signing secrets by key id. It signs with the current
// key and verifies with any listed one, so a key can be rotated while links
// signed with the old one still work: add the new key as current, keep the old
// until its last token has expired, then drop it.
type Keyring struct {
	current string
	secrets map[string][]byte
}

// NewKeyring returns a keyring signing with secrets[current].
func NewKeyring(current string, secrets map[string][]byte) (Keyring, error) {
	if _, ok := secrets[current]; !ok {
		return Keyring{}, fmt.Errorf("new keyring: current key %q is not among the secrets", current)
	}
	for id, s := range secrets {
		if id == "" || len(id) > MaxKeyIDLen {
			return Keyring{}, fmt.Errorf("new keyring: key id %q must be 1 to %d bytes", id, MaxKeyIDLen)
		}
		if len(s) < MinSecretLen {
			return Keyring{}, fmt.Errorf("new keyring: secret %q is %d bytes, need at least %d", id, len(s), MinSecretLen)
		}
	}
	owned := maps.Clone(secrets)
	for id, s := range owned {
		owned[id] = append([]byte(nil), s...)
	}
	return Keyring{current: current, secrets: owned}, nil
}

// Current returns the id of the key new tokens are signed with.
func (k Keyring) Current() string { return k.current }

// KeyringLookup finds the secret a tenant's token was signed with.
type KeyringLookup interface {
	Secret(tenantID, keyID string) ([]byte, bool)
}

// Keyrings is a KeyringLookup over each tenant's keyring, by tenant id.
type Keyrings map[string]Keyring

var _ KeyringLookup = Keyrings(nil)

// Secret returns tenant tenantID's secret keyID.
func (ks Keyrings) Secret(tenantID, keyID string) ([]byte, bool) {
	s, ok := ks[tenantID].secrets[keyID]
	return s, ok
}

// Sign returns the token for p, signed with k's current key; p.KeyID is ignored.
// It panics on a zero Keyring or a tenant id that is empty or longer than
// MaxTenantIDLen: both are programming errors, not bad input.
func Sign(k Keyring, p Payload) string {
	if k.current == "" {
		panic("invitetoken: Sign with a zero Keyring; use NewKeyring")
	}
	if p.TenantID == "" || len(p.TenantID) > MaxTenantIDLen {
		panic(fmt.Sprintf("invitetoken: tenant id must be 1 to %d bytes, got %d", MaxTenantIDLen, len(p.TenantID)))
	}
	p.KeyID = k.current
	msg := marshal(p)
	return encoding.EncodeToString(append(msg, tag(k.secrets[k.current], msg)...))
}

// Verify checks token and returns its payload. An expired token that is
// otherwise valid returns its payload with ErrExpired, e.g. so that an
// unsubscribe link keeps working after the wave has closed.
func Verify(k KeyringLookup, token string, now time.Time) (Payload, error) {
	if len(token) > maxTokenLen {
		return Payload{}, ErrMalformed
	}
	// The standard decoder skips '\r' and '\n'; a token with them is not canonical.
	for i := 0; i < len(token); i++ {
		if c := token[i]; c == '\r' || c == '\n' {
			return Payload{}, ErrMalformed
		}
	}
	raw, err := encoding.DecodeString(token)
	if err != nil || len(raw) < tagLen {
		return Payload{}, ErrMalformed
	}
	msg, got := raw[:len(raw)-tagLen], raw[len(raw)-tagLen:]
	p, ok := unmarshal(msg)
	if !ok {
		return Payload{}, ErrMalformed
	}
	secret, ok := k.Secret(p.TenantID, p.KeyID)
	if !ok || !hmac.Equal(got, tag(secret, msg)) { // hmac.Equal takes constant time
		return Payload{}, ErrBadSignature
	}
	if !now.Before(p.ExpiresAt) {
		return p, ErrExpired
	}
	return p, nil
}

func tag(secret, msg []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	m.Write(msg)
	return m.Sum(nil)[:tagLen]
}

func marshal(p Payload) []byte {
	b := make([]byte, 0, 3+len(p.KeyID)+len(p.TenantID)+16+8)
	b = append(b, version, byte(len(p.KeyID)))
	b = append(b, p.KeyID...)
	b = append(b, byte(len(p.TenantID)))
	b = append(b, p.TenantID...)
	b = append(b, p.InvitationID[:]...)
	return binary.BigEndian.AppendUint64(b, uint64(p.ExpiresAt.Unix()))
}

// unmarshal parses the signed part of a token; it accepts exactly what marshal writes.
func unmarshal(b []byte) (Payload, bool) {
	var p Payload
	if len(b) < 2 || b[0] != version {
		return p, false
	}
	keyID, b, ok := field(b[1:], MaxKeyIDLen)
	if !ok {
		return p, false
	}
	tenantID, b, ok := field(b, MaxTenantIDLen)
	if !ok || len(b) != 16+8 {
		return p, false
	}
	p.KeyID, p.TenantID = keyID, tenantID
	copy(p.InvitationID[:], b[:16])
	p.ExpiresAt = time.Unix(int64(binary.BigEndian.Uint64(b[16:])), 0).UTC()
	return p, true
}

// field reads a length-prefixed, non-empty string of at most max bytes.
func field(b []byte, max int) (string, []byte, bool) {
	if len(b) < 1 {
		return "", nil, false
	}
	n := int(b[0])
	if n == 0 || n > max || len(b) < 1+n {
		return "", nil, false
	}
	return string(b[1 : 1+n]), b[1+n:], true
}
