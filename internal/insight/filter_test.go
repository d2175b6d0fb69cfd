package insight

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"
)

func TestFilterWhere(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	from := time.Date(2025, 4, 1, 0, 0, 0, 0, jst)
	to := time.Date(2026, 4, 1, 0, 0, 0, 0, jst)
	tests := []struct {
		name   string
		f      Filter
		period string
		sql    string
		args   []any
	}{
		{"empty", Filter{}, "submitted_at", "tenant_id = ?", []any{"t1"}},
		{"one value", Filter{Values: map[Dim]string{DimDepartment: "営業本部"}}, "submitted_at",
			"tenant_id = ? AND department = ?", []any{"t1", "営業本部"}},
		{"fixed order whatever the map order",
			Filter{Values: map[Dim]string{DimTenureBand: "1-3y", DimWave: "3m", DimSurvey: "alumni-3m", DimExitType: "voluntary", DimJobFamily: "sales"}},
			"submitted_at",
			"tenant_id = ? AND survey_id = ? AND wave = ? AND job_family = ? AND exit_type = ? AND tenure_band = ?",
			[]any{"t1", "alumni-3m", "3m", "sales", "voluntary", "1-3y"}},
		{"exit quarter is a date", Filter{Values: map[Dim]string{DimExitQuarter: "2025-04-01"}}, "submitted_at",
			"tenant_id = ? AND exit_quarter = toDate(?)", []any{"t1", "2025-04-01"}},
		{"period in UTC", Filter{From: from, To: to}, "submitted_at",
			"tenant_id = ? AND submitted_at >= ? AND submitted_at < ?", []any{"t1", from.UTC(), to.UTC()}},
		{"open end", Filter{To: to}, "planned_at", "tenant_id = ? AND planned_at < ?", []any{"t1", to.UTC()}},
		{"period ignored without a column", Filter{From: from}, "", "tenant_id = ?", []any{"t1"}},
		{"injection stays a value", Filter{Values: map[Dim]string{DimDepartment: "x' OR 1=1 --"}}, "submitted_at",
			"tenant_id = ? AND department = ?", []any{"t1", "x' OR 1=1 --"}},
		{"empty value is no restriction", Filter{Values: map[Dim]string{DimDepartment: ""}}, "submitted_at",
			"tenant_id = ?", []any{"t1"}},
	}
	for _, tc := range tests {
		sql, args := tc.f.where("t1", tc.period)
		if sql != tc.sql {
			t.Errorf("%s: sql\n got %q\nwant %q", tc.name, sql, tc.sql)
		}
		if !reflect.DeepEqual(args, tc.args) {
			t.Errorf("%s: args\n got %#v\nwant %#v", tc.name, args, tc.args)
		}
	}
}

func TestCountsFor(t *testing.T) {
	f := Filter{Values: map[Dim]string{DimWave: "3m", DimDepartment: "営業"}}
	c := countsFor(f, "submitted_at")
	wantSel := "countIf((wave = ?) AND (department = ?)) AS n, countIf((department = ?)) AS p0, countIf((wave = ?)) AS p1"
	if c.sel != wantSel {
		t.Errorf("sel\n got %q\nwant %q", c.sel, wantSel)
	}
	if want := []any{"3m", "営業", "営業", "3m"}; !reflect.DeepEqual(c.selArgs, want) {
		t.Errorf("sel args %v, want %v", c.selArgs, want)
	}
	if want := "((department = ?)) OR ((wave = ?))"; c.where != want {
		t.Errorf("where %q, want %q", c.where, want)
	}
	if c.parents != 2 {
		t.Errorf("parents %d", c.parents)
	}
	none := countsFor(Filter{}, "submitted_at")
	if none.sel != "countIf(1) AS n" || none.where != "1" || none.parents != 0 {
		t.Errorf("no filter: %+v", none)
	}
}

func TestParseFilter(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	q := url.Values{"from": {"2025-04-01"}, "to": {"2026-03-31"}, "department": {" 営業 "}, "exit_quarter": {"2025-q2"},
		"survey": {"alumni-3m"}, "ignored": {"x"}}
	f, err := ParseFilter(q, jst)
	if err != nil {
		t.Fatal(err)
	}
	if !f.From.Equal(time.Date(2025, 4, 1, 0, 0, 0, 0, jst)) || !f.To.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, jst)) {
		t.Errorf("period %v – %v (to is the day after, exclusive)", f.From, f.To)
	}
	want := map[Dim]string{DimDepartment: "営業", DimExitQuarter: "2025-04-01", DimSurvey: "alumni-3m"}
	if !reflect.DeepEqual(f.Values, want) {
		t.Errorf("values %v, want %v", f.Values, want)
	}
	bad := []url.Values{
		{"from": {"2025/04/01"}},
		{"exit_quarter": {"2025-05-01"}},
		{"exit_quarter": {"2025-Q5"}},
		{"from": {"2025-04-02"}, "to": {"2025-04-01"}},
		{"department": {string(make([]byte, 300))}},
	}
	for _, b := range bad {
		var ve *ValidationError
		if _, err := ParseFilter(b, jst); !errors.As(err, &ve) {
			t.Errorf("%v: err %v, want *ValidationError", b, err)
		}
	}
	by, err := ParseBy("department", 1)
	if err != nil || !reflect.DeepEqual(by, []Dim{DimDepartment}) {
		t.Errorf("ParseBy = %v, %v", by, err)
	}
	for _, b := range []string{"salary", "department,department", "wave,department"} {
		if _, err := ParseBy(b, 1); err == nil {
			t.Errorf("ParseBy(%q): no error", b)
		}
	}
}
