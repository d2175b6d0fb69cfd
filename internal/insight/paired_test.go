package insight

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/alumnipulse/alumnipulse/internal/stats"
)

func expand(pc pairCounts) (earlier, later []float64) {
	for _, k := range sortedPairs(pc) {
		for i := 0; i < pc[k]; i++ {
			earlier = append(earlier, float64(k[0]))
			later = append(later, float64(k[1]))
		}
	}
	return earlier, later
}

func randomPairs(rng *rand.Rand, n, lo, hi int, drift float64) pairCounts {
	pc := pairCounts{}
	for i := 0; i < n; i++ {
		a := lo + rng.IntN(hi-lo+1)
		b := a + int(math.Round(rng.NormFloat64()*1.2+drift))
		b = max(lo, min(hi, b))
		pc[[2]int{a, b}]++
	}
	return pc
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// The counts-based Wilcoxon must give what stats gives on the people themselves.
func TestWilcoxonFromCountsMatchesStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		n, lo, hi int
		drift     float64
	}{{30, 1, 5, 0.3}, {200, 1, 5, 0.3}, {2000, 0, 10, -0.2}, {5000, 1, 5, 0}, {777, 0, 10, 1}} {
		pc := randomPairs(rng, tc.n, tc.lo, tc.hi, tc.drift)
		x, y := expand(pc)
		want := stats.WilcoxonSignedRank(y, x)
		got := wilcoxon(pc)
		if got.Method != want.Method || got.N != want.N || !sameFloat(got.Statistic, want.Statistic) || !sameFloat(got.P, want.P) {
			t.Errorf("n=%d: got %s N=%d W=%v p=%v, want %s N=%d W=%v p=%v", tc.n, got.Method, got.N, got.Statistic, got.P,
				want.Method, want.N, want.Statistic, want.P)
		}
		for i := range want.Effects {
			if !sameFloat(got.Effects[i].Value, want.Effects[i].Value) {
				t.Errorf("n=%d: effect %s %v, want %v", tc.n, want.Effects[i].Name, got.Effects[i].Value, want.Effects[i].Value)
			}
		}
		for _, wv := range want.Variants {
			gv, ok := got.Variant(wv.Method)
			if !ok || !sameFloat(gv.P, wv.P) || !sameFloat(gv.Statistic, wv.Statistic) {
				t.Errorf("n=%d: variant %s %+v, want %+v", tc.n, wv.Method, gv, wv)
			}
		}
	}
}

func TestSpearmanFromCountsMatchesStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{5, 60, 3000} {
		pc := randomPairs(rng, n, 1, 5, 0)
		x, y := expand(pc)
		got, gn := spearman(pc)
		if want := stats.Spearman(x, y); gn != n || !sameFloat(got, want) {
			t.Errorf("n=%d: ρ %v (n %d), want %v", n, got, gn, want)
		}
	}
	if rho, _ := spearman(pairCounts{{3, 1}: 4, {3, 5}: 2}); !math.IsNaN(rho) {
		t.Errorf("constant x: ρ = %v, want NaN", rho)
	}
}

func TestMcNemarCounts(t *testing.T) {
	// 4→5 twice (below → top), 5→3 once (top → below), 2→2 and 5→4 unchanged.
	pc := pairCounts{{4, 5}: 2, {5, 3}: 1, {2, 2}: 7, {5, 4}: 3}
	r, b, c := mcnemar(pc, 5)
	if b != 4 || c != 2 {
		t.Fatalf("b %d c %d, want 4 2 (5→3 and 5→4 leave the top box)", b, c)
	}
	if want := stats.McNemar(4, 2); r.P != want.P || r.Method != want.Method {
		t.Errorf("McNemar %+v, want %+v", r, want)
	}
}

func TestSpearmanInferenceMatchesStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{3, 4, 12, 400} {
		pc := randomPairs(rng, n, 1, 5, 0)
		x, y := expand(pc)
		want := stats.SpearmanTest(x, y, 0.95)
		rho, _ := spearman(pc)
		p, ci := spearmanInference(rho, n)
		if !sameFloat(rho, want.Rho) || !sameFloat(p, want.P) || !sameFloat(ci.Lo, want.CI.Lo) || !sameFloat(ci.Hi, want.CI.Hi) {
			t.Errorf("n=%d: ρ %v p %v CI %v, want %+v", n, rho, p, ci, want)
		}
	}
}

func TestRatingCountsFromMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 200; i++ {
		var want [6]int
		n := 0
		var m [4]float64
		for v := 1; v <= 5; v++ {
			want[v] = rng.IntN(1_000_000)
			if i%7 == 0 && v%2 == 0 {
				want[v] = 0
			}
			n += want[v]
			for k := 1; k <= 4; k++ {
				m[k-1] += float64(want[v]) * math.Pow(float64(v), float64(k))
			}
		}
		got, err := ratingCounts(n, m)
		if err != nil || got != want {
			t.Fatalf("counts %v: got %v, %v", want, got, err)
		}
	}
	// Ratings outside 1–5 cannot be told apart as counts.
	if _, err := ratingCounts(1, [4]float64{6, 36, 216, 1296}); err == nil {
		t.Error("a rating of 6: no error")
	}
}
