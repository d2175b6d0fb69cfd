package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alumnipulse/alumnipulse/internal/insight"
)

// insightCmds are the insight commands: headcount import, disclosure export, hire record and a manual
// compactor pass.
func insightCmds() []*cobra.Command {
	return []*cobra.Command{headcountCmd(), disclosureCmd(), hireCmd(), insightCmd()}
}

func headcountCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "headcount", Short: "Headcounts reported by HR, the base of turnover and retention"}
	var tenantID string
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import headcounts from a CSV (period, department, headcount) or a JSON array",
		Long: `import reads headcounts per period: a month ("2025-04", the headcount at the month's end) or a fiscal year
("FY2025", its average headcount), for the whole company (empty department) or one department. Japanese
headers (期間, 部署, 人数) work too. Importing a period again replaces it. Nothing is stored unless every row
is valid.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			var hs []insight.Headcount
			if strings.EqualFold(filepath.Ext(args[0]), ".json") {
				hs, err = insight.ParseHeadcountsJSON(f)
			} else {
				hs, err = insight.ParseHeadcountsCSV(bufio.NewReader(f))
			}
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(cmd.Context()); err != nil {
				return err
			}
			n, err := a.Insight.ImportHeadcounts(cmd.Context(), tenantID, "cli", hs)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d headcounts imported\n", n)
			return nil
		},
	}
	imp.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	_ = imp.MarkFlagRequired("tenant")
	cmd.AddCommand(imp)
	return cmd
}

func disclosureCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "disclosure", Short: "Human-capital disclosure (ISO 30414, 人的資本可視化指針)"}
	var tenantID, format, out string
	var fy int
	exp := &cobra.Command{
		Use:   "export",
		Short: "Export the human-capital figures of a fiscal year as CSV, JSON or XLSX (audited)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := insight.ContentType(format); err != nil {
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
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if err := a.Insight.ExportDisclosure(cmd.Context(), tenantID, "cli", fy, format, w); err != nil {
				if out != "" && out != "-" {
					_ = os.Remove(out)
				}
				return err
			}
			return nil
		},
	}
	exp.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	exp.Flags().IntVar(&fy, "fy", time.Now().Year()-1, "fiscal year (FY2025 starts in April 2025)")
	exp.Flags().StringVar(&format, "format", insight.FormatCSV, "csv, json or xlsx")
	exp.Flags().StringVarP(&out, "output", "o", "", "file to write (default: standard output)")
	_ = exp.MarkFlagRequired("tenant")
	cmd.AddCommand(exp)
	return cmd
}

func hireCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "hire", Short: "Hires that involve alumni: rehires (boomerangs) and referral hires"}
	var tenantID, kind, date string
	rec := &cobra.Command{
		Use:   "record EMPLOYEE_CODE",
		Short: "Record that an alumnus was rehired, or that someone was hired on their referral",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			on, err := time.Parse(time.DateOnly, date)
			if err != nil {
				return fmt.Errorf("--date %q: want YYYY-MM-DD", date)
			}
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(cmd.Context()); err != nil {
				return err
			}
			al, err := a.Alumni.Get(cmd.Context(), tenantID, args[0])
			if err != nil {
				return fmt.Errorf("employee code %s: %w", args[0], err)
			}
			if err := a.Insight.RecordHire(cmd.Context(), tenantID, "cli", al.ID, insight.HireKind(kind), on); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recorded %s on %s\n", kind, date)
			return nil
		},
	}
	rec.Flags().StringVar(&tenantID, "tenant", "", "tenant id (required)")
	rec.Flags().StringVar(&kind, "kind", string(insight.Rehired), "rehired or referral")
	rec.Flags().StringVar(&date, "date", time.Now().Format(time.DateOnly), "the hire date, YYYY-MM-DD")
	_ = rec.MarkFlagRequired("tenant")
	cmd.AddCommand(rec)
	return cmd
}

func insightCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "insight", Short: "Maintenance of the insight pre-aggregation"}
	cmd.AddCommand(&cobra.Command{
		Use:   "compact",
		Short: "Run one compactor pass now (the server runs them on its own; figures are exact either way)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			if _, err := a.Migrate(cmd.Context()); err != nil {
				return err
			}
			start := time.Now()
			if err := a.Insight.Compact(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "compacted in %s\n", time.Since(start).Round(time.Millisecond))
			return nil
		},
	})
	return cmd
}
