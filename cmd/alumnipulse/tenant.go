package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

func tenantCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tenant",
		Short: "Create and list tenants (companies) and their API keys",
	}
	var name, tz, locale string
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Create or update a tenant",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(cmd.Context()); err != nil {
				return err
			}
			t := tenant.Tenant{ID: args[0], Name: name, TimeZone: tz, DefaultLocale: locale}
			if old, err := a.Tenants.Get(cmd.Context(), args[0]); err == nil {
				t.Settings, t.CreatedAt = old.Settings, old.CreatedAt
			}
			if err := a.Tenants.Put(cmd.Context(), t); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "tenant %s saved\n", t.ID)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "company name shown to alumni (required)")
	create.Flags().StringVar(&tz, "tz", "Asia/Tokyo", "IANA time zone")
	create.Flags().StringVar(&locale, "locale", "ja", "default language: ja or en")
	_ = create.MarkFlagRequired("name")

	list := &cobra.Command{
		Use:   "list",
		Short: "List tenants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			ts, err := a.Tenants.List(cmd.Context())
			if err != nil {
				return err
			}
			for _, t := range ts {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\t%s\n", t.ID, t.Name, t.TimeZone, t.DefaultLocale)
			}
			return nil
		},
	}

	var keyName, role string
	apikey := &cobra.Command{
		Use:   "apikey TENANT",
		Short: "Create an API key for a tenant; the key is printed once and never stored",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			k, token, err := a.Tenants.CreateAPIKey(cmd.Context(), args[0], keyName, tenant.Role(role))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "API key %s (%s) for tenant %s; keep it secret, it is not shown again:\n", k.KeyID, k.Role, k.TenantID)
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		},
	}
	apikey.Flags().StringVar(&keyName, "name", "api", "what the key is for")
	apikey.Flags().StringVar(&role, "role", "hr_admin", "hr_admin, hr_viewer or leadership")
	cmd.AddCommand(create, list, apikey)
	return cmd
}
