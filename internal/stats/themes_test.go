package stats

import (
	"math"
	"testing"
)

func TestBenjaminiHochberg(t *testing.T) {
	tests := []struct {
		name string
		p    []float64
		want []float64
	}{
		// R: p.adjust(c(.01, .02, .03, .04, .05), "BH") is 0.05 five times.
		{"all equal after adjustment", []float64{0.01, 0.02, 0.03, 0.04, 0.05}, []float64{0.05, 0.05, 0.05, 0.05, 0.05}},
		// sorted .005 .01 .03 .04 → m·p/k = .02 .02 .04 .04
		{"unsorted input", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.02, 0.04, 0.04, 0.02}},
		// sorted .001 .004 .3 .6 → m·p/k = .004 .008 .4 .6, already monotone
		{"monotone", []float64{0.001, 0.3, 0.004, 0.6}, []float64{0.004, 0.4, 0.008, 0.6}},
		// m = 2, not 3: .8·2/1 = 1.6 is lowered to the .9 above it
		{"NaN kept and not counted", []float64{0.9, math.NaN(), 0.8}, []float64{0.9, math.NaN(), 0.9}},
		{"empty", nil, []float64{}},
	}
	for _, tc := range tests {
		got := BenjaminiHochberg(tc.p)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: len %d", tc.name, len(got))
		}
		for i := range got {
			checkNear(t, tc.name, got[i], tc.want[i], 1e-12)
		}
	}
}

func TestCompareThemes(t *testing.T) {
	themes := []ThemeCount{
		{Theme: "manager", Before: 20, BeforeN: 200, After: 60, AfterN: 200}, // 10% → 30%
		{Theme: "compensation", Before: 50, BeforeN: 200, After: 46, AfterN: 200},
		{Theme: "workload", Before: 40, BeforeN: 200, After: 12, AfterN: 200}, // 20% → 6%
		{Theme: "culture", Before: 10, BeforeN: 200, After: 17, AfterN: 200},
		{Theme: "new", Before: 0, BeforeN: 0, After: 3, AfterN: 200},
	}
	got := CompareThemes(themes, 0.05)
	wantDir := []int{1, 0, -1, 0, 0}
	ps := make([]float64, len(themes))
	for i, c := range got {
		if c.Theme != themes[i].Theme || c.Direction != wantDir[i] {
			t.Errorf("%s: direction %d, want %d (q %v)", c.Theme, c.Direction, wantDir[i], c.Q)
		}
		direct := TwoProportionZ(themes[i].After, themes[i].AfterN, themes[i].Before, themes[i].BeforeN)
		checkNear(t, c.Theme+" p", c.P, direct.P, 0)
		ps[i] = direct.P
	}
	for i, q := range BenjaminiHochberg(ps) {
		checkNear(t, got[i].Theme+" q", got[i].Q, q, 0)
	}
	checkNear(t, "manager diff", got[0].Diff.Value, 0.2, 1e-12)
	if got[4].Direction != 0 || !math.IsNaN(got[4].Q) {
		t.Errorf("theme without a base period: %+v", got[4])
	}
	// culture: 5% → 8.5% is p ≈ 0.17 alone, not significant after adjustment.
	if got[3].Q < got[3].P {
		t.Errorf("culture: q %v < p %v", got[3].Q, got[3].P)
	}
}
