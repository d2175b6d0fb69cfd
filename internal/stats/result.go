package stats

import "math"

// TestResult is the outcome of a hypothesis test: the headline statistic and
// two-sided p-value of the method named in Method, the n it used, effect sizes and
// the other common variants of the same test on the same data (so a reviewer who
// expects, say, the continuity-corrected version can find it).
type TestResult struct {
	Method    string    `json:"method"`
	N         int       `json:"n"` // what N counts is stated by each test function
	Statistic float64   `json:"statistic"`
	DF        float64   `json:"df,omitempty"` // degrees of freedom of the reference distribution, 0 if none
	P         float64   `json:"p"`            // two-sided
	Effects   []Effect  `json:"effects"`      // the first is the primary effect size
	Variants  []Variant `json:"variants,omitempty"`
}

// Effect is a named effect size or estimate with its confidence interval (NaN
// ends when no interval is defined).
type Effect struct {
	Name  string   `json:"name"`
	Value float64  `json:"value"`
	CI    Interval `json:"ci"`
}

// Variant is another version of a test on the same data.
type Variant struct {
	Method    string  `json:"method"`
	Statistic float64 `json:"statistic"`
	P         float64 `json:"p"`
}

// Effect returns the effect with the given name and whether it is present.
func (r TestResult) Effect(name string) (Effect, bool) {
	for _, e := range r.Effects {
		if e.Name == name {
			return e, true
		}
	}
	return Effect{}, false
}

// Variant returns the variant with the given method name and whether it is present.
func (r TestResult) Variant(method string) (Variant, bool) {
	for _, v := range r.Variants {
		if v.Method == method {
			return v, true
		}
	}
	return Variant{}, false
}

// Names of methods and effects, so callers and tests can look them up.
const (
	MethodMcNemarChi2    = "McNemar chi-square"
	MethodMcNemarChi2CC  = "McNemar chi-square, continuity corrected"
	MethodMcNemarExact   = "McNemar exact binomial"
	MethodMcNemarMidP    = "McNemar mid-p"
	MethodTwoPropZ       = "two-proportion z (pooled)"
	MethodTwoPropZCC     = "two-proportion z (pooled), continuity corrected"
	MethodWilcoxonExact  = "Wilcoxon signed-rank exact"
	MethodWilcoxonNormCC = "Wilcoxon signed-rank normal, continuity corrected"
	MethodWilcoxonNormal = "Wilcoxon signed-rank normal"
	MethodPairedT        = "paired t"
	EffectOddsRatio      = "odds ratio b/c"
	EffectCohensG        = "Cohen's g"
	EffectCohensH        = "Cohen's h"
	EffectPropDiff       = "difference in proportions"
	EffectR              = "r = Z/sqrt(n)"
	EffectRankBiserial   = "matched-pairs rank-biserial"
	EffectMeanDiff       = "mean difference"
	EffectCohensDz       = "Cohen's dz"
)

// completePairs returns the pairs where neither value is NaN. It panics when the
// lengths differ: paired data of different lengths is a programming error.
func completePairs(x, y []float64) (xs, ys []float64) {
	if len(x) != len(y) {
		panic("stats: paired slices have different lengths")
	}
	xs, ys = make([]float64, 0, len(x)), make([]float64, 0, len(y))
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) {
			continue
		}
		xs, ys = append(xs, x[i]), append(ys, y[i])
	}
	return xs, ys
}
