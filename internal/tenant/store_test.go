package tenant_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

func TestTenantRoundTripAndAPIKeys(t *testing.T) {
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	s := tenant.NewStore(conn)
	acme := tenant.Tenant{ID: "acme", Name: "株式会社アクメ", TimeZone: "Asia/Tokyo", DefaultLocale: "ja",
		Settings: tenant.Settings{MinGroupSize: 7}}
	if err := s.Put(ctx, acme); err != nil {
		t.Fatal(err)
	}
	acme.Name = "株式会社アクメ・ホールディングス"
	if err := s.Put(ctx, acme); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != acme.Name || got.Settings.MinGroupSize != 7 || got.Settings.WithDefaults().MinCommentGroupSize != 10 {
		t.Errorf("got %+v", got)
	}
	if _, err := s.Get(ctx, "nobody"); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("unknown tenant: err = %v, want ErrNotFound", err)
	}

	key, token, err := s.CreateAPIKey(ctx, "acme", "HRIS sync", tenant.RoleHRAdmin)
	if err != nil {
		t.Fatal(err)
	}
	back, err := s.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if back.TenantID != "acme" || back.KeyID != key.KeyID || back.Role != tenant.RoleHRAdmin {
		t.Errorf("authenticated %+v", back)
	}
	for _, bad := range []string{"", "ap_", token + "x", "ap_" + key.KeyID + "_wrong", "xx_" + token[3:]} {
		if _, err := s.Authenticate(ctx, bad); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("Authenticate(%q) err = %v, want ErrNotFound", bad, err)
		}
	}
	if _, _, err := s.CreateAPIKey(ctx, "nobody", "x", tenant.RoleHRAdmin); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("key for unknown tenant: err = %v", err)
	}
	if _, _, err := s.CreateAPIKey(ctx, "acme", "x", "root"); err == nil {
		t.Error("unknown role: want an error")
	}
}

func TestTenantValidate(t *testing.T) {
	tests := []struct {
		name string
		t    tenant.Tenant
		ok   bool
	}{
		{"good", tenant.Tenant{ID: "demo", Name: "Demo", TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}, true},
		{"bad id", tenant.Tenant{ID: "Demo!", Name: "Demo", TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}, false},
		{"bad zone", tenant.Tenant{ID: "demo", Name: "Demo", TimeZone: "Mars/Base", DefaultLocale: "ja"}, false},
		{"bad locale", tenant.Tenant{ID: "demo", Name: "Demo", TimeZone: "Asia/Tokyo", DefaultLocale: "fr"}, false},
		{"tiny groups", tenant.Tenant{ID: "demo", Name: "Demo", TimeZone: "Asia/Tokyo", DefaultLocale: "ja", Settings: tenant.Settings{MinGroupSize: 2}}, false},
	}
	for _, tt := range tests {
		if err := tt.t.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
