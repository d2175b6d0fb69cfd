package dashboard

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Filters narrow every panel of a page. They travel in the URL query, so a filtered view is a shareable link.
type Filters struct {
	// Period: "" or "all" (everything), "12m" / "24m" (this month and the 11 / 23 before it), "fy" (the current fiscal
	// year, April–March) or "fy2025" (the fiscal year starting April 2025). Which date the period applies to
	// (answer submitted, invitation planned, exit) is each insight's definition.
	Period     string
	Wave       string // "", "3m", "6m"
	Department string
	ExitType   string // "", voluntary, involuntary, retirement, contract_end
	TenureBand string
}

// FilterFields are the query keys of the filters, in form order.
var FilterFields = []string{"period", "wave", "department", "exit_type", "tenure_band"}

// ExitTypes are the exit types a filter may name.
var ExitTypes = []string{"voluntary", "involuntary", "retirement", "contract_end"}

// Waves are the survey waves a filter may name.
var Waves = []string{"3m", "6m"}

var (
	periodPattern = regexp.MustCompile(`^(all|12m|24m|fy|fy(19|20)\d\d)$`)
	bandPattern   = regexp.MustCompile(`^[a-z0-9_+<>\-.]{1,32}$`)
)

// maxSegmentLen bounds a department name in a URL.
const maxSegmentLen = 100

// FilterProblem is a filter value that was not understood and was ignored.
type FilterProblem struct {
	Field string
	Value string
}

// ParseFilters reads the filters from a URL query. A value that is not understood is dropped and reported,
// so a mangled shared link still opens (without that filter) and says what it ignored.
func ParseFilters(q url.Values) (Filters, []FilterProblem) {
	var f Filters
	var problems []FilterProblem
	get := func(field string, ok func(string) bool) string {
		v := q.Get(field)
		if v == "" {
			return ""
		}
		if !ok(v) {
			problems = append(problems, FilterProblem{Field: field, Value: v})
			return ""
		}
		return v
	}
	f.Period = get("period", periodPattern.MatchString)
	f.Wave = get("wave", func(v string) bool { return slices.Contains(Waves, v) })
	f.Department = get("department", segmentValue)
	f.ExitType = get("exit_type", func(v string) bool { return slices.Contains(ExitTypes, v) })
	f.TenureBand = get("tenure_band", bandPattern.MatchString)
	return f, problems
}

// segmentValue accepts a department name: printable text without control characters, of bounded length.
func segmentValue(v string) bool {
	if !utf8.ValidString(v) || len(v) > maxSegmentLen {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// WithDefaults fills the empty fields of f from d.
func (f Filters) WithDefaults(d Filters) Filters {
	if f.Period == "" {
		f.Period = d.Period
	}
	if f.Wave == "" {
		f.Wave = d.Wave
	}
	if f.Department == "" {
		f.Department = d.Department
	}
	if f.ExitType == "" {
		f.ExitType = d.ExitType
	}
	if f.TenureBand == "" {
		f.TenureBand = d.TenureBand
	}
	return f
}

// Get returns the value of a filter field by its query key.
func (f Filters) Get(field string) string {
	switch field {
	case "period":
		return f.Period
	case "wave":
		return f.Wave
	case "department":
		return f.Department
	case "exit_type":
		return f.ExitType
	case "tenure_band":
		return f.TenureBand
	}
	return ""
}

// Values returns the non-empty filters as a URL query.
func (f Filters) Values() url.Values {
	q := url.Values{}
	for _, k := range FilterFields {
		if v := f.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// Key is a stable text form of f (for cache keys and audit details).
func (f Filters) Key() string { return f.Values().Encode() }

// Range returns the date range [From, To) the period covers, in loc; zero times mean unbounded.
func (f Filters) Range(now time.Time, loc *time.Location) (from, to time.Time) {
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	switch p := f.Period; {
	case p == "12m" || p == "24m":
		// This month and the 11 (23) before it, whole months: the insight counts are kept by month.
		n := 12
		if p == "24m" {
			n = 24
		}
		month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
		return month.AddDate(0, 1-n, 0), month.AddDate(0, 1, 0)
	case p == "fy":
		y := FiscalYear(now)
		return fiscalStart(y, loc), fiscalStart(y+1, loc)
	case len(p) == 6 && p[:2] == "fy":
		y, _ := strconv.Atoi(p[2:])
		return fiscalStart(y, loc), fiscalStart(y+1, loc)
	}
	return time.Time{}, time.Time{}
}

// FiscalYear returns the Japanese fiscal year (April–March) t falls in, named by the year it starts.
func FiscalYear(t time.Time) int {
	if t.Month() < time.April {
		return t.Year() - 1
	}
	return t.Year()
}

func fiscalStart(y int, loc *time.Location) time.Time {
	return time.Date(y, time.April, 1, 0, 0, 0, 0, loc)
}

// PeriodChoices returns the period values a form offers at now: everything, the last 12 and 24 months, the
// current fiscal year and the three before it.
func PeriodChoices(now time.Time) []string {
	fy := FiscalYear(now)
	out := []string{"all", "12m", "24m", "fy"}
	for y := fy - 1; y >= fy-3; y-- {
		out = append(out, fmt.Sprintf("fy%d", y))
	}
	return out
}
