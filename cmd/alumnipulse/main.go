// Command alumnipulse runs the alumni survey service and its administration tasks.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := rootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "alumnipulse:", err)
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}

// exitError carries a specific exit status out of a command.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "alumnipulse",
		Short: "Alumni (former-employee) surveys at 3 and 6 months, with retention insight for HR and leadership",
		Long: `alumnipulse sends 3- and 6-month surveys to people who left the company, collects their answers,
reads the Japanese free text and turns it into retention insight and human-capital figures.

Configuration comes from ALUMNIPULSE_* environment variables; see README.md.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), migrateCmd(), versionCmd(), tenantCmd(), alumniCmd(), demoCmd(), textCmd(), userCmd(), wavesCmd())
	root.AddCommand(insightCmds()...)
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this binary",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "alumnipulse", version)
		},
	}
}
