package insight

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

// enpsFixture: 3m answers in three departments. A (6 people, Q2 2025) scores 10 9 8 7 3 0: eNPS 0;
// B (5, Q3) 10 10 10 6 9: eNPS 60; C (3, Q3) 9 9 9: too small. Two involuntary leavers in A answer too.
func enpsFixture(t *testing.T) *fixture {
	f := newFixture(t, "t1", "t2")
	var rs []resp
	add := func(dept, quart, exitType string, vals ...int) {
		for i, v := range vals {
			rs = append(rs, resp{alumnus: fmt.Sprintf("%s-%s-%d", dept, exitType, i), dept: dept, quart: quart,
				exitType: exitType, rec: v, ret: 1 + v/3})
		}
	}
	add("A", "2025-04-01", "voluntary", 10, 9, 8, 7, 3, 0)
	add("B", "2025-07-01", "voluntary", 10, 10, 10, 6, 9)
	add("C", "2025-07-01", "voluntary", 9, 9, 9)
	add("A", "2025-04-01", "involuntary", 10, 10)
	f.submit(rs...)
	// Tenant t2: everyone a detractor. Must never show in t1's figures.
	var other []resp
	for i := 0; i < 20; i++ {
		other = append(other, resp{tenant: "t2", alumnus: fmt.Sprint("x", i), dept: "A", rec: 0, ret: 1})
	}
	f.submit(other...)
	return f
}

func enpsOf(c ScoreCell) float64 {
	if c.ENPS == nil {
		return math.NaN()
	}
	return float64(c.ENPS.Score)
}

func TestENPSBreakdownAndSubtractionAttack(t *testing.T) {
	f := enpsFixture(t)
	voluntary := Filter{Values: map[Dim]string{DimWave: "3m", DimExitType: "voluntary"}}
	all := Filter{Values: map[Dim]string{DimWave: "3m"}}
	f.modes(func(mode string) {
		rep, err := f.svc.ENPS(f.ctx, "t1", all, DimDepartment)
		if err != nil {
			t.Fatal(mode, err)
		}
		// Total: 16 people, P = 2 + 4 + 3 + 2 = 11, D = 2 + 1 = 3: (11 − 3)/16 = 50.
		if rep.Total.N == nil || *rep.Total.N != 16 || !near(enpsOf(rep.Total), 50) {
			t.Fatalf("%s: total %+v %+v", mode, rep.Total.Cell, rep.Total.ENPS)
		}
		// SE = 100·√((11/16 + 3/16 − (8/16)²)/16)
		if se := 100 * math.Sqrt((11.0/16+3.0/16-0.25)/16); !near(float64(rep.Total.ENPS.SE), se) {
			t.Errorf("%s: total SE %v, want %v", mode, rep.Total.ENPS.SE, se)
		}
		got := map[string]ScoreCell{}
		for _, g := range rep.Groups {
			got[g.Key] = g
		}
		// A = 8 people (6 voluntary + 2 involuntary): P 4, M 2, D 2: 25.
		if a := got["A"]; a.Suppressed || *a.N != 8 || !near(enpsOf(a), 25) {
			t.Errorf("%s: A %+v %+v", mode, a.Cell, a.ENPS)
		}
		// C has 3 people: hidden. B must be hidden too, or total − A − B = C.
		if c := got["C"]; !c.Suppressed || c.N != nil || c.ENPS != nil || c.Reason != suppress.ReasonBelowMinimum {
			t.Errorf("%s: C %+v (want suppressed below minimum, no n)", mode, c)
		}
		if b := got["B"]; !b.Suppressed || b.N != nil || b.ENPS != nil || b.Reason != suppress.ReasonComplementary {
			t.Errorf("%s: B %+v (want complementary suppression)", mode, b)
		}
		// A against the rest (B + C: 8 people, P 7, D 1 = 75).
		vr := got["A"].VsRest
		seA := 100 * math.Sqrt((0.5+0.25-0.0625)/8)
		seR := 100 * math.Sqrt((7.0/8+1.0/8-0.5625)/8)
		if vr == nil || vr.Refused || !nearNum(vr.Diff, 25-75) || !nearNum(vr.SE, math.Hypot(seA, seR)) {
			t.Errorf("%s: A vs rest %+v", mode, vr)
		} else if z := -50 / math.Hypot(seA, seR); !nearNum(vr.Z, z) || !nearNum(vr.P, math.Erfc(math.Abs(z)/math.Sqrt2)) {
			t.Errorf("%s: A vs rest z %v p %v", mode, *vr.Z, *vr.P)
		}
		// Trend: Q2 (A, 8) and Q3 (B + C, 8) both shown.
		if len(rep.Trend) != 2 || rep.Trend[0].Key != "2025-04-01" || !near(enpsOf(rep.Trend[0]), 25) ||
			rep.Trend[1].Key != "2025-07-01" || !near(enpsOf(rep.Trend[1]), 75) {
			t.Errorf("%s: trend %+v", mode, rep.Trend)
		}

		// Voluntary only: 14 people, but the same filter without "voluntary" has 16: the two
		// involuntary leavers would be revealed by subtraction. Refused.
		rep, err = f.svc.ENPS(f.ctx, "t1", voluntary, DimDepartment)
		if err != nil {
			t.Fatal(mode, err)
		}
		if !rep.Total.Suppressed || rep.Total.Reason != ReasonDifferencing || rep.Total.N != nil || rep.Total.ENPS != nil {
			t.Errorf("%s: voluntary total %+v, want refused (differencing)", mode, rep.Total)
		}
		for _, g := range rep.Groups {
			if !g.Suppressed {
				t.Errorf("%s: voluntary group %s shown under a refused total", mode, g.Key)
			}
		}
	})
}

func TestENPSEditAndTenantIsolation(t *testing.T) {
	f := enpsFixture(t)
	all := Filter{Values: map[Dim]string{DimWave: "3m"}}
	f.compact()
	// The detractor scoring 0 in A edits their answer to 10: P 5, M 2, D 1 of 8 in A.
	f.submit(resp{alumnus: "A-voluntary-5", dept: "A", rec: 10, ret: 4})
	f.modes(func(mode string) {
		rep, err := f.svc.ENPS(f.ctx, "t1", all, DimDepartment)
		if err != nil {
			t.Fatal(err)
		}
		if *rep.Total.N != 16 || !near(enpsOf(rep.Total), 100*(12.0-2)/16) {
			t.Errorf("%s: total after edit %+v %+v", mode, rep.Total.Cell, rep.Total.ENPS)
		}
		for _, g := range rep.Groups {
			if g.Key == "A" && (*g.N != 8 || !near(enpsOf(g), 100*(5.0-1)/8)) {
				t.Errorf("%s: A after edit %+v", mode, g.ENPS)
			}
		}
		rep2, err := f.svc.ENPS(f.ctx, "t2", all, "")
		if err != nil {
			t.Fatal(err)
		}
		if *rep2.Total.N != 20 || !near(enpsOf(rep2.Total), -100) {
			t.Errorf("%s: tenant t2 %+v", mode, rep2.Total.ENPS)
		}
	})
}

func TestReturnIntent(t *testing.T) {
	f := enpsFixture(t)
	// ret = 1 + rec/3: A voluntary 4 4 3 3 2 1, B 4 4 4 3 4, C 4 4 4, A involuntary 4 4.
	f.modes(func(mode string) {
		rep, err := f.svc.ReturnIntent(f.ctx, "t1", Filter{Values: map[Dim]string{DimWave: "3m"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Groups) != 0 {
			t.Errorf("%s: groups without a breakdown: %+v", mode, rep.Groups)
		}
		tb := rep.Total.TopBox
		if tb == nil || tb.Count != 11 || tb.N != 16 || !near(float64(tb.Estimate), 11.0/16) {
			t.Fatalf("%s: top box %+v", mode, tb)
		}
		// Wilson 95%: (2n p + z² ± z √(z² + 4n p(1 − p))) / (2(n + z²))
		z := 1.959963984540054
		p, n := 11.0/16, 16.0
		lo := (2*n*p + z*z - z*math.Sqrt(z*z+4*n*p*(1-p))) / (2 * (n + z*z))
		if !near(float64(tb.CI.Lo), lo) {
			t.Errorf("%s: Wilson lo %v, want %v", mode, tb.CI.Lo, lo)
		}
		if !nearNum(rep.Total.Mean, (4+4+3+3+2+1+4+4+4+3+4+4+4+4+4+4)/16.0) {
			t.Errorf("%s: mean %v", mode, *rep.Total.Mean)
		}
	})
}

// A report on data no pass has folded yet (the watermark far behind the clock) waits for one pass
// instead of working out everything on the fly; concurrent reports share that pass.
func TestLaggingWatermarkTriggersOnePass(t *testing.T) {
	f := enpsFixture(t)
	svc := New(f.conn, f.cat, f.tenants, nil, Options{CompactEvery: time.Hour, Margin: time.Nanosecond})
	defer svc.Close()
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			rep, err := svc.ENPS(f.ctx, "t1", Filter{Values: map[Dim]string{DimWave: "3m"}}, "")
			if err == nil && (rep.Total.N == nil || *rep.Total.N != 16) {
				err = fmt.Errorf("total %+v", rep.Total.Cell)
			}
			errs <- err
		}()
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	w, err := svc.readWatermarks(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w[srcPivot] == 0 {
		t.Error("no pass ran")
	}
	var passes uint64
	if err := f.conn.QueryRow(f.ctx, "SELECT count() FROM insight_watermarks WHERE source = 'pivot'").Scan(&passes); err != nil {
		t.Fatal(err)
	}
	if passes != 1 {
		t.Errorf("%d passes for three concurrent reports, want 1", passes)
	}
}
