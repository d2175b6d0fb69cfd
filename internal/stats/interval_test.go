package stats

import (
	"math"
	"testing"
)

// Newcombe RG (1998) Two-sided confidence intervals for the single proportion:
// comparison of seven methods. Stat Med 17:857–872, Table II, methods 3 (Wilson
// score) and 4 (score with continuity correction), rounded to 4 decimals.
func TestWilsonNewcombeTable(t *testing.T) {
	tests := []struct {
		x, n               int
		lo, hi, ccLo, ccHi float64
	}{
		{81, 263, 0.2553, 0.3662, 0.2535, 0.3682},
		{15, 148, 0.0624, 0.1605, 0.0598, 0.1644},
		{0, 20, 0, 0.1611, 0, 0.2005},
		{1, 29, 0.0061, 0.1718, 0.0018, 0.1963},
	}
	for _, tc := range tests {
		w := Wilson(tc.x, tc.n, 0.95)
		cc := WilsonCC(tc.x, tc.n, 0.95)
		checkNear(t, "Wilson lo", w.Lo, tc.lo, 0.00005)
		checkNear(t, "Wilson hi", w.Hi, tc.hi, 0.00005)
		checkNear(t, "WilsonCC lo", cc.Lo, tc.ccLo, 0.00005)
		checkNear(t, "WilsonCC hi", cc.Hi, tc.ccHi, 0.00005)
	}
}

// At a Wilson bound p, the score statistic |p̂ − p|/√(p(1 − p)/n) equals z: the
// interval is exactly the set of p the score test does not reject.
func TestWilsonBoundsInvertScoreTest(t *testing.T) {
	tests := []struct {
		x, n int
		conf float64
	}{{3, 7, 0.95}, {12, 40, 0.90}, {499, 500, 0.99}, {1, 2, 0.8}}
	for _, tc := range tests {
		iv := Wilson(tc.x, tc.n, tc.conf)
		ph := float64(tc.x) / float64(tc.n)
		z := zCrit(tc.conf)
		for _, p := range []float64{iv.Lo, iv.Hi} {
			score := math.Abs(ph-p) / math.Sqrt(p*(1-p)/float64(tc.n))
			checkNear(t, "score at bound", score, z, 1e-9)
		}
	}
}

func TestWilsonInvalid(t *testing.T) {
	tests := []struct {
		name string
		x, n int
		conf float64
	}{
		{"n zero", 0, 0, 0.95},
		{"x above n", 6, 5, 0.95},
		{"x negative", -1, 5, 0.95},
		{"conf one", 1, 5, 1},
		{"conf zero", 1, 5, 0},
	}
	for _, tc := range tests {
		for name, iv := range map[string]Interval{"Wilson": Wilson(tc.x, tc.n, tc.conf), "WilsonCC": WilsonCC(tc.x, tc.n, tc.conf)} {
			if !math.IsNaN(iv.Lo) || !math.IsNaN(iv.Hi) {
				t.Errorf("%s %s: got %+v, want NaN interval", name, tc.name, iv)
			}
		}
	}
}

func TestTopBox(t *testing.T) {
	tests := []struct {
		name   string
		scores []int
		min    int
		x, n   int
	}{
		{"top-2 of 1-5", []int{5, 4, 3, 2, 1, 4, 5, 5}, 4, 5, 8},
		{"top-1", []int{5, 4, 3, 5}, 5, 2, 4},
		{"none", []int{1, 2, 3}, 4, 0, 3},
		{"empty", nil, 4, 0, 0},
	}
	for _, tc := range tests {
		got := TopBox(tc.scores, tc.min, 0.95)
		if got.Successes != tc.x || got.N != tc.n {
			t.Errorf("%s: got %d/%d, want %d/%d", tc.name, got.Successes, got.N, tc.x, tc.n)
		}
		want := Wilson(tc.x, tc.n, 0.95)
		if !near(got.CI.Lo, want.Lo, 0) || !near(got.CI.Hi, want.Hi, 0) {
			t.Errorf("%s: CI %+v, want %+v", tc.name, got.CI, want)
		}
		if tc.n > 0 && !got.CI.Contains(got.Estimate) {
			t.Errorf("%s: estimate %v outside its interval %+v", tc.name, got.Estimate, got.CI)
		}
		if tc.n == 0 && !math.IsNaN(got.Estimate) {
			t.Errorf("%s: estimate %v, want NaN", tc.name, got.Estimate)
		}
	}
}

func TestZCritMatchesNormalQuantile(t *testing.T) {
	checkNear(t, "z(0.95)", zCrit(0.95), 1.959963984540054, 1e-12)
	checkNear(t, "z(0.90)", zCrit(0.90), 1.6448536269514722, 1e-12)
	checkNear(t, "z(0.99)", zCrit(0.99), 2.5758293035489004, 1e-12)
}
