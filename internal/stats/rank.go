package stats

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Ranks returns the 1-based ranks of x with ties given the average of the ranks
// they span (mid-ranks), and the sizes of the tie groups with more than one member
// (for tie corrections).
func Ranks(x []float64) (ranks []float64, ties []int) {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	ranks = make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		// Positions i..j-1 (0-based) hold ranks i+1..j; their mean is (i+1+j)/2.
		avg := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			ranks[idx[k]] = avg
		}
		if j-i > 1 {
			ties = append(ties, j-i)
		}
		i = j
	}
	return ranks, ties
}

// Spearman returns Spearman's rank correlation ρ: Pearson's correlation of the
// mid-ranks of x and y (which equals 1 − 6·Σd²/(n(n² − 1)) when there are no
// ties). Pairs with a NaN are dropped; the result is NaN with fewer than two pairs
// or when either variable is constant. It panics if the lengths differ.
func Spearman(x, y []float64) float64 {
	xs, ys := completePairs(x, y)
	if len(xs) < 2 {
		return math.NaN()
	}
	rx, _ := Ranks(xs)
	ry, _ := Ranks(ys)
	return stat.Correlation(rx, ry, nil)
}

// Correlation is a correlation coefficient with its test and interval.
type Correlation struct {
	Rho  float64  `json:"rho"`
	N    int      `json:"n"`
	P    float64  `json:"p"`  // two-sided, H0: ρ = 0
	CI   Interval `json:"ci"` // at Conf
	Conf float64  `json:"conf"`
}

// SpearmanTest returns Spearman's ρ (see Spearman) with inference:
//
//	t = ρ·√((n − 2)/(1 − ρ²)), df = n − 2, p = 2·P(T > |t|)     (as R's cor.test, exact = FALSE)
//	CI: tanh(atanh ρ ± z·√((1 + ρ²/2)/(n − 3)))                   (Fisher z with the
//	    Bonett & Wright 2000 variance for Spearman's ρ)
//
// P is NaN for n < 3 and CI for n < 4. |ρ| = 1 gives p = 0 and CI [ρ, ρ].
func SpearmanTest(x, y []float64, conf float64) Correlation {
	xs, ys := completePairs(x, y)
	n := len(xs)
	c := Correlation{Rho: math.NaN(), N: n, P: math.NaN(), CI: nanInterval(), Conf: conf}
	if n < 2 {
		return c
	}
	rx, _ := Ranks(xs)
	ry, _ := Ranks(ys)
	c.Rho = stat.Correlation(rx, ry, nil)
	if math.IsNaN(c.Rho) {
		return c
	}
	rho := math.Max(-1, math.Min(1, c.Rho))
	if n >= 3 {
		if math.Abs(rho) == 1 {
			c.P = 0
		} else {
			df := float64(n - 2)
			t := rho * math.Sqrt(df/(1-rho*rho))
			c.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(t))
		}
	}
	if n >= 4 {
		if math.Abs(rho) == 1 {
			c.CI = Interval{Lo: rho, Hi: rho}
		} else {
			h := zCrit(conf) * math.Sqrt((1+rho*rho/2)/float64(n-3))
			c.CI = Interval{Lo: math.Tanh(math.Atanh(rho) - h), Hi: math.Tanh(math.Atanh(rho) + h)}
		}
	}
	return c
}
