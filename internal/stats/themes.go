package stats

import (
	"math"
	"sort"
)

// BenjaminiHochberg returns Benjamini–Hochberg (1995) adjusted p-values (q-values)
// controlling the false discovery rate across the m non-NaN p-values:
//
//	sort ascending p_(1) ≤ … ≤ p_(m)
//	q_(i) = min_{k ≥ i} min(1, m·p_(k)/k)
//
// The result is in input order; NaN stays NaN and does not count in m. A test is
// significant at FDR α when q ≤ α. Matches R's p.adjust(p, "BH").
func BenjaminiHochberg(p []float64) []float64 {
	q := make([]float64, len(p))
	idx := make([]int, 0, len(p))
	for i, v := range p {
		q[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := float64(len(idx))
	running := 1.0
	for k := len(idx) - 1; k >= 0; k-- {
		i := idx[k]
		running = math.Min(running, m*p[i]/float64(k+1))
		q[i] = running
	}
	return q
}

// ThemeCount is how often a theme was mentioned in two periods: Before of
// BeforeN comments (or respondents) in the earlier period, After of AfterN in the
// later one.
type ThemeCount struct {
	Theme   string `json:"theme"`
	Before  int    `json:"before"`
	BeforeN int    `json:"before_n"`
	After   int    `json:"after"`
	AfterN  int    `json:"after_n"`
}

// ThemeChange is the change in one theme's share between two periods.
type ThemeChange struct {
	Theme  string     `json:"theme"`
	Before Proportion `json:"before"` // with 95% Wilson interval
	After  Proportion `json:"after"`
	// Diff is After − Before share with Newcombe's 95% interval (ProportionDiff).
	Diff    Effect  `json:"diff"`
	CohensH float64 `json:"cohens_h"` // 2·asin√after − 2·asin√before
	Z       float64 `json:"z"`        // pooled two-proportion z (TwoProportionZ)
	P       float64 `json:"p"`
	Q       float64 `json:"q"` // Benjamini–Hochberg across all themes compared together
	// Direction is +1 for a significant rise, −1 for a significant fall (Q ≤ alpha)
	// and 0 otherwise.
	Direction int `json:"direction"`
}

// CompareThemes tests every theme's share between two periods with the pooled
// two-proportion z-test (see TwoProportionZ, After against Before) and adjusts the
// p-values across themes with BenjaminiHochberg, so that "rising themes" flagged at
// false discovery rate alpha are not an artefact of testing many themes at once.
// The result keeps the input order.
func CompareThemes(themes []ThemeCount, alpha float64) []ThemeChange {
	out := make([]ThemeChange, len(themes))
	ps := make([]float64, len(themes))
	for i, t := range themes {
		test := TwoProportionZ(t.After, t.AfterN, t.Before, t.BeforeN)
		diff, _ := test.Effect(EffectPropDiff)
		h, _ := test.Effect(EffectCohensH)
		out[i] = ThemeChange{
			Theme:   t.Theme,
			Before:  Share(t.Before, t.BeforeN, 0.95),
			After:   Share(t.After, t.AfterN, 0.95),
			Diff:    diff,
			CohensH: h.Value,
			Z:       test.Statistic,
			P:       test.P,
		}
		ps[i] = test.P
	}
	for i, q := range BenjaminiHochberg(ps) {
		out[i].Q = q
		if q <= alpha {
			switch {
			case out[i].Diff.Value > 0:
				out[i].Direction = 1
			case out[i].Diff.Value < 0:
				out[i].Direction = -1
			}
		}
	}
	return out
}
