// Package app wires alumnipulse's parts together from a Config: the database connection, the domain
// stores and services. The CLI commands and the server both start here.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/migrate"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/web"
	"github.com/alumnipulse/alumnipulse/migrations"
	"github.com/alumnipulse/alumnipulse/surveys"
)

// App holds the long-lived parts of a running alumnipulse.
type App struct {
	Cfg     config.Config
	Log     *slog.Logger
	Conn    db.Conn
	Tenants *tenant.Store
	Audit   *audit.Log
	Alumni  *alumni.Store
	Invites *invite.Store
	Insight *insight.Service

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
	catalog, err := survey.Load(surveys.FS)
	if err != nil {
		conn.Close()
		return nil, err
	}
	a.Insight = insight.New(conn, catalog, a.Tenants, a.Audit, insight.Options{Log: log})
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

// WebDeps returns what the HTTP layer needs.
func (a *App) WebDeps() web.Deps {
	return web.Deps{Tenants: a.Tenants, Audit: a.Audit, Alumni: a.Alumni, Insight: a.Insight, Ready: a.Ready}
}

// Close releases the database connection.
func (a *App) Close() error {
	a.Insight.Close()
	return a.Conn.Close()
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
