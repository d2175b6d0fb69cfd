package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Palette is the series colour cycle: muted, distinguishable, and readable on white and in print.
var Palette = []string{"#2f6db5", "#e8833a", "#3a9e6e", "#c9473f", "#7a5bb5", "#3aa3c2", "#c9a227",
	"#6b7785", "#d16ba5", "#4d8f8b"}

// FontFamily is the chart text font stack; dash.css uses the same one for the page.
const FontFamily = `"Hiragino Sans", "Hiragino Kaku Gothic ProN", "Noto Sans CJK JP", "Noto Sans JP", ` +
	`"Yu Gothic UI", "Yu Gothic", Meiryo, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`

const (
	textColor   = "#374151"
	mutedColor  = "#6b7280"
	gridColor   = "#e5e7eb"
	hiddenColor = "#eef0f3"
	// suppressedMark marks a value withheld because it rests on too few people.
	suppressedMark = "n<%d"
)

// ChartOption builds the ECharts option for a panel's data with go-echarts and returns it as JSON.
//
// The JSON comes from encoding/json, which escapes <, >, & and U+2028/U+2029, so it is safe to place inside
// a <script type="application/json"> block: no data string can close the element. The option holds no
// JavaScript functions (they cannot travel in JSON), and tooltips render as canvas rich text, never as
// HTML, so no label from alumni or imports is ever interpreted as markup.
func ChartOption(chart ChartType, d Data, lang string) ([]byte, error) {
	var (
		opt map[string]any
		err error
	)
	switch chart {
	case ChartBar:
		opt, err = barOption(d, lang)
	case ChartBand:
		opt, err = bandOption(d, lang)
	case ChartSankey:
		opt, err = sankeyOption(d, lang)
	case ChartHeatmap:
		opt, err = heatmapOption(d, lang)
	case ChartQuadrant:
		opt, err = quadrantOption(d, lang)
	case ChartGraph:
		opt, err = graphOption(d, lang)
	default:
		return nil, fmt.Errorf("chart type %q is not drawn by ECharts", chart)
	}
	if err != nil {
		return nil, err
	}
	common(opt)
	out, err := json.Marshal(opt)
	if err != nil {
		return nil, fmt.Errorf("encode %s option: %w", chart, err)
	}
	return out, nil
}

// baseOpts are the global options every chart shares.
func baseOpts(legend bool) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithAnimation(false),
		charts.WithColorsOpts(opts.Colors(Palette)),
		charts.WithInitializationOpts(opts.Initialization{Theme: "white"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(legend), Bottom: "0", Type: "scroll",
			TextStyle: &opts.TextStyle{Color: textColor}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Enterable: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "28", Bottom: gridBottom(legend),
			ContainLabel: opts.Bool(true)}),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
	}
}

func gridBottom(legend bool) string {
	if legend {
		return "36"
	}
	return "8"
}

// common adds what go-echarts has no type for, to every option: the page font, canvas-only tooltips (HTML
// tooltips would interpret text as markup) and no toolbox.
func common(opt map[string]any) {
	opt["textStyle"] = map[string]any{"fontFamily": FontFamily, "color": textColor}
	tt, _ := opt["tooltip"].(map[string]any)
	if tt == nil {
		tt = map[string]any{}
	}
	tt["renderMode"] = "richText"
	tt["confine"] = true
	opt["tooltip"] = tt
	delete(opt, "toolbox")
	delete(opt, "title")
}

// toMap turns a go-echarts chart into a plain JSON-shaped map so that fields go-echarts lacks can be set.
func toMap(c interface {
	Validate()
	JSON() map[string]any
}) (map[string]any, error) {
	c.Validate()
	b, err := json.Marshal(c.JSON())
	if err != nil {
		return nil, fmt.Errorf("encode go-echarts option: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode go-echarts option: %w", err)
	}
	return m, nil
}

// series returns the option's series list (as maps) for patching.
func seriesOf(m map[string]any) []map[string]any {
	raw, _ := m["series"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, s := range raw {
		if sm, ok := s.(map[string]any); ok {
			out = append(out, sm)
		}
	}
	return out
}

// axisOf returns the first axis of the given kind ("xAxis", "yAxis") for patching.
func axisOf(m map[string]any, kind string) map[string]any {
	if as, ok := m[kind].([]any); ok && len(as) > 0 {
		a, _ := as[0].(map[string]any)
		return a
	}
	return nil
}

// item is one data item with its own label, style and tooltip (go-echarts' per-type data structs lack
// some of these).
type item struct {
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Value     any             `json:"value"`
	Label     *opts.Label     `json:"label,omitempty"`
	ItemStyle *opts.ItemStyle `json:"itemStyle,omitempty"`
	Tooltip   *itemTooltip    `json:"tooltip,omitempty"`
	Symbol    string          `json:"symbol,omitempty"`
	Size      float64         `json:"symbolSize,omitempty"`
	Category  *int            `json:"category,omitempty"`
	Depth     *int            `json:"depth,omitempty"`
}

// itemTooltip is a per-item tooltip: a string template (ECharts fills {a}, {b}, {c}), never a function.
type itemTooltip struct {
	Formatter string `json:"formatter"`
}

// noValue is what ECharts draws as a gap.
const noValue = "-"

// Num formats v with the given decimals ("-" for NaN), trimming a "-0".
func Num(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

// decimalsFor picks how many decimals values in unit show.
func decimalsFor(unit string) int {
	if unit == "%" || unit == "pt" {
		return 1
	}
	return 2
}

func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

// pointTip is the tooltip text of a series point: value, interval and n.
func pointTip(s *Series, p Point, lang string, minN int) string {
	if p.Suppressed {
		return "{a}\n{b}: " + fmt.Sprintf(suppressedMark, minN)
	}
	dec := decimalsFor(s.Unit)
	t := "{a}\n{b}: " + Num(p.Value, dec) + s.Unit
	if p.HasInterval() {
		t += fmt.Sprintf(" (%s %s–%s)", T(lang, "ci"), Num(p.Lo, dec), Num(p.Hi, dec))
	}
	if p.N > 0 {
		t += "\nn=" + strconv.Itoa(p.N)
	}
	return t
}

func minN(d Data) int {
	if d.MinN > 0 {
		return d.MinN
	}
	return 5
}

func needSeries(d Data) (*Series, error) {
	if d.Series == nil {
		return nil, fmt.Errorf("insight returned no series data")
	}
	for _, l := range d.Series.Lines {
		if len(l.Points) != len(d.Series.Categories) {
			return nil, fmt.Errorf("series %q has %d points for %d categories", l.Name, len(l.Points), len(d.Series.Categories))
		}
	}
	return d.Series, nil
}

func valueAxis(s *Series) (opts.YAxis, opts.XAxis) {
	y := opts.YAxis{Type: "value", Name: s.YName, NameLocation: "end",
		SplitLine: &opts.SplitLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: gridColor}},
		AxisLabel: &opts.AxisLabel{Color: mutedColor}}
	if s.Min != nil {
		y.Min = *s.Min
	}
	if s.Max != nil {
		y.Max = *s.Max
	}
	x := opts.XAxis{Type: "category", Data: s.Categories, Name: s.XName,
		AxisLabel: &opts.AxisLabel{Color: textColor, HideOverlap: opts.Bool(true)},
		AxisTick:  &opts.AxisTick{AlignWithLabel: opts.Bool(true)}}
	return y, x
}

// barOption draws a series as bars (grouped or stacked, vertical or horizontal). Suppressed values are
// drawn as an "n<5" mark on the axis instead of a bar.
func barOption(d Data, lang string) (map[string]any, error) {
	s, err := needSeries(d)
	if err != nil {
		return nil, err
	}
	mn := minN(d)
	bar := charts.NewBar()
	y, x := valueAxis(s)
	if s.Horizontal {
		// Categories down the side (long theme names read better there), values along the bottom; the
		// category axis is inverted so the first category is on top.
		cat := opts.YAxis{Type: "category", Data: s.Categories, Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Color: textColor, Interval: "0"}}
		val := opts.XAxis{Type: "value", Name: s.YName, Min: y.Min, Max: y.Max, SplitLine: y.SplitLine,
			AxisLabel: &opts.AxisLabel{Color: mutedColor}}
		bar.SetGlobalOptions(append(baseOpts(len(s.Lines) > 1), charts.WithXAxisOpts(val), charts.WithYAxisOpts(cat))...)
	} else {
		bar.SetGlobalOptions(append(baseOpts(len(s.Lines) > 1), charts.WithXAxisOpts(x), charts.WithYAxisOpts(y))...)
		bar.SetXAxis(s.Categories)
	}
	dec := decimalsFor(s.Unit)
	labelPos := "top"
	if s.Horizontal {
		labelPos = "right"
	}
	for _, l := range s.Lines {
		items := make([]item, len(l.Points))
		for i, p := range l.Points {
			it := item{Value: round(p.Value, dec), Tooltip: &itemTooltip{Formatter: pointTip(s, p, lang, mn)}}
			switch {
			case p.Suppressed:
				it.Value = 0
				it.Label = &opts.Label{Show: opts.Bool(true), Position: labelPos, Formatter: fmt.Sprintf(suppressedMark, mn),
					Color: mutedColor}
			case math.IsNaN(p.Value):
				it.Value = noValue
			}
			items[i] = it
		}
		opt := []charts.SeriesOpts{charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.Data = items })}
		if l.Color != "" {
			opt = append(opt, charts.WithItemStyleOpts(opts.ItemStyle{Color: l.Color}))
		}
		if s.Stacked {
			opt = append(opt, charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.Stack = "total" }))
		}
		if len(s.Lines) == 1 && !s.Stacked {
			opt = append(opt, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: labelPos,
				Color: textColor, Formatter: "{c}" + s.Unit}))
		}
		bar.AddSeries(l.Name, nil, opt...)
	}
	m, err := toMap(bar)
	if err != nil {
		return nil, err
	}
	for _, sm := range seriesOf(m) {
		sm["barMaxWidth"] = 36
		if s.Stacked {
			sm["stackStrategy"] = "all"
		}
	}
	return m, nil
}

// bandOption draws each series as a line with its 95% interval as a shaded band. The band is two stacked
// helper lines (the lower bound, then the width of the interval) that take no part in tooltips or legend.
func bandOption(d Data, lang string) (map[string]any, error) {
	s, err := needSeries(d)
	if err != nil {
		return nil, err
	}
	mn := minN(d)
	dec := decimalsFor(s.Unit)
	line := charts.NewLine()
	y, x := valueAxis(s)
	names := make([]string, len(s.Lines))
	for i, l := range s.Lines {
		names[i] = l.Name
	}
	line.SetGlobalOptions(append(baseOpts(len(s.Lines) > 1),
		charts.WithXAxisOpts(x), charts.WithYAxisOpts(y),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(len(s.Lines) > 1), Bottom: "0", Type: "scroll", Data: names,
			TextStyle: &opts.TextStyle{Color: textColor}}))...)
	line.SetXAxis(s.Categories)
	for i, l := range s.Lines {
		color := Palette[i%len(Palette)]
		if l.Color != "" {
			color = l.Color
		}
		lo := make([]item, len(l.Points))
		width := make([]item, len(l.Points))
		mid := make([]item, len(l.Points))
		for j, p := range l.Points {
			lo[j], width[j] = item{Value: noValue}, item{Value: noValue}
			mid[j] = item{Value: noValue, Tooltip: &itemTooltip{Formatter: pointTip(s, p, lang, mn)}}
			if p.Missing() {
				continue
			}
			mid[j].Value = round(p.Value, dec)
			if p.HasInterval() {
				lo[j].Value = round(p.Lo, dec)
				width[j].Value = round(p.Hi-p.Lo, dec)
			}
		}
		stack := "band" + strconv.Itoa(i)
		line.AddSeries(l.Name+" lo", nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
			ss.Data, ss.Stack, ss.Symbol = lo, stack, "none"
		}), charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}))
		line.AddSeries(l.Name+" hi", nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
			ss.Data, ss.Stack, ss.Symbol = width, stack, "none"
		}), charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: color, Opacity: opts.Float(0.18)}))
		line.AddSeries(l.Name, nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
			ss.Data, ss.Symbol, ss.Color = mid, "circle", color
		}), charts.WithLineStyleOpts(opts.LineStyle{Width: 2.5, Color: color}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
	}
	m, err := toMap(line)
	if err != nil {
		return nil, err
	}
	for i, sm := range seriesOf(m) {
		if i%3 == 2 {
			sm["symbolSize"] = 7
			sm["z"] = 3
			continue
		}
		// The helper lines: stack across signs (an interval may straddle zero), no hover, no tooltip.
		sm["stackStrategy"] = "all"
		sm["silent"] = true
		sm["tooltip"] = map[string]any{"show": false}
		sm["emphasis"] = map[string]any{"disabled": true}
	}
	return m, nil
}

// sankeyOption draws a flow from a left column (e.g. stated reason) to a right one (true reason). A
// reason present on both sides keeps its colour, so "stated family → true manager" is visible at a glance.
func sankeyOption(d Data, lang string) (map[string]any, error) {
	f := d.Flow
	if f == nil {
		return nil, fmt.Errorf("insight returned no flow data")
	}
	colors := map[string]string{}
	colorOf := func(name string) string {
		c, ok := colors[name]
		if !ok {
			c = Palette[len(colors)%len(Palette)]
			colors[name] = c
		}
		return c
	}
	var nodes []item
	seen := map[string]bool{}
	// ECharts keys sankey nodes by name, and a reason can be on both sides; the right-hand copy carries a
	// zero-width space, which draws as nothing (ECharts would show an id instead of the name).
	addNode := func(name string, depth int) string {
		key := name
		if depth == 1 {
			key += "\u200b"
		}
		if !seen[key] {
			seen[key] = true
			dp := depth
			nodes = append(nodes, item{Name: key, Value: nil, Depth: &dp,
				ItemStyle: &opts.ItemStyle{Color: colorOf(name)}})
		}
		return key
	}
	links := make([]map[string]any, 0, len(f.Links))
	for _, l := range f.Links {
		if l.Value <= 0 {
			continue
		}
		links = append(links, map[string]any{"source": addNode(l.From, 0), "target": addNode(l.To, 1),
			"value": l.Value})
	}
	for i := range nodes {
		nodes[i].Value = nil
	}
	sk := charts.NewSankey()
	sk.SetGlobalOptions(baseOpts(false)...)
	sk.AddSeries("flow", nil, nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
		ss.Data, ss.Links = nodes, links
		ss.NodeAlign, ss.NodeGap, ss.NodeWidth = "justify", opts.Int(10), opts.Int(14)
		ss.Left, ss.Right, ss.Top, ss.Bottom = "4", "4", "28", "8"
	}), charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Color: textColor}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "gradient", Curveness: 0.5, Opacity: opts.Float(0.35)}))
	m, err := toMap(sk)
	if err != nil {
		return nil, err
	}
	for _, sm := range seriesOf(m) {
		sm["emphasis"] = map[string]any{"focus": "adjacency"}
		sm["draggable"] = false
		for i, n := range nodes {
			if *n.Depth == 1 {
				if data, ok := sm["data"].([]any); ok {
					if dm, ok := data[i].(map[string]any); ok {
						dm["label"] = map[string]any{"position": "left"}
					}
				}
			}
		}
	}
	// Column headings as canvas text: which side is which.
	m["graphic"] = []any{
		map[string]any{"type": "text", "left": 4, "top": 4, "style": map[string]any{"text": f.LeftName,
			"fill": mutedColor, "fontSize": 12, "fontFamily": FontFamily}},
		map[string]any{"type": "text", "right": 4, "top": 4, "style": map[string]any{"text": f.RightName,
			"fill": mutedColor, "fontSize": 12, "fontFamily": FontFamily}},
	}
	return m, nil
}

// heatmapOption draws a matrix; cells withheld for small groups are grey and marked "n<5", cells with no
// one in them are left empty.
func heatmapOption(d Data, lang string) (map[string]any, error) {
	mx := d.Matrix
	if mx == nil {
		return nil, fmt.Errorf("insight returned no matrix data")
	}
	if len(mx.Cells) != len(mx.Rows) {
		return nil, fmt.Errorf("matrix has %d rows of cells for %d row labels", len(mx.Cells), len(mx.Rows))
	}
	mn := minN(d)
	dec := decimalsFor(mx.Unit)
	var shown, hidden []item
	lo, hi := math.Inf(1), math.Inf(-1)
	for r, row := range mx.Cells {
		if len(row) != len(mx.Cols) {
			return nil, fmt.Errorf("matrix row %d has %d cells for %d columns", r, len(row), len(mx.Cols))
		}
		for c, cell := range row {
			switch {
			case cell.Suppressed:
				hidden = append(hidden, item{Value: []any{c, r, 0},
					Tooltip: &itemTooltip{Formatter: fmt.Sprintf("{b}\n"+suppressedMark, mn)}})
			case cell.N == 0 || math.IsNaN(cell.Value):
			default:
				v := round(cell.Value, dec)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
				shown = append(shown, item{Value: []any{c, r, v},
					Label:   &opts.Label{Formatter: Num(v, dec) + mx.Unit},
					Tooltip: &itemTooltip{Formatter: Num(v, dec) + mx.Unit + "\nn=" + strconv.Itoa(cell.N)}})
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	if lo == hi {
		hi = lo + 1
	}
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(append(baseOpts(false),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: mx.Cols,
			SplitArea: &opts.SplitArea{Show: opts.Bool(true)},
			AxisLabel: &opts.AxisLabel{Color: textColor, Interval: "0", Rotate: rotateFor(mx.Cols)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: mx.Rows, Inverse: opts.Bool(true),
			SplitArea: &opts.SplitArea{Show: opts.Bool(true)}, AxisLabel: &opts.AxisLabel{Color: textColor, Interval: "0"}}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "84", Top: "16", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithVisualMapOpts(opts.VisualMap{Type: "continuous", Min: float32(lo), Max: float32(hi),
			Calculable: opts.Bool(false), Orient: "vertical", Right: "0", Top: "middle",
			InRange: &opts.VisualMapInRange{Color: []string{"#eaf1fb", "#9dbde6", "#2f6db5", "#1b3f70"}}}))...)
	hm.AddSeries("value", nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.Data = shown }),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), FontSize: 11}),
		charts.WithItemStyleOpts(opts.ItemStyle{BorderColor: "#fff", BorderWidth: 1}))
	hm.AddSeries("n<5", nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.Data = hidden }),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: fmt.Sprintf(suppressedMark, mn),
			Color: mutedColor, FontSize: 11}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: hiddenColor, BorderColor: "#fff", BorderWidth: 1}))
	m, err := toMap(hm)
	if err != nil {
		return nil, err
	}
	if vms, ok := m["visualMap"].([]any); ok && len(vms) > 0 {
		if vm, ok := vms[0].(map[string]any); ok {
			// Only the shown cells take colour from the scale; the withheld ones stay grey.
			vm["seriesIndex"] = 0
			vm["itemHeight"] = 140
			vm["itemWidth"] = 10
			vm["text"] = []any{Num(hi, dec) + mx.Unit, Num(lo, dec) + mx.Unit}
			vm["textStyle"] = map[string]any{"color": mutedColor}
		}
	}
	return m, nil
}

// rotateFor tilts column labels when there are many or long ones.
func rotateFor(labels []string) float64 {
	total := 0
	for _, l := range labels {
		total += len([]rune(l))
	}
	if len(labels) > 6 || total > 40 {
		return 30
	}
	return 0
}

// quadrantOption draws points on two axes split by reference lines (importance × gap), each quarter named.
func quadrantOption(d Data, lang string) (map[string]any, error) {
	p := d.Points
	if p == nil {
		return nil, fmt.Errorf("insight returned no points data")
	}
	items := make([]item, len(p.Items))
	for i, it := range p.Items {
		items[i] = item{Name: it.Label, Value: []any{round(it.X, 3), round(it.Y, 3)},
			Tooltip: &itemTooltip{Formatter: "{b}\n" + p.XName + ": " + Num(it.X, 2) + "\n" + p.YName + ": " +
				Num(it.Y, 2) + "\nn=" + strconv.Itoa(it.N)}}
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(append(baseOpts(false),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: p.XName, NameLocation: "middle", NameGap: 28,
			Scale: opts.Bool(true), SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: p.YName, NameLocation: "middle", NameGap: 40,
			Scale: opts.Bool(true), SplitLine: &opts.SplitLine{Show: opts.Bool(false)}}),
		charts.WithGridOpts(opts.Grid{Left: "24", Right: "32", Top: "28", Bottom: "28", ContainLabel: opts.Bool(true)}))...)
	sc.AddSeries("points", nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
		ss.Data, ss.SymbolSize = items, 14
	}), charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{b}", Color: textColor}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: Palette[0], Opacity: opts.Float(0.85)}),
		charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{XAxis: round(p.XRef, 3)}),
		charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{YAxis: round(p.YRef, 3)}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
			LineStyle: &opts.LineStyle{Color: "#9ca3af", Type: "dashed"}, Label: &opts.Label{Show: opts.Bool(false)}}))
	m, err := toMap(sc)
	if err != nil {
		return nil, err
	}
	// Room for the point labels, which sit to the right of their points.
	if xa := axisOf(m, "xAxis"); xa != nil {
		xa["boundaryGap"] = []any{"4%", "28%"}
	}
	if ya := axisOf(m, "yAxis"); ya != nil {
		ya["boundaryGap"] = []any{"6%", "10%"}
	}
	for _, sm := range seriesOf(m) {
		if ml, ok := sm["markLine"].(map[string]any); ok {
			ml["silent"] = true
		}
		sm["labelLayout"] = map[string]any{"hideOverlap": true}
	}
	// Quadrant names in the corners (top-right, top-left, bottom-left, bottom-right).
	pos := []map[string]any{{"right": 36, "top": 30}, {"left": 64, "top": 30}, {"left": 64, "bottom": 56}, {"right": 36, "bottom": 56}}
	var g []any
	for i, q := range p.Quadrants {
		if q == "" {
			continue
		}
		e := map[string]any{"type": "text", "z": -1, "style": map[string]any{"text": q, "fill": "#9ca3af",
			"fontSize": 12, "fontWeight": "bold", "fontFamily": FontFamily}}
		for k, v := range pos[i] {
			e[k] = v
		}
		g = append(g, e)
	}
	if len(g) > 0 {
		m["graphic"] = g
	}
	return m, nil
}

// graphOption draws a network with a force layout computed before the first paint (no animation), nodes
// sized by weight and edges thickened by weight.
func graphOption(d Data, lang string) (map[string]any, error) {
	nw := d.Network
	if nw == nil {
		return nil, fmt.Errorf("insight returned no network data")
	}
	maxW, maxE := 0.0, 0.0
	for _, n := range nw.Nodes {
		maxW = math.Max(maxW, n.Weight)
	}
	for _, e := range nw.Edges {
		maxE = math.Max(maxE, e.Weight)
	}
	groups := map[string]int{}
	var cats []opts.GraphCategory
	nodes := make([]item, len(nw.Nodes))
	ids := map[string]bool{}
	for i, n := range nw.Nodes {
		g, ok := groups[n.Group]
		if !ok {
			g = len(cats)
			groups[n.Group] = g
			cats = append(cats, opts.GraphCategory{Name: n.Group})
		}
		size := 12.0
		if maxW > 0 {
			size = 10 + 26*math.Sqrt(n.Weight/maxW)
		}
		nodes[i] = item{ID: n.ID, Name: n.Label, Value: round(n.Weight, 2), Size: round(size, 1), Category: &g,
			Tooltip: &itemTooltip{Formatter: "{b}: {c}"}}
		ids[n.ID] = true
	}
	links := make([]map[string]any, 0, len(nw.Edges))
	for _, e := range nw.Edges {
		if !ids[e.From] || !ids[e.To] {
			return nil, fmt.Errorf("edge %s–%s names a node that is not in the network", e.From, e.To)
		}
		w := 1.0
		if maxE > 0 {
			w = 1 + 5*e.Weight/maxE
		}
		links = append(links, map[string]any{"source": e.From, "target": e.To, "value": round(e.Weight, 2),
			"lineStyle": map[string]any{"width": round(w, 1)}})
	}
	gr := charts.NewGraph()
	// No legend: group names carry no meaning of their own; colour only shows which words go together.
	gr.SetGlobalOptions(baseOpts(false)...)
	gr.AddSeries("network", nil, nil, charts.WithSeriesOpts(func(ss *charts.SingleSeries) {
		ss.Data, ss.Links, ss.Categories = nodes, links, cats
		ss.Layout, ss.Roam = "force", opts.Bool(true)
		// Strong gravity keeps separate word groups on the canvas; short edges keep groups compact.
		ss.Force = map[string]any{"repulsion": 170, "edgeLength": []int{35, 95}, "gravity": 0.22,
			"layoutAnimation": false, "friction": 0.2}
		ss.Top, ss.Bottom, ss.Left, ss.Right = "8", "8", "8", "8"
	}), charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Color: textColor}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "source", Opacity: opts.Float(0.45), Curveness: 0.1}))
	m, err := toMap(gr)
	if err != nil {
		return nil, err
	}
	for _, sm := range seriesOf(m) {
		sm["emphasis"] = map[string]any{"focus": "adjacency"}
		sm["labelLayout"] = map[string]any{"hideOverlap": true}
	}
	return m, nil
}
