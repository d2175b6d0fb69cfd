package dashboard

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// ErrNotExportable is returned for a panel that offers no export.
var ErrNotExportable = errors.New("this panel cannot be exported")

// Export formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
	FormatJSON = "json"
)

// Formats are the export formats, in button order.
var Formats = []string{FormatCSV, FormatXLSX, FormatJSON}

// ContentType returns the media type of an export format.
func ContentType(format string) string {
	switch format {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json; charset=utf-8"
}

// Extract is one exported panel: its table and what it was computed for.
type Extract struct {
	Page        string
	Panel       string
	Title       string
	Filters     Filters
	PeriodLabel string
	From, To    time.Time
	GeneratedAt time.Time
	N           int
	Table       *Table
	Notes       []string
}

// Exporter is implemented by a Source that writes an insight's official export file itself (the
// disclosure file) and audits it. Export returns handled = false for insights it has no file for; the
// Service then exports the panel's data table.
type Exporter interface {
	Export(ctx context.Context, q Query, format string, w io.Writer) (filename string, handled bool, err error)
}

// Exported describes a finished export.
type Exported struct {
	Filename string
	// Audited is set when the source recorded the export in the audit log itself.
	Audited bool
	Rows    int
	Filters Filters
	Page    string
	Panel   string
}

// Export writes one exportable panel in format to w: the source's own file when it has one (see
// Exporter), else the panel's data table (CSV, XLSX or JSON).
func (s *Service) Export(ctx context.Context, r Request, panelID, format string, w io.Writer) (Exported, error) {
	if !slices.Contains(Formats, format) {
		return Exported{}, ErrNotExportable
	}
	page, pn, q, err := s.exportQuery(r, panelID)
	if err != nil {
		return Exported{}, err
	}
	out := Exported{Filters: q.Filters, Page: page.ID, Panel: pn.ID}
	if ex, ok := s.src.(Exporter); ok {
		cctx, cancel := context.WithTimeout(ctx, s.opts.PanelTimeout)
		name, handled, err := ex.Export(cctx, q, format, w)
		cancel()
		if err != nil {
			return Exported{}, fmt.Errorf("export %s/%s: %w", page.ID, pn.ID, err)
		}
		if handled {
			out.Filename, out.Audited = name, true
			return out, nil
		}
	}
	x, err := s.Extract(ctx, r, panelID)
	if err != nil {
		return Exported{}, err
	}
	if err := x.Write(w, format); err != nil {
		return Exported{}, err
	}
	out.Filename, out.Rows = x.Filename(format), len(x.Table.Rows)
	return out, nil
}

// exportQuery checks that the role may export the panel and builds its query.
func (s *Service) exportQuery(r Request, panelID string) (*Page, Panel, Query, error) {
	page, ok := s.cat.Page(r.Page)
	if !ok {
		return nil, Panel{}, Query{}, ErrNoPage
	}
	if !page.Allows(r.Role) {
		return nil, Panel{}, Query{}, ErrForbidden
	}
	pn, ok := page.Panel(panelID)
	if !ok {
		return nil, Panel{}, Query{}, ErrNoPage
	}
	if !Insights[pn.Insight].Exportable {
		return nil, Panel{}, Query{}, ErrNotExportable
	}
	loc := r.Location
	if loc == nil {
		loc = tenant.Tenant{}.Location()
	}
	f, _ := ParseFilters(r.Query)
	f = onlyFields(f.WithDefaults(page.Defaults), page.Filters)
	from, to := f.Range(s.opts.Now(), loc)
	return page, pn, Query{TenantID: r.TenantID, Insight: pn.Insight, Options: pn.Options, Filters: f, From: from, To: to,
		Location: loc, Locale: Lang(r.Lang), Role: r.Role, Actor: r.Actor, Settings: r.Settings.WithDefaults()}, nil
}

// Extract computes one exportable panel for a role under the request's filters. Suppression is the
// insight's, exactly as on the page: an export never holds a cell the page would not show.
func (s *Service) Extract(ctx context.Context, r Request, panelID string) (*Extract, error) {
	page, pn, q, err := s.exportQuery(r, panelID)
	if err != nil {
		return nil, err
	}
	lang, f, from, to, loc, now := q.Locale, q.Filters, q.From, q.To, q.Location, s.opts.Now()
	cctx, cancel := context.WithTimeout(ctx, s.opts.PanelTimeout)
	defer cancel()
	d, err := s.src.Compute(cctx, q)
	if err != nil {
		return nil, fmt.Errorf("export %s/%s: %w", page.ID, pn.ID, err)
	}
	x := &Extract{Page: page.ID, Panel: pn.ID, Title: pn.Title.In(lang), Filters: f,
		PeriodLabel: PeriodLabel(f.Period, lang, FiscalYear(now.In(loc))), From: from, To: to,
		GeneratedAt: now.UTC(), N: d.N, Table: &Table{}}
	if d.Suppressed {
		x.Notes = append(x.Notes, T(lang, "suppressed", minN(d)))
		return x, nil
	}
	if d.Note != "" {
		x.Notes = append(x.Notes, d.Note)
	}
	x.Notes = append(x.Notes, hiddenNotes(d, lang)...)
	x.Table = DataTable(d, lang)
	return x, nil
}

// Filename is a download name for the extract, e.g. "alumnipulse-leadership-disclosure-fy2025.csv".
func (x *Extract) Filename(format string) string {
	period := x.Filters.Period
	if period == "" {
		period = "all"
	}
	return fmt.Sprintf("alumnipulse-%s-%s-%s.%s", x.Page, x.Panel, period, format)
}

// Write writes the extract in format.
func (x *Extract) Write(w io.Writer, format string) error {
	switch format {
	case FormatCSV:
		return x.writeCSV(w)
	case FormatXLSX:
		return x.writeXLSX(w)
	case FormatJSON:
		return x.writeJSON(w)
	}
	return fmt.Errorf("unknown export format %q", format)
}

// writeCSV writes UTF-8 with a byte-order mark (Excel in Japan reads BOM-less UTF-8 as Shift_JIS).
func (x *Extract) writeCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(safeCells(x.Table.Columns)); err != nil {
		return err
	}
	for _, row := range x.Table.Rows {
		if err := cw.Write(safeCells(row)); err != nil {
			return err
		}
	}
	for _, n := range x.Notes {
		if err := cw.Write(safeCells([]string{"# " + n})); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCells defuses spreadsheet formulas: a cell from data that starts with = + - @ (or a tab or carriage
// return) is prefixed with an apostrophe, unless it is a plain number.
func safeCells(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = safeCell(c)
	}
	return out
}

func safeCell(c string) string {
	if c == "" || !strings.ContainsAny(c[:1], "=+-@\t\r") {
		return c
	}
	if _, err := strconv.ParseFloat(c, 64); err == nil {
		return c
	}
	return "'" + c
}

func (x *Extract) writeXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	name := x.Panel
	if len(name) > 31 {
		name = name[:31]
	}
	if err := f.SetSheetName(sheet, name); err != nil {
		return fmt.Errorf("xlsx sheet: %w", err)
	}
	header := make([]any, len(x.Table.Columns))
	for i, c := range x.Table.Columns {
		header[i] = c
	}
	if err := f.SetSheetRow(name, "A1", &header); err != nil {
		return fmt.Errorf("xlsx header: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err == nil {
		_ = f.SetRowStyle(name, 1, 1, bold)
	}
	for r, row := range x.Table.Rows {
		cells := make([]any, len(row))
		for i, c := range row {
			// Numbers go in as numbers; text goes in as text (excelize writes strings as inline text, never
			// as formulas).
			if i < len(x.Table.Numeric) && x.Table.Numeric[i] {
				if v, err := strconv.ParseFloat(c, 64); err == nil {
					cells[i] = v
					continue
				}
			}
			cells[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow(name, cell, &cells); err != nil {
			return fmt.Errorf("xlsx row %d: %w", r+1, err)
		}
	}
	for i, n := range x.Notes {
		cell, _ := excelize.CoordinatesToCellName(1, len(x.Table.Rows)+3+i)
		if err := f.SetCellStr(name, cell, n); err != nil {
			return fmt.Errorf("xlsx note: %w", err)
		}
	}
	if len(x.Table.Columns) > 0 {
		last, _ := excelize.ColumnNumberToName(len(x.Table.Columns))
		_ = f.SetColWidth(name, "A", last, 22)
	}
	return f.Write(w)
}

func (x *Extract) writeJSON(w io.Writer) error {
	type out struct {
		Page        string            `json:"page"`
		Panel       string            `json:"panel"`
		Title       string            `json:"title"`
		Period      string            `json:"period"`
		PeriodLabel string            `json:"period_label"`
		From        string            `json:"from,omitempty"`
		To          string            `json:"to,omitempty"`
		Filters     map[string]string `json:"filters"`
		GeneratedAt time.Time         `json:"generated_at"`
		N           int               `json:"n"`
		Columns     []string          `json:"columns"`
		Rows        [][]string        `json:"rows"`
		Notes       []string          `json:"notes,omitempty"`
	}
	o := out{Page: x.Page, Panel: x.Panel, Title: x.Title, Period: x.Filters.Period, PeriodLabel: x.PeriodLabel,
		Filters: map[string]string{}, GeneratedAt: x.GeneratedAt, N: x.N, Columns: x.Table.Columns, Notes: x.Notes,
		Rows: x.Table.Rows}
	if !x.From.IsZero() {
		o.From, o.To = x.From.Format("2006-01-02"), x.To.AddDate(0, 0, -1).Format("2006-01-02")
	}
	for k, v := range x.Filters.Values() {
		o.Filters[k] = v[0]
	}
	if o.Rows == nil {
		o.Rows = [][]string{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}
