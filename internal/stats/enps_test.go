package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func TestENPSFromCounts(t *testing.T) {
	tests := []struct {
		name      string
		p, m, d   int
		score, se float64
		lo, hi    float64
	}{
		// pP = .5, pD = .25: SE = 100·√((.75 − .0625)/20) = 18.5405
		{"hand", 10, 5, 5, 25, 18.540496, 25 - 1.959964*18.540496, 25 + 1.959964*18.540496},
		// pP = .95, pD = 0: SE = 100·√((.95 − .9025)/20) = 4.8734; upper end clipped
		{"clipped high", 19, 1, 0, 95, 4.873397, 95 - 1.959964*4.873397, 100},
		{"clipped low", 0, 1, 19, -95, 4.873397, -100, -95 + 1.959964*4.873397},
		// everyone a promoter: no sampling variation within the sample
		{"all promoters", 7, 0, 0, 100, 0, 100, 100},
		{"empty", 0, 0, 0, math.NaN(), math.NaN(), math.NaN(), math.NaN()},
	}
	for _, tc := range tests {
		r := ENPSFromCounts(tc.p, tc.m, tc.d)
		checkNear(t, tc.name+" score", r.Score, tc.score, 1e-9)
		checkNear(t, tc.name+" SE", r.SE, tc.se, 1e-5)
		checkNear(t, tc.name+" lo", r.CI.Lo, tc.lo, 1e-4)
		checkNear(t, tc.name+" hi", r.CI.Hi, tc.hi, 1e-4)
		if r.N != tc.p+tc.m+tc.d {
			t.Errorf("%s: N = %d", tc.name, r.N)
		}
	}
}

// The eNPS SE is the standard error of the mean of answers coded +100/0/−100
// with the population variance; check against gonum on raw scores.
func TestENPSAgainstGonum(t *testing.T) {
	scores := []int{10, 9, 9, 8, 7, 7, 6, 5, 3, 0, 10, 10, 2, 8, 9, 4, 6, 7, 10, 1, 11, -1}
	r := ENPS(scores)
	if r.Excluded != 2 || r.N != 20 {
		t.Fatalf("N = %d, excluded = %d; want 20, 2", r.N, r.Excluded)
	}
	if r.Promoters != 7 || r.Passives != 5 || r.Detractors != 8 {
		t.Errorf("P/M/D = %d/%d/%d, want 7/5/8", r.Promoters, r.Passives, r.Detractors)
	}
	var coded []float64
	for _, s := range scores {
		switch {
		case s < 0 || s > 10:
		case s >= 9:
			coded = append(coded, 100)
		case s >= 7:
			coded = append(coded, 0)
		default:
			coded = append(coded, -100)
		}
	}
	mean, v := stat.PopMeanVariance(coded, nil)
	checkNear(t, "score", r.Score, mean, 1e-9)
	checkNear(t, "SE", r.SE, math.Sqrt(v/float64(len(coded))), 1e-9)
}
