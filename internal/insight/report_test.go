package insight

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/stats"
	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

func TestFunnel(t *testing.T) {
	f := newFixture(t, "t1", "t2")
	var as []alum
	for i := 0; i < 20; i++ {
		dept := map[bool]string{true: "A", false: "B"}[i < 8]
		if i >= 17 {
			dept = "C"
		}
		as = append(as, alum{name: fmt.Sprint("p", i), dept: dept})
	}
	f.alumni(as...)
	// Department A, 3m: 8 invitations.
	full := []string{"planned", "sending", "sent", "opened", "submitted"}
	f.invitation("", "i0", "p0", "3m", full...)
	f.invitation("", "i1", "p1", "3m", full...)
	f.invitation("", "i2", "p2", "3m", "planned", "sent", "opened")
	f.invitation("", "i3", "p3", "3m", "planned", "sending", "bounced")
	f.invitation("", "i4", "p4", "3m", "planned", "sent", "reminded", "expired")
	f.invitation("", "i5", "p5", "3m", "planned", "sent", "reminded", "expired")
	f.invitation("", "i6", "p6", "3m", "planned", "sent", "submitted", "submitted") // opening not recorded; edited
	f.invitation("", "i7", "p7", "3m", "planned", "sent", "submitted")
	// B: 9 invitations at 3m; C: 3.
	for i := 8; i < 20; i++ {
		f.invitation("", fmt.Sprint("i", i), fmt.Sprint("p", i), "3m", "planned", "sent")
	}
	// 6m: 5 invitations in A, 2 in B.
	for i := 0; i < 5; i++ {
		f.invitation("", fmt.Sprint("j", i), fmt.Sprint("p", i), "6m", "planned", "sent", "opened", "submitted")
	}
	f.invitation("", "j8", "p8", "6m", "planned", "sent")
	f.invitation("", "j9", "p9", "6m", "planned", "sent")
	// Another tenant's invitations never count.
	f.invitation("t2", "x", "q", "3m", "planned", "sent", "submitted")

	run := func(submitted, opened int) {
		f.modes(func(mode string) {
			rep, err := f.svc.Funnel(f.ctx, "t1", Filter{Values: map[Dim]string{DimWave: "3m", DimDepartment: "A"}}, "")
			if err != nil {
				t.Fatal(err)
			}
			st := rep.Total.Stages
			want := FunnelStages{Planned: 8, Sent: 8, Bounced: 1, Delivered: 7, Opened: opened, Submitted: submitted, Expired: 2}
			if st == nil || st.Planned != want.Planned || st.Sent != want.Sent || st.Bounced != want.Bounced ||
				st.Delivered != want.Delivered || st.Opened != want.Opened || st.Submitted != want.Submitted || st.Expired != want.Expired {
				t.Fatalf("%s: A at 3m %+v, want %+v", mode, st, want)
			}
			ci := stats.Wilson(submitted, 7, 0.95)
			if rr := st.ResponseRate; rr.Count != submitted || rr.N != 7 || !near(float64(rr.Estimate), float64(submitted)/7) ||
				!near(float64(rr.CI.Lo), ci.Lo) || !near(float64(rr.CI.Hi), ci.Hi) {
				t.Errorf("%s: response rate %+v, want %d/7 %+v", mode, rr, submitted, ci)
			}
			// By department: C has 3, hidden. B's 9 at 3m differ from B's 11 over all waves by 2 (the
			// 6m invitations): hidden too. Two hidden groups of 12 together protect each other.
			rep, err = f.svc.Funnel(f.ctx, "t1", Filter{Values: map[Dim]string{DimWave: "3m"}}, DimDepartment)
			if err != nil {
				t.Fatal(err)
			}
			if *rep.Total.N != 20 || rep.Total.Stages.Planned != 20 {
				t.Errorf("%s: 3m total %+v", mode, rep.Total.Cell)
			}
			for _, g := range rep.Groups {
				switch g.Key {
				case "A":
					if g.Suppressed || *g.N != 8 || g.Stages.Submitted != submitted {
						t.Errorf("%s: A %+v", mode, g)
					}
				case "B", "C":
					want := map[string]string{"B": ReasonDifferencing, "C": suppress.ReasonBelowMinimum}[g.Key]
					if !g.Suppressed || g.Reason != want || g.N != nil || g.Stages != nil {
						t.Errorf("%s: %s %+v, want suppressed (%s)", mode, g.Key, g.Cell, want)
					}
				}
			}
			// 6m in A: 5 of the 7 6m invitations; "6m" minus "6m, A" would reveal B's 2.
			rep, err = f.svc.Funnel(f.ctx, "t1", Filter{Values: map[Dim]string{DimWave: "6m", DimDepartment: "A"}}, "")
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Total.Suppressed || rep.Total.Reason != ReasonDifferencing || rep.Total.Stages != nil {
				t.Errorf("%s: 6m ∩ A %+v, want refused (differencing)", mode, rep.Total.Cell)
			}
			rep, err = f.svc.Funnel(f.ctx, "t1", Filter{}, DimWave)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Groups) != 2 || *rep.Groups[0].N != 20 || *rep.Groups[1].N != 7 || rep.Groups[1].Stages.Submitted != 5 {
				t.Errorf("%s: by wave %+v", mode, rep.Groups)
			}
			other, err := f.svc.Funnel(f.ctx, "t2", Filter{}, "")
			if err != nil {
				t.Fatal(err)
			}
			if !other.Total.Suppressed || other.Total.N != nil {
				t.Errorf("%s: tenant t2 has one invitation, shown: %+v", mode, other.Total)
			}
		})
	}
	run(4, 5)
	// i2 answers after the pass: the new event is newer than the watermark, then compacted.
	f.event("t1", "i2", "3m", "submitted")
	run(5, 5)
}

func TestCandourGap(t *testing.T) {
	f := newFixture(t, "t1")
	var rs []resp
	add := func(n int, dept, stated, truth string) {
		for i := 0; i < n; i++ {
			rs = append(rs, resp{alumnus: fmt.Sprintf("%s-%s-%s-%d", dept, stated, truth, i), dept: dept, reason: stated,
				trueReason: truth, rec: 5, ret: 3})
		}
	}
	add(6, "A", "personal", "compensation")
	add(5, "A", "personal", "personal")
	add(5, "A", "growth", "growth")
	add(2, "B", "personal", "manager")
	// A 6m answer and a 3m answer without a true reason are not part of the gap.
	rs = append(rs, resp{alumnus: "late", wave: "6m", reason: "personal", trueReason: "culture", rec: 5, ret: 3},
		resp{alumnus: "skip", reason: "personal", rec: 5, ret: 3})
	f.submit(rs...)
	f.modes(func(mode string) {
		rep, err := f.svc.CandourGap(f.ctx, "t1", Filter{}, DimDepartment)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Wave != "3m" {
			t.Errorf("%s: wave %q, want the first wave", mode, rep.Wave)
		}
		ch := rep.Changed.Changed
		if rep.Changed.N == nil || *rep.Changed.N != 18 || ch == nil || ch.Count != 8 || ch.N != 18 {
			t.Fatalf("%s: changed %+v %+v", mode, rep.Changed.Cell, ch)
		}
		if ci := stats.Wilson(8, 18, 0.95); !near(float64(ch.CI.Lo), ci.Lo) || !near(float64(ch.CI.Hi), ci.Hi) {
			t.Errorf("%s: changed CI %+v, want %+v", mode, ch.CI, ci)
		}
		flows := map[string]CandourFlow{}
		for _, fl := range rep.Flows {
			flows[fl.Key] = fl
		}
		if fl := flows["personal→compensation"]; fl.Suppressed || *fl.N != 6 {
			t.Errorf("%s: personal→compensation %+v", mode, fl.Cell)
		}
		if fl := flows["personal→manager"]; !fl.Suppressed || fl.N != nil || fl.Reason != suppress.ReasonBelowMinimum {
			t.Errorf("%s: personal→manager %+v, want suppressed", mode, fl.Cell)
		}
		// The stated-personal row total (13) is published: with only personal→manager hidden, 13 − 6 − 5
		// would give it away, so a second flow in that row must be hidden.
		hiddenInRow := 0
		for _, fl := range rep.Flows {
			if fl.Stated == "personal" && fl.Suppressed {
				hiddenInRow++
			}
		}
		stated := map[string]CandourFlow{}
		for _, fl := range rep.Stated {
			stated[fl.Key] = fl
		}
		if st := stated["personal"]; !st.Suppressed && hiddenInRow < 2 {
			t.Errorf("%s: row total %+v published with %d hidden flow", mode, st.Cell, hiddenInRow)
		}
		groups := map[string]ChangedCell{}
		for _, g := range rep.Groups {
			groups[g.Key] = g
		}
		if b := groups["B"]; !b.Suppressed || b.Changed != nil {
			t.Errorf("%s: department B (2 people) %+v", mode, b)
		}
		if a := groups["A"]; !a.Suppressed || a.Reason != suppress.ReasonComplementary {
			t.Errorf("%s: department A %+v, want complementary (18 − A = B)", mode, a.Cell)
		}
	})
}

func TestChange(t *testing.T) {
	f := newFixture(t, "t1")
	var rs []resp
	pair := func(n int, name string, rec3, rec6, ret3, ret6 int, kept3, kept6 string) {
		for i := 0; i < n; i++ {
			a := fmt.Sprintf("%s%d", name, i)
			rs = append(rs, resp{alumnus: a, wave: "3m", rec: rec3, ret: ret3, kept: kept3, drivers: []int{2, 3}},
				resp{alumnus: a, wave: "6m", rec: rec6, ret: ret6, kept: kept6, drivers: []int{4, 3}, at: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)})
		}
	}
	pair(6, "up", 6, 9, 2, 4, "no", "yes")
	pair(4, "same", 9, 9, 4, 4, "yes", "yes")
	pair(1, "down", 10, 5, 5, 3, "yes", "no")
	for i := 0; i < 5; i++ {
		rs = append(rs, resp{alumnus: fmt.Sprint("only3-", i), wave: "3m", rec: 3, ret: 1},
			resp{alumnus: fmt.Sprint("only6-", i), wave: "6m", rec: 10, ret: 5, at: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)})
	}
	f.submit(rs...)
	f.modes(func(mode string) {
		rep, err := f.svc.Change(f.ctx, "t1", Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.People.N == nil || *rep.People.N != 11 {
			t.Fatalf("%s: people %+v", mode, rep.People)
		}
		items := map[string]ChangeItem{}
		for _, it := range rep.Items {
			items[it.Question] = it
		}
		e := items["enps"]
		if e.N == nil || *e.N != 11 || e.Left != 1 || e.Joined != 6 {
			t.Fatalf("%s: enps %+v", mode, e)
		}
		if want := stats.McNemar(1, 6); !near(float64(e.McNemar.P), want.P) || e.McNemar.Method != want.Method {
			t.Errorf("%s: McNemar %+v, want %+v", mode, e.McNemar, want)
		}
		later := []float64{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 5}
		earlier := []float64{6, 6, 6, 6, 6, 6, 9, 9, 9, 9, 10}
		if want := stats.WilcoxonSignedRank(later, earlier); !near(float64(e.Signed.P), want.P) ||
			!near(float64(e.Signed.Statistic), want.Statistic) || e.Signed.Method != want.Method {
			t.Errorf("%s: Wilcoxon %+v, want %+v", mode, e.Signed, want)
		}
		if !nearNum(e.MeanBefore, 82.0/11) || !nearNum(e.MeanAfter, 95.0/11) || e.Before.Count != 5 || e.After.Count != 10 {
			t.Errorf("%s: enps means/shares %v %v %+v %+v", mode, *e.MeanBefore, *e.MeanAfter, e.Before, e.After)
		}
		// Return intent top-2-box among those answering only one wave: 5/5 (6m only) vs 0/5 (3m only).
		ri := items["return_intent"]
		if ri.Independent == nil || ri.Independent.Test == nil {
			t.Fatalf("%s: independent %+v", mode, ri.Independent)
		}
		if want := stats.TwoProportionZ(5, 5, 0, 5); !near(float64(ri.Independent.Test.P), want.P) {
			t.Errorf("%s: independent %+v, want %+v", mode, ri.Independent.Test, want)
		}
		// Could we have kept you: yes 5 → 10 of 11 (6 joined, 1 left).
		k := items["retainable"]
		if k.Kind != "yes" || k.Before.Count != 5 || k.After.Count != 10 || k.Left != 1 || k.Joined != 6 || k.Signed != nil {
			t.Errorf("%s: retainable %+v", mode, k)
		}
		// Hindsight pay went 2 → 4 for everyone: all 11 joined the top box.
		if d := items["driver:compensation"]; d.Joined != 11 || d.Left != 0 || !nearNum(d.MeanAfter, 4) {
			t.Errorf("%s: driver:compensation %+v", mode, d)
		}
	})
	// After the pass the five 3m-only people answer at 6m: their 3m rows are compacted, the 6m rows new,
	// and the pairs are worked out from both.
	var more []resp
	for i := 0; i < 5; i++ {
		more = append(more, resp{alumnus: fmt.Sprint("only3-", i), wave: "6m", rec: 9, ret: 4,
			at: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)})
	}
	f.submit(more...)
	f.modes(func(mode string) {
		rep, err := f.svc.Change(f.ctx, "t1", Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.People.N == nil || *rep.People.N != 16 {
			t.Fatalf("%s: people after new 6m answers %+v", mode, rep.People)
		}
		for _, it := range rep.Items {
			// only3 people went 3 → 9: five more detractors → promoters.
			if it.Question == "enps" && (it.Joined != 11 || it.Left != 1) {
				t.Errorf("%s: enps joined %d left %d, want 11 and 1", mode, it.Joined, it.Left)
			}
		}
	})
	// A department with too few pairs is refused.
	rep, err := f.svc.Change(f.ctx, "t1", Filter{Values: map[Dim]string{DimDepartment: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.People.Suppressed || len(rep.Items) != 0 {
		t.Errorf("empty filter: %+v", rep)
	}
}

// A submission that reached the materialized view in two blocks is merged back into one response.
func TestSplitSubmission(t *testing.T) {
	f := newFixture(t, "t1")
	for i := 0; i < 5; i++ {
		f.submitSplit(resp{alumnus: fmt.Sprint("p", i), rec: 10, ret: 5, trueReason: "growth", drivers: []int{1, 2, 3, 4, 5, 4, 3}})
	}
	f.modes(func(mode string) {
		rep, err := f.svc.Drivers(f.ctx, "t1", Filter{})
		if err != nil {
			t.Fatal(err)
		}
		// Would-recommend is in the first half of the rows, the last hindsight ratings in the second: a
		// complete case needs both.
		if o := rep.Outcomes[0]; o.N == nil || *o.N != 5 {
			t.Errorf("%s: complete cases %+v, want 5", mode, o.Cell)
		}
		cg, err := f.svc.CandourGap(f.ctx, "t1", Filter{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if cg.Changed.N == nil || *cg.Changed.N != 5 {
			t.Errorf("%s: candour %+v", mode, cg.Changed.Cell)
		}
	})
}

func TestDrivers(t *testing.T) {
	f := newFixture(t, "t1")
	// 40 responses with ratings from a fixed pattern; the expected figures come from stats on the same
	// people, one by one.
	var rs []resp
	var X [][]float64
	var ys, yr []float64
	for i := 0; i < 40; i++ {
		d := []int{1 + i%5, 1 + (i/2)%5, 1 + (i*7)%5, 1 + (i/3)%5, 1 + (i*3+1)%5, 1 + (i/5)%5, 1 + (i*2+i/4)%5}
		rec := min(10, (d[0]+d[1]+d[2])*2/3+i%3)
		ret := 1 + (d[1]+d[3]+i)%5
		rs = append(rs, resp{alumnus: fmt.Sprint("p", i), rec: rec, ret: ret, drivers: d})
		row := make([]float64, len(d))
		for j, v := range d {
			row[j] = float64(v)
		}
		X = append(X, row)
		ys = append(ys, float64(rec))
		yr = append(yr, float64(ret))
	}
	// Incomplete: one rating missing. Not a complete case.
	rs = append(rs, resp{alumnus: "partial", rec: 10, ret: 5, drivers: []int{5, 5, 5, 0, 5, 5, 5}})
	f.submit(rs...)
	f.modes(func(mode string) {
		rep, err := f.svc.Drivers(f.ctx, "t1", Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Outcomes) != 2 {
			t.Fatalf("%s: %d outcomes", mode, len(rep.Outcomes))
		}
		for k, y := range [][]float64{ys, yr} {
			out := rep.Outcomes[k]
			if out.N == nil || *out.N != 40 || len(out.Drivers) != 7 {
				t.Fatalf("%s: %s %+v", mode, out.Outcome, out.Cell)
			}
			want, err := stats.RelativeWeights(X, y)
			if err != nil {
				t.Fatal(err)
			}
			if !nearNum(out.RSquared, want.RSquared) {
				t.Errorf("%s: %s R² %v, want %v", mode, out.Outcome, *out.RSquared, want.RSquared)
			}
			// Drivers come in taxonomy order; the survey asks pay, manager, growth, workload, flexibility,
			// culture, strategy.
			column := map[string]int{"compensation": 0, "manager": 1, "growth": 2, "workload": 3, "flexibility": 4, "culture": 5, "strategy": 6}
			for _, fig := range out.Drivers {
				j := column[fig.Driver]
				col := make([]float64, len(X))
				var sum float64
				for i := range X {
					col[i] = X[i][j]
					sum += X[i][j]
				}
				sp := stats.SpearmanTest(col, y, 0.95)
				if !near(float64(fig.Spearman), sp.Rho) || !near(float64(fig.P), sp.P) || !near(float64(fig.Share), want.Share[j]) ||
					!near(float64(fig.Mean), sum/40) || !near(float64(fig.Gap), 0.75-(sum/40-1)/4) {
					t.Errorf("%s: %s %s %+v, want ρ %v p %v share %v", mode, out.Outcome, fig.Driver, fig, sp.Rho, sp.P, want.Share[j])
				}
			}
			if len(out.Priorities) != 7 || out.Priorities[0].Rank != 1 {
				t.Errorf("%s: priorities %+v", mode, out.Priorities)
			}
			if len(out.Warnings) != 0 {
				t.Errorf("%s: warnings %v with n = 40", mode, out.Warnings)
			}
		}
		// Six people: shown, with a warning.
		small, err := f.svc.Drivers(f.ctx, "t1", Filter{To: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if o := small.Outcomes[0]; !o.Suppressed {
			t.Errorf("%s: nobody before 2025 but shown: %+v", mode, o.Cell)
		}
	})
}

func TestThemes(t *testing.T) {
	f := newFixture(t, "t1")
	var ts []text
	q1 := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	q2 := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		th := []string{"growth"}
		if i == 0 {
			th = []string{"workload", "growth"}
		}
		ts = append(ts, text{alumnus: fmt.Sprint("a", i), themes: th, sentiment: "negative", at: q1, dept: "A"})
	}
	for i := 0; i < 10; i++ {
		th := []string{"workload"}
		if i >= 8 {
			th = []string{}
		}
		ts = append(ts, text{alumnus: fmt.Sprint("b", i), themes: th, sentiment: "negative", at: q2, dept: "A"})
	}
	ts = append(ts, text{alumnus: "c0", themes: []string{"culture"}, sentiment: "positive", at: q2, dept: "B"},
		text{alumnus: "c1", themes: []string{"culture"}, sentiment: "positive", at: q2, dept: "B"})
	f.texts(ts...)
	// A re-analysis of b9 finds workload after all; only the latest version counts.
	f.texts(text{alumnus: "b9", themes: []string{"workload"}, sentiment: "negative", at: q2, dept: "A"})
	f.modes(func(mode string) {
		rep, err := f.svc.Themes(f.ctx, "t1", Filter{}, DimDepartment)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total.N == nil || *rep.Total.N != 22 {
			t.Fatalf("%s: total %+v", mode, rep.Total.Cell)
		}
		shares := map[string]ThemeShare{}
		for _, th := range rep.Total.Themes {
			shares[th.Theme] = th
		}
		// workload: a0 + b0…b7 + b9 = 10 of 22.
		if w := shares["workload"]; w.Share.Count != 10 || w.Share.N != 22 || w.Sentiment["negative"] != 10 {
			t.Errorf("%s: workload %+v", mode, w)
		}
		if c := shares["culture"]; c.Share.Count != 2 || c.Sentiment["positive"] != 2 {
			t.Errorf("%s: culture %+v", mode, c)
		}
		for _, g := range rep.Groups {
			if !g.Suppressed {
				t.Errorf("%s: group %s shown; B has 2 answers so A (20 = 22 − 2) must be hidden too", mode, g.Key)
			}
		}
		r := rep.Rising
		if r == nil || r.Refused || r.Before != "2025-01-01" || r.After != "2025-04-01" {
			t.Fatalf("%s: rising %+v", mode, r)
		}
		// workload: 1/10 before, 9/12 after (b0…b7, b9 of the 12 Q2 answers).
		want := stats.CompareThemes([]stats.ThemeCount{
			{Theme: "culture", Before: 0, BeforeN: 10, After: 2, AfterN: 12},
			{Theme: "growth", Before: 10, BeforeN: 10, After: 0, AfterN: 12},
			{Theme: "workload", Before: 1, BeforeN: 10, After: 9, AfterN: 12},
		}, 0.05)
		got := map[string]ThemeChange{}
		for _, c := range r.Changes {
			got[c.Theme] = c
		}
		for _, w := range want {
			g := got[w.Theme]
			if !near(float64(g.Q), w.Q) || g.Direction != w.Direction || g.After.Count != w.After.Successes {
				t.Errorf("%s: %s %+v, want q %v direction %d", mode, w.Theme, g, w.Q, w.Direction)
			}
		}
		if got["workload"].Direction != 1 || got["growth"].Direction != -1 {
			t.Errorf("%s: workload should rise and growth fall: %+v", mode, r.Changes)
		}
		// Without a breakdown: the same total. Filtered to A: hidden, since the whole less A is B's 2.
		for _, c := range []struct {
			f      Filter
			total  int
			reason string
		}{{Filter{}, 22, ""}, {Filter{Values: map[Dim]string{DimDepartment: "A"}}, 0, "differencing"}} {
			rep, err := f.svc.Themes(f.ctx, "t1", c.f, "")
			if err != nil {
				t.Fatalf("%s: themes %+v: %v", mode, c.f.Values, err)
			}
			got := 0
			if rep.Total.N != nil {
				got = *rep.Total.N
			}
			if got != c.total || rep.Total.Reason != c.reason || len(rep.Groups) != 0 {
				t.Errorf("%s: themes %+v: total %+v, %d groups; want %d %q, none", mode, c.f.Values, rep.Total.Cell, len(rep.Groups), c.total, c.reason)
			}
		}
	})
}

// TestSharedTailFollowsNewRows: reports share one read of the responses newer than the watermark, and a
// submission (or an edit) after it is in the next report, with no compactor pass in between.
func TestSharedTailFollowsNewRows(t *testing.T) {
	f := newFixture(t, "t1")
	batch := func(prefix string, n int, truth string) []resp {
		var rs []resp
		for i := 0; i < n; i++ {
			rs = append(rs, resp{alumnus: fmt.Sprint(prefix, i), reason: "personal", trueReason: truth, rec: 5, ret: 3})
		}
		return rs
	}
	f.submit(batch("a", 6, "personal")...)
	f.compact()
	changed := func(want int, when string) {
		t.Helper()
		rep, err := f.svc.CandourGap(f.ctx, "t1", Filter{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if ch := rep.Changed.Changed; ch == nil || ch.Count != want {
			t.Fatalf("%s: changed %+v, want %d", when, ch, want)
		}
	}
	f.submit(batch("b", 6, "compensation")...)
	changed(6, "after the first batch")
	changed(6, "again, from the shared read")
	f.submit(batch("c", 5, "manager")...)
	changed(11, "after the second batch")
	// An edit: b0 now says personal after all.
	f.submit(resp{alumnus: "b0", reason: "personal", trueReason: "personal", rec: 5, ret: 3})
	changed(10, "after the edit")
}

// TestSharedFunnelTailFollowsNewEvents: the funnel's read of the events newer than the watermark is
// shared, and an event after it is in the next report, with no compactor pass in between.
func TestSharedFunnelTailFollowsNewEvents(t *testing.T) {
	f := newFixture(t, "t1")
	var as []alum
	for i := 0; i < 12; i++ {
		as = append(as, alum{name: fmt.Sprint("p", i)})
	}
	f.alumni(as...)
	for i := 0; i < 12; i++ {
		f.invitation("", fmt.Sprint("i", i), fmt.Sprint("p", i), "3m", "planned", "sent")
	}
	f.compact()
	submitted := func(want int, when string) {
		t.Helper()
		rep, err := f.svc.Funnel(f.ctx, "t1", Filter{Values: map[Dim]string{DimWave: "3m"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if st := rep.Total.Stages; st == nil || st.Submitted != want || st.Sent != 12 {
			t.Fatalf("%s: %+v, want %d submitted of 12 sent", when, st, want)
		}
	}
	for i := 0; i < 6; i++ {
		f.event("t1", fmt.Sprint("i", i), "3m", "submitted")
	}
	submitted(6, "after six answers")
	submitted(6, "again, from the shared read")
	for i := 6; i < 11; i++ {
		f.event("t1", fmt.Sprint("i", i), "3m", "submitted")
	}
	submitted(11, "after five more")
}

// TestPassOutlivesItsRequest: a report that finds the watermark lagging starts a compactor pass and
// waits for it; when its request goes away the pass goes on, for the next report.
func TestPassOutlivesItsRequest(t *testing.T) {
	f := newFixture(t, "t1")
	f.submit(resp{alumnus: "a", trueReason: "personal", rec: 5, ret: 3})
	var logs bytes.Buffer
	svc := New(f.conn, f.cat, f.tenants, audit.New(f.conn), Options{Margin: time.Nanosecond,
		Log: slog.New(slog.NewTextHandler(&logs, nil))})
	// Long enough to read the tenant and the watermarks, shorter than a pass (which settles 200 ms).
	ctx, cancel := context.WithTimeout(f.ctx, 100*time.Millisecond)
	defer cancel()
	_, _ = svc.Funnel(ctx, "t1", Filter{}, "")
	svc.Close() // waits for the pass
	if !strings.Contains(logs.String(), "answering from the raw rows") {
		t.Skipf("the request ended before it started a pass (a slow machine?): %s", logs.String())
	}
	w, err := svc.readWatermarks(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if w[srcPivot] == 0 || w[srcFunnel] == 0 {
		t.Errorf("the pass was abandoned with its request: watermarks %v", w)
	}
}
