package insight

import (
	"math"
	"slices"

	"github.com/alumnipulse/alumnipulse/internal/stats"
)

// pairCounts is a joint distribution of paired answers on an integer scale: how many people answered a
// in the earlier wave and b in the later one.
type pairCounts map[[2]int]int

// expandBelow is the number of non-zero differences up to which wilcoxon hands the pairs themselves to
// stats.WilcoxonSignedRank (which may use its exact distribution); above it the normal approximation is
// computed from the counts, which is what stats does for such n, without sorting a slice per person.
const expandBelow = 50

// wilcoxon is stats.WilcoxonSignedRank(later, earlier) computed from the joint counts: the same W+, tie
// correction, continuity-corrected normal p-value and effect sizes (tested against stats on expanded data).
func wilcoxon(pc pairCounts) stats.TestResult {
	nonZero := 0
	for k, c := range pc {
		if k[0] != k[1] {
			nonZero += c
		}
	}
	if nonZero < expandBelow {
		var x, y []float64
		for _, k := range sortedPairs(pc) {
			for i := 0; i < pc[k]; i++ {
				x = append(x, float64(k[1]))
				y = append(y, float64(k[0]))
			}
		}
		return stats.WilcoxonSignedRank(x, y)
	}
	// |d| → count, and the part of it with d > 0.
	abs := map[int]int{}
	pos := map[int]int{}
	for k, c := range pc {
		d := k[1] - k[0]
		if d == 0 {
			continue
		}
		a := d
		if a < 0 {
			a = -a
		}
		abs[a] += c
		if d > 0 {
			pos[a] += c
		}
	}
	values := make([]int, 0, len(abs))
	for a := range abs {
		values = append(values, a)
	}
	slices.Sort(values)
	var wPlus, tieAdj float64
	below := 0
	for _, a := range values {
		t := abs[a]
		// Mid-rank of a tie group spanning ranks below+1 … below+t.
		rank := float64(below) + float64(t+1)/2
		wPlus += rank * float64(pos[a])
		if t > 1 {
			tf := float64(t)
			tieAdj += tf*tf*tf - tf
		}
		below += t
	}
	nf := float64(nonZero)
	total := nf * (nf + 1) / 2
	mu := total / 2
	sigma := math.Sqrt(nf*(nf+1)*(2*nf+1)/24 - tieAdj/48)
	z := (wPlus - mu) / sigma
	zcc := 0.0
	if dev := wPlus - mu; dev != 0 {
		zcc = (dev - math.Copysign(0.5, dev)) / sigma
		if math.Signbit(zcc) != math.Signbit(dev) {
			zcc = 0
		}
	}
	r := stats.TestResult{
		Method:    stats.MethodWilcoxonNormCC,
		N:         nonZero,
		Statistic: wPlus,
		Variants: []stats.Variant{
			{Method: stats.MethodWilcoxonNormCC, Statistic: zcc, P: twoSided(zcc)},
			{Method: stats.MethodWilcoxonNormal, Statistic: z, P: twoSided(z)},
		},
		Effects: []stats.Effect{
			{Name: stats.EffectR, Value: z / math.Sqrt(nf), CI: stats.Interval{Lo: math.NaN(), Hi: math.NaN()}},
			{Name: stats.EffectRankBiserial, Value: (wPlus - (total - wPlus)) / total, CI: stats.Interval{Lo: math.NaN(), Hi: math.NaN()}},
		},
	}
	r.P = r.Variants[0].P
	return r
}

func twoSided(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

func sortedPairs(pc pairCounts) [][2]int {
	keys := make([][2]int, 0, len(pc))
	for k := range pc {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return keys
}

// mcnemar tests whether the share at or above top changed: b people went from top to below, c from
// below to top.
func mcnemar(pc pairCounts, top int) (stats.TestResult, int, int) {
	b, c := 0, 0
	for k, n := range pc {
		before, after := k[0] >= top, k[1] >= top
		switch {
		case before && !after:
			b += n
		case !before && after:
			c += n
		}
	}
	return stats.McNemar(b, c), b, c
}

// spearman is Spearman's ρ of a joint distribution of two integer scales: Pearson's correlation of the
// mid-ranks, which depend only on the marginal counts. Equal to stats.Spearman on the expanded pairs.
func spearman(pc pairCounts) (rho float64, n int) {
	mx, my := map[int]int{}, map[int]int{}
	for k, c := range pc {
		mx[k[0]] += c
		my[k[1]] += c
		n += c
	}
	rx, ry := midRanks(mx), midRanks(my)
	var sx, sy, sxx, syy, sxy float64
	for k, c := range pc {
		cf := float64(c)
		a, b := rx[k[0]], ry[k[1]]
		sx += cf * a
		sy += cf * b
		sxx += cf * a * a
		syy += cf * b * b
		sxy += cf * a * b
	}
	nf := float64(n)
	cov := sxy - sx*sy/nf
	vx := sxx - sx*sx/nf
	vy := syy - sy*sy/nf
	if n < 2 || vx <= 0 || vy <= 0 {
		return math.NaN(), n
	}
	return cov / math.Sqrt(vx*vy), n
}

// midRanks maps each value to its mid-rank given how many times each value occurs.
func midRanks(counts map[int]int) map[int]float64 {
	values := make([]int, 0, len(counts))
	for v := range counts {
		values = append(values, v)
	}
	slices.Sort(values)
	out := make(map[int]float64, len(values))
	below := 0
	for _, v := range values {
		out[v] = float64(below) + float64(counts[v]+1)/2
		below += counts[v]
	}
	return out
}
