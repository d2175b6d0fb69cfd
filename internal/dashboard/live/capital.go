package live

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

// fiscalYear is the fiscal year a query's period names ("fy", "fy2025"), or the current one for other
// periods: human-capital figures are always for one fiscal year.
func (s *Source) fiscalYear(q dashboard.Query) int {
	if strings.HasPrefix(q.Filters.Period, "fy") && !q.From.IsZero() {
		return q.From.Year()
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	return dashboard.FiscalYear(s.now().In(loc))
}

// unit maps the insight service's units to what a figure shows after its number.
func unit(u, lang string) (string, int) {
	switch u {
	case "%":
		return "%", 1
	case "people":
		return label(lang, "人", " people"), 0
	case "points":
		return "pt", 1
	}
	return "", 2
}

func figureName(f insight.Figure, lang string) string {
	if lang == "ja" && f.NameJA != "" {
		return f.NameJA
	}
	return f.Name
}

func standard(f insight.Figure) string {
	var parts []string
	if f.ISO30414 != "" {
		parts = append(parts, "ISO 30414: "+f.ISO30414)
	}
	if f.JPArea != "" {
		parts = append(parts, "人的資本可視化指針: "+f.JPArea)
	}
	return strings.Join(parts, " / ")
}

// sizeReason reports whether a figure was withheld for a small group (rather than for missing data).
func sizeReason(r string) bool {
	return r == "" || r == suppress.ReasonBelowMinimum || r == suppress.ReasonComplementary || r == insight.ReasonDifferencing
}

// unavailable says why a figure has no value.
func unavailable(reason, lang string) string {
	if strings.Contains(reason, "headcount") {
		return label(lang, "データなし（従業員数が未登録）", "No data (headcount not reported)")
	}
	return label(lang, "データなし", "No data") + " (" + reason + ")"
}

func (s *Source) humanCapitalReport(ctx context.Context, q dashboard.Query) (insight.HumanCapitalReport, error) {
	ins, err := s.insights(q)
	if err != nil {
		return insight.HumanCapitalReport{}, err
	}
	return ins.HumanCapital(ctx, q.TenantID, s.fiscalYear(q), "")
}

// humanCapital is the headline figures of the fiscal year: value, interval, n, definition and standard.
func (s *Source) humanCapital(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	rep, err := s.humanCapitalReport(ctx, q)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	fs := &dashboard.Figures{}
	for _, f := range rep.Figures {
		// The per-reason rows belong in the disclosure table, not among the headline figures.
		if strings.HasPrefix(f.ID, "exit_reason") {
			continue
		}
		u, dec := unit(f.Unit, lang)
		fig := dashboard.Figure{Label: figureName(f, lang), Unit: u, Decimals: dec, N: intOr0(f.N), Suppressed: f.Suppressed,
			Value: nan(), Lo: nan(), Hi: nan(), Change: nan(), Definition: f.Definition, Standard: standard(f)}
		if f.Value != nil && !f.Suppressed {
			fig.Value = float64(*f.Value)
		}
		if f.CI != nil && !f.Suppressed {
			fig.Lo, fig.Hi = float64(f.CI.Lo), float64(f.CI.Hi)
		}
		if f.Suppressed && !sizeReason(f.Reason) {
			fig.Suppressed, fig.Unavailable = false, unavailable(f.Reason, lang)
		}
		fs.Items = append(fs.Items, fig)
	}
	return dashboard.Data{MinN: rep.MinGroup, Figures: fs,
		Note: fmt.Sprintf(label(lang, "%d年度（%s〜%s）", "FY%d (%s to %s)"), rep.FiscalYear, rep.From, rep.To)}, nil
}

// disclosure is every figure of the fiscal year as a table mapped to ISO 30414 and the Japanese guideline.
func (s *Source) disclosure(ctx context.Context, q dashboard.Query) (dashboard.Data, error) {
	rep, err := s.humanCapitalReport(ctx, q)
	if err != nil {
		return dashboard.Data{}, err
	}
	lang := q.Locale
	t := &dashboard.Table{Columns: []string{label(lang, "項目", "Figure"), label(lang, "値", "Value"), "n",
		"ISO 30414", label(lang, "人的資本可視化指針", "Japan guideline area"), label(lang, "定義", "Definition")},
		Numeric: []bool{false, true, true, false, false, false}}
	mn := fmt.Sprintf("n<%d", rep.MinGroup)
	for _, f := range rep.Figures {
		u, dec := unit(f.Unit, lang)
		v, n := mn, mn
		if !f.Suppressed {
			v, n = "–", "–"
			if f.Value != nil {
				v = dashboard.Num(float64(*f.Value), dec) + u
			}
			if f.N != nil {
				n = strconv.Itoa(*f.N)
			}
		} else if !sizeReason(f.Reason) {
			v, n = unavailable(f.Reason, lang), "–"
		}
		t.Rows = append(t.Rows, []string{figureName(f, lang), v, n, f.ISO30414, f.JPArea, f.Definition})
	}
	return dashboard.Data{MinN: rep.MinGroup, Table: t,
		Note: fmt.Sprintf(label(lang, "%d年度（%s〜%s）。出力は開示用の正式な形式（CSV・Excel・JSON）です。",
			"FY%d (%s to %s). Exports are the official disclosure file (CSV, Excel, JSON)."), rep.FiscalYear, rep.From, rep.To)}, nil
}

// Export implements dashboard.Exporter: the disclosure panel downloads the insight service's disclosure
// file for the fiscal year, which the service audits itself.
func (s *Source) Export(ctx context.Context, q dashboard.Query, format string, w io.Writer) (string, bool, error) {
	if q.Insight != "disclosure" {
		return "", false, nil
	}
	ins, err := s.insights(q)
	if err != nil {
		return "", false, err
	}
	fy := s.fiscalYear(q)
	if err := ins.ExportDisclosure(ctx, q.TenantID, q.Actor, fy, format, w); err != nil {
		return "", false, err
	}
	return fmt.Sprintf("alumnipulse-disclosure-FY%d.%s", fy, format), true, nil
}
