package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Agresti A (2007) An Introduction to Categorical Data Analysis, 2nd ed., §8.1:
// approval of the President's performance in two surveys of the same 1600 people,
// 150 approve → disapprove, 86 disapprove → approve; z = −4.17, z² = 17.36.
func TestMcNemarAgresti(t *testing.T) {
	r := McNemar(150, 86)
	if r.Method != MethodMcNemarChi2 || r.N != 236 {
		t.Fatalf("method %q n %d, want uncorrected chi-square on 236 pairs", r.Method, r.N)
	}
	checkNear(t, "chi2", r.Statistic, 17.36, 0.005)
	if r.P >= 0.0001 {
		t.Errorf("p = %g, want < 0.0001", r.P)
	}
	// χ²(1) p-value equals the two-sided normal p-value of z = √χ².
	checkNear(t, "p vs normal", r.P, 2*distuv.UnitNormal.CDF(-math.Sqrt(r.Statistic)), 1e-12)
	cc, _ := r.Variant(MethodMcNemarChi2CC)
	checkNear(t, "chi2 cc", cc.Statistic, 63.0*63/236, 1e-9)
	or, _ := r.Effect(EffectOddsRatio)
	checkNear(t, "odds ratio", or.Value, 150.0/86, 1e-12)
	se := math.Sqrt(1.0/150 + 1.0/86)
	checkNear(t, "OR lo", or.CI.Lo, math.Exp(math.Log(150.0/86)-1.959964*se), 1e-5)
	g, _ := r.Effect(EffectCohensG)
	checkNear(t, "Cohen's g", g.Value, 150.0/236-0.5, 1e-12)
}

func TestMcNemarSmall(t *testing.T) {
	tests := []struct {
		name    string
		b, c    int
		method  string
		p, midP float64
	}{
		// X ~ Bin(10, ½): P(X ≤ 1) = 11/1024; mid-p subtracts P(X = 1) = 10/1024.
		{"exact 1 vs 9", 1, 9, MethodMcNemarExact, 22.0 / 1024, 12.0 / 1024},
		{"exact 9 vs 1 symmetric", 9, 1, MethodMcNemarExact, 22.0 / 1024, 12.0 / 1024},
		// P(X ≤ 0) with n = 5: 1/32, two-sided 2/32.
		{"exact 0 vs 5", 0, 5, MethodMcNemarExact, 2.0 / 32, 1.0 / 32},
		{"no change", 4, 4, MethodMcNemarExact, 1, 1},
		{"no discordant pairs", 0, 0, MethodMcNemarExact, 1, 1},
	}
	for _, tc := range tests {
		r := McNemar(tc.b, tc.c)
		if r.Method != tc.method {
			t.Errorf("%s: method %q, want %q", tc.name, r.Method, tc.method)
		}
		checkNear(t, tc.name+" p", r.P, tc.p, 1e-12)
		mid, _ := r.Variant(MethodMcNemarMidP)
		checkNear(t, tc.name+" mid-p", mid.P, tc.midP, 1e-12)
	}
	if or, _ := McNemar(3, 0).Effect(EffectOddsRatio); !math.IsInf(or.Value, 1) || !math.IsNaN(or.CI.Lo) {
		t.Errorf("c = 0: odds ratio %+v, want +Inf with NaN CI", or)
	}
	// b + c = 25 switches to the chi-square headline.
	if r := McNemar(20, 5); r.Method != MethodMcNemarChi2 {
		t.Errorf("b + c = 25: method %q, want chi-square", r.Method)
	}
}

// Newcombe RG (1998) Interval estimation for the difference between independent
// proportions: comparison of eleven methods. Stat Med 17:873–890, Table II,
// method 10 (hybrid score without continuity correction).
func TestProportionDiffNewcombe(t *testing.T) {
	tests := []struct {
		x1, n1, x2, n2 int
		d, lo, hi      float64
	}{
		{56, 70, 48, 80, 0.2, 0.0524, 0.3339},
		{9, 10, 3, 10, 0.6, 0.1705, 0.8090},
	}
	for _, tc := range tests {
		e := ProportionDiff(tc.x1, tc.n1, tc.x2, tc.n2, 0.95)
		checkNear(t, "diff", e.Value, tc.d, 1e-12)
		checkNear(t, "lo", e.CI.Lo, tc.lo, 0.00005)
		checkNear(t, "hi", e.CI.Hi, tc.hi, 0.00005)
	}
	if e := ProportionDiff(1, 0, 1, 5, 0.95); !math.IsNaN(e.Value) || !math.IsNaN(e.CI.Lo) {
		t.Errorf("n1 = 0: got %+v, want NaN", e)
	}
}

// Agresti (2007) §2.2–2.4, Physicians' Health Study: myocardial infarction in
// 189 of 11034 on placebo and 104 of 11037 on aspirin; Pearson X² = 25.01.
// z² must equal Pearson's X², checked against gonum's stat.ChiSquare as well.
func TestTwoProportionZ(t *testing.T) {
	tests := []struct {
		name           string
		x1, n1, x2, n2 int
		chi2           float64 // published, or 0 to use gonum only
	}{
		{"aspirin", 189, 11034, 104, 11037, 25.01},
		{"newcombe a", 56, 70, 48, 80, 0},
		{"small", 3, 12, 9, 14, 0},
	}
	for _, tc := range tests {
		r := TwoProportionZ(tc.x1, tc.n1, tc.x2, tc.n2)
		if tc.chi2 != 0 {
			checkNear(t, tc.name+" z²", r.Statistic*r.Statistic, tc.chi2, 0.005)
		}
		n := float64(tc.n1 + tc.n2)
		col1 := float64(tc.x1 + tc.x2)
		col2 := n - col1
		obs := []float64{float64(tc.x1), float64(tc.n1 - tc.x1), float64(tc.x2), float64(tc.n2 - tc.x2)}
		exp := []float64{float64(tc.n1) * col1 / n, float64(tc.n1) * col2 / n, float64(tc.n2) * col1 / n, float64(tc.n2) * col2 / n}
		checkNear(t, tc.name+" z² vs gonum X²", r.Statistic*r.Statistic, stat.ChiSquare(obs, exp), 1e-9)
		checkNear(t, tc.name+" p", r.P, distuv.ChiSquared{K: 1}.Survival(stat.ChiSquare(obs, exp)), 1e-12)
		p1, p2 := float64(tc.x1)/float64(tc.n1), float64(tc.x2)/float64(tc.n2)
		h, _ := r.Effect(EffectCohensH)
		checkNear(t, tc.name+" h", h.Value, 2*math.Asin(math.Sqrt(p1))-2*math.Asin(math.Sqrt(p2)), 1e-12)
		if r.N != tc.n1+tc.n2 {
			t.Errorf("%s: N = %d", tc.name, r.N)
		}
	}
	// Yates-corrected variant squared equals R's prop.test(correct = TRUE) X²,
	// here by hand: (|d| − (1/n1 + 1/n2)/2)² / SE0².
	r := TwoProportionZ(56, 70, 48, 80)
	v, _ := r.Variant(MethodTwoPropZCC)
	pool := 104.0 / 150
	se2 := pool * (1 - pool) * (1.0/70 + 1.0/80)
	checkNear(t, "yates", v.Statistic*v.Statistic, math.Pow(0.2-(1.0/70+1.0/80)/2, 2)/se2, 1e-9)

	same := TwoProportionZ(0, 10, 0, 15)
	if same.Statistic != 0 || same.P != 1 {
		t.Errorf("all zero: z %v p %v, want 0 and 1", same.Statistic, same.P)
	}
	if bad := TwoProportionZ(0, 0, 1, 3); !math.IsNaN(bad.P) {
		t.Errorf("n1 = 0: p %v, want NaN", bad.P)
	}
}
