package main

import (
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/app"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/web"
)

// openApp loads the configuration and opens the application.
func openApp(cmd *cobra.Command) (*app.App, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	return app.Open(cmd.Context(), cfg, app.NewLogger(cfg))
}

func serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Apply migrations, then serve the survey pages, dashboards and API until interrupted",
		Long: `serve applies pending migrations, then serves HTTP on ALUMNIPULSE_HTTP_ADDR (default :8080) and runs the
background work (wave scheduler, text analysis). On SIGINT or SIGTERM it stops taking new connections and
lets in-flight requests finish (ALUMNIPULSE_HTTP_SHUTDOWN_TIMEOUT).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(cmd.Context()); err != nil {
				return err
			}
			defer startWaves(cmd.Context(), a)()
			srv, err := web.New(a.Cfg, a.WebDeps(), a.Log)
			if err != nil {
				return err
			}
			wait := a.StartBackground(cmd.Context())
			defer wait()
			return srv.Run(cmd.Context(), func(addr net.Addr) {
				a.Log.Info("serving", "addr", addr.String(), "base_url", a.Cfg.BaseURL, "startup", time.Since(start).Round(time.Millisecond))
			})
		},
	}
}

func migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending ClickHouse migrations (safe to run twice, or from two processes at once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			n, err := a.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "migrations: %d applied, database %s up to date\n", n, a.Cfg.ClickHouse.Database)
			return nil
		},
	}
}
