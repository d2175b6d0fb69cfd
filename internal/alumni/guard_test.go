package alumni

import (
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
)

type csvRec struct {
	line   int
	fields []string
	err    error
}

// readCSV reads every record of r with encoding/csv, keeping parse errors in place.
func readCSV(t testing.TB, r io.Reader) []csvRec {
	c := csv.NewReader(r)
	c.FieldsPerRecord = -1
	var out []csvRec
	for {
		fields, err := c.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		var pe *csv.ParseError
		switch {
		case err == nil:
			line, _ := c.FieldPos(0)
			out = append(out, csvRec{line: line, fields: slices.Clone(fields)})
		case errors.As(err, &pe):
			out = append(out, csvRec{line: pe.StartLine, err: pe.Err})
		default:
			t.Fatalf("read: %v", err)
		}
	}
}

// checkGuard asserts that encoding/csv reads through a rowGuard exactly what it reads from the raw input,
// minus the records the guard dropped, with the same line numbers.
func checkGuard(t testing.TB, input string, max int) {
	want := readCSV(t, strings.NewReader(input))
	g := newRowGuard(strings.NewReader(input), ',', max)
	got := readCSV(t, g)
	dropped := map[int]bool{}
	for _, l := range g.dropped {
		dropped[l] = true
	}
	i := 0
	for _, w := range want {
		if dropped[w.line] {
			continue
		}
		if i >= len(got) || !reflect.DeepEqual(got[i], w) {
			t.Fatalf("input %q max %d: record %d through the guard = %+v; want %+v (dropped %v)",
				input, max, i, at(got, i), w, g.dropped)
		}
		i++
	}
	if i != len(got) {
		t.Fatalf("input %q max %d: %d extra records through the guard: %+v", input, max, len(got)-i, got[i:])
	}
	if max >= len(input) && len(g.dropped) > 0 {
		t.Fatalf("input %q: dropped %v with a limit above the input size", input, g.dropped)
	}
}

func at(recs []csvRec, i int) any {
	if i < len(recs) {
		return recs[i]
	}
	return "nothing"
}

var guardSeeds = []string{
	"a,b\nc,d\n",
	"a,\"b\nc\",d\ne,f\n",
	"a,\"b\"\"c\",d\r\ne,f",
	"a,b\"c,\"d\nx\"\ny,z\n",
	"a,\"b\"c,\"d\ne\"\nf\n",
	"a,\"unterminated\nb,c\nd,e\n",
	"\n\n,,\r\n\"\"\n",
	"a,\"b\"\r\nc,\"d\"\rx\ne\n",
	"x" + strings.Repeat("y", 100) + "\nshort\n\"long " + strings.Repeat("z\n", 60) + "\"\nend\n",
}

func TestRowGuardAgreesWithCSV(t *testing.T) {
	for _, s := range guardSeeds {
		for _, max := range []int{1, 5, 20, 64, 1 << 20} {
			checkGuard(t, s, max)
		}
	}
}

func FuzzRowGuard(f *testing.F) {
	for _, s := range guardSeeds {
		f.Add(s, 16)
	}
	f.Fuzz(func(t *testing.T, input string, max int) {
		if max < 1 || max > 1<<16 {
			max = 16
		}
		checkGuard(t, input, max)
	})
}

func TestRowGuardBlankLinesKeepLineNumbers(t *testing.T) {
	in := "h\n" + strings.Repeat("x", 100) + "\n\"two\n" + strings.Repeat("y", 100) + "\"\nlast\n"
	g := newRowGuard(strings.NewReader(in), ',', 50)
	out, err := io.ReadAll(g)
	if err != nil {
		t.Fatal(err)
	}
	if want := "h\n\n\n\nlast\n"; string(out) != want {
		t.Errorf("guard output = %q; want %q", out, want)
	}
	if !reflect.DeepEqual(g.dropped, []int{2, 3}) {
		t.Errorf("dropped = %v; want [2 3]", g.dropped)
	}
}
