package dashboard_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/dashboard/dashboardtest"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

func TestExtractAndWrite(t *testing.T) {
	src := &dashboardtest.Source{Departments: map[string][]string{"t1": {"=HYPERLINK(\"http://x\")", "+1-2", "-3.5", "営業部"}}}
	svc := newService(t, src, dashboard.Options{})
	ctx := context.Background()
	req := dashboard.Request{TenantID: "t1", Role: tenant.RoleLeadership, Page: "leadership", Lang: "en",
		Query: url.Values{"period": {"fy2024"}, "department": {"ignored"}}}
	if _, err := svc.Extract(ctx, req, "enps_trend"); !errors.Is(err, dashboard.ErrNotExportable) {
		t.Errorf("chart panel export: err = %v", err)
	}
	if _, err := svc.Extract(ctx, dashboard.Request{TenantID: "t1", Role: tenant.RoleLeadership, Page: "waves"}, "waves"); !errors.Is(err, dashboard.ErrForbidden) {
		t.Errorf("waves export by leadership: err = %v", err)
	}
	x, err := svc.Extract(ctx, req, "disclosure")
	if err != nil {
		t.Fatal(err)
	}
	if x.Filters != (dashboard.Filters{Period: "fy2024"}) || x.Filename("csv") != "alumnipulse-leadership-disclosure-fy2024.csv" {
		t.Errorf("extract filters %+v, name %s", x.Filters, x.Filename("csv"))
	}

	var b bytes.Buffer
	if err := x.Write(&b, dashboard.FormatCSV); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\ufeff")) {
		t.Error("CSV has no byte-order mark")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := []string{}
	for _, r := range recs[1:5] {
		col = append(col, r[0])
	}
	if got := strings.Join(col, "|"); got != `'=HYPERLINK("http://x")|'+1-2|-3.5|営業部` {
		t.Errorf("CSV first column = %s (formulas must be defused, numbers kept)", got)
	}

	b.Reset()
	if err := x.Write(&b, dashboard.FormatJSON); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Period  string     `json:"period"`
		From    string     `json:"from"`
		To      string     `json:"to"`
		Columns []string   `json:"columns"`
		Rows    [][]string `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if j.Period != "fy2024" || j.From != "2024-04-01" || j.To != "2025-03-31" || len(j.Rows) != 4 || len(j.Columns) != 3 {
		t.Errorf("JSON export = %+v", j)
	}

	b.Reset()
	if err := x.Write(&b, dashboard.FormatXLSX); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("disclosure")
	if err != nil {
		t.Fatal(err)
	}
	if rows[1][0] != `=HYPERLINK("http://x")` || rows[4][0] != "営業部" {
		t.Errorf("XLSX rows = %q", rows)
	}
	if formula, _ := f.GetCellFormula("disclosure", "A2"); formula != "" {
		t.Errorf("a data cell became a formula: %q", formula)
	}
}
