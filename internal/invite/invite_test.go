package invite_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/invitetoken"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

const secret = "test-secret-test-secret-test-secret"

const people = "社員番号,氏名,メールアドレス,部署,退職日,退職区分,同意\n" +
	"E1,山田 太郎,taro@example.jp,営業本部,2025/3/31,自己都合,はい\n" +
	"E2,佐藤 花子,hanako@example.jp,開発本部,2025/3/31,自己都合,いいえ\n" +
	"E3,鈴木 一郎,,人事部,2025/3/31,自己都合,はい\n"

type fixture struct {
	tenants *tenant.Store
	alumni  *alumni.Store
	inv     *invite.Store
}

func setup(t *testing.T) fixture {
	t.Helper()
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	f := fixture{tenants: tenant.NewStore(conn)}
	f.alumni = alumni.NewStore(conn, []byte(secret), audit.New(conn))
	f.inv = invite.NewStore(conn, f.tenants, f.alumni, []byte(secret))
	for _, id := range []string{"acme", "other"} {
		if err := f.tenants.Put(ctx, tenant.Tenant{ID: id, Name: id, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
			t.Fatal(err)
		}
		_, err := f.alumni.Import(ctx, id, func() (alumni.Source, error) {
			return alumni.NewReader(bytes.NewReader([]byte(people)), alumni.ReaderOptions{})
		}, alumni.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestCreateResolveAndRefuse(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	e1 := f.alumni.AlumnusID("acme", "E1")
	inv, err := f.inv.Create(ctx, invite.Invitation{TenantID: "acme", AlumnusID: e1, SurveyID: "alumni-3m", Wave: "3m"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.inv.Create(ctx, invite.Invitation{TenantID: "acme", AlumnusID: e1, SurveyID: "alumni-3m", Wave: "3m"})
	if err != nil || again.ID != inv.ID || !again.CreatedAt.Equal(inv.CreatedAt) {
		t.Errorf("second Create = %+v, %v; want the same invitation", again, err)
	}
	token, err := f.inv.Token(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.inv.Resolve(ctx, token)
	if err != nil || got.ID != inv.ID || got.TenantID != "acme" {
		t.Fatalf("Resolve = %+v, %v", got, err)
	}
	tampered := []byte(token)
	tampered[len(tampered)/2] ^= 1
	if _, err := f.inv.Resolve(ctx, string(tampered)); !errors.Is(err, invite.ErrNotFound) {
		t.Errorf("tampered token: %v", err)
	}
	if _, err := f.inv.Resolve(ctx, "nonsense"); !errors.Is(err, invite.ErrNotFound) {
		t.Errorf("garbage token: %v", err)
	}

	// Key rotation: a link signed with the old key still opens once the key is listed as old.
	tn, _ := f.tenants.Get(ctx, "acme")
	tn.Settings.LinkKeyID, tn.Settings.OldLinkKeyIDs = "k2", []string{"k1"}
	if err := f.tenants.Put(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inv.Resolve(ctx, token); err != nil {
		t.Errorf("old-key token after rotation: %v", err)
	}
	tn.Settings.OldLinkKeyIDs = nil
	if err := f.tenants.Put(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inv.Resolve(ctx, token); !errors.Is(err, invite.ErrNotFound) {
		t.Errorf("token of a retired key: %v", err)
	}

	// People who may not be surveyed get no invitation.
	for code, want := range map[string]error{"E2": alumni.ErrNotSurveyable, "E3": alumni.ErrNotSurveyable, "E9": alumni.ErrNotFound} {
		_, err := f.inv.Create(ctx, invite.Invitation{TenantID: "acme", AlumnusID: f.alumni.AlumnusID("acme", code), SurveyID: "alumni-3m", Wave: "3m"})
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", code, err, want)
		}
	}
	if err := f.alumni.EraseByCode(ctx, "acme", "E1", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inv.Create(ctx, invite.Invitation{TenantID: "acme", AlumnusID: e1, SurveyID: "alumni-6m", Wave: "6m"}); !errors.Is(err, alumni.ErrErased) {
		t.Errorf("erased person: err = %v, want ErrErased", err)
	}
}

func TestOtherTenantAndExpiredTokens(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	inv, err := f.inv.Create(ctx, invite.Invitation{TenantID: "other", AlumnusID: f.alumni.AlumnusID("other", "E1"),
		SurveyID: "alumni-3m", Wave: "3m", DueAt: time.Now().Add(-40 * 24 * time.Hour), ClosesAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	token, err := f.inv.Token(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.inv.Resolve(ctx, token)
	if !errors.Is(err, invitetoken.ErrExpired) || got.ID != inv.ID || got.TenantID != "other" {
		t.Errorf("expired: %+v, %v", got, err)
	}
	if !got.Closed(time.Now()) {
		t.Error("invitation past its close time should be closed")
	}
	// The same invitation id under another tenant does not exist: ids and keys are per tenant.
	if _, err := f.inv.Get(ctx, "acme", inv.ID); !errors.Is(err, invite.ErrNotFound) {
		t.Errorf("acme reading other's invitation: %v", err)
	}
}
