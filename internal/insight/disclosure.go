package insight

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/alumnipulse/alumnipulse/internal/audit"
)

// Disclosure export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
	FormatXLSX = "xlsx"
)

// Disclosure is the human-capital disclosure of a fiscal year as exported: the report and when it was made.
type Disclosure struct {
	HumanCapitalReport
	Tenant      string `json:"tenant"`
	GeneratedAt string `json:"generated_at"`
	// Notes explain the conventions every row follows.
	Notes []string `json:"notes"`
}

var disclosureNotes = []string{
	"Rows marked suppressed rest on fewer people than the minimum group size (or would reveal such a group by subtraction); their value and n are left out.",
	"ISO 30414 and 人的資本可視化指針 columns name the metric or area the figure reports on; survey-based figures describe former employees' views.",
	"Percentages are of the n shown; intervals are 95%.",
}

// exportColumns are the CSV and XLSX columns.
var exportColumns = []string{"id", "name", "name_ja", "value", "unit", "n", "ci_lo", "ci_hi", "suppressed", "reason",
	"definition", "formula", "iso30414", "jp_area", "note"}

// ContentType returns the MIME type and file extension of an export format, or an error for an unknown one.
func ContentType(format string) (string, error) {
	switch format {
	case FormatCSV:
		return "text/csv; charset=utf-8", nil
	case FormatJSON:
		return "application/json", nil
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", nil
	}
	return "", &ValidationError{"format", "want csv, json or xlsx"}
}

// ExportDisclosure computes the disclosure of fiscal year fy, records the export in the audit log
// (action "export.<format>"; an export that cannot be audited does not happen) and writes it to w.
func (s *Service) ExportDisclosure(ctx context.Context, tenantID, actor string, fy int, format string, w io.Writer) error {
	if _, err := ContentType(format); err != nil {
		return err
	}
	rep, err := s.HumanCapital(ctx, tenantID, fy, "")
	if err != nil {
		return err
	}
	suppressed := 0
	for _, f := range rep.Figures {
		if f.Suppressed {
			suppressed++
		}
	}
	if err := s.audit.Record(ctx, audit.Entry{TenantID: tenantID, Actor: actor, Action: "export." + format,
		Target: fmt.Sprintf("disclosure/FY%d", fy), Detail: fmt.Sprintf("rows=%d suppressed=%d", len(rep.Figures), suppressed)}); err != nil {
		return err
	}
	d := Disclosure{HumanCapitalReport: rep, Tenant: tenantID, GeneratedAt: s.opts.Now().UTC().Format(time.RFC3339), Notes: disclosureNotes}
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	case FormatCSV:
		return writeCSV(w, d)
	default:
		return writeXLSX(w, d)
	}
}

// row returns a figure's cells in exportColumns order; a suppressed figure has no value, n or interval.
func row(f Figure) []string {
	str := func(n *Num) string {
		if n == nil || math.IsNaN(float64(*n)) || math.IsInf(float64(*n), 0) {
			return ""
		}
		return strconv.FormatFloat(float64(*n), 'f', -1, 64)
	}
	var v, lo, hi, n string
	if !f.Suppressed {
		v = str(f.Value)
		if f.CI != nil {
			lo, hi = str(&f.CI.Lo), str(&f.CI.Hi)
		}
		if f.N != nil {
			n = strconv.Itoa(*f.N)
		}
	}
	return []string{f.ID, f.Name, f.NameJA, v, f.Unit, n, lo, hi, strconv.FormatBool(f.Suppressed), f.Reason,
		f.Definition, f.Formula, f.ISO30414, f.JPArea, f.Note}
}

func writeCSV(w io.Writer, d Disclosure) error {
	// A byte-order mark, so that spreadsheet programs read the Japanese columns as UTF-8.
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	for _, f := range d.Figures {
		if err := cw.Write(row(f)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeXLSX(w io.Writer, d Disclosure) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Disclosure"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	header := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		header[i] = c
	}
	if err := x.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	for i, f := range d.Figures {
		cells := row(f)
		vals := make([]any, len(cells))
		for j, c := range cells {
			vals[j] = c
			// Numbers as numbers, so the sheet can compute with them.
			if j == 3 || j == 5 || j == 6 || j == 7 {
				if v, err := strconv.ParseFloat(c, 64); err == nil {
					vals[j] = v
				}
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := x.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
	}
	if err := x.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if _, err := x.NewSheet("About"); err != nil {
		return err
	}
	about := [][]any{
		{"tenant", d.Tenant}, {"fiscal_year", d.FiscalYear}, {"from", d.From}, {"to", d.To},
		{"min_group", d.MinGroup}, {"generated_at", d.GeneratedAt},
	}
	for _, n := range d.Notes {
		about = append(about, []any{"note", n})
	}
	for i, r := range about {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("About", cell, &r); err != nil {
			return err
		}
	}
	return x.Write(w)
}
