package invitetoken

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

var (
	secretA1 = bytes.Repeat([]byte{0xa1}, 32)
	secretA2 = bytes.Repeat([]byte{0xa2}, 32)
	secretB1 = bytes.Repeat([]byte{0xb1}, 32)
	now      = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	inv      = uuid.MustParse("6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab")
)

func keyring(t testing.TB, current string, secrets map[string][]byte) Keyring {
	t.Helper()
	k, err := NewKeyring(current, secrets)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func payload(tenant string) Payload {
	return Payload{TenantID: tenant, InvitationID: inv, ExpiresAt: now.Add(30 * 24 * time.Hour)}
}

func TestRoundTrip(t *testing.T) {
	a := keyring(t, "k1", map[string][]byte{"k1": secretA1})
	p := payload("acme")
	p.ExpiresAt = p.ExpiresAt.Add(987 * time.Millisecond) // dropped: seconds only
	p.KeyID = "ignored"
	token := Sign(a, p)
	got, err := Verify(Keyrings{"acme": a}, token, now)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Payload{TenantID: "acme", InvitationID: inv, ExpiresAt: now.Add(30 * 24 * time.Hour), KeyID: "k1"}
	if got != want {
		t.Errorf("payload = %+v, want %+v", got, want)
	}
	if strings.ContainsAny(token, "+/=") || len(token) != 66 {
		t.Errorf("token %q (%d chars): want 66 URL-safe characters", token, len(token))
	}
	// Unguessable means unique per invitation, not merely per tenant.
	p.InvitationID = uuid.New()
	if Sign(a, p) == token {
		t.Error("two invitations got the same token")
	}
}

func TestTamperedByte(t *testing.T) {
	a := keyring(t, "k1", map[string][]byte{"k1": secretA1})
	token := Sign(a, payload("acme"))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(token) {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, token[i])+1)%64], alphabet[(strings.IndexByte(alphabet, token[i])+32)%64]} {
			bad := token[:i] + string(c) + token[i+1:]
			_, err := Verify(Keyrings{"acme": a}, bad, now)
			if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("token with char %d changed to %q: err = %v", i, c, err)
			}
		}
	}
	// Tampering with the decoded bytes, re-encoded canonically, is always a bad signature
	// when the structure survives, e.g. another invitation id or a later expiry.
	raw, _ := base64.RawURLEncoding.DecodeString(token)
	for _, off := range []int{len(raw) - tagLen - 1, len(raw) - tagLen - 9, len(raw) - 1} {
		mod := bytes.Clone(raw)
		mod[off] ^= 0x01
		_, err := Verify(Keyrings{"acme": a}, base64.RawURLEncoding.EncodeToString(mod), now)
		if !errors.Is(err, ErrBadSignature) {
			t.Errorf("byte %d flipped: err = %v, want ErrBadSignature", off, err)
		}
	}
}

func TestOtherTenant(t *testing.T) {
	a := keyring(t, "k1", map[string][]byte{"k1": secretA1})
	b := keyring(t, "k1", map[string][]byte{"k1": secretB1})
	token := Sign(a, payload("acme"))

	// Tenant A's token checked against B's key under A's name (a mix-up in the lookup).
	if _, err := Verify(Keyrings{"acme": b}, token, now); !errors.Is(err, ErrBadSignature) {
		t.Errorf("A's token with B's key: err = %v", err)
	}
	// Rewriting the tenant id inside the token to B fails even when B shares A's secret.
	shared := Keyrings{"acme": a, "beta": a}
	raw, _ := base64.RawURLEncoding.DecodeString(token)
	forged := bytes.Replace(raw, []byte{4, 'a', 'c', 'm', 'e'}, []byte{4, 'b', 'e', 't', 'a'}, 1)
	if _, err := Verify(shared, base64.RawURLEncoding.EncodeToString(forged), now); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tenant rewritten to beta: err = %v", err)
	}
	// B's own token verifies as B, and only as B.
	tb := Sign(b, payload("beta"))
	if p, err := Verify(Keyrings{"acme": a, "beta": b}, tb, now); err != nil || p.TenantID != "beta" {
		t.Errorf("B's token: %+v, %v", p, err)
	}
}

func TestExpired(t *testing.T) {
	a := keyring(t, "k1", map[string][]byte{"k1": secretA1})
	p := payload("acme")
	token := Sign(a, p)
	if _, err := Verify(Keyrings{"acme": a}, token, p.ExpiresAt.Add(-time.Second)); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	for _, at := range []time.Time{p.ExpiresAt, p.ExpiresAt.Add(24 * time.Hour)} {
		got, err := Verify(Keyrings{"acme": a}, token, at)
		if !errors.Is(err, ErrExpired) {
			t.Errorf("at %v: err = %v, want ErrExpired", at, err)
		}
		if got.TenantID != "acme" || got.InvitationID != inv {
			t.Errorf("expired token must still return its payload, got %+v", got)
		}
	}
}

func TestRotation(t *testing.T) {
	old := keyring(t, "2026a", map[string][]byte{"2026a": secretA1})
	oldToken := Sign(old, payload("acme"))

	rotated := keyring(t, "2026b", map[string][]byte{"2026a": secretA1, "2026b": secretA2})
	lookup := Keyrings{"acme": rotated}
	if p, err := Verify(lookup, oldToken, now); err != nil || p.KeyID != "2026a" {
		t.Errorf("token of the previous key after rotation: %+v, %v", p, err)
	}
	newToken := Sign(rotated, payload("acme"))
	if p, err := Verify(lookup, newToken, now); err != nil || p.KeyID != "2026b" {
		t.Errorf("token of the new key: %+v, %v", p, err)
	}

	// Once the old key is dropped, its tokens no longer verify.
	retired := Keyrings{"acme": keyring(t, "2026b", map[string][]byte{"2026b": secretA2})}
	if _, err := Verify(retired, oldToken, now); !errors.Is(err, ErrBadSignature) {
		t.Errorf("token of a dropped key: err = %v, want ErrBadSignature", err)
	}
	if _, err := Verify(Keyrings{}, newToken, now); !errors.Is(err, ErrBadSignature) {
		t.Errorf("unknown tenant: err = %v, want ErrBadSignature", err)
	}
}

func TestMalformed(t *testing.T) {
	a := keyring(t, "k1", map[string][]byte{"k1": secretA1})
	token := Sign(a, payload("acme"))
	raw, _ := base64.RawURLEncoding.DecodeString(token)
	enc := base64.RawURLEncoding.EncodeToString
	withVersion := bytes.Clone(raw)
	withVersion[0] = 2
	for name, bad := range map[string]string{
		"empty":            "",
		"not base64":       "not a token!",
		"std alphabet":     strings.NewReplacer("-", "+", "_", "/").Replace(token) + "+/",
		"padded":           token + "==",
		"newline inside":   token[:10] + "\n" + token[10:],
		"truncated":        token[:len(token)-4],
		"trailing byte":    enc(append(bytes.Clone(raw[:len(raw)-tagLen]), append([]byte{0}, raw[len(raw)-tagLen:]...)...)),
		"other version":    enc(withVersion),
		"tag only":         enc(raw[len(raw)-tagLen:]),
		"too long":         strings.Repeat("A", maxTokenLen+4),
		"non-zero padding": token[:len(token)-1] + string(token[len(token)-1]+1),
	} {
		if _, err := Verify(Keyrings{"acme": a}, bad, now); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func TestNewKeyring(t *testing.T) {
	for name, tc := range map[string]struct {
		current string
		secrets map[string][]byte
	}{
		"current missing": {"k2", map[string][]byte{"k1": secretA1}},
		"short secret":    {"k1", map[string][]byte{"k1": secretA1[:31]}},
		"short old key":   {"k1", map[string][]byte{"k1": secretA1, "k0": []byte("pw")}},
		"empty key id":    {"", map[string][]byte{"": secretA1}},
		"long key id":     {strings.Repeat("k", 33), map[string][]byte{strings.Repeat("k", 33): secretA1}},
	} {
		if _, err := NewKeyring(tc.current, tc.secrets); err == nil {
			t.Errorf("%s: NewKeyring succeeded", name)
		}
	}
	// The keyring keeps its own copy of the secrets.
	secret := bytes.Clone(secretA1)
	k := keyring(t, "k1", map[string][]byte{"k1": secret})
	token := Sign(k, payload("acme"))
	secret[0] ^= 0xff
	if _, err := Verify(Keyrings{"acme": k}, token, now); err != nil {
		t.Errorf("changing the caller's slice changed the keyring: %v", err)
	}
}

func TestSignPanicsOnMisuse(t *testing.T) {
	a := keyring(t, "k1", map[string][]byte{"k1": secretA1})
	for name, f := range map[string]func(){
		"zero keyring": func() { Sign(Keyring{}, payload("acme")) },
		"empty tenant": func() { Sign(a, payload("")) },
		"long tenant":  func() { Sign(a, payload(strings.Repeat("t", MaxTenantIDLen+1))) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Sign did not panic", name)
				}
			}()
			f()
		}()
	}
	// The longest allowed ids still make a token Verify accepts.
	long := keyring(t, strings.Repeat("k", MaxKeyIDLen), map[string][]byte{strings.Repeat("k", MaxKeyIDLen): secretA1})
	tenant := strings.Repeat("t", MaxTenantIDLen)
	if _, err := Verify(Keyrings{tenant: long}, Sign(long, payload(tenant)), now); err != nil {
		t.Errorf("longest ids: %v", err)
	}
}

// FuzzVerify feeds arbitrary tokens: Verify must never panic, and any token it
// accepts must be exactly the one Sign makes for its payload (no second
// spelling of a valid token exists).
func FuzzVerify(f *testing.F) {
	a := keyring(f, "k1", map[string][]byte{"k1": secretA1})
	lookup := Keyrings{"acme": a}
	f.Add(Sign(a, payload("acme")))
	p := payload("acme")
	p.ExpiresAt = now.Add(-time.Hour)
	f.Add(Sign(a, p))
	f.Add("AQJrMQRhY21l")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		p, err := Verify(lookup, token, now)
		switch {
		case err == nil, errors.Is(err, ErrExpired):
			if again := Sign(a, p); again != token {
				t.Fatalf("accepted %q, but Sign gives %q", token, again)
			}
			if (err == nil) != now.Before(p.ExpiresAt) {
				t.Fatalf("expiry %v at %v: err = %v", p.ExpiresAt, now, err)
			}
		case errors.Is(err, ErrMalformed), errors.Is(err, ErrBadSignature):
			if p != (Payload{}) {
				t.Fatalf("rejected token returned payload %+v", p)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	a := keyring(b, "k1", map[string][]byte{"k1": secretA1})
	p := payload("acme")
	for b.Loop() {
		Sign(a, p)
	}
}

func BenchmarkVerify(b *testing.B) {
	a := keyring(b, "k1", map[string][]byte{"k1": secretA1})
	lookup := Keyrings{"acme": a}
	token := Sign(a, payload("acme"))
	for b.Loop() {
		if _, err := Verify(lookup, token, now); err != nil {
			b.Fatal(err)
		}
	}
}
