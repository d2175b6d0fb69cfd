package dashboard

import (
	"fmt"
	"strconv"
	"strings"
)

// DataTable returns a panel's numbers as a plain table: the accessible and printable form of every chart,
// and what exports write.
func DataTable(d Data, lang string) *Table {
	mn := minN(d)
	hidden := fmt.Sprintf(suppressedMark, mn)
	switch {
	case d.Table != nil:
		return d.Table
	case d.Series != nil:
		s := d.Series
		dec := decimalsFor(s.Unit)
		t := &Table{Columns: []string{orLabel(s.XName, lang)}, Numeric: []bool{false}}
		withCI := false
		for _, l := range s.Lines {
			for _, p := range l.Points {
				withCI = withCI || p.HasInterval()
			}
		}
		for _, l := range s.Lines {
			name := l.Name
			if s.Unit != "" {
				name += " (" + s.Unit + ")"
			}
			t.Columns = append(t.Columns, name)
			t.Numeric = append(t.Numeric, true)
			if withCI {
				t.Columns = append(t.Columns, T(lang, "ci"))
				t.Numeric = append(t.Numeric, true)
			}
			t.Columns = append(t.Columns, "n")
			t.Numeric = append(t.Numeric, true)
		}
		for i, c := range s.Categories {
			row := []string{c}
			for _, l := range s.Lines {
				if i >= len(l.Points) {
					break
				}
				p := l.Points[i]
				switch {
				case p.Suppressed:
					row = append(row, hidden)
				default:
					row = append(row, Num(p.Value, dec))
				}
				if withCI {
					ci := ""
					if p.HasInterval() && !p.Suppressed {
						ci = Num(p.Lo, dec) + " – " + Num(p.Hi, dec)
					}
					row = append(row, ci)
				}
				row = append(row, count(p.N, p.Suppressed, mn))
			}
			t.Rows = append(t.Rows, row)
		}
		return t
	case d.Flow != nil:
		t := &Table{Columns: []string{d.Flow.LeftName, d.Flow.RightName, T(lang, "people")}, Numeric: []bool{false, false, true}}
		for _, l := range d.Flow.Links {
			t.Rows = append(t.Rows, []string{l.From, l.To, strconv.Itoa(l.Value)})
		}
		return t
	case d.Matrix != nil:
		mx := d.Matrix
		dec := decimalsFor(mx.Unit)
		t := &Table{Columns: []string{orLabel(mx.RowName, lang)}, Numeric: []bool{false}}
		for _, c := range mx.Cols {
			t.Columns = append(t.Columns, c)
			t.Numeric = append(t.Numeric, true)
		}
		for r, row := range mx.Cells {
			out := []string{mx.Rows[r]}
			for _, cell := range row {
				switch {
				case cell.Suppressed:
					out = append(out, hidden)
				case cell.N == 0:
					out = append(out, "–")
				default:
					out = append(out, Num(cell.Value, dec)+mx.Unit+" (n="+strconv.Itoa(cell.N)+")")
				}
			}
			t.Rows = append(t.Rows, out)
		}
		return t
	case d.Points != nil:
		p := d.Points
		t := &Table{Columns: []string{T(lang, "label"), p.XName, p.YName, "n"}, Numeric: []bool{false, true, true, true}}
		for _, it := range p.Items {
			t.Rows = append(t.Rows, []string{it.Label, Num(it.X, 2), Num(it.Y, 2), strconv.Itoa(it.N)})
		}
		return t
	case d.Network != nil:
		label := map[string]string{}
		for _, n := range d.Network.Nodes {
			label[n.ID] = n.Label
		}
		t := &Table{Columns: []string{T(lang, "node_a"), T(lang, "node_b"), T(lang, "co_mentions")}, Numeric: []bool{false, false, true}}
		for _, e := range d.Network.Edges {
			t.Rows = append(t.Rows, []string{label[e.From], label[e.To], Num(e.Weight, 0)})
		}
		return t
	case d.Figures != nil:
		t := &Table{Columns: []string{T(lang, "label"), T(lang, "value"), T(lang, "ci"), "n", T(lang, "definition"), T(lang, "standard")},
			Numeric: []bool{false, true, true, true, false, false}}
		for _, f := range d.Figures.Items {
			t.Rows = append(t.Rows, []string{f.Label, FigureValue(f, mn), FigureInterval(f), count(f.N, f.Suppressed, mn), f.Definition, f.Standard})
		}
		return t
	case d.Comments != nil:
		t := &Table{Columns: []string{T(lang, "themes"), T(lang, "label"), ""}}
		for _, c := range d.Comments.Items {
			t.Rows = append(t.Rows, []string{strings.Join(c.Themes, ", "), c.Sentiment, c.Text})
		}
		return t
	}
	return &Table{}
}

func orLabel(s, lang string) string {
	if s == "" {
		return T(lang, "label")
	}
	return s
}

// count shows n, or "n<5" for a withheld group (its exact size would itself be a disclosure).
func count(n int, suppressed bool, minN int) string {
	if suppressed {
		return fmt.Sprintf(suppressedMark, minN)
	}
	return strconv.Itoa(n)
}

// FigureValue formats a headline figure with its unit ("n<5" when withheld).
func FigureValue(f Figure, minN int) string {
	if f.Unavailable != "" {
		return "–"
	}
	if f.Suppressed {
		return fmt.Sprintf(suppressedMark, minN)
	}
	return Num(f.Value, f.Decimals) + f.Unit
}

// FigureInterval formats a figure's 95% interval, or "" when it has none.
func FigureInterval(f Figure) string {
	if f.Suppressed || !(Point{Lo: f.Lo, Hi: f.Hi}).HasInterval() {
		return ""
	}
	return Num(f.Lo, f.Decimals) + " – " + Num(f.Hi, f.Decimals)
}
