package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// Hollander M & Wolfe DA (1973) Nonparametric Statistical Methods, p. 29, Hamilton
// depression scale factor IV at first (x) and second (y) visit, 9 patients — the
// example of R's ?wilcox.test, where wilcox.test(x, y, paired = TRUE,
// alternative = "greater") gives V = 40, p = 0.01953 (= 10/512); two-sided 20/512.
var depressionX = []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
var depressionY = []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}

// Student (1908), Cushny & Peebles sleep data (R's `sleep`): extra hours of sleep
// with drug 1 and drug 2 for 10 patients. R: t.test(x, y, paired = TRUE) gives
// t = −4.0621, df = 9, p = 0.002833, 95% CI −2.4598858 to −0.7001142; and
// wilcox.test(x, y, paired = TRUE) gives V = 0, p = 0.009091 (normal
// approximation with continuity and tie correction: one zero, one tie).
var sleepDrug1 = []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
var sleepDrug2 = []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}

func TestWilcoxonTextbook(t *testing.T) {
	tests := []struct {
		name   string
		x, y   []float64
		method string
		n      int
		v, p   float64
		tol    float64
	}{
		{"depression", depressionX, depressionY, MethodWilcoxonExact, 9, 40, 20.0 / 512, 1e-12},
		{"sleep", sleepDrug1, sleepDrug2, MethodWilcoxonNormCC, 9, 0, 0.009091, 5e-7},
	}
	for _, tc := range tests {
		r := WilcoxonSignedRank(tc.x, tc.y)
		if r.Method != tc.method || r.N != tc.n {
			t.Errorf("%s: method %q n %d, want %q %d", tc.name, r.Method, r.N, tc.method, tc.n)
		}
		checkNear(t, tc.name+" V", r.Statistic, tc.v, 0)
		checkNear(t, tc.name+" p", r.P, tc.p, tc.tol)
	}
}

// Hand computation: d = x − y = 2, −1, 0, 3, −1, 2, 4, 2. The zero is dropped
// (n = 7); |d| sorted 1 1 2 2 2 3 4 has mid-ranks 1.5 1.5 4 4 4 6 7, so
// W+ = 4·3 + 6 + 7 = 25, W− = 3; μ = 14; σ² = 7·8·15/24 − (6 + 24)/48 = 34.375.
func TestWilcoxonHandTies(t *testing.T) {
	x := []float64{5, 3, 4, 6, 2, 7, 9, 4, math.NaN()}
	y := []float64{3, 4, 4, 3, 3, 5, 5, 2, 1}
	r := WilcoxonSignedRank(x, y)
	if r.N != 7 || r.Method != MethodWilcoxonNormCC {
		t.Fatalf("n %d method %q, want 7 and the normal approximation", r.N, r.Method)
	}
	checkNear(t, "W+", r.Statistic, 25, 0)
	sigma := math.Sqrt(34.375)
	z, zcc := 11/sigma, 10.5/sigma
	checkNear(t, "p", r.P, 2*distuv.UnitNormal.Survival(zcc), 1e-12)
	plain, _ := r.Variant(MethodWilcoxonNormal)
	checkNear(t, "Z", plain.Statistic, z, 1e-12)
	eff, _ := r.Effect(EffectR)
	checkNear(t, "r", eff.Value, z/math.Sqrt(7), 1e-12)
	rb, _ := r.Effect(EffectRankBiserial)
	checkNear(t, "rank-biserial", rb.Value, 22.0/28, 1e-12)
}

// The exact p-value must equal brute-force enumeration of all 2ⁿ sign patterns.
func TestWilcoxonExactMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 12; n++ {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = rng.Float64()
			y[i] = rng.Float64()
		}
		r := WilcoxonSignedRank(x, y)
		if r.Method != MethodWilcoxonExact {
			t.Fatalf("n = %d: method %q, want exact", n, r.Method)
		}
		w := int(r.Statistic)
		var le, ge int
		for mask := 0; mask < 1<<n; mask++ {
			s := 0
			for k := 0; k < n; k++ {
				if mask&(1<<k) != 0 {
					s += k + 1
				}
			}
			if s <= w {
				le++
			}
			if s >= w {
				ge++
			}
		}
		want := math.Min(1, 2*float64(min(le, ge))/float64(int(1)<<n))
		checkNear(t, "exact p", r.P, want, 1e-12)
	}
}

func TestWilcoxonDegenerate(t *testing.T) {
	r := WilcoxonSignedRank([]float64{1, 2, 3}, []float64{1, 2, 3})
	if r.N != 0 || r.P != 1 || r.Statistic != 0 {
		t.Errorf("all zero differences: %+v, want n 0, W 0, p 1", r)
	}
	// A large sample uses the normal approximation even without ties.
	x, y := make([]float64, 60), make([]float64, 60)
	for i := range x {
		x[i], y[i] = float64(i)+0.5, float64(i)*1.01
	}
	if r := WilcoxonSignedRank(x, y); r.Method != MethodWilcoxonNormCC {
		t.Errorf("n = 60: method %q, want normal", r.Method)
	}
	defer func() {
		if recover() == nil {
			t.Error("different lengths did not panic")
		}
	}()
	WilcoxonSignedRank([]float64{1}, []float64{1, 2})
}

func TestPairedTSleep(t *testing.T) {
	r := PairedT(sleepDrug1, sleepDrug2)
	checkNear(t, "t", r.Statistic, -4.0621, 0.00005)
	checkNear(t, "df", r.DF, 9, 0)
	checkNear(t, "p", r.P, 0.002833, 0.0000005)
	md, _ := r.Effect(EffectMeanDiff)
	checkNear(t, "mean diff", md.Value, -1.58, 1e-12)
	checkNear(t, "CI lo", md.CI.Lo, -2.4598858, 1e-7)
	checkNear(t, "CI hi", md.CI.Hi, -0.7001142, 1e-7)
	dz, _ := r.Effect(EffectCohensDz)
	checkNear(t, "dz", dz.Value, r.Statistic/math.Sqrt(10), 1e-12)
}

func TestPairedTDegenerate(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		t, p float64
	}{
		{"one pair", []float64{1}, []float64{2}, math.NaN(), math.NaN()},
		{"no change", []float64{1, 2, 3}, []float64{1, 2, 3}, 0, 1},
		{"constant shift", []float64{2, 3, 4}, []float64{1, 2, 3}, math.Inf(1), 0},
		{"NaN pair dropped", []float64{1, math.NaN(), 3}, []float64{2, 0, 4}, math.Inf(-1), 0},
	}
	for _, tc := range tests {
		r := PairedT(tc.x, tc.y)
		checkNear(t, tc.name+" t", r.Statistic, tc.t, 0)
		checkNear(t, tc.name+" p", r.P, tc.p, 0)
	}
}
