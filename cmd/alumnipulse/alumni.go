package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
)

func alumniCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alumni",
		Short: "Import alumni from HR exports, and erase people",
	}
	cmd.AddCommand(alumniImportCmd(), alumniEraseCmd())
	return cmd
}

func alumniImportCmd() *cobra.Command {
	var tenantID, encoding string
	var dryRun, strict, quiet bool
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Import alumni from a CSV (UTF-8 or Shift_JIS, Japanese or English headers) or a JSON array",
		Long: `import reads an HR export and upserts each valid row by employee code: a new code is added, a changed
row is updated, an unchanged row writes nothing (importing the same file twice changes nothing), and
people who were erased are never brought back.

Every problem is listed with its line, column and reason. Valid rows are imported and bad ones listed;
with --strict nothing is imported unless every row is valid. --dry-run checks without writing.
Files ending in .json are read as a JSON array of objects with the English field names.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			enc, err := alumni.ParseEncoding(encoding)
			if err != nil {
				return err
			}
			path := args[0]
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(cmd.Context()); err != nil {
				return err
			}
			if _, err := a.Tenants.Get(cmd.Context(), tenantID); err != nil {
				return fmt.Errorf("tenant %q: %w (create it with `alumnipulse tenant create`)", tenantID, err)
			}
			var bar *progressbar.ProgressBar
			if !quiet {
				bar = progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(cmd.ErrOrStderr()),
					progressbar.OptionSetDescription("importing "+filepath.Base(path)), progressbar.OptionShowBytes(true),
					progressbar.OptionThrottle(100_000_000), progressbar.OptionClearOnFinish())
			}
			open := func() (alumni.Source, error) {
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					return nil, err
				}
				r := bufio.NewReaderSize(f, 256<<10)
				if strings.EqualFold(filepath.Ext(path), ".json") {
					return alumni.NewJSONReader(r, alumni.ReaderOptions{Encoding: enc})
				}
				return alumni.NewReader(r, alumni.ReaderOptions{Encoding: enc})
			}
			opts := alumni.ImportOptions{DryRun: dryRun, Strict: strict}
			if bar != nil {
				opts.Progress = func(n int64) { _ = bar.Set64(n) }
			}
			rep, err := a.Alumni.Import(cmd.Context(), tenantID, open, opts)
			if bar != nil {
				_ = bar.Finish()
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if err := a.Audit.Record(cmd.Context(), audit.Entry{TenantID: tenantID, Actor: "cli", Action: "alumni.import",
				Target: filepath.Base(path), Detail: fmt.Sprintf("rows=%d inserted=%d updated=%d problems=%d dry_run=%t strict=%t",
					rep.Rows, rep.Inserted, rep.Updated, len(rep.Problems), rep.DryRun, rep.Strict)}); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, p := range rep.Problems {
				fmt.Fprintf(out, "%s: %s\n", path, p.Error())
			}
			fmt.Fprintf(out, "%d rows: %d valid, %d new, %d updated, %d unchanged, %d erased (skipped), %d with problems\n",
				rep.Rows, rep.Valid, rep.Inserted, rep.Updated, rep.Unchanged, rep.SkippedErased, rep.Rows-rep.Valid)
			switch {
			case rep.DryRun && !rep.Strict:
				fmt.Fprintln(out, "dry run: nothing was written")
			case rep.Strict && !rep.OK():
				fmt.Fprintln(out, "strict: nothing was imported because of the problems above")
				return exitError{code: 2, msg: "import refused"}
			}
			if !rep.OK() && hasRowErrors(rep.Problems) {
				return exitError{code: 2, msg: "some rows were not imported"}
			}
			return nil
		},
	}
	c.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and report, write nothing")
	c.Flags().BoolVar(&strict, "strict", false, "import nothing unless every row is valid")
	c.Flags().StringVar(&encoding, "encoding", "auto", "auto, utf-8 or shift_jis")
	c.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	_ = c.MarkFlagRequired("tenant")
	return c
}

func hasRowErrors(ps []alumni.RowError) bool { return alumni.HasErrors(ps) }

func alumniEraseCmd() *cobra.Command {
	var tenantID string
	c := &cobra.Command{
		Use:   "erase EMPLOYEE_CODE",
		Short: "Erase a person: delete their name and e-mail, never survey them again, keep answers anonymised",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.Alumni.EraseByCode(cmd.Context(), tenantID, args[0], "cli"); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "erased; recorded in the audit log")
			return nil
		},
	}
	c.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	_ = c.MarkFlagRequired("tenant")
	return c
}
