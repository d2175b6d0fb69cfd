package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Interval is a closed confidence interval [Lo, Hi]; both are NaN when undefined.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Contains reports whether v lies in the closed interval.
func (iv Interval) Contains(v float64) bool { return iv.Lo <= v && v <= iv.Hi }

func nanInterval() Interval { return Interval{Lo: math.NaN(), Hi: math.NaN()} }

// zCrit returns the two-sided standard normal critical value Φ⁻¹(1 − (1 − conf)/2),
// or NaN when conf is not in (0, 1).
func zCrit(conf float64) float64 {
	if !(conf > 0 && conf < 1) {
		return math.NaN()
	}
	return distuv.UnitNormal.Quantile(1 - (1-conf)/2)
}

// normalTwoSided returns the two-sided p-value 2·Φ(−|z|).
func normalTwoSided(z float64) float64 {
	if math.IsNaN(z) {
		return math.NaN()
	}
	return 2 * distuv.UnitNormal.CDF(-math.Abs(z))
}

// Wilson returns the Wilson score interval for a binomial proportion x/n
// (Wilson 1927; method 3 of Newcombe 1998):
//
//	p̂ = x/n,  z = Φ⁻¹(1 − α/2)
//	(2n·p̂ + z² ± z·√(z² + 4n·p̂(1 − p̂))) / (2(n + z²))
//
// Unlike the Wald interval it never leaves [0, 1] and keeps close to nominal
// coverage for small n and for p̂ near 0 or 1, which is the usual case for small
// departments. Both ends are NaN when n ≤ 0, x is outside [0, n] or conf is not in
// (0, 1).
func Wilson(successes, n int, conf float64) Interval {
	z := zCrit(conf)
	if n <= 0 || successes < 0 || successes > n || math.IsNaN(z) {
		return nanInterval()
	}
	nf, p := float64(n), float64(successes)/float64(n)
	z2 := z * z
	centre := 2*nf*p + z2
	half := z * math.Sqrt(z2+4*nf*p*(1-p))
	den := 2 * (nf + z2)
	iv := Interval{Lo: (centre - half) / den, Hi: (centre + half) / den}
	// Rounding can leave −1e-17 at x = 0; the exact bound is 0 (and 1 at x = n).
	if successes == 0 {
		iv.Lo = 0
	}
	if successes == n {
		iv.Hi = 1
	}
	return iv
}

// WilsonCC returns the Wilson score interval with continuity correction (method 4
// of Newcombe 1998), which is wider and never below nominal coverage:
//
//	L = (2n·p̂ + z² − 1 − z·√(z² − 2 − 1/n + 4p̂(n(1 − p̂) + 1))) / (2(n + z²)),  L = 0 if x = 0
//	U = (2n·p̂ + z² + 1 + z·√(z² + 2 − 1/n + 4p̂(n(1 − p̂) − 1))) / (2(n + z²)),  U = 1 if x = n
//
// Undefined input gives NaN as for Wilson.
func WilsonCC(successes, n int, conf float64) Interval {
	z := zCrit(conf)
	if n <= 0 || successes < 0 || successes > n || math.IsNaN(z) {
		return nanInterval()
	}
	nf, p := float64(n), float64(successes)/float64(n)
	q := 1 - p
	z2 := z * z
	den := 2 * (nf + z2)
	iv := Interval{Lo: 0, Hi: 1}
	if successes > 0 {
		iv.Lo = (2*nf*p + z2 - 1 - z*math.Sqrt(z2-2-1/nf+4*p*(nf*q+1))) / den
	}
	if successes < n {
		iv.Hi = (2*nf*p + z2 + 1 + z*math.Sqrt(z2+2-1/nf+4*p*(nf*q-1))) / den
	}
	return iv
}

// Proportion is a share x/n with its Wilson interval.
type Proportion struct {
	Successes int      `json:"successes"`
	N         int      `json:"n"`
	Estimate  float64  `json:"estimate"` // x/n; NaN when n = 0
	CI        Interval `json:"ci"`       // Wilson score interval at Conf
	Conf      float64  `json:"conf"`
}

// Share returns successes/n with its Wilson interval at confidence conf.
func Share(successes, n int, conf float64) Proportion {
	est := math.NaN()
	if n > 0 && successes >= 0 && successes <= n {
		est = float64(successes) / float64(n)
	}
	return Proportion{Successes: successes, N: n, Estimate: est, CI: Wilson(successes, n, conf), Conf: conf}
}

// TopBox returns the share of scores at or above min (top-2-box on a 1–5 scale is
// min = 4) with its Wilson interval: x = #{score ≥ min}, n = len(scores). Callers
// pass answered items only; every element counts towards n.
func TopBox(scores []int, min int, conf float64) Proportion {
	x := 0
	for _, s := range scores {
		if s >= min {
			x++
		}
	}
	return Share(x, len(scores), conf)
}
