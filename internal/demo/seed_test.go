package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/app"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/demo"
)

func TestSeedIsRealisticAndIdempotent(t *testing.T) {
	_, chcfg := dbtest.New(t)
	cfg, err := config.LoadFrom(map[string]string{"ALUMNIPULSE_SECRET": "test-secret-test-secret-test-secret"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClickHouse = chcfg
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	opts := demo.Options{Seed: 7, Alumni: 400, Now: now}
	if err := demo.Seed(ctx, a.DemoDeps(), opts); err != nil {
		t.Fatal(err)
	}
	q := func(sql string) float64 {
		t.Helper()
		var v float64
		if err := a.Conn.QueryRow(ctx, sql).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	checks := []struct {
		name   string
		sql    string
		lo, hi float64
	}{
		{"alumni", "SELECT toFloat64(uniqExact(alumnus_id)) FROM alumni WHERE tenant_id = 'demo'", 400, 400},
		{"3m responses", "SELECT toFloat64(uniqExact(response_id)) FROM answers WHERE tenant_id = 'demo' AND survey_id = 'alumni-3m'", 60, 250},
		{"6m responses", "SELECT toFloat64(uniqExact(response_id)) FROM answers WHERE tenant_id = 'demo' AND survey_id = 'alumni-6m'", 30, 200},
		{"eNPS between -60 and +20", "SELECT (countIf(num >= 9) - countIf(num <= 6)) / count() * 100 FROM answers FINAL WHERE tenant_id = 'demo' AND question_id = 'would_recommend' AND answered = 1", -60, 20},
		{"candour gap: most 'personal' stated reasons are something else at 3m",
			"SELECT countIf(choices[1] != 'personal') / count() FROM answers FINAL WHERE tenant_id = 'demo' AND question_id = 'true_reason' AND exit_reason = 'personal' AND answered = 1", 0.7, 1},
		{"texts analysed", "SELECT toFloat64(count()) FROM text_analyses FINAL WHERE tenant_id = 'demo'", 50, 2000},
		{"no unmasked colleague names", "SELECT toFloat64(countIf(masked LIKE '%田中部長%' OR masked LIKE '%佐藤さん%' OR masked LIKE '%鈴木課長%')) FROM text_analyses", 0, 0},
	}
	for _, c := range checks {
		if v := q(c.sql); v < c.lo || v > c.hi {
			t.Errorf("%s = %v, want in [%v, %v]", c.name, v, c.lo, c.hi)
		}
	}
	before := q("SELECT toFloat64(count()) FROM answers") + q("SELECT toFloat64(count()) FROM alumni") + q("SELECT toFloat64(count()) FROM invitation_events")
	if err := demo.Seed(ctx, a.DemoDeps(), opts); err != nil {
		t.Fatal(err)
	}
	after := q("SELECT toFloat64(count()) FROM answers") + q("SELECT toFloat64(count()) FROM alumni") + q("SELECT toFloat64(count()) FROM invitation_events")
	if before != after {
		t.Errorf("seeding twice wrote %v more rows", after-before)
	}
}
