package suppress

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func key(s string) []string { return strings.Split(s, "|") }

func cells(spec map[string]int) []Cell {
	var out []Cell
	for k, n := range spec {
		out = append(out, Cell{Key: key(k), N: n})
	}
	slices.SortFunc(out, func(a, b Cell) int { return slices.Compare(a.Key, b.Key) })
	return out
}

// hiddenSet returns "key: reason" for every suppressed cell, sorted.
func hiddenSet(out []Cell) []string {
	var h []string
	for _, c := range out {
		if c.Suppressed {
			h = append(h, strings.Join(c.Key, "|")+": "+c.Reason)
		}
	}
	slices.Sort(h)
	return h
}

// attack plays the subtraction attacker: every visible cell is known; any line
// (total = Σ parts) with one unknown member is solved, and solved values are used
// in further lines until nothing more can be solved. It returns the cells whose N
// was recovered. It also reports lines whose total is known and whose unknown
// parts add up to 0 < s < min.
func attack(t *testing.T, out []Cell, dims, min int) (solved []string, smallUnions []string) {
	t.Helper()
	known := map[string]int{}
	byKey := map[string]Cell{}
	for _, c := range out {
		k := strings.Join(c.Key, "|")
		byKey[k] = c
		if !c.Suppressed {
			known[k] = c.N
		}
	}
	type eq struct {
		total string
		parts []string
	}
	var eqs []eq
	seen := map[string]int{}
	for _, c := range out {
		for d := 0; d < dims; d++ {
			if c.Key[d] == Total {
				continue
			}
			tk := slices.Clone(c.Key)
			tk[d] = Total
			id := strings.Join(tk, "|") + "#" + string(rune('0'+d))
			i, ok := seen[id]
			if !ok {
				i = len(eqs)
				seen[id] = i
				eqs = append(eqs, eq{total: strings.Join(tk, "|")})
			}
			eqs[i].parts = append(eqs[i].parts, strings.Join(c.Key, "|"))
		}
	}
	for progress := true; progress; {
		progress = false
		for _, e := range eqs {
			var unknown []string
			if _, ok := known[e.total]; !ok {
				unknown = append(unknown, e.total)
			}
			for _, p := range e.parts {
				if _, ok := known[p]; !ok {
					unknown = append(unknown, p)
				}
			}
			if len(unknown) != 1 {
				continue
			}
			u := unknown[0]
			known[u] = byKey[u].N // the attacker computes exactly this value
			solved = append(solved, u)
			progress = true
		}
	}
	for _, e := range eqs {
		if _, ok := known[e.total]; !ok {
			continue
		}
		s, n := 0, 0
		for _, p := range e.parts {
			if _, ok := known[p]; !ok {
				s += byKey[p].N
				n++
			}
		}
		if n >= 2 && s > 0 && s < min {
			smallUnions = append(smallUnions, e.total)
		}
	}
	return solved, smallUnions
}

func TestTablePrimaryOnly(t *testing.T) {
	in := cells(map[string]int{"a": 3, "b": 0, "c": 7, "d": 5, "e": 4})
	out, err := Table(in, 1, 5, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a: below_minimum", "e: below_minimum"}
	if got := hiddenSet(out); !slices.Equal(got, want) {
		t.Errorf("hidden %v, want %v", got, want)
	}
	if len(out) != len(in) {
		t.Errorf("margins added without published totals: %d cells", len(out))
	}
	if in[0].Suppressed {
		t.Error("input modified")
	}
}

func TestTable(t *testing.T) {
	tests := []struct {
		name  string
		dims  int
		cells map[string]int
		want  []string
	}{
		{
			// Total 43 is published: hiding only B (3) would leave 43 − 12 − 20 − 8.
			// The next smallest, D (8), goes with it.
			name:  "1-D subtraction attack",
			dims:  1,
			cells: map[string]int{"A": 12, "B": 3, "C": 20, "D": 8},
			want:  []string{"B: below_minimum", "D: complementary"},
		},
		{
			// A and B are both small, but together only 3 people: the total
			// minus C and D would describe them, so C is hidden too.
			name:  "1-D two small cells add up below the minimum",
			dims:  1,
			cells: map[string]int{"A": 2, "B": 1, "C": 20, "D": 30},
			want:  []string{"A: below_minimum", "B: below_minimum", "C: complementary"},
		},
		{
			name:  "1-D zero cells are neither hidden nor used as complements",
			dims:  1,
			cells: map[string]int{"A": 4, "B": 0, "C": 0, "D": 9, "E": 11},
			want:  []string{"A: below_minimum", "D: complementary"},
		},
		{
			name:  "1-D nothing small",
			dims:  1,
			cells: map[string]int{"A": 5, "B": 6},
			want:  nil,
		},
		{
			// X|a = 2 is hidden; row X needs X|b (20), column a needs Y|a (9);
			// then column b has only X|b hidden and needs Y|b (25): the classic
			// rectangle, where each new hidden cell exposes the next line.
			name: "2-D margins chain",
			dims: 2,
			cells: map[string]int{
				"X|a": 2, "X|b": 20, "X|c": 30,
				"Y|a": 9, "Y|b": 25, "Y|c": 40,
				"Z|a": 15, "Z|b": 35, "Z|c": 50,
			},
			want: []string{"X|a: below_minimum", "X|b: complementary", "Y|a: complementary", "Y|b: complementary"},
		},
		{
			// Row X has 3 people, so its margin X|* is hidden too; the row margins
			// form a line with the grand total, which needs a second hidden margin.
			name: "2-D small row and its margin",
			dims: 2,
			cells: map[string]int{
				"X|a": 1, "X|b": 2,
				"Y|a": 10, "Y|b": 12,
				"Z|a": 8, "Z|b": 9,
			},
			want: []string{
				"X|*: below_minimum", "X|a: below_minimum", "X|b: below_minimum",
				"Z|*: complementary", "Z|a: complementary", "Z|b: complementary",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Table(cells(tc.cells), tc.dims, 5, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := hiddenSet(out); !slices.Equal(got, tc.want) {
				t.Errorf("hidden %v, want %v", got, tc.want)
			}
			if solved, small := attack(t, out, tc.dims, 5); len(solved) > 0 || len(small) > 0 {
				t.Errorf("attacker recovered %v, small unions under %v", solved, small)
			}
		})
	}
}

func TestTableMargins(t *testing.T) {
	out, err := Table(cells(map[string]int{"X|a": 6, "X|b": 7, "Y|a": 8}), 2, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"X|a": 6, "X|b": 7, "Y|a": 8, "X|*": 13, "Y|*": 8, "*|a": 14, "*|b": 7, "*|*": 21}
	if len(out) != len(want) {
		t.Fatalf("%d cells, want %d", len(out), len(want))
	}
	for _, c := range out {
		if n, ok := want[strings.Join(c.Key, "|")]; !ok || n != c.N || c.Suppressed {
			t.Errorf("cell %v N %d suppressed %v, want N %d shown", c.Key, c.N, c.Suppressed, n)
		}
	}
	// Margins follow the input cells, sorted by key.
	if got := out[3].Key; !slices.Equal(got, []string{"*", "*"}) {
		t.Errorf("first margin %v, want [* *]", got)
	}
}

// A cell hidden by the caller for its own reason keeps it and is protected too.
func TestTablePresuppressed(t *testing.T) {
	in := cells(map[string]int{"A": 40, "B": 30, "C": 25})
	in[0].Suppressed, in[0].Reason = true, "dominance"
	out, err := Table(in, 1, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A: dominance", "C: complementary"}
	if got := hiddenSet(out); !slices.Equal(got, want) {
		t.Errorf("hidden %v, want %v", got, want)
	}
}

// On random sparse tables in 1 to 3 dimensions no primary cell can be recovered
// and no hidden union below the minimum is exposed.
func TestTableRandomAgainstAttacker(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	labels := []string{"p", "q", "r", "s", "t"}
	for trial := 0; trial < 300; trial++ {
		dims := 1 + rng.IntN(3)
		var in []Cell
		var walk func(prefix []string)
		walk = func(prefix []string) {
			if len(prefix) == dims {
				if rng.IntN(5) > 0 {
					in = append(in, Cell{Key: slices.Clone(prefix), N: []int{0, 1, 2, 3, 4, 6, 9, 15, 40}[rng.IntN(9)]})
				}
				return
			}
			for _, l := range labels[:2+rng.IntN(3)] {
				walk(append(prefix, l))
			}
		}
		walk(nil)
		min := 3 + rng.IntN(5)
		out, err := Table(in, dims, min, true)
		if err != nil {
			t.Fatal(err)
		}
		if solved, small := attack(t, out, dims, min); len(solved) > 0 || len(small) > 0 {
			t.Fatalf("trial %d (dims %d, min %d): recovered %v, small unions %v\n%v", trial, dims, min, solved, small, out)
		}
		for _, c := range out {
			if c.N > 0 && c.N < min && !c.Suppressed {
				t.Fatalf("trial %d: small cell %v shown", trial, c)
			}
		}
	}
}

func TestTableErrors(t *testing.T) {
	tests := []struct {
		name  string
		cells []Cell
		dims  int
		min   int
	}{
		{"min zero", []Cell{{Key: []string{"a"}, N: 1}}, 1, 0},
		{"dims zero", nil, 0, 5},
		{"too many dims", nil, 7, 5},
		{"short key", []Cell{{Key: []string{"a"}, N: 1}}, 2, 5},
		{"reserved total", []Cell{{Key: []string{Total}, N: 1}}, 1, 5},
		{"duplicate", []Cell{{Key: []string{"a"}, N: 1}, {Key: []string{"a"}, N: 2}}, 1, 5},
		{"negative", []Cell{{Key: []string{"a"}, N: -1}}, 1, 5},
	}
	for _, tc := range tests {
		if _, err := Table(tc.cells, tc.dims, tc.min, true); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
