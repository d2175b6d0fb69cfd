package main

import (
	"fmt"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/textanalysis"
)

func textCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "text",
		Short: "Analyse free-text answers: rebuild the analyses, evaluate the analyser on labelled data",
	}
	var tenantID string
	var all bool
	rebuild := &cobra.Command{
		Use:   "rebuild --tenant T",
		Short: "Re-analyse a tenant's text answers (after a dictionary change), with a progress bar",
		Long: `rebuild analyses every text answer that has no analysis by the current analyser version. With --all it
first drops the tenant's analyses, so everything is redone (use it after editing the tenant's theme rules).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if all {
				if err := a.Comments.ForgetAnalyses(cmd.Context(), tenantID); err != nil {
					return err
				}
			}
			bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(cmd.ErrOrStderr()),
				progressbar.OptionSetDescription("analysing"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			n, err := a.Comments.Rebuild(cmd.Context(), tenantID, func(done, total int) {
				bar.ChangeMax(total)
				_ = bar.Set(done)
			})
			_ = bar.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "analysed %d text answers of %s\n", n, tenantID)
			return nil
		},
	}
	rebuild.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	rebuild.Flags().BoolVar(&all, "all", false, "drop existing analyses first and redo everything")
	_ = rebuild.MarkFlagRequired("tenant")

	eval := &cobra.Command{
		Use:   "eval FILE.jsonl",
		Short: "Measure themes, sentiment and PII masking against labelled comments (JSON lines)",
		Long: `eval reads labelled comments (one JSON object a line: text, themes, sentiment, pii spans; the format of
../shared/data/comments-dev.jsonl) and prints per-theme precision, recall and F1, micro-F1, sentiment
accuracy and macro-F1, PII recall and precision, and finally one JSON line with the headline figures.
It needs no database.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			an, err := textanalysis.New(textanalysis.Options{})
			if err != nil {
				return err
			}
			rep, err := textanalysis.Evaluate(cmd.Context(), f, an)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return rep.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.AddCommand(rebuild, eval)
	return cmd
}
