package insight

import (
	"errors"
	"fmt"
	"slices"

	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

// Reasons a cell is suppressed, beside suppress.ReasonBelowMinimum and suppress.ReasonComplementary.
const (
	// ReasonDifferencing: the group differs from a group published under a broader filter (the same
	// filter without one of its restrictions) by fewer than the minimum, so subtracting one from the other
	// would reveal a group that is too small.
	ReasonDifferencing = "differencing"
)

// Cell is the identity and size of one group in a breakdown. A suppressed cell has a null n and no
// figures: "suppressed": true, "n": null.
type Cell struct {
	Key        string `json:"key"` // the group's value of the breakdown dimension; "" for the total
	N          *int   `json:"n"`
	Suppressed bool   `json:"suppressed"`
	Reason     string `json:"reason,omitempty"`
}

// tally is a group counted under the filter (n) and under each parent filter (parents[i]: the filter
// without its i-th restriction), before suppression.
type tally struct {
	key     string
	n       int
	parents []int
}

func (t *tally) add(n int, parents []int) {
	t.n += n
	if t.parents == nil {
		t.parents = make([]int, len(parents))
	}
	for i, p := range parents {
		t.parents[i] += p
	}
}

// differenced reports whether a group is refused because a broader filter's group is larger by fewer
// than min people.
func (t tally) differenced(min int) bool {
	for _, p := range t.parents {
		if err := suppress.Compare(t.n, p, min); errors.Is(err, suppress.ErrDifferencing) {
			return true
		}
	}
	return false
}

// verdict is the outcome of protecting one breakdown: which groups and whether the total may be shown.
type verdict struct {
	total  Cell
	groups map[string]Cell
}

// protect decides which groups of a one-dimensional breakdown, and its total (the sum of the groups),
// may be published:
//
//  1. a group (or the total) is refused when a broader filter's group is larger by 1 to min − 1 people
//     (ReasonDifferencing); a refused total refuses every group, which would add up to it;
//  2. suppress.Table then hides groups below min (primary) and, because the total is published,
//     enough further groups that no hidden group can be recovered by subtracting the published ones
//     from the total (complementary).
func protect(groups []tally, total tally, min int) (verdict, error) {
	v := verdict{groups: make(map[string]Cell, len(groups))}
	if total.n < min || total.differenced(min) {
		reason := suppress.ReasonBelowMinimum
		if total.n >= min {
			reason = ReasonDifferencing
		}
		v.total = Cell{Suppressed: true, Reason: reason}
		for _, g := range groups {
			v.groups[g.key] = Cell{Key: g.key, Suppressed: true, Reason: reason}
		}
		return v, nil
	}
	n := total.n
	v.total = Cell{N: &n}
	if len(groups) == 0 {
		return v, nil
	}
	cells := make([]suppress.Cell, 0, len(groups))
	for _, g := range groups {
		c := suppress.Cell{Key: []string{g.key}, N: g.n}
		if g.n >= min && g.differenced(min) {
			c.Suppressed, c.Reason = true, ReasonDifferencing
		}
		cells = append(cells, c)
	}
	out, err := suppress.Table(cells, 1, min, true)
	if err != nil {
		return verdict{}, fmt.Errorf("protect breakdown: %w", err)
	}
	for _, c := range out {
		if c.Key[0] == suppress.Total {
			if c.Suppressed {
				// The margin of a table whose cells sum to the total is the total itself, already checked.
				return verdict{}, fmt.Errorf("protect breakdown: total suppressed by the table (%s)", c.Reason)
			}
			continue
		}
		cell := Cell{Key: c.Key[0], Suppressed: c.Suppressed, Reason: c.Reason}
		if !c.Suppressed {
			n := c.N
			cell.N = &n
		}
		v.groups[c.Key[0]] = cell
	}
	return v, nil
}

// sortedKeys returns the keys of a map of tallies in order.
func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
