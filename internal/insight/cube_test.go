package insight

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// cubeReports are the reports the cubes serve, each with filters they cover and (the last) one they do
// not.
func cubeReports(f *fixture) map[string]func() (any, error) {
	ctx, svc := f.ctx, f.svc
	q3 := time.Date(2025, 7, 1, 0, 0, 0, 0, bucketLoc) // a quarter as the cubes bucket it (Japan time)
	return map[string]func() (any, error){
		"funnel by wave": func() (any, error) { return svc.Funnel(ctx, "t1", Filter{}, DimWave) },
		"funnel 3m by department": func() (any, error) {
			return svc.Funnel(ctx, "t1", Filter{Values: map[Dim]string{DimWave: "3m"}}, DimDepartment)
		},
		"funnel A since July": func() (any, error) {
			return svc.Funnel(ctx, "t1", Filter{From: q3.AddDate(-1, 0, 0), Values: map[Dim]string{DimDepartment: "A"}}, "")
		},
		"funnel mid-month": func() (any, error) { return svc.Funnel(ctx, "t1", Filter{From: q3.AddDate(-1, 0, 14)}, DimWave) },
		"themes by wave":   func() (any, error) { return svc.Themes(ctx, "t1", Filter{}, DimWave) },
		"themes A by tenure": func() (any, error) {
			return svc.Themes(ctx, "t1", Filter{Values: map[Dim]string{DimDepartment: "A"}}, DimTenureBand)
		},
		"themes from Q3": func() (any, error) { return svc.Themes(ctx, "t1", Filter{From: q3}, DimDepartment) },
		"themes from August": func() (any, error) {
			return svc.Themes(ctx, "t1", Filter{From: q3.AddDate(0, 1, 0)}, "")
		},
		"themes mid-month": func() (any, error) {
			return svc.Themes(ctx, "t1", Filter{From: q3.AddDate(0, 1, 9)}, "")
		},
		"enps 3m by department": func() (any, error) {
			return svc.ENPS(ctx, "t1", Filter{Values: map[Dim]string{DimWave: "3m"}}, DimDepartment)
		},
		"enps A by exit quarter": func() (any, error) {
			return svc.ENPS(ctx, "t1", Filter{Values: map[Dim]string{DimDepartment: "A"}}, DimExitQuarter)
		},
		"enps from Q3 by wave": func() (any, error) { return svc.ENPS(ctx, "t1", Filter{From: q3}, DimWave) },
		"return intent 6m by tenure": func() (any, error) {
			return svc.ReturnIntent(ctx, "t1", Filter{Values: map[Dim]string{DimWave: "6m"}}, DimTenureBand)
		},
		"candour gap by department": func() (any, error) { return svc.CandourGap(ctx, "t1", Filter{}, DimDepartment) },
		"drivers":                   func() (any, error) { return svc.Drivers(ctx, "t1", Filter{}) },
		"drivers B since July": func() (any, error) {
			return svc.Drivers(ctx, "t1", Filter{From: q3, Values: map[Dim]string{DimDepartment: "B"}})
		},
		"human capital":   func() (any, error) { return svc.HumanCapital(ctx, "t1", 2025, "") },
		"human capital A": func() (any, error) { return svc.HumanCapital(ctx, "t1", 2025, "A") },
		"change":          func() (any, error) { return svc.Change(ctx, "t1", Filter{}) },
		"change A":        func() (any, error) { return svc.Change(ctx, "t1", Filter{Values: map[Dim]string{DimDepartment: "A"}}) },
		"change from Q3":  func() (any, error) { return svc.Change(ctx, "t1", Filter{From: q3}) },
		"change mid-month": func() (any, error) {
			return svc.Change(ctx, "t1", Filter{From: q3.AddDate(0, 0, 3)})
		},
	}
}

// The cubes, and the reports adding the rows newer than the watermark in Go, give the same reports as
// scanning the rows with everything in SQL, before any pass (nothing built), after the first
// pass (a rebuild), with submissions, events and analyses newer than the watermark (the tail replaces
// compacted contributions), after an incremental pass, and after a pass that failed half-way.
func TestCubesMatchScans(t *testing.T) {
	f := newFixture(t, "t1", "t2")
	scan := New(f.conn, f.cat, f.tenants, nil, Options{CompactEvery: -1, Margin: time.Nanosecond})
	scan.noCubes = true
	rng := uint64(7)
	next := func(n int) int {
		rng = rng*6364136223846793005 + 1442695040888963407
		return int((rng >> 33) % uint64(n))
	}
	// Seven hindsight ratings, now and then one left out (incomplete for the drivers).
	ratings := func() []int {
		out := make([]int, 7)
		for i := range out {
			out[i] = 1 + next(5)
		}
		if next(5) == 0 {
			out[next(7)] = 0
		}
		return out
	}
	reasons := []string{"", "growth", "manager", "compensation"}
	depts := []string{"A", "B", "C"}
	tenures := []string{"0-1y", "1-3y", "3-5y"}
	var as []alum
	var rs []resp
	var ts []text
	for i := 0; i < 60; i++ {
		name := fmt.Sprint("p", i)
		dept := depts[next(3)]
		as = append(as, alum{name: name, dept: dept})
		at := time.Date(2025, time.Month(4+next(6)), 1+next(28), next(24), 0, 0, 0, time.UTC)
		r := resp{alumnus: name, dept: dept, tenure: tenures[next(3)], rec: next(12) - 1, ret: next(6),
			drivers: ratings(), kept: []string{"", "yes", "no", "maybe"}[next(4)], at: at,
			reason: reasons[next(4)], trueReason: reasons[next(4)]}
		if i%5 != 4 {
			rs = append(rs, r)
		}
		if i%3 != 0 {
			r6 := r
			r6.wave, r6.rec, r6.ret, r6.at = "6m", next(11), 1+next(5), at.AddDate(0, 3, 0)
			r6.drivers, r6.trueReason = ratings(), reasons[next(4)]
			rs = append(rs, r6)
		}
		themes := [][]string{{"growth"}, {"workload", "growth"}, {}, {"culture"}}[next(4)]
		ts = append(ts, text{alumnus: name, dept: dept, themes: themes, sentiment: []string{"negative", "positive", "mixed"}[next(3)], at: at})
		events := [][]string{{"planned", "sent"}, {"planned", "sent", "opened", "submitted"}, {"planned", "bounced"}}[next(3)]
		f.invitation("", "i"+name, name, "3m", events...)
		if i%2 == 0 {
			f.invitation("", "j"+name, name, "6m", "planned", "sent", "opened")
		}
	}
	f.alumni(as...)
	f.submit(rs...)
	f.texts(ts...)
	// Another tenant's rows never count.
	f.submit(resp{tenant: "t2", alumnus: "x", rec: 10, ret: 5}, resp{tenant: "t2", alumnus: "x", wave: "6m", rec: 0, ret: 1})
	f.texts(text{tenant: "t2", alumnus: "x", themes: []string{"growth"}})
	f.invitation("t2", "ix", "x", "3m", "planned", "sent", "submitted")

	compare := func(state string) {
		t.Helper()
		scanReports := cubeReports(&fixture{t: t, ctx: f.ctx, svc: scan})
		for name, run := range cubeReports(f) {
			got, err := run()
			if err != nil {
				t.Fatalf("%s: %s: %v", state, name, err)
			}
			want, err := scanReports[name]()
			if err != nil {
				t.Fatalf("%s: %s (scan): %v", state, name, err)
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if string(g) != string(w) {
				t.Errorf("%s: %s from the counts:\n%s\nscanning:\n%s", state, name, g, w)
			}
		}
	}
	compare("before any pass")
	f.compact()
	compare("after a rebuild")

	// Newer than the watermark: edits, new second-wave answers, new events, re-analyses.
	var more []resp
	for i := 0; i < 20; i++ {
		r := rs[i]
		r.rec, r.ret = next(11), 1+next(5)
		more = append(more, r)
	}
	for i := 0; i < 60; i += 3 {
		more = append(more, resp{alumnus: fmt.Sprint("p", i), dept: "A", wave: "6m", rec: next(11), ret: 1 + next(5),
			drivers: ratings(), kept: "yes", trueReason: reasons[next(4)], at: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)})
	}
	f.submit(more...)
	for i := 0; i < 30; i++ {
		f.event("t1", fmt.Sprint("ip", i), "3m", "opened")
	}
	f.invitation("", "inew", "p1", "6m", "planned", "sent")
	for i := 0; i < 15; i++ {
		x := ts[i]
		x.themes, x.sentiments = []string{"workload"}, nil
		f.texts(x)
	}
	compare("with a tail")
	time.Sleep(1100 * time.Millisecond) // the funnel and text watermarks are in seconds
	f.compact()
	compare("after an incremental pass")

	// A pass that died after writing counts (and a rebuild mark) above the watermark: nothing of it
	// may count once the next pass is through.
	w, err := f.svc.readWatermarks(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var junk [][]any
	for _, cb := range cubes {
		g := w[cb.src] + 1
		junk = append(junk,
			[]any{"t1", cb.kind, g, "alumni-3m", "3m", "A", "", "", "", time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0), "", int16(0), int16(0), int64(1000)},
			[]any{"", cb.kind, g, "", "", "", "", "", "", time.Unix(0, 0).UTC(), time.Unix(0, 0), "", int16(0), int16(0), int64(1)})
	}
	if err := db.Insert(f.ctx, f.conn, "INSERT INTO insight_counts (tenant_id, kind, gen, "+cubeColumns+", cnt)", junk...); err != nil {
		t.Fatal(err)
	}
	f.submit(resp{alumnus: "p2", dept: "B", wave: "6m", rec: 10, ret: 5, at: time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC)})
	time.Sleep(1100 * time.Millisecond)
	f.compact()
	compare("after a failed pass")
}

// TestCoversJapaneseMonths: a cube answers periods that start and end at midnight JST on its buckets'
// first days, and not periods on UTC midnights or mid-month.
func TestCoversJapaneseMonths(t *testing.T) {
	utc := time.UTC
	for _, tc := range []struct {
		name     string
		cb       cube
		from, to time.Time
		want     bool
	}{
		{"fiscal year in JST", funnelCube, time.Date(2025, 4, 1, 0, 0, 0, 0, bucketLoc), time.Date(2026, 4, 1, 0, 0, 0, 0, bucketLoc), true},
		{"the same instants in UTC", funnelCube, time.Date(2025, 3, 31, 15, 0, 0, 0, utc), time.Date(2026, 3, 31, 15, 0, 0, 0, utc), true},
		{"UTC months", funnelCube, time.Date(2025, 4, 1, 0, 0, 0, 0, utc), time.Date(2026, 4, 1, 0, 0, 0, 0, utc), false},
		{"mid-month", funnelCube, time.Date(2025, 4, 15, 0, 0, 0, 0, bucketLoc), time.Time{}, false},
		{"a month inside a quarter", themeCube, time.Date(2025, 8, 1, 0, 0, 0, 0, bucketLoc), time.Date(2026, 8, 1, 0, 0, 0, 0, bucketLoc), true},
		{"themes mid-month", themeCube, time.Date(2025, 8, 15, 0, 0, 0, 0, bucketLoc), time.Time{}, false},
		{"no period kept", scoreCube, time.Date(2025, 4, 1, 0, 0, 0, 0, bucketLoc), time.Time{}, false},
	} {
		if got := tc.cb.covers(Filter{From: tc.from, To: tc.to}); got != tc.want {
			t.Errorf("%s: covers = %v, want %v", tc.name, got, tc.want)
		}
	}
}
