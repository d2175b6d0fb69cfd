package main

import (
	"bufio"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/demo"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

func demoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Seed and describe the demo tenant",
	}
	var seed uint64
	var n int
	var ifEmpty bool
	seedCmd := &cobra.Command{
		Use:   "seed",
		Short: "Create the demo tenant: a Japanese company with ~2,000 leavers, invitations and answers",
		Long: `seed creates the tenant "demo" with a deterministic, realistic data set (same seed, same data).
Seeding twice changes nothing; --if-empty does nothing when the tenant already exists.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(cmd.Context()); err != nil {
				return err
			}
			if ifEmpty {
				if _, err := a.Tenants.Get(cmd.Context(), demo.TenantID); err == nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "demo: tenant already seeded")
					return nil
				} else if !errors.Is(err, tenant.ErrNotFound) {
					return err
				}
			}
			start := time.Now()
			err = demo.Seed(cmd.Context(), a.DemoDeps(), demo.Options{
				Seed: seed, Alumni: n,
				Verbose: func(format string, args ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...) },
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "demo: seeded in %s\n", time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	seedCmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	seedCmd.Flags().IntVar(&n, "alumni", 2000, "number of leavers")
	seedCmd.Flags().BoolVar(&ifEmpty, "if-empty", false, "do nothing when the demo tenant exists")

	info := &cobra.Command{
		Use:   "info",
		Short: "Print the URLs and the demo sign-in",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			base := a.Cfg.BaseURL
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "\nalumnipulse is starting on %s\n", base)
			fmt.Fprintf(out, "  sign in:    %s/login   company id: %s   password: %s\n", base, demo.TenantID, demo.Password)
			for _, u := range demo.Users {
				fmt.Fprintf(out, "              %-22s (%s)\n", u.Email, u.Role)
			}
			fmt.Fprintf(out, "  dashboards: %s/dash/overview\n", base)
			fmt.Fprintf(out, "  health:     %s/healthz   readiness: %s/readyz\n", base, base)
			fmt.Fprintf(out, "  API:        %s/api/v1 (create a key: bin/alumnipulse tenant apikey demo)\n", base)
			fmt.Fprintf(out, "  mail:       captured in %s (no SMTP configured)\n\n", a.Cfg.OutboxDir)
			return nil
		},
	}
	var rows int
	var sjis bool
	csvCmd := &cobra.Command{
		Use:   "csv",
		Short: "Write a generated HR export (Japanese headers) to stdout, to try or benchmark the import",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<20)
			if err := demo.WriteCSV(w, seed, rows, time.Now(), sjis); err != nil {
				return err
			}
			return w.Flush()
		},
	}
	csvCmd.Flags().IntVar(&rows, "rows", 1000, "number of rows")
	csvCmd.Flags().Uint64Var(&seed, "seed", 1, "random seed")
	csvCmd.Flags().BoolVar(&sjis, "shift-jis", false, "encode in Shift_JIS instead of UTF-8")
	cmd.AddCommand(seedCmd, info, csvCmd)
	return cmd
}
