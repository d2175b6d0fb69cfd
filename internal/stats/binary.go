package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// mcNemarExactBelow is the number of discordant pairs under which McNemar reports
// the exact binomial p-value as the headline: the chi-square approximation is
// usually trusted from b + c ≥ 25 (Agresti 2013, §11.1).
const mcNemarExactBelow = 25

// McNemar tests whether a yes/no answer changed between two waves for the same
// people. b counts pairs yes → no, c counts pairs no → yes; concordant pairs carry
// no information about change. N is b + c, the discordant pairs.
//
//	χ²     = (b − c)² / (b + c),             df = 1
//	χ²_cc  = (max(0, |b − c| − 1))² / (b + c) (Edwards' continuity correction)
//	exact  p = min(1, 2·P(X ≤ min(b, c))),    X ~ Binomial(b + c, ½)
//	mid-p  = exact p − P(X = min(b, c))       (when b ≠ c; 1 when b = c)
//
// The headline is the exact p when b + c < 25 and the uncorrected χ² otherwise;
// the corrected χ² is conservative without gaining accuracy (Fagerland, Lydersen &
// Laake 2013, BMC Med Res Methodol 13:91). All four are in Variants.
//
// Effects: the odds ratio b/c with the 95% CI exp(ln(b/c) ± z·√(1/b + 1/c))
// (+Inf with NaN CI when c = 0), and Cohen's g = max(b, c)/(b + c) − ½
// (0.05 small, 0.15 medium, 0.25 large). With b + c = 0 there is no evidence of
// change: statistics are 0, p = 1 and effects are NaN.
func McNemar(b, c int) TestResult {
	if b < 0 || c < 0 {
		return TestResult{Method: MethodMcNemarChi2, N: b + c, Statistic: math.NaN(), P: math.NaN()}
	}
	n := b + c
	nf, bf, cf := float64(n), float64(b), float64(c)

	var chi, chiCC float64
	pExact, pMid := 1.0, 1.0
	if n > 0 {
		d := bf - cf
		chi = d * d / nf
		cc := math.Max(0, math.Abs(d)-1)
		chiCC = cc * cc / nf
		k := float64(min(b, c))
		bin := distuv.Binomial{N: nf, P: 0.5}
		if b != c {
			pExact = math.Min(1, 2*bin.CDF(k))
			pMid = pExact - bin.Prob(k)
		}
	}
	chi2 := distuv.ChiSquared{K: 1}
	pChi, pChiCC := chi2.Survival(chi), chi2.Survival(chiCC)

	r := TestResult{N: n, DF: 1, Variants: []Variant{
		{Method: MethodMcNemarChi2, Statistic: chi, P: pChi},
		{Method: MethodMcNemarChi2CC, Statistic: chiCC, P: pChiCC},
		{Method: MethodMcNemarExact, Statistic: bf, P: pExact},
		{Method: MethodMcNemarMidP, Statistic: bf, P: pMid},
	}}
	if n < mcNemarExactBelow {
		r.Method, r.Statistic, r.P, r.DF = MethodMcNemarExact, bf, pExact, 0
	} else {
		r.Method, r.Statistic, r.P = MethodMcNemarChi2, chi, pChi
	}

	or := Effect{Name: EffectOddsRatio, Value: math.NaN(), CI: nanInterval()}
	g := Effect{Name: EffectCohensG, Value: math.NaN(), CI: nanInterval()}
	if n > 0 {
		g.Value = float64(max(b, c))/nf - 0.5
		switch {
		case c == 0:
			or.Value = math.Inf(1)
		case b == 0:
			or.Value = 0
		default:
			or.Value = bf / cf
			h := zCrit(0.95) * math.Sqrt(1/bf+1/cf)
			or.CI = Interval{Lo: math.Exp(math.Log(or.Value) - h), Hi: math.Exp(math.Log(or.Value) + h)}
		}
	}
	r.Effects = []Effect{or, g}
	return r
}

// ProportionDiff returns p1 − p2 for independent groups with Newcombe's hybrid
// score interval (method 10 of Newcombe 1998, Stat Med 17:873), built from the
// Wilson intervals (l1, u1) and (l2, u2) of each proportion:
//
//	D = p1 − p2
//	L = D − √((p1 − l1)² + (u2 − p2)²)
//	U = D + √((u1 − p1)² + (p2 − l2)²)
//
// Value and CI are NaN when either n is 0.
func ProportionDiff(x1, n1, x2, n2 int, conf float64) Effect {
	e := Effect{Name: EffectPropDiff, Value: math.NaN(), CI: nanInterval()}
	a, b := Share(x1, n1, conf), Share(x2, n2, conf)
	if math.IsNaN(a.Estimate) || math.IsNaN(b.Estimate) || math.IsNaN(a.CI.Lo) {
		return e
	}
	p1, p2 := a.Estimate, b.Estimate
	e.Value = p1 - p2
	e.CI = Interval{
		Lo: e.Value - math.Hypot(p1-a.CI.Lo, b.CI.Hi-p2),
		Hi: e.Value + math.Hypot(a.CI.Hi-p1, p2-b.CI.Lo),
	}
	return e
}

// TwoProportionZ compares two independent proportions x1/n1 and x2/n2 (for
// example one department against the rest). N is n1 + n2.
//
//	p = (x1 + x2)/(n1 + n2)                      (pooled under H0: p1 = p2)
//	SE0 = √(p(1 − p)(1/n1 + 1/n2))
//	z = (p1 − p2)/SE0,  p-value = 2·Φ(−|z|)
//	z_cc = sign(p1 − p2)·max(0, |p1 − p2| − (1/n1 + 1/n2)/2)/SE0   (Yates; a variant)
//
// z² equals Pearson's χ² on the 2×2 table. Effects: the difference p1 − p2 with
// Newcombe's 95% interval (see ProportionDiff), and Cohen's h =
// 2·asin√p1 − 2·asin√p2 (0.2 small, 0.5 medium, 0.8 large). When both groups are
// all 0 or all 1, SE0 = 0 and z = 0, p = 1. Statistic and P are NaN when n1 or n2
// is 0.
func TwoProportionZ(x1, n1, x2, n2 int) TestResult {
	r := TestResult{Method: MethodTwoPropZ, N: n1 + n2, Statistic: math.NaN(), P: math.NaN()}
	diff := ProportionDiff(x1, n1, x2, n2, 0.95)
	h := Effect{Name: EffectCohensH, Value: math.NaN(), CI: nanInterval()}
	r.Effects = []Effect{diff, h}
	if math.IsNaN(diff.Value) {
		return r
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	r.Effects[1].Value = 2*math.Asin(math.Sqrt(p1)) - 2*math.Asin(math.Sqrt(p2))

	pool := float64(x1+x2) / float64(n1+n2)
	inv := 1/float64(n1) + 1/float64(n2)
	se := math.Sqrt(pool * (1 - pool) * inv)
	var z, zcc float64
	if se > 0 {
		d := p1 - p2
		z = d / se
		zcc = math.Copysign(math.Max(0, math.Abs(d)-inv/2), d) / se
	}
	r.Statistic, r.P = z, normalTwoSided(z)
	r.Variants = []Variant{{Method: MethodTwoPropZCC, Statistic: zcc, P: normalTwoSided(zcc)}}
	return r
}
