package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/jpcal"
	"github.com/alumnipulse/alumnipulse/internal/mail"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/wave"
)

// fakeWaves answers for tenant "acme" only, so a test sees which tenant a handler asked for.
type fakeWaves struct {
	dev bool
}

func (f fakeWaves) Overview(_ context.Context, tenantID string) (wave.Overview, error) {
	return wave.Overview{Tenant: tenantID, Zone: "Asia/Tokyo", At: time.Date(2026, 5, 7, 1, 5, 0, 0, time.UTC),
		States: []wave.StateCount{{Wave: "3m", State: "sent", Count: 7}, {Wave: "3m", State: "bounced", Count: 1}},
		Plan: wave.Summary{Alumni: 9, Waves: []wave.WaveCounts{{Wave: "3m", Send: 2, Skipped: map[string]int{"opted out": 1}}},
			Upcoming: []wave.Upcoming{{Date: jpcal.Date{Year: 2026, Month: 5, Day: 8}, Wave: "6m", Invitations: 3}}},
		Problems: []wave.Problem{{Invitation: uuid.New(), Wave: "3m", Event: "bounced", Detail: "smtp permanent failure 550 5.1.1: [address]: User unknown"}},
	}, nil
}

func (f fakeWaves) Outbox(_ context.Context, tenantID string, _ int) ([]mail.OutboxEntry, bool, error) {
	if !f.dev {
		return nil, false, nil
	}
	return []mail.OutboxEntry{{To: "taro@example.jp", Subject: "アンケートのお願い", Kind: mail.KindInvitation}}, true, nil
}

func TestWavePagesHROnly(t *testing.T) {
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	tenants := tenant.NewStore(conn)
	if err := tenants.Put(ctx, tenant.Tenant{ID: "acme", Name: "Acme", TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
		t.Fatal(err)
	}
	keys := map[tenant.Role]string{}
	for _, r := range []tenant.Role{tenant.RoleHRAdmin, tenant.RoleHRViewer, tenant.RoleLeadership} {
		_, secret, err := tenants.CreateAPIKey(ctx, "acme", string(r), r)
		if err != nil {
			t.Fatal(err)
		}
		keys[r] = secret
	}
	for _, dev := range []bool{false, true} {
		srv, err := New(config.Config{}, Deps{Tenants: tenants, Waves: fakeWaves{dev: dev}}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		get := func(path, key string) (int, string) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			b, _ := io.ReadAll(rec.Body)
			return rec.Code, string(b)
		}
		for _, path := range []string{"/hr/waves", "/hr/waves/outbox", "/api/v1/waves/summary"} {
			if code, _ := get(path, ""); code != http.StatusUnauthorized {
				t.Errorf("%s without a key: %d", path, code)
			}
			if code, _ := get(path, keys[tenant.RoleLeadership]); code != http.StatusForbidden {
				t.Errorf("%s as leadership: %d", path, code)
			}
		}
		code, body := get("/hr/waves", keys[tenant.RoleHRViewer])
		if code != http.StatusOK || !strings.Contains(body, "Survey waves — acme") || !strings.Contains(body, "<td>7</td>") {
			t.Errorf("waves page %d:\n%s", code, body)
		}
		if strings.Contains(body, "@") {
			t.Errorf("waves page shows an address:\n%s", body)
		}
		if strings.Contains(body, "/hr/waves/outbox") != dev {
			t.Errorf("dev=%v: outbox link shown = %v", dev, !dev)
		}
		code, body = get("/hr/waves/outbox", keys[tenant.RoleHRAdmin])
		switch {
		case dev && (code != http.StatusOK || !strings.Contains(body, "taro@example.jp") || !strings.Contains(body, "アンケートのお願い")):
			t.Errorf("outbox page %d:\n%s", code, body)
		case !dev && code != http.StatusNotFound:
			t.Errorf("outbox page with SMTP: %d, want 404", code)
		}
		code, body = get("/api/v1/waves/summary", keys[tenant.RoleHRAdmin])
		var ov wave.Overview
		if code != http.StatusOK || json.Unmarshal([]byte(body), &ov) != nil || ov.Tenant != "acme" || ov.Plan.Waves[0].Send != 2 {
			t.Errorf("summary %d: %s", code, body)
		}
	}
}
