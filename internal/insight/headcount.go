package insight

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db"
)

// Headcount is the number of employees HR reports for a period: a month (the headcount at its end) or a
// fiscal year (its average headcount), for the whole company (Department "") or one department.
type Headcount struct {
	Period     string `json:"period"` // "2025-04" (a month) or "FY2025" (a fiscal year)
	Department string `json:"department,omitempty"`
	Headcount  int    `json:"headcount"`
}

// Period kinds of the headcounts table.
const (
	KindMonth      = "month"
	KindFiscalYear = "fiscal_year"
)

// period returns the first and last day of a period and its kind; fiscal years start in fyStart.
func period(p string, fyStart time.Month) (start, end time.Time, kind string, err error) {
	p = strings.TrimSpace(p)
	if y, ok := strings.CutPrefix(strings.ToUpper(p), "FY"); ok {
		year, err := strconv.Atoi(y)
		if err != nil || year < 1971 || year > 2100 {
			return time.Time{}, time.Time{}, "", fmt.Errorf("period %q: want FYyyyy", p)
		}
		start = time.Date(year, fyStart, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(1, 0, -1), KindFiscalYear, nil
	}
	t, err := time.Parse("2006-01", p)
	if err != nil || t.Year() < 1971 || t.Year() > 2100 {
		return time.Time{}, time.Time{}, "", fmt.Errorf("period %q: want yyyy-mm or FYyyyy", p)
	}
	return t, t.AddDate(0, 1, -1), KindMonth, nil
}

// maxHeadcountRows bounds one import.
const maxHeadcountRows = 100_000

// ParseHeadcountsCSV reads headcounts from a CSV with a header row naming the columns period,
// department (optional) and headcount (Japanese 期間, 部署, 人数 work too).
func ParseHeadcountsCSV(r io.Reader) ([]Headcount, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, &ValidationError{"headcounts", "no header row"}
	}
	col := map[string]int{}
	names := map[string]string{"period": "period", "期間": "period", "department": "department", "部署": "department",
		"headcount": "headcount", "人数": "headcount", "従業員数": "headcount"}
	for i, h := range header {
		h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
		if n, ok := names[strings.ToLower(h)]; ok {
			col[n] = i
		}
	}
	if _, ok := col["period"]; !ok {
		return nil, &ValidationError{"headcounts", "no period column"}
	}
	if _, ok := col["headcount"]; !ok {
		return nil, &ValidationError{"headcounts", "no headcount column"}
	}
	var out []Headcount
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &ValidationError{"headcounts", fmt.Sprintf("line %d: %v", line, err)}
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		n, err := strconv.Atoi(strings.ReplaceAll(get("headcount"), ",", ""))
		if err != nil {
			return nil, &ValidationError{"headcounts", fmt.Sprintf("line %d: headcount %q is not a whole number", line, get("headcount"))}
		}
		out = append(out, Headcount{Period: get("period"), Department: get("department"), Headcount: n})
		if len(out) > maxHeadcountRows {
			return nil, &ValidationError{"headcounts", fmt.Sprintf("more than %d rows", maxHeadcountRows)}
		}
	}
	return out, nil
}

// ParseHeadcountsJSON reads a JSON array of headcounts.
func ParseHeadcountsJSON(r io.Reader) ([]Headcount, error) {
	var out []Headcount
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, &ValidationError{"headcounts", "want a JSON array of {period, department, headcount}: " + err.Error()}
	}
	if len(out) > maxHeadcountRows {
		return nil, &ValidationError{"headcounts", fmt.Sprintf("more than %d rows", maxHeadcountRows)}
	}
	return out, nil
}

// ImportHeadcounts stores headcounts (replacing earlier ones of the same period and department) after
// checking every row, and records the import in the audit log. Nothing is stored when a row is bad.
func (s *Service) ImportHeadcounts(ctx context.Context, tenantID, actor string, hs []Headcount) (int, error) {
	if len(hs) == 0 {
		return 0, &ValidationError{"headcounts", "no rows"}
	}
	now := s.opts.Now().UTC().Truncate(time.Second)
	version := uint64(s.opts.Now().UnixNano())
	seen := map[string]bool{}
	rows := make([][]any, 0, len(hs))
	for i, h := range hs {
		start, end, kind, err := period(h.Period, s.opts.FiscalYearStart)
		if err != nil {
			return 0, &ValidationError{"headcounts", fmt.Sprintf("row %d: %v", i+1, err)}
		}
		if h.Headcount < 0 || h.Headcount > 10_000_000 {
			return 0, &ValidationError{"headcounts", fmt.Sprintf("row %d: headcount %d out of range", i+1, h.Headcount)}
		}
		if len(h.Department) > maxValueLen {
			return 0, &ValidationError{"headcounts", fmt.Sprintf("row %d: department too long", i+1)}
		}
		key := kind + start.Format(time.DateOnly) + "\x00" + h.Department
		if seen[key] {
			return 0, &ValidationError{"headcounts", fmt.Sprintf("row %d: %s %q appears twice", i+1, h.Period, h.Department)}
		}
		seen[key] = true
		rows = append(rows, []any{tenantID, start, end, kind, h.Department, uint32(h.Headcount), "import", uint8(0), now, version})
	}
	if err := s.audit.Record(ctx, audit.Entry{TenantID: tenantID, Actor: actor, Action: "headcount.import",
		Detail: fmt.Sprintf("rows=%d", len(rows))}); err != nil {
		return 0, err
	}
	if err := db.Insert(ctx, s.conn, `INSERT INTO headcounts (tenant_id, period_start, period_end, kind, department,
		headcount, source, deleted, imported_at, version)`, rows...); err != nil {
		return 0, fmt.Errorf("store headcounts: %w", err)
	}
	return len(rows), nil
}

// HireKind is an HR event that ties an alumnus to a hire.
type HireKind string

// The hires HR records.
const (
	// Rehired: the alumnus was hired again (a boomerang).
	Rehired HireKind = "rehired"
	// Referral: someone was hired on the alumnus's referral.
	Referral HireKind = "referral"
)

// RecordHire records that an alumnus was rehired, or that someone was hired on their referral, on the
// given date, and audits it. The event carries no detail: the hire itself lives in the HR system.
func (s *Service) RecordHire(ctx context.Context, tenantID, actor string, alumnusID uuid.UUID, kind HireKind, on time.Time) error {
	if kind != Rehired && kind != Referral {
		return &ValidationError{"kind", "want rehired or referral"}
	}
	if on.IsZero() || on.After(s.opts.Now().AddDate(0, 0, 1)) || on.Year() < 1971 {
		return &ValidationError{"date", "want a date not in the future"}
	}
	if err := s.audit.Record(ctx, audit.Entry{TenantID: tenantID, Actor: actor, Action: "alumni." + string(kind),
		Target: alumnusID.String(), Detail: on.Format(time.DateOnly)}); err != nil {
		return err
	}
	if err := db.Insert(ctx, s.conn, "INSERT INTO alumni_events (tenant_id, alumnus_id, event, at, detail)",
		[]any{tenantID, alumnusID, string(kind), on.UTC(), ""}); err != nil {
		return fmt.Errorf("record %s: %w", kind, err)
	}
	return nil
}
