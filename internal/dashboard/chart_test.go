package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/alumnipulse/alumnipulse/dashboards"
	"github.com/alumnipulse/alumnipulse/internal/dashboard"
	"github.com/alumnipulse/alumnipulse/internal/dashboard/dashboardtest"
)

// hostile strings an alumnus or an HR import could put into labels and comments.
var hostile = []string{
	`</script><script>alert(1)</script>`,
	`"quoted" 'single' \backslash\ and \u0041`,
	"line one\nline two\r\n\ttab",
	"separator\u2028paragraph\u2029end",
	`<img src=x onerror=alert(1)>&amp;`,
	`{a|rich} {b} ${x}`,
}

func TestChartOptionsEscapeAndRoundTrip(t *testing.T) {
	src := &dashboardtest.Source{Departments: map[string][]string{"t1": hostile}}
	for _, in := range []struct {
		insight string
		chart   dashboard.ChartType
		opts    map[string]string
	}{
		{"themes_by_segment", dashboard.ChartHeatmap, map[string]string{"by": "department"}},
		{"metric_by_segment", dashboard.ChartBand, map[string]string{"metric": "enps", "by": "department"}},
		{"metric_by_segment", dashboard.ChartBar, map[string]string{"metric": "enps", "by": "department"}},
		{"retainable", dashboard.ChartBar, map[string]string{"by": "department"}},
	} {
		d, err := src.Compute(context.Background(), dashboard.Query{TenantID: "t1", Insight: in.insight, Options: in.opts})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := dashboard.ChartOption(in.chart, d, "en")
		if err != nil {
			t.Fatalf("%s/%s: %v", in.insight, in.chart, err)
		}
		assertSafeJSON(t, raw)
		// Every hostile label survives the trip through JSON unchanged.
		var opt any
		if err := json.Unmarshal(raw, &opt); err != nil {
			t.Fatalf("%s: option does not parse: %v", in.insight, err)
		}
		got := map[string]bool{}
		collectStrings(opt, got)
		for _, h := range hostile {
			if !got[h] {
				t.Errorf("%s/%s: label %q did not survive the round trip", in.insight, in.chart, h)
			}
		}
	}
	// Flows, points and networks with hostile labels too.
	d := dashboard.Data{N: 30,
		Flow: &dashboard.Flow{LeftName: hostile[0], RightName: hostile[3], Links: []dashboard.FlowLink{{From: hostile[0], To: hostile[1], Value: 7}, {From: hostile[2], To: hostile[0], Value: 9}}}}
	raw, err := dashboard.ChartOption(dashboard.ChartSankey, d, "ja")
	if err != nil {
		t.Fatal(err)
	}
	assertSafeJSON(t, raw)
	d = dashboard.Data{Points: &dashboard.Points{XName: "x", YName: "y", Items: []dashboard.XY{{Label: hostile[0], X: 1, Y: 2, N: 9}}}}
	raw, err = dashboard.ChartOption(dashboard.ChartQuadrant, d, "ja")
	if err != nil {
		t.Fatal(err)
	}
	assertSafeJSON(t, raw)
	d = dashboard.Data{Network: &dashboard.Network{Nodes: []dashboard.Node{{ID: "a", Label: hostile[0], Weight: 3}, {ID: "b", Label: hostile[4], Weight: 1}},
		Edges: []dashboard.Edge{{From: "a", To: "b", Weight: 2}}}}
	raw, err = dashboard.ChartOption(dashboard.ChartGraph, d, "ja")
	if err != nil {
		t.Fatal(err)
	}
	assertSafeJSON(t, raw)
}

// assertSafeJSON checks that raw can sit inside <script type="application/json"> and holds no function.
func assertSafeJSON(t *testing.T, raw []byte) {
	t.Helper()
	for _, bad := range []string{"<", ">", "&", "\u2028", "\u2029"} {
		if bytes.Contains(raw, []byte(bad)) {
			t.Errorf("option JSON contains a raw %q", bad)
		}
	}
	if !json.Valid(raw) {
		t.Fatalf("option is not valid JSON: %s", raw)
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	strs := map[string]bool{}
	collectStrings(v, strs)
	for s := range strs {
		if strings.HasPrefix(strings.TrimSpace(s), "function") || strings.Contains(s, "=>") || strings.Contains(s, "__f__") {
			t.Errorf("option holds a JavaScript function string: %q", s)
		}
	}
	tt, _ := v.(map[string]any)["tooltip"].(map[string]any)
	if tt["renderMode"] != "richText" {
		t.Errorf("tooltip renderMode = %v, want richText (HTML tooltips would interpret labels)", tt["renderMode"])
	}
}

func collectStrings(v any, out map[string]bool) {
	switch x := v.(type) {
	case string:
		out[x] = true
	case []any:
		for _, e := range x {
			collectStrings(e, out)
		}
	case map[string]any:
		for _, e := range x {
			collectStrings(e, out)
		}
	}
}

func TestHeatmapMarksSuppressedCells(t *testing.T) {
	d := dashboard.Data{MinN: 5, Matrix: &dashboard.Matrix{Rows: []string{"r0", "r1"}, Cols: []string{"c0", "c1"}, Unit: "%",
		Cells: [][]dashboard.Cell{{{Value: 12.34, N: 20}, {Suppressed: true, Value: math.NaN()}}, {{N: 0}, {Value: 50, N: 8}}}}}
	raw, err := dashboard.ChartOption(dashboard.ChartHeatmap, d, "en")
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		Series []struct {
			Data []struct {
				Value []any `json:"value"`
			} `json:"data"`
			Label struct {
				Formatter string `json:"formatter"`
			} `json:"label"`
		} `json:"series"`
		VisualMap []struct {
			SeriesIndex int `json:"seriesIndex"`
		} `json:"visualMap"`
	}
	if err := json.Unmarshal(raw, &opt); err != nil {
		t.Fatal(err)
	}
	if len(opt.Series) != 2 || len(opt.Series[0].Data) != 2 || len(opt.Series[1].Data) != 1 {
		t.Fatalf("want 2 shown cells and 1 withheld one, got %s", raw)
	}
	if f := opt.Series[1].Label.Formatter; f != "n<5" {
		t.Errorf("withheld cells labelled %q, want n<5", f)
	}
	if v := opt.Series[1].Data[0].Value; v[0] != 1.0 || v[1] != 0.0 {
		t.Errorf("withheld cell at %v, want column 1 row 0", v)
	}
	if len(opt.VisualMap) != 1 || opt.VisualMap[0].SeriesIndex != 0 {
		t.Errorf("the colour scale must apply to the shown cells only: %+v", opt.VisualMap)
	}
	tab := dashboard.DataTable(d, "en")
	if tab.Rows[0][2] != "n<5" || tab.Rows[1][1] != "–" || tab.Rows[0][1] != "12.3% (n=20)" {
		t.Errorf("data table rows = %q", tab.Rows)
	}
}

func TestBandChartHasHelperSeries(t *testing.T) {
	nan := math.NaN()
	d := dashboard.Data{Series: &dashboard.Series{Categories: []string{"q1", "q2", "q3"}, Unit: "pt", Lines: []dashboard.Line{{Name: "eNPS", Points: []dashboard.Point{
		{Value: -5, Lo: -20, Hi: 10, N: 30}, {Suppressed: true, Value: nan, Lo: nan, Hi: nan}, {Value: 12, Lo: 2, Hi: 22, N: 40}}}}}}
	raw, err := dashboard.ChartOption(dashboard.ChartBand, d, "en")
	if err != nil {
		t.Fatal(err)
	}
	var opt struct {
		Series []map[string]any `json:"series"`
	}
	if err := json.Unmarshal(raw, &opt); err != nil {
		t.Fatal(err)
	}
	if len(opt.Series) != 3 {
		t.Fatalf("want lower, width and line series, got %d", len(opt.Series))
	}
	lo, width, line := opt.Series[0], opt.Series[1], opt.Series[2]
	if lo["stackStrategy"] != "all" || lo["silent"] != true || lo["stack"] != width["stack"] {
		t.Errorf("band helpers not stacked across signs and silent: %v / %v", lo, width)
	}
	vals := func(s map[string]any) []any {
		var out []any
		for _, it := range s["data"].([]any) {
			out = append(out, it.(map[string]any)["value"])
		}
		return out
	}
	if got := vals(lo); got[0] != -20.0 || got[1] != "-" || got[2] != 2.0 {
		t.Errorf("lower bounds = %v", got)
	}
	if got := vals(width); got[0] != 30.0 || got[2] != 20.0 {
		t.Errorf("band widths = %v", got)
	}
	if got := vals(line); got[1] != "-" {
		t.Errorf("a suppressed point must be a gap, got %v", got[1])
	}
	tip := line["data"].([]any)[0].(map[string]any)["tooltip"].(map[string]any)["formatter"]
	if tip != "{a}\n{b}: -5.0pt (95% CI -20.0–10.0)\nn=30" {
		t.Errorf("tooltip = %q", tip)
	}
}

func TestEveryShippedPanelBuilds(t *testing.T) {
	cat, err := dashboard.Load(dashboards.FS)
	if err != nil {
		t.Fatal(err)
	}
	src := &dashboardtest.Source{}
	for _, p := range cat.Pages() {
		for _, pn := range p.Panels {
			for _, lang := range []string{"ja", "en"} {
				d, err := src.Compute(context.Background(), dashboard.Query{TenantID: "t", Insight: pn.Insight, Options: pn.Options})
				if err != nil {
					t.Fatal(err)
				}
				pv := dashboard.Build(pn, d, lang)
				if pv.Error != "" {
					t.Errorf("%s/%s: %s", p.ID, pn.ID, pv.Error)
				}
				if pn.Chart.Drawn() {
					if len(pv.Option) == 0 {
						t.Errorf("%s/%s: no chart option", p.ID, pn.ID)
					}
					assertSafeJSON(t, pv.Option)
				}
				if pn.Chart != dashboard.ChartComments && (pv.Table == nil || len(pv.Table.Rows) == 0) {
					t.Errorf("%s/%s: no data table", p.ID, pn.ID)
				}
				if pv.Title == "" {
					t.Errorf("%s/%s: no title in %s", p.ID, pn.ID, lang)
				}
			}
		}
	}
}

func TestNum(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		dec  int
		want string
	}{{1.25, 1, "1.2"}, {-0.04, 1, "0.0"}, {math.NaN(), 1, "–"}, {-12.5, 0, "-12"}, {3, 2, "3.00"}} {
		if got := dashboard.Num(tc.v, tc.dec); got != tc.want {
			t.Errorf("Num(%v, %d) = %q, want %q", tc.v, tc.dec, got, tc.want)
		}
	}
}
