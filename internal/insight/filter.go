package insight

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Dim is a column results can be filtered on and broken down by. Every one is a segment snapshot column
// of the answers table (and of text_analyses), so no query needs a join.
type Dim string

// The dimensions.
const (
	DimWave        Dim = "wave"
	DimSurvey      Dim = "survey_id"
	DimDepartment  Dim = "department"
	DimJobFamily   Dim = "job_family"
	DimExitType    Dim = "exit_type"
	DimTenureBand  Dim = "tenure_band"
	DimExitQuarter Dim = "exit_quarter"
)

// Dims lists the dimensions in the order filters are written into SQL and breakdowns are accepted.
var Dims = []Dim{DimSurvey, DimWave, DimDepartment, DimJobFamily, DimExitType, DimTenureBand, DimExitQuarter}

// param is the query parameter of a dimension.
func (d Dim) param() string {
	if d == DimSurvey {
		return "survey"
	}
	return string(d)
}

// ParseDim reads a dimension from its query parameter name ("survey" or "survey_id" for DimSurvey).
func ParseDim(s string) (Dim, bool) {
	for _, d := range Dims {
		if s == d.param() || s == string(d) {
			return d, true
		}
	}
	return "", false
}

// Filter selects the answers a figure is computed on. The zero Filter selects everything of a tenant.
// Segment values match the snapshot taken when the answer was submitted.
type Filter struct {
	// From and To bound the period (From inclusive, To exclusive): when answers were submitted, or for
	// the funnel when invitations were planned. Zero means open.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Values of dimensions; "" means any. ExitQuarter is the quarter's first day, "2025-04-01".
	Values map[Dim]string `json:"values,omitempty"`
}

// Get returns the filter value of d ("" when unset).
func (f Filter) Get(d Dim) string { return f.Values[d] }

// With returns a copy of f with d set to v ("" removes it).
func (f Filter) With(d Dim, v string) Filter {
	out := Filter{From: f.From, To: f.To, Values: make(map[Dim]string, len(f.Values)+1)}
	for k, x := range f.Values {
		out.Values[k] = x
	}
	if v == "" {
		delete(out.Values, d)
	} else {
		out.Values[d] = v
	}
	return out
}

// cond is one restriction of a filter as SQL with its bound values. name identifies it, so that a
// "parent" filter (this one without one restriction) can be built for the differencing check.
type cond struct {
	name string
	sql  string
	args []any
}

// conds returns the filter's restrictions in a fixed order (Dims, then the period). periodCol is the
// DateTime column the period applies to; "" ignores the period.
func (f Filter) conds(periodCol string) []cond {
	var out []cond
	for _, d := range Dims {
		v, ok := f.Values[d]
		if !ok || v == "" {
			continue
		}
		if d == DimExitQuarter {
			// Parsed and checked by ParseFilter; a bad value here is a programming error caught by tests.
			q, _ := time.Parse(time.DateOnly, v)
			out = append(out, cond{string(d), "exit_quarter = toDate(?)", []any{q.Format(time.DateOnly)}})
			continue
		}
		out = append(out, cond{string(d), string(d) + " = ?", []any{v}})
	}
	if periodCol != "" {
		var parts []string
		var args []any
		if !f.From.IsZero() {
			parts = append(parts, periodCol+" >= ?")
			args = append(args, f.From.UTC())
		}
		if !f.To.IsZero() {
			parts = append(parts, periodCol+" < ?")
			args = append(args, f.To.UTC())
		}
		if len(parts) > 0 {
			out = append(out, cond{"period", strings.Join(parts, " AND "), args})
		}
	}
	return out
}

// where returns "tenant_id = ? AND …" for the filter with its bound values, the tenant first.
func (f Filter) where(tenantID, periodCol string) (string, []any) {
	return joinConds(tenantID, f.conds(periodCol))
}

func joinConds(tenantID string, cs []cond) (string, []any) {
	parts := []string{"tenant_id = ?"}
	args := []any{tenantID}
	for _, c := range cs {
		parts = append(parts, c.sql)
		args = append(args, c.args...)
	}
	return strings.Join(parts, " AND "), args
}

// andConds joins restrictions without the tenant ("1" when there are none), for use inside an aggregate's
// condition (countIf(…)).
func andConds(cs []cond) (string, []any) {
	if len(cs) == 0 {
		return "1", nil
	}
	parts := make([]string, len(cs))
	var args []any
	for i, c := range cs {
		parts[i] = "(" + c.sql + ")"
		args = append(args, c.args...)
	}
	return strings.Join(parts, " AND "), args
}

// ValidationError reports a bad request parameter.
type ValidationError struct {
	Param string
	Msg   string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("parameter %s: %s", e.Param, e.Msg) }

const maxValueLen = 200

// ParseFilter reads a filter from query parameters: from, to (YYYY-MM-DD, in loc; to is inclusive of that
// day), and one value per dimension (survey, wave, department, job_family, exit_type, tenure_band,
// exit_quarter as YYYY-MM-DD of the quarter's first day or YYYY-Qn).
func ParseFilter(q url.Values, loc *time.Location) (Filter, error) {
	f := Filter{Values: map[Dim]string{}}
	for _, d := range Dims {
		v := strings.TrimSpace(q.Get(d.param()))
		if v == "" {
			continue
		}
		if len(v) > maxValueLen {
			return Filter{}, &ValidationError{d.param(), "too long"}
		}
		if d == DimExitQuarter {
			qs, err := parseQuarter(v)
			if err != nil {
				return Filter{}, &ValidationError{d.param(), err.Error()}
			}
			v = qs
		}
		f.Values[d] = v
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			return Filter{}, &ValidationError{p.name, "want YYYY-MM-DD"}
		}
		*p.dst = t.AddDate(0, 0, p.add)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return Filter{}, &ValidationError{"to", "must not be before from"}
	}
	return f, nil
}

// parseQuarter accepts "2025-Q2" (calendar quarter) or a date that is a quarter's first day.
func parseQuarter(v string) (string, error) {
	if y, qn, ok := strings.Cut(strings.ToUpper(v), "-Q"); ok {
		year, err1 := strconv.Atoi(y)
		n, err2 := strconv.Atoi(qn)
		if err1 != nil || err2 != nil || n < 1 || n > 4 || year < 1971 || year > 2105 {
			return "", fmt.Errorf("want YYYY-Qn or the quarter's first day")
		}
		return time.Date(year, time.Month(3*n-2), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil || t.Day() != 1 || (t.Month()-1)%3 != 0 {
		return "", fmt.Errorf("want YYYY-Qn or the quarter's first day")
	}
	return v, nil
}

// ParseBy reads a comma-separated breakdown ("department" or "wave,department"), at most max dimensions.
func ParseBy(v string, max int) ([]Dim, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []Dim
	for _, p := range strings.Split(v, ",") {
		d, ok := ParseDim(strings.TrimSpace(p))
		if !ok {
			return nil, &ValidationError{"by", fmt.Sprintf("unknown dimension %q", p)}
		}
		if slices.Contains(out, d) {
			return nil, &ValidationError{"by", fmt.Sprintf("%q twice", p)}
		}
		out = append(out, d)
	}
	if len(out) > max {
		return nil, &ValidationError{"by", fmt.Sprintf("at most %d dimensions", max)}
	}
	return out, nil
}
