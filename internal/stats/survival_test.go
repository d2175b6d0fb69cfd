package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// Freireich EJ et al. (1963) Blood 21:699, remission times in weeks of the 21
// leukaemia patients on 6-mercaptopurine (false = censored). The Kaplan–Meier
// estimates and Greenwood standard errors are tabulated in Kleinbaum DG & Klein M,
// Survival Analysis: A Self-Learning Text (3rd ed., ch. 2) and Collett D,
// Modelling Survival Data in Medical Research; the log-log limits are R's
// survfit(..., conf.type = "log-log").
var (
	sixMPWeeks   = []float64{6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35}
	sixMPRelapse = []bool{true, true, true, false, true, false, true, false, false, true, true, false, false, false, true, true, false, false, false, false, false}
)

func TestKaplanMeierFreireich(t *testing.T) {
	want := []struct {
		time            float64
		atRisk, d, cens int
		s, se, lo, hi   float64
	}{
		{6, 21, 3, 1, 0.8571, 0.0764, 0.6197, 0.9516},
		{7, 17, 1, 1, 0.8067, 0.0869, 0.5631, 0.9228},
		{10, 15, 1, 2, 0.7529, 0.0963, 0.5032, 0.8894},
		{13, 12, 1, 0, 0.6902, 0.1068, 0.4316, 0.8491},
		{16, 11, 1, 3, 0.6275, 0.1141, 0.3675, 0.8049},
		{22, 7, 1, 0, 0.5378, 0.1282, 0.2678, 0.7468},
		{23, 6, 1, 5, 0.4482, 0.1346, 0.1881, 0.6801},
	}
	c, err := KaplanMeier(sixMPWeeks, sixMPRelapse)
	if err != nil {
		t.Fatal(err)
	}
	if c.N != 21 || c.Events != 9 || c.MaxTime != 35 || len(c.Steps) != len(want) {
		t.Fatalf("N %d events %d max %v steps %d", c.N, c.Events, c.MaxTime, len(c.Steps))
	}
	for i, w := range want {
		s := c.Steps[i]
		if s.Time != w.time || s.AtRisk != w.atRisk || s.Events != w.d || s.Censored != w.cens {
			t.Errorf("step %d: %v %d %d %d, want %v %d %d %d", i, s.Time, s.AtRisk, s.Events, s.Censored, w.time, w.atRisk, w.d, w.cens)
		}
		checkNear(t, "S", s.Survival, w.s, 0.00005)
		checkNear(t, "SE", s.SE, w.se, 0.00005)
		checkNear(t, "lo", s.CI.Lo, w.lo, 0.00005)
		checkNear(t, "hi", s.CI.Hi, w.hi, 0.00005)
	}
	// Hand check of the first step: S = 18/21, Σ = 3/(21·18).
	sum := 3.0 / (21 * 18)
	a := 1.959963984540054 * math.Sqrt(sum) / -math.Log(18.0/21)
	checkNear(t, "S(6)", c.Steps[0].Survival, 18.0/21, 1e-15)
	checkNear(t, "SE(6)", c.Steps[0].SE, 18.0/21*math.Sqrt(sum), 1e-15)
	checkNear(t, "lo(6)", c.Steps[0].CI.Lo, math.Pow(18.0/21, math.Exp(a)), 1e-15)
}

func TestKaplanMeierLookup(t *testing.T) {
	c, err := KaplanMeier(sixMPWeeks, sixMPRelapse)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		t  float64
		ok bool
		s  float64
	}{
		{0, true, 1},
		{5.9, true, 1},
		{6, true, 0.857143},
		{12, true, 0.752941},
		{35, true, 0.448179},
		{35.1, false, math.NaN()},
		{-1, false, math.NaN()},
	}
	for _, tc := range tests {
		pt, ok := c.SurvivalAt(tc.t)
		if ok != tc.ok {
			t.Errorf("SurvivalAt(%v) ok = %v", tc.t, ok)
		}
		checkNear(t, "S", pt.Estimate, tc.s, 5e-7)
		ci, ok := c.CumulativeIncidenceAt(tc.t)
		if ok != tc.ok {
			t.Errorf("CumulativeIncidenceAt(%v) ok = %v", tc.t, ok)
		}
		checkNear(t, "F", ci.Estimate, 1-tc.s, 5e-7)
		if ok && !math.IsNaN(pt.CI.Lo) {
			checkNear(t, "F lo", ci.CI.Lo, 1-pt.CI.Hi, 1e-15)
			checkNear(t, "F hi", ci.CI.Hi, 1-pt.CI.Lo, 1e-15)
		}
	}
}

func TestKaplanMeierEdges(t *testing.T) {
	t.Run("no censoring equals empirical survival", func(t *testing.T) {
		c, _ := KaplanMeier([]float64{3, 1, 2, 2}, []bool{true, true, true, true})
		wantS := []float64{0.75, 0.25, 0}
		for i, s := range c.Steps {
			checkNear(t, "S", s.Survival, wantS[i], 1e-15)
		}
		last := c.Steps[len(c.Steps)-1]
		if !math.IsNaN(last.SE) || !math.IsNaN(last.CI.Lo) {
			t.Errorf("S = 0: SE %v CI %+v, want NaN", last.SE, last.CI)
		}
	})
	t.Run("censored at an event time stays at risk", func(t *testing.T) {
		c, _ := KaplanMeier([]float64{1, 2, 2, 3}, []bool{false, true, false, true})
		// at 2: 3 at risk, one event; at 3: 1 at risk.
		if c.Steps[0].AtRisk != 3 || c.Steps[1].AtRisk != 1 {
			t.Errorf("at risk %d %d, want 3 1", c.Steps[0].AtRisk, c.Steps[1].AtRisk)
		}
		checkNear(t, "S(3)", c.Steps[1].Survival, 0, 0)
	})
	t.Run("no events", func(t *testing.T) {
		c, _ := KaplanMeier([]float64{4, 5}, []bool{false, false})
		pt, ok := c.SurvivalAt(5)
		if len(c.Steps) != 0 || !ok || pt.Estimate != 1 {
			t.Errorf("steps %v S(5) %v ok %v", c.Steps, pt.Estimate, ok)
		}
	})
	t.Run("empty", func(t *testing.T) {
		c, err := KaplanMeier(nil, nil)
		if _, ok := c.SurvivalAt(0); err != nil || ok {
			t.Errorf("err %v ok %v", err, ok)
		}
	})
	for name, d := range map[string][]float64{"negative": {1, -2}, "NaN": {math.NaN(), 1}, "Inf": {math.Inf(1), 1}} {
		if _, err := KaplanMeier(d, []bool{true, true}); !errors.Is(err, ErrDegenerate) {
			t.Errorf("%s duration: err %v", name, err)
		}
	}
	if _, err := KaplanMeier([]float64{1}, nil); err == nil {
		t.Error("length mismatch: no error")
	}
}

// The at-risk bookkeeping holds on random data: next AtRisk = AtRisk − Events −
// Censored, and survival never increases.
func TestKaplanMeierInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	d := make([]float64, 500)
	e := make([]bool, 500)
	for i := range d {
		d[i] = float64(rng.IntN(60))
		e[i] = rng.IntN(3) == 0
	}
	c, err := KaplanMeier(d, e)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(c.Steps); i++ {
		prev, cur := c.Steps[i-1], c.Steps[i]
		if cur.AtRisk != prev.AtRisk-prev.Events-prev.Censored {
			t.Fatalf("step %d: at risk %d, want %d", i, cur.AtRisk, prev.AtRisk-prev.Events-prev.Censored)
		}
		if cur.Survival > prev.Survival || !cur.CI.Contains(cur.Survival) {
			t.Fatalf("step %d: S %v after %v, CI %+v", i, cur.Survival, prev.Survival, cur.CI)
		}
	}
}

func BenchmarkKaplanMeier100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(42, 43))
	d := make([]float64, 100_000)
	e := make([]bool, 100_000)
	for i := range d {
		d[i] = math.Floor(rng.ExpFloat64() * 365) // days from exit to rehire or follow-up end
		e[i] = rng.IntN(10) == 0
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := KaplanMeier(d, e); err != nil {
			b.Fatal(err)
		}
	}
}
