// Package app wires alumnipulse's parts together from a Config: the database connection, the domain
// stores and services. The CLI commands and the server both start here.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/auth"
	"github.com/alumnipulse/alumnipulse/internal/comments"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/dashboard/live"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/demo"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/migrate"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/wave"
	"github.com/alumnipulse/alumnipulse/internal/web"
	"github.com/alumnipulse/alumnipulse/migrations"
	"github.com/alumnipulse/alumnipulse/surveys"
)

// App holds the long-lived parts of a running alumnipulse.
type App struct {
	Cfg      config.Config
	Log      *slog.Logger
	Conn     db.Conn
	Tenants  *tenant.Store
	Audit    *audit.Log
	Alumni   *alumni.Store
	Invites  *invite.Store
	Comments *comments.Service
	Surveys  *survey.Catalog
	Answers  *answer.Writer
	Auth     *auth.Service
	Events   *invite.Recorder // invitation events recorded on the request path; Close flushes it
	Waves    *wave.Scheduler
	Insight  *insight.Service
	// Dashboards renders the HR and leadership dashboard pages.
	Dashboards *dashboard.Service

	migrations *migrate.Runner
}

// Open connects to ClickHouse (creating the database when missing) and builds the stores.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := db.CreateDatabase(ctx, cfg.ClickHouse); err != nil {
		return nil, err
	}
	conn, err := db.Open(ctx, cfg.ClickHouse)
	if err != nil {
		return nil, err
	}
	files, err := migrate.Load(migrations.FS)
	if err != nil {
		conn.Close()
		return nil, err
	}
	a := &App{
		Cfg:        cfg,
		Log:        log,
		Conn:       conn,
		Tenants:    tenant.NewStore(conn),
		Audit:      audit.New(conn),
		migrations: migrate.New(conn, files, log),
	}
	a.Alumni = alumni.NewStore(conn, []byte(cfg.Secret), a.Audit)
	a.Invites = invite.NewStore(conn, a.Tenants, a.Alumni, []byte(cfg.Secret))
	a.Comments = comments.New(conn, a.Tenants, a.Audit, log)
	var fsys fs.FS = surveys.FS
	if cfg.SurveysDir != "" {
		fsys = surveys.Open(cfg.SurveysDir)
	}
	if a.Surveys, err = survey.Load(fsys); err != nil {
		conn.Close()
		return nil, fmt.Errorf("surveys: %w", err)
	}
	a.Answers = answer.New(conn, answer.Options{}, log)
	a.Events = invite.NewRecorder(a.Invites, log)
	if a.Auth, err = auth.New(conn, a.Tenants, a.Audit, auth.Options{Secret: []byte(cfg.Secret), BaseURL: cfg.BaseURL}); err != nil {
		conn.Close()
		return nil, err
	}
	a.Waves = wave.FromConfig(cfg, conn, a.Tenants, a.Invites, a.Alumni, log)
	a.Insight = insight.New(conn, a.Surveys, a.Tenants, a.Audit, insight.Options{Log: log})
	if a.Dashboards, err = live.NewService(cfg, live.Deps{Conn: conn, Comments: a.Comments, Waves: a.Waves,
		Insights: a.Insight, Surveys: a.Surveys}, log); err != nil {
		conn.Close()
		return nil, err
	}
	return a, nil
}

// Migrate applies pending migrations.
func (a *App) Migrate(ctx context.Context) (int, error) {
	return a.migrations.Up(ctx)
}

// Ready reports an error unless the database answers and every migration is applied.
func (a *App) Ready(ctx context.Context) error {
	if err := a.Conn.Ping(ctx); err != nil {
		return fmt.Errorf("clickhouse unreachable: %w", err)
	}
	pending, err := a.migrations.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d migrations not applied (first: %s)", len(pending), pending[0].Name)
	}
	return nil
}

// StartBackground starts the background work of serve, the wave scheduler (one leader among the serve
// processes of a database) and the analysis of new text answers, and returns a function that waits for
// both to stop once ctx ends. ALUMNIPULSE_SCHEDULER=false leaves them off.
func (a *App) StartBackground(ctx context.Context) (wait func()) {
	if !a.Cfg.Scheduler {
		return func() {}
	}
	var wg sync.WaitGroup
	wg.Go(func() { a.Waves.Serve(ctx, time.Minute) })
	wg.Go(func() { a.Comments.Run(ctx, 10*time.Second) })
	return func() {
		wg.Wait()
		if err := a.Waves.Close(); err != nil {
			a.Log.Warn("close mailer", "err", err)
		}
	}
}

// WebDeps returns what the HTTP layer needs.
func (a *App) WebDeps() web.Deps {
	return web.Deps{Tenants: a.Tenants, Audit: a.Audit, Alumni: a.Alumni, Auth: a.Auth, Ready: a.Ready,
		Survey: web.SurveyDeps{Catalog: a.Surveys, Invites: a.Invites, Alumni: a.Alumni, Answers: a.Answers, Events: a.Events},
		Waves:  a.Waves, Insight: a.Insight, Dashboards: a.Dashboards}
}

// Close flushes the answers and events still queued, then releases the database connection.
func (a *App) Close() error {
	// Close has no caller context: bound the flush so a dead database cannot hold the process forever.
	ctx, cancel := context.WithTimeout(context.Background(), 35*time.Second)
	defer cancel()
	err := errors.Join(a.Answers.Close(ctx), a.Events.Close(ctx))
	a.Insight.Close()
	return errors.Join(err, a.Conn.Close())
}

// DemoDeps returns what the demo seed writes through.
func (a *App) DemoDeps() demo.Deps {
	return demo.Deps{Tenants: a.Tenants, Alumni: a.Alumni, Invites: a.Invites, Answers: a.Answers, Surveys: a.Surveys,
		Comments: a.Comments, Users: a.Auth, HasInvitations: a.hasInvitations}
}

func (a *App) hasInvitations(ctx context.Context, tenantID string) (bool, error) {
	var n uint64
	if err := a.Conn.QueryRow(ctx, "SELECT count() FROM invitations WHERE tenant_id = ?", tenantID).Scan(&n); err != nil {
		return false, fmt.Errorf("count invitations: %w", err)
	}
	return n > 0, nil
}

// NewLogger builds the process logger from the configuration. It writes to stderr.
func NewLogger(cfg config.Config) *slog.Logger {
	level, _ := config.ParseLevel(cfg.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
