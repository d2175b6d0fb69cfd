package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func TestRanks(t *testing.T) {
	tests := []struct {
		x     []float64
		ranks []float64
		ties  []int
	}{
		{[]float64{10, 30, 20}, []float64{1, 3, 2}, nil},
		{[]float64{2, 1, 2, 3, 2}, []float64{3, 1, 3, 5, 3}, []int{3}},
		{[]float64{4, 4, 1, 1}, []float64{3.5, 3.5, 1.5, 1.5}, []int{2, 2}},
		{nil, []float64{}, nil},
	}
	for _, tc := range tests {
		r, ties := Ranks(tc.x)
		if !slices.Equal(r, tc.ranks) || !slices.Equal(ties, tc.ties) {
			t.Errorf("Ranks(%v) = %v %v, want %v %v", tc.x, r, ties, tc.ranks, tc.ties)
		}
	}
}

// Wikipedia, "Spearman's rank correlation coefficient", worked example: IQ
// against hours of TV per week for 10 people, Σd² = 194, ρ = −29/165, and with
// the t-distribution p = 0.627188.
func TestSpearmanWikipedia(t *testing.T) {
	iq := []float64{106, 100, 86, 101, 99, 103, 97, 113, 112, 110}
	tv := []float64{7, 27, 2, 50, 28, 29, 20, 12, 6, 17}
	checkNear(t, "rho", Spearman(iq, tv), -29.0/165, 1e-12)
	c := SpearmanTest(iq, tv, 0.95)
	checkNear(t, "p", c.P, 0.627188, 5e-7)
	h := 1.959963984540054 * math.Sqrt((1+c.Rho*c.Rho/2)/7)
	checkNear(t, "CI lo", c.CI.Lo, math.Tanh(math.Atanh(c.Rho)-h), 1e-12)
	if c.N != 10 || !c.CI.Contains(c.Rho) {
		t.Errorf("n %d CI %+v", c.N, c.CI)
	}
}

// With ties, ρ is Pearson's r on mid-ranks, here written out by hand and fed to
// gonum's stat.Correlation.
func TestSpearmanTiesAgainstGonum(t *testing.T) {
	x := []float64{1, 2, 2, 3, 4, math.NaN()}
	y := []float64{2, 1, 3, 3, 5, 1}
	rx := []float64{1, 2.5, 2.5, 4, 5}
	ry := []float64{2, 1, 3.5, 3.5, 5}
	checkNear(t, "rho", Spearman(x, y), stat.Correlation(rx, ry, nil), 1e-12)
}

// Without ties ρ = 1 − 6Σd²/(n(n² − 1)); a permutation of 1..n is its own ranks.
func TestSpearmanNoTiesFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{3, 10, 57} {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i + 1)
		}
		y := slices.Clone(x)
		rng.Shuffle(n, func(i, j int) { y[i], y[j] = y[j], y[i] })
		var d2 float64
		for i := range x {
			d2 += (x[i] - y[i]) * (x[i] - y[i])
		}
		nf := float64(n)
		want := 1 - 6*d2/(nf*(nf*nf-1))
		checkNear(t, "rho", Spearman(x, y), want, 1e-12)
		// Invariant under monotone transforms of either variable.
		ex := make([]float64, n)
		for i := range x {
			ex[i] = math.Exp(x[i] / 10)
		}
		checkNear(t, "rho of exp", Spearman(ex, y), want, 1e-12)
	}
}

func TestSpearmanTestEdges(t *testing.T) {
	tests := []struct {
		name   string
		x, y   []float64
		rho, p float64
		ciNaN  bool
	}{
		{"two points", []float64{1, 2}, []float64{2, 3}, 1, math.NaN(), true},
		{"perfect", []float64{1, 2, 3, 4, 5}, []float64{5, 4, 3, 2, 1}, -1, 0, false},
		{"constant", []float64{1, 1, 1, 1}, []float64{1, 2, 3, 4}, math.NaN(), math.NaN(), true},
	}
	for _, tc := range tests {
		c := SpearmanTest(tc.x, tc.y, 0.95)
		checkNear(t, tc.name+" rho", c.Rho, tc.rho, 1e-12)
		checkNear(t, tc.name+" p", c.P, tc.p, 1e-12)
		if math.IsNaN(c.CI.Lo) != tc.ciNaN {
			t.Errorf("%s: CI %+v", tc.name, c.CI)
		}
	}
}
