package stats

import (
	"fmt"
	"math"
	"sort"
)

// KMStep is the Kaplan–Meier estimate just after one distinct event time.
type KMStep struct {
	Time   float64 `json:"time"`
	AtRisk int     `json:"at_risk"` // n_i: durations ≥ Time
	Events int     `json:"events"`  // d_i: events at Time
	// Censored counts censored durations in [Time, next step's Time) (to the end for
	// the last step), so the next AtRisk = AtRisk − Events − Censored.
	Censored int      `json:"censored"`
	Survival float64  `json:"survival"` // S(Time)
	SE       float64  `json:"se"`       // Greenwood
	CI       Interval `json:"ci"`       // 95%, log-log transform
}

// KMCurve is a Kaplan–Meier survival curve: one step per distinct event time.
type KMCurve struct {
	N      int `json:"n"`
	Events int `json:"events"`
	// MaxTime is the longest observed duration (event or censored); the curve says
	// nothing about later times.
	MaxTime float64  `json:"max_time"`
	Steps   []KMStep `json:"steps"`
}

// KaplanMeier estimates the survival function from durations (time from the
// origin, e.g. exit date, to the event or to the end of follow-up) and events
// (true = the event happened, e.g. rehired; false = censored). At each distinct
// event time t_i with n_i at risk (durations ≥ t_i; censoring at t_i counts as
// after the event) and d_i events:
//
//	S(t)      = Π_{t_i ≤ t} (1 − d_i/n_i)
//	Var S(t)  = S(t)² Σ_{t_i ≤ t} d_i/(n_i(n_i − d_i))            (Greenwood)
//	95% CI    = S^exp(±1.959964·√Σ/|ln S|)                        (log-log; R's conf.type = "log-log")
//
// The log-log interval stays within [0, 1]. SE and CI are NaN once S reaches 0.
// Durations must be finite and ≥ 0 and the slices of equal length.
func KaplanMeier(durations []float64, events []bool) (KMCurve, error) {
	if len(durations) != len(events) {
		return KMCurve{}, fmt.Errorf("kaplan-meier: %d durations but %d event flags", len(durations), len(events))
	}
	for i, d := range durations {
		if !(d >= 0) || math.IsInf(d, 1) {
			return KMCurve{}, fmt.Errorf("kaplan-meier: duration %d is %v, want finite and ≥ 0: %w", i, d, ErrDegenerate)
		}
	}
	n := len(durations)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return durations[idx[a]] < durations[idx[b]] })

	c := KMCurve{N: n}
	if n > 0 {
		c.MaxTime = durations[idx[n-1]]
	}
	z := zCrit(0.95)
	s, greenwood := 1.0, 0.0
	atRisk := n
	for i := 0; i < n; {
		t := durations[idx[i]]
		d, cens := 0, 0
		j := i
		for ; j < n && durations[idx[j]] == t; j++ {
			if events[idx[j]] {
				d++
			} else {
				cens++
			}
		}
		if d > 0 {
			s *= 1 - float64(d)/float64(atRisk)
			step := KMStep{Time: t, AtRisk: atRisk, Events: d, Survival: s, SE: math.NaN(), CI: nanInterval()}
			if d < atRisk {
				greenwood += float64(d) / (float64(atRisk) * float64(atRisk-d))
				step.SE = s * math.Sqrt(greenwood)
				a := z * math.Sqrt(greenwood) / math.Abs(math.Log(s))
				step.CI = Interval{Lo: math.Pow(s, math.Exp(a)), Hi: math.Pow(s, math.Exp(-a))}
			} else {
				greenwood = math.Inf(1)
			}
			c.Steps = append(c.Steps, step)
			c.Events += d
		}
		if len(c.Steps) > 0 {
			c.Steps[len(c.Steps)-1].Censored += cens
		}
		atRisk -= j - i
		i = j
	}
	return c, nil
}

// SurvivalPoint is a survival (or cumulative incidence) estimate at a time.
type SurvivalPoint struct {
	Time     float64  `json:"time"`
	Estimate float64  `json:"estimate"`
	SE       float64  `json:"se"`
	CI       Interval `json:"ci"` // 95%
}

// SurvivalAt returns S(t), the last step at or before t (1 with SE 0 before the
// first event). ok is false when t is negative or beyond MaxTime, where the data
// say nothing.
func (c KMCurve) SurvivalAt(t float64) (pt SurvivalPoint, ok bool) {
	if t < 0 || t > c.MaxTime || c.N == 0 {
		return SurvivalPoint{Time: t, Estimate: math.NaN(), SE: math.NaN(), CI: nanInterval()}, false
	}
	i := sort.Search(len(c.Steps), func(i int) bool { return c.Steps[i].Time > t }) - 1
	if i < 0 {
		return SurvivalPoint{Time: t, Estimate: 1, SE: 0, CI: Interval{Lo: 1, Hi: 1}}, true
	}
	st := c.Steps[i]
	return SurvivalPoint{Time: t, Estimate: st.Survival, SE: st.SE, CI: st.CI}, true
}

// CumulativeIncidenceAt returns F(t) = 1 − S(t) with the interval
// [1 − S_hi, 1 − S_lo]: the share expected to have had the event by t, e.g. the
// boomerang rate "rehired within k months" when durations run from exit to rehire
// in months and alumni not (yet) rehired are censored at their follow-up time.
// ok is false as for SurvivalAt.
func (c KMCurve) CumulativeIncidenceAt(t float64) (pt SurvivalPoint, ok bool) {
	pt, ok = c.SurvivalAt(t)
	pt.Estimate = 1 - pt.Estimate
	pt.CI = Interval{Lo: 1 - pt.CI.Hi, Hi: 1 - pt.CI.Lo}
	return pt, ok
}
