package stats

import "math"

// Rate is a census ratio Count/Base for a period. It describes the whole
// population, not a sample, so it has no sampling interval.
type Rate struct {
	Count int     `json:"count"`
	Base  float64 `json:"base"`
	Value float64 `json:"value"` // Count/Base as a fraction (0.12 = 12%); NaN when Base ≤ 0
}

func newRate(count int, base float64) Rate {
	v := math.NaN()
	if base > 0 && count >= 0 {
		v = float64(count) / base
	}
	return Rate{Count: count, Base: base, Value: v}
}

// Turnover is the turnover rate of a period (ISO 30414 "turnover rate"):
// leavers in the period / average headcount in the period. Pass only voluntary
// leavers for the voluntary rate, and only regrettable voluntary leavers for the
// regrettable rate; the base stays the whole average headcount.
func Turnover(leavers int, avgHeadcount float64) Rate {
	return newRate(leavers, avgHeadcount)
}

// AverageHeadcount is the arithmetic mean of the headcounts reported for the
// period: two values (opening and closing) give (open + close)/2; twelve
// month-end counts give the mean month. It is NaN when no headcount is given or
// one is negative.
func AverageHeadcount(headcounts []float64) float64 {
	if len(headcounts) == 0 {
		return math.NaN()
	}
	var sum float64
	for _, h := range headcounts {
		if h < 0 || math.IsNaN(h) {
			return math.NaN()
		}
		sum += h
	}
	return sum / float64(len(headcounts))
}

// Retention is the retention rate of a period: of the people employed at its
// start, the share still employed at its end (stayed / start headcount). Hires
// during the period are not counted, so retention is not 1 − turnover.
func Retention(startHeadcount, stayed int) Rate {
	if stayed > startHeadcount {
		return Rate{Count: stayed, Base: float64(startHeadcount), Value: math.NaN()}
	}
	return newRate(stayed, float64(startHeadcount))
}
