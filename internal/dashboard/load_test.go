package dashboard

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/alumnipulse/alumnipulse/dashboards"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

func TestShippedDashboardsLoad(t *testing.T) {
	cat, err := Load(dashboards.FS)
	if err != nil {
		for _, e := range LoadErrors(err) {
			t.Error(e)
		}
		t.Fatal(err)
	}
	var ids []string
	for _, p := range cat.Pages() {
		ids = append(ids, p.ID)
	}
	if got, want := strings.Join(ids, ","), "overview,why,fix,change,leadership,waves"; got != want {
		t.Fatalf("pages = %s, want %s", got, want)
	}
	var lead []string
	for _, p := range cat.For(tenant.RoleLeadership) {
		lead = append(lead, p.ID)
	}
	if got, want := strings.Join(lead, ","), "overview,why,change,leadership"; got != want {
		t.Errorf("leadership may open %s, want %s", got, want)
	}
	for _, p := range cat.Pages() {
		if p.ShowsComments() && p.Allows(tenant.RoleLeadership) {
			t.Errorf("page %s shows comments to leadership", p.ID)
		}
		if !p.Allows(tenant.RoleHRViewer) {
			t.Errorf("hr_viewer may not open %s", p.ID)
		}
	}
	fix, _ := cat.Page("fix")
	if !fix.ShowsComments() {
		t.Error("fix page should list comments")
	}
	lp, _ := cat.Page("leadership")
	if lp.Defaults.Period != "fy" || len(lp.Exports()) == 0 {
		t.Errorf("leadership page: defaults %+v, exports %d", lp.Defaults, len(lp.Exports()))
	}
}

func TestLoadErrorsNameFileLineAndField(t *testing.T) {
	const good = `id: p
title: {ja: あ, en: A}
roles: [hr_admin]
panels:
  - id: a
    title: {ja: あ, en: A}
    insight: funnel
    chart: bar
`
	tests := []struct {
		name, file, src string
		want            []string // "line field substring"
	}{
		{"ok", "p.yaml", good, nil},
		{"unknown chart", "p.yaml", strings.Replace(good, "chart: bar", "chart: bars", 1),
			[]string{`8 panels[0].chart unknown chart type "bars" (did you mean "bar"?)`}},
		{"chart cannot draw the shape", "p.yaml", strings.Replace(good, "chart: bar", "chart: sankey", 1),
			[]string{"8 panels[0].chart insight \"funnel\" returns series data, which a sankey chart cannot draw"}},
		{"unknown insight", "p.yaml", strings.Replace(good, "insight: funnel", "insight: funel", 1),
			[]string{`7 panels[0].insight unknown insight "funel" (did you mean "funnel"?)`}},
		{"bad option value", "p.yaml", good + "    options: {by: department}\n",
			[]string{`9 panels[0].options.by "department" must be one of wave`}},
		{"unknown option", "p.yaml", good + "    options:\n      colour: red\n",
			[]string{`10 panels[0].options.colour insight "funnel" has no option "colour" (it takes: by)`}},
		{"int option out of range", "p.yaml", strings.Replace(good, "insight: funnel", "insight: themes", 1) + "    options: {top: 99}\n",
			[]string{`9 panels[0].options.top "99" must be a whole number from 3 to 20`}},
		{"missing translation", "p.yaml", strings.Replace(good, "title: {ja: あ, en: A}\nroles", "title: {ja: あ}\nroles", 1),
			[]string{"2 title.en missing required key"}},
		{"id mismatch", "q.yaml", good, []string{`1 id id "p" must match the file name "q.yaml"`}},
		{"bad role", "p.yaml", strings.Replace(good, "[hr_admin]", "[hr_admin, boss]", 1),
			[]string{`3 roles[1] unknown role "boss"`}},
		{"comments on a leadership page", "p.yaml",
			strings.Replace(strings.Replace(good, "[hr_admin]", "[hr_admin, leadership]", 1),
				"insight: funnel\n    chart: bar", "insight: comments\n    chart: comments", 1),
			[]string{`5 panels[0].insight insight "comments" is for HR only, but leadership may open this page`}},
		{"duplicate panel", "p.yaml", good + "  - id: a\n    title: {ja: い, en: B}\n    insight: funnel\n    chart: table\n",
			[]string{`9 panels[1].id panel id "a" is used twice`}},
		{"unknown key", "p.yaml", good + "colour: red\n", []string{`9 colour unknown key "colour"`}},
		{"bad default", "p.yaml", good + "defaults: {period: yesterday}\n", []string{`9 defaults.period "yesterday" is not a valid period`}},
		{"bad width", "p.yaml", good + "    width: huge\n", []string{`9 panels[0].width unknown width "huge"`}},
		{"yaml syntax", "p.yaml", "id: p\ntitle: [\n", []string{"invalid YAML"}},
		{"empty", "p.yaml", "", []string{"1  empty dashboard file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{tc.file: {Data: []byte(tc.src)}})
			errs := LoadErrors(err)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tc.want), err)
			}
			for i, w := range tc.want {
				e := errs[i]
				got := strings.Join([]string{strconv.Itoa(e.Line), e.Field, e.Msg}, " ")
				if !strings.Contains(got, w) && !strings.Contains(e.Msg, w) {
					t.Errorf("error %d = %q (%v), want it to contain %q", i, got, e, w)
				}
				if e.File != tc.file {
					t.Errorf("error names file %q, want %q", e.File, tc.file)
				}
			}
		})
	}
}
