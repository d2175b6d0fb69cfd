package main

import (
	"fmt"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/web"
)

var wavePattern = regexp.MustCompile(`^[1-9][0-9]?m$`)

func inviteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "invite",
		Short: "Create survey invitations by hand and print their links",
	}
	cmd.AddCommand(inviteCreateCmd())
	return cmd
}

func inviteCreateCmd() *cobra.Command {
	var tenantID, code, wave, surveyID string
	c := &cobra.Command{
		Use:   "create",
		Short: "Invite one alumnus to a wave's survey and print the link (creating it twice prints the same link)",
		Long: `create makes the invitation of an alumnus to the survey of a wave (alumni-3m for --wave 3m, unless
--survey says otherwise) and prints the survey link and the opt-out link. People who were erased, opted
out, did not consent or have no e-mail address get no invitation. Nothing is sent: the wave scheduler
sends mail; this is for testing a survey or inviting someone by hand.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !wavePattern.MatchString(wave) {
				return fmt.Errorf("--wave %q: want 3m, 6m or another number of months", wave)
			}
			if surveyID == "" {
				surveyID = "alumni-" + wave
			}
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(cmd.Context()); err != nil {
				return err
			}
			if _, ok := a.Surveys.Get(surveyID); !ok {
				return fmt.Errorf("no survey %q is loaded", surveyID)
			}
			tn, err := a.Tenants.Get(cmd.Context(), tenantID)
			if err != nil {
				return fmt.Errorf("tenant %q: %w", tenantID, err)
			}
			loc, err := time.LoadLocation(tn.TimeZone)
			if err != nil {
				loc = time.UTC
			}
			inv, err := a.Invites.Create(cmd.Context(), invite.Invitation{TenantID: tenantID,
				AlumnusID: a.Alumni.AlumnusID(tenantID, code), SurveyID: surveyID, Wave: wave})
			if err != nil {
				return fmt.Errorf("invite employee %s: %w", code, err)
			}
			token, err := a.Invites.Token(cmd.Context(), inv)
			if err != nil {
				return err
			}
			if err := a.Audit.Record(cmd.Context(), audit.Entry{TenantID: tenantID, Actor: "cli", Action: "invitation.create",
				Target: inv.ID.String(), Detail: "survey=" + inv.SurveyID + " wave=" + inv.Wave}); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, web.SurveyLink(a.Cfg.BaseURL, token))
			fmt.Fprintf(cmd.ErrOrStderr(), "invitation %s (%s, wave %s, %s) closes %s\nopt-out: %s\n", inv.ID, inv.SurveyID,
				inv.Wave, inv.Locale, inv.ClosesAt.In(loc).Format("2006-01-02 15:04 MST"), web.OptOutLink(a.Cfg.BaseURL, token))
			return nil
		},
	}
	c.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	c.Flags().StringVar(&code, "employee-code", "", "the alumnus's employee code (required)")
	c.Flags().StringVar(&wave, "wave", "", "3m or 6m (required)")
	c.Flags().StringVar(&surveyID, "survey", "", "survey id (default alumni-<wave>)")
	_ = c.MarkFlagRequired("tenant")
	_ = c.MarkFlagRequired("employee-code")
	_ = c.MarkFlagRequired("wave")
	return c
}
