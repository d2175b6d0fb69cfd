package wave_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/mail"
	"github.com/alumnipulse/alumnipulse/internal/wave"
	"github.com/alumnipulse/alumnipulse/internal/wave/wavetest"
)

// BenchmarkPassSMTP measures a pass sending 2000 due invitations through SMTP to a local server with no
// rate limit (4 connections, the default pool): re-check, invitations, intents, claims, composing,
// delivery and completions. Each op is one pass over a freshly seeded tenant.
func BenchmarkPassSMTP(b *testing.B) {
	const n = 2000
	conn, _ := dbtest.New(b)
	st := wavetest.NewStores(conn)
	srv := wavetest.StartSMTP(b)
	srv.Discard()
	composer, err := mail.NewComposer(mail.ComposerConfig{From: "survey@alumnipulse.test"})
	if err != nil {
		b.Fatal(err)
	}
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, PoolSize: 4}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer sender.Close()
	sched := wave.New(wave.Deps{Conn: conn, Tenants: st.Tenants, Invites: st.Invites, Alumni: st.Alumni,
		Mailer: func() (wave.Mailer, error) { return wave.Mailer{Composer: composer, Sender: sender}, nil },
		Log:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))},
		wave.Options{BaseURL: "https://alumni.example.jp", Now: func() time.Time { return due3m.Add(time.Minute) }})
	lease := wave.NewLease(conn, wave.LeaseName, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go lease.Keep(ctx)
	if !lease.WaitHeld(ctx) {
		b.Fatal("no lease")
	}
	sent := 0
	var took time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tenantID := fmt.Sprintf("bench%d", i)
		people := make([]wavetest.Person, n)
		for j := range people {
			people[j] = person(fmt.Sprintf("B%05d", j))
		}
		wavetest.Seed(b, st, tenantID, map[string]any{"max_per_hour": 0}, people)
		b.StartTimer()
		start := time.Now()
		rep, err := sched.Pass(ctx, wave.PassOptions{Tenant: tenantID, Lease: lease})
		took += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		sent += rep.Tenants[0].Sent
	}
	if sent != n*b.N || srv.Count() != sent {
		b.Fatalf("sent %d, server got %d, want %d", sent, srv.Count(), n*b.N)
	}
	b.ReportMetric(float64(sent)/took.Seconds(), "msgs/s")
}
