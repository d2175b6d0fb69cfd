package suppress

import (
	"fmt"
	"slices"
	"strings"
)

// Total is the key component that marks a margin (a total over that dimension)
// in the cells Table returns; input keys must not use it.
const Total = "*"

// Reasons a cell is suppressed.
const (
	ReasonBelowMinimum  = "below_minimum" // primary: fewer than min people
	ReasonComplementary = "complementary" // secondary: hidden so a published total cannot reveal another cell
)

// maxDims bounds the number of dimensions: a table has 2^dims − 1 kinds of margin.
const maxDims = 6

// Cell is one figure of a table: the group identified by Key (one value per
// dimension, e.g. {"sales", "manager"}), the number of people N it rests on, and
// whether it must be hidden and why.
type Cell struct {
	Key        []string `json:"key"`
	N          int      `json:"n"`
	Suppressed bool     `json:"suppressed"`
	Reason     string   `json:"reason,omitempty"`
}

// Table applies primary and secondary suppression to a table of counts (or of
// any figure that adds up, such as sums of scores, with N its group size) with
// dims dimensions.
//
// Primary: a cell with 0 < N < min is hidden (ReasonBelowMinimum). A cell with
// N = 0 describes nobody and stays visible. Cells already Suppressed on input
// stay hidden with their Reason.
//
// Secondary, when totalsPublished: Table adds every margin (keys with Total in
// one or more places, N the sum of the cells below it; dims = 1 gives the grand
// total) and applies primary suppression to them too. Each line — the cells that
// differ in one key component, plus their total — is one equation
// total = Σ parts. A line is exposed when
//   - exactly one of its members is hidden: subtraction reveals it; or
//   - its total is shown and its hidden parts, two or more, add up to 0 < s < min:
//     subtraction reveals a figure about fewer than min people (their union).
//
// For an exposed line the smallest shown part with N > 0 (ties broken by key) is
// hidden (ReasonComplementary), or the total when there is none; this repeats
// over all lines until nothing changes, since each new hidden cell can expose
// lines in other dimensions.
//
// Table returns the input cells in their order, followed (when totalsPublished)
// by the margins sorted by key; a margin left visible may be published. The
// input is not modified. It fails on min < 1, dims outside 1…6, a key of the
// wrong length or containing Total, a duplicate key or a negative N.
func Table(cells []Cell, dims, min int, totalsPublished bool) ([]Cell, error) {
	if min < 1 {
		return nil, fmt.Errorf("suppress table: minimum %d is not positive", min)
	}
	if dims < 1 || dims > maxDims {
		return nil, fmt.Errorf("suppress table: %d dimensions, want 1 to %d", dims, maxDims)
	}
	out := make([]Cell, 0, len(cells))
	index := make(map[string]int, len(cells))
	for i, c := range cells {
		if len(c.Key) != dims {
			return nil, fmt.Errorf("suppress table: cell %d has key %q, want %d parts", i, c.Key, dims)
		}
		if slices.Contains(c.Key, Total) {
			return nil, fmt.Errorf("suppress table: cell %d key %q uses the reserved %q", i, c.Key, Total)
		}
		if c.N < 0 {
			return nil, fmt.Errorf("suppress table: cell %d %q has N = %d", i, c.Key, c.N)
		}
		k := joinKey(c.Key)
		if _, dup := index[k]; dup {
			return nil, fmt.Errorf("suppress table: duplicate key %q", c.Key)
		}
		index[k] = len(out)
		out = append(out, Cell{Key: c.Key, N: c.N, Suppressed: c.Suppressed, Reason: c.Reason})
	}
	if totalsPublished {
		out = addMargins(out, index, dims)
	}
	for i := range out {
		if !out[i].Suppressed && out[i].N > 0 && out[i].N < min {
			out[i].Suppressed, out[i].Reason = true, ReasonBelowMinimum
		}
	}
	if !totalsPublished {
		return out, nil
	}
	lines := buildLines(out, index, dims)
	for changed := true; changed; {
		changed = false
		for _, ln := range lines {
			if exposed(out, ln, min) {
				if j := complement(out, ln); j >= 0 {
					out[j].Suppressed, out[j].Reason = true, ReasonComplementary
					changed = true
				}
			}
		}
	}
	return out, nil
}

// joinKey makes a map key from key parts; the unit separator cannot occur in
// department or reason labels.
func joinKey(parts []string) string { return strings.Join(parts, "\x1f") }

// addMargins appends every margin cell (the key with any non-empty set of
// components replaced by Total) with N summed over the cells below it.
func addMargins(out []Cell, index map[string]int, dims int) []Cell {
	n := len(out)
	var margins []Cell
	for i := 0; i < n; i++ {
		for mask := 1; mask < 1<<dims; mask++ {
			key := slices.Clone(out[i].Key)
			for d := 0; d < dims; d++ {
				if mask&(1<<d) != 0 {
					key[d] = Total
				}
			}
			k := joinKey(key)
			if j, ok := index[k]; ok {
				margins[j-n].N += out[i].N
				continue
			}
			index[k] = n + len(margins)
			margins = append(margins, Cell{Key: key, N: out[i].N})
		}
	}
	order := make([]int, len(margins))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return slices.Compare(margins[a].Key, margins[b].Key) })
	for pos, m := range order {
		index[joinKey(margins[m].Key)] = n + pos
		out = append(out, margins[m])
	}
	return out
}

// line is one additive constraint: out[total].N = Σ out[parts].N.
type line struct {
	total int
	parts []int
}

// buildLines groups every cell with a non-Total component d under the cell whose
// key has Total at d, for each d. Lines come out in a fixed order.
func buildLines(out []Cell, index map[string]int, dims int) []line {
	byTotal := map[[2]int]*line{}
	var keys [][2]int
	for i, c := range out {
		for d := 0; d < dims; d++ {
			if c.Key[d] == Total {
				continue
			}
			tk := slices.Clone(c.Key)
			tk[d] = Total
			t := index[joinKey(tk)]
			id := [2]int{t, d}
			ln, ok := byTotal[id]
			if !ok {
				ln = &line{total: t}
				byTotal[id] = ln
				keys = append(keys, id)
			}
			ln.parts = append(ln.parts, i)
		}
	}
	slices.SortFunc(keys, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	lines := make([]line, len(keys))
	for i, id := range keys {
		lines[i] = *byTotal[id]
	}
	return lines
}

func exposed(out []Cell, ln line, min int) bool {
	hidden, sum := 0, 0
	for _, p := range ln.parts {
		if out[p].Suppressed {
			hidden++
			sum += out[p].N
		}
	}
	if out[ln.total].Suppressed {
		return hidden == 0 // the total alone is hidden
	}
	return hidden == 1 || (hidden >= 2 && sum > 0 && sum < min)
}

// complement picks the cell to hide in an exposed line: the smallest shown part
// with N > 0 (ties by key), else the total if shown, else -1.
func complement(out []Cell, ln line) int {
	best := -1
	for _, p := range ln.parts {
		c := out[p]
		if c.Suppressed || c.N == 0 {
			continue
		}
		if best < 0 || c.N < out[best].N || (c.N == out[best].N && slices.Compare(c.Key, out[best].Key) < 0) {
			best = p
		}
	}
	if best < 0 && !out[ln.total].Suppressed {
		best = ln.total
	}
	return best
}
