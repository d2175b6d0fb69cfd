package stats

import "math"

// ENPSResult is an employee (here: alumni) Net Promoter Score with its sampling
// uncertainty. Score, SE and CI are in points on the −100…100 scale.
type ENPSResult struct {
	N          int      `json:"n"` // valid answers (0–10)
	Promoters  int      `json:"promoters"`
	Passives   int      `json:"passives"`
	Detractors int      `json:"detractors"`
	Excluded   int      `json:"excluded"` // answers outside 0–10, not counted in N
	Score      float64  `json:"score"`
	SE         float64  `json:"se"`
	CI         Interval `json:"ci"` // 95%
}

// ENPS scores 0–10 answers: promoters 9–10, passives 7–8, detractors 0–6.
// Answers outside 0–10 are counted in Excluded and otherwise ignored.
// See ENPSFromCounts for the formulas.
func ENPS(scores []int) ENPSResult {
	var p, m, d, bad int
	for _, s := range scores {
		switch {
		case s < 0 || s > 10:
			bad++
		case s >= 9:
			p++
		case s >= 7:
			m++
		default:
			d++
		}
	}
	r := ENPSFromCounts(p, m, d)
	r.Excluded = bad
	return r
}

// ENPSFromCounts computes eNPS from category counts, n = P + M + D:
//
//	pP = P/n, pD = D/n
//	eNPS = 100·(pP − pD)
//	SE   = 100·√((pP + pD − (pP − pD)²) / n)
//	95% CI = eNPS ± 1.959964·SE, clipped to [−100, 100]
//
// The SE is that of the mean of a variable scored +1/0/−1 (a trinomial), whose
// variance is pP + pD − (pP − pD)². Score, SE and CI are NaN when n = 0 or a
// count is negative.
func ENPSFromCounts(promoters, passives, detractors int) ENPSResult {
	r := ENPSResult{Promoters: promoters, Passives: passives, Detractors: detractors}
	r.N = promoters + passives + detractors
	if promoters < 0 || passives < 0 || detractors < 0 || r.N == 0 {
		r.Score, r.SE, r.CI = math.NaN(), math.NaN(), nanInterval()
		return r
	}
	n := float64(r.N)
	pP, pD := float64(promoters)/n, float64(detractors)/n
	diff := pP - pD
	r.Score = 100 * diff
	r.SE = 100 * math.Sqrt(math.Max(0, pP+pD-diff*diff)/n) // Max: rounding at pP = 1
	h := zCrit(0.95) * r.SE
	r.CI = Interval{Lo: math.Max(-100, r.Score-h), Hi: math.Min(100, r.Score+h)}
	return r
}
