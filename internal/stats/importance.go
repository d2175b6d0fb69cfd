package stats

import (
	"math"
	"sort"
)

// Driver is one candidate driver of an outcome (a hindsight rating such as pay or
// manager) for an importance × gap chart.
type Driver struct {
	Name string `json:"name"`
	// Importance is how strongly the driver relates to the outcome, ≥ 0: its
	// relative-weight Share or |Spearman ρ|.
	Importance float64 `json:"importance"`
	// Gap is how far the driver falls short of its benchmark on a 0–1 scale
	// (benchmark − observed, see Rescale); negative when it beats the benchmark.
	Gap float64 `json:"gap"`
}

// Priority is a Driver with its importance × gap score and rank (1 = act first).
type Priority struct {
	Driver
	Score float64 `json:"score"` // Importance × Gap
	Rank  int     `json:"rank"`
}

// ImportanceGap scores each driver as Importance × Gap and returns them sorted by
// score, highest first (ties: higher importance, then name). A driver that matters
// and falls short of its benchmark ranks first; one that beats its benchmark
// scores below zero. Drivers with a NaN importance or gap sort last with a NaN
// score.
func ImportanceGap(drivers []Driver) []Priority {
	out := make([]Priority, len(drivers))
	for i, d := range drivers {
		out[i] = Priority{Driver: d, Score: d.Importance * d.Gap}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if an, bn := math.IsNaN(a.Score), math.IsNaN(b.Score); an != bn {
			return bn
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Importance != b.Importance {
			return a.Importance > b.Importance
		}
		return a.Name < b.Name
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

// Rescale maps v from the scale [lo, hi] linearly onto [0, 1]:
// (v − lo)/(hi − lo). A mean of 3.8 on a 1–5 scale is 0.7. It is NaN when hi ≤ lo.
// A gap against a top-box benchmark b (a share) is b − Rescale(mean, 1, 5).
func Rescale(v, lo, hi float64) float64 {
	if !(hi > lo) {
		return math.NaN()
	}
	return (v - lo) / (hi - lo)
}
