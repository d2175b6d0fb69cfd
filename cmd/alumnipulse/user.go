package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

func userCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Create and invite HR and leadership users",
	}
	var tenantID, email, name, role string
	var passwordStdin bool
	create := &cobra.Command{
		Use:   "create --tenant T --email E --role R --password-stdin",
		Short: "Create a user with a password read from standard input",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !passwordStdin {
				return fmt.Errorf("give the password on standard input with --password-stdin (never as an argument), or use `user invite`")
			}
			pw, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && pw == "" {
				return fmt.Errorf("read password from standard input: %w", err)
			}
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			u, err := a.Auth.CreateUser(cmd.Context(), tenantID, email, name, tenant.Role(role), strings.TrimRight(pw, "\r\n"))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s created (%s)\n", u.ID, u.Role)
			return nil
		},
	}
	invite := &cobra.Command{
		Use:   "invite --tenant T --email E --role R",
		Short: "Invite a user: prints a single-use link where they set their password",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			inv, err := a.Auth.Invite(cmd.Context(), tenantID, email, name, tenant.Role(role), "cli")
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "invitation valid until %s; send this link to the person:\n", inv.ExpiresAt.Local().Format("2006-01-02 15:04"))
			fmt.Fprintln(cmd.OutOrStdout(), inv.Link)
			return nil
		},
	}
	for _, c := range []*cobra.Command{create, invite} {
		c.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
		c.Flags().StringVar(&email, "email", "", "the user's e-mail address (required)")
		c.Flags().StringVar(&name, "name", "", "display name")
		c.Flags().StringVar(&role, "role", "hr_viewer", "hr_admin, hr_viewer or leadership")
		_ = c.MarkFlagRequired("tenant")
		_ = c.MarkFlagRequired("email")
	}
	create.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
	cmd.AddCommand(create, invite)
	return cmd
}
