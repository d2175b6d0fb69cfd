package stats

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// wilcoxonExactBelow is the n under which the exact null distribution is used when
// there are no ties and no zero differences (the rule of R's wilcox.test).
const wilcoxonExactBelow = 50

// WilcoxonSignedRank tests whether paired scores (x_i, y_i) from the same people
// shift between waves. Pairs with a NaN are dropped; differences d = x − y equal to
// zero are dropped (Wilcoxon's convention); N is the number of non-zero
// differences. |d| is ranked with mid-ranks for ties.
//
//	W+ = Σ rank(|d_i|) over d_i > 0                  (Statistic; R's V)
//	μ  = n(n + 1)/4
//	σ² = n(n + 1)(2n + 1)/24 − Σ(t³ − t)/48           (t: sizes of tie groups)
//	Z    = (W+ − μ)/σ
//	Z_cc = (W+ − μ − ½·sign(W+ − μ))/σ,  p = 2·Φ(−|Z_cc|)
//
// With no ties, no zeros and n < 50 the headline p is exact, 2·min(P(W ≤ W+),
// P(W ≥ W+)) capped at 1, from the null distribution of W (each of the 2ⁿ sign
// patterns equally likely); otherwise it is the continuity-corrected normal
// approximation (as R's wilcox.test). All computed versions are in Variants.
//
// Effects: r = Z/√n (Z without continuity correction; positive when x tends to
// exceed y; 0.1 small, 0.3 medium, 0.5 large), and the matched-pairs rank-biserial
// correlation (W+ − W−)/(n(n + 1)/2) (Kerby 2014). With no non-zero differences
// Statistic = 0, p = 1 and effects are NaN. It panics if the lengths differ.
func WilcoxonSignedRank(x, y []float64) TestResult {
	xs, ys := completePairs(x, y)
	abs := make([]float64, 0, len(xs))
	pos := make([]bool, 0, len(xs))
	zeros := 0
	for i := range xs {
		d := xs[i] - ys[i]
		if d == 0 {
			zeros++
			continue
		}
		abs = append(abs, math.Abs(d))
		pos = append(pos, d > 0)
	}
	n := len(abs)
	r := TestResult{Method: MethodWilcoxonNormCC, N: n, P: 1, Effects: []Effect{
		{Name: EffectR, Value: math.NaN(), CI: nanInterval()},
		{Name: EffectRankBiserial, Value: math.NaN(), CI: nanInterval()},
	}}
	if n == 0 {
		return r
	}
	ranks, ties := Ranks(abs)
	var wPlus float64
	for i, rk := range ranks {
		if pos[i] {
			wPlus += rk
		}
	}
	nf := float64(n)
	total := nf * (nf + 1) / 2
	mu := total / 2
	tieAdj := 0.0
	for _, t := range ties {
		tf := float64(t)
		tieAdj += tf*tf*tf - tf
	}
	sigma := math.Sqrt(nf*(nf+1)*(2*nf+1)/24 - tieAdj/48)
	z := (wPlus - mu) / sigma
	zcc := 0.0
	if dev := wPlus - mu; dev != 0 {
		zcc = (dev - math.Copysign(0.5, dev)) / sigma
		if math.Signbit(zcc) != math.Signbit(dev) {
			zcc = 0 // |W+ − μ| < ½ cannot happen with integer ranks, but mid-ranks can
		}
	}
	r.Statistic = wPlus
	r.Variants = []Variant{
		{Method: MethodWilcoxonNormCC, Statistic: zcc, P: normalTwoSided(zcc)},
		{Method: MethodWilcoxonNormal, Statistic: z, P: normalTwoSided(z)},
	}
	r.P = r.Variants[0].P
	if len(ties) == 0 && zeros == 0 && n < wilcoxonExactBelow {
		p := signedRankExactP(n, int(wPlus))
		r.Variants = append(r.Variants, Variant{Method: MethodWilcoxonExact, Statistic: wPlus, P: p})
		r.Method, r.P = MethodWilcoxonExact, p
	}
	r.Effects[0].Value = z / math.Sqrt(nf)
	r.Effects[1].Value = (wPlus - (total - wPlus)) / total
	return r
}

// signedRankExactP returns the exact two-sided p-value of W+ = w for n untied,
// non-zero differences: the number of subsets of {1..n} with each sum, by dynamic
// programming, divided by 2ⁿ. Counts stay below 2⁵⁰, exact in float64.
func signedRankExactP(n, w int) float64 {
	maxSum := n * (n + 1) / 2
	count := make([]float64, maxSum+1)
	count[0] = 1
	for k := 1; k <= n; k++ {
		for s := maxSum; s >= k; s-- {
			count[s] += count[s-k]
		}
	}
	total := math.Ldexp(1, n)
	var lower, upper float64 // P(W ≤ w), P(W ≥ w)
	for s, c := range count {
		if s <= w {
			lower += c
		}
		if s >= w {
			upper += c
		}
	}
	return math.Min(1, 2*math.Min(lower, upper)/total)
}

// PairedT is Student's paired t-test on d = x − y (pairs with a NaN dropped; N is
// the number of pairs):
//
//	t = d̄/(s_d/√n), df = n − 1, p = 2·P(T > |t|)
//
// Effects: the mean difference d̄ with its 95% CI d̄ ± t_{.975,n−1}·s_d/√n, and
// Cohen's dz = d̄/s_d. Results are NaN for n < 2; when every difference is equal
// the test is degenerate: t = 0, p = 1 if they are all 0, else t = ±Inf, p = 0.
// It panics if the lengths differ.
func PairedT(x, y []float64) TestResult {
	xs, ys := completePairs(x, y)
	n := len(xs)
	r := TestResult{Method: MethodPairedT, N: n, Statistic: math.NaN(), P: math.NaN(), Effects: []Effect{
		{Name: EffectMeanDiff, Value: math.NaN(), CI: nanInterval()},
		{Name: EffectCohensDz, Value: math.NaN(), CI: nanInterval()},
	}}
	if n < 2 {
		return r
	}
	d := make([]float64, n)
	for i := range xs {
		d[i] = xs[i] - ys[i]
	}
	mean, sd := stat.MeanStdDev(d, nil)
	df := float64(n - 1)
	se := sd / math.Sqrt(float64(n))
	r.DF = df
	r.Effects[0].Value = mean
	r.Effects[1].Value = mean / sd
	switch {
	case sd == 0 && mean == 0:
		r.Statistic, r.P = 0, 1
		r.Effects[1].Value = 0
	case sd == 0:
		r.Statistic, r.P = math.Copysign(math.Inf(1), mean), 0
	default:
		tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
		r.Statistic = mean / se
		r.P = 2 * tdist.Survival(math.Abs(r.Statistic))
		h := tdist.Quantile(0.975) * se
		r.Effects[0].CI = Interval{Lo: mean - h, Hi: mean + h}
	}
	return r
}
