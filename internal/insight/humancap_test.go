package insight

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/stats"
	"github.com/alumnipulse/alumnipulse/internal/suppress"
)

func TestParseHeadcounts(t *testing.T) {
	hs, err := ParseHeadcountsCSV(strings.NewReader("\ufeff期間,部署,人数\n2025-04,,1,200\n\"FY2025\",営業,300\n"))
	if err == nil {
		t.Fatalf("unquoted 1,200 splits into a fourth field; got %v", hs)
	}
	hs, err = ParseHeadcountsCSV(strings.NewReader("\ufeff期間,部署,人数\n2025-04,,\"1,200\"\nFY2025,営業,300\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || hs[0] != (Headcount{Period: "2025-04", Headcount: 1200}) || hs[1] != (Headcount{"FY2025", "営業", 300}) {
		t.Errorf("parsed %+v", hs)
	}
	if _, err := ParseHeadcountsCSV(strings.NewReader("period,department\n2025-04,x\n")); err == nil {
		t.Error("no headcount column: no error")
	}
	js, err := ParseHeadcountsJSON(strings.NewReader(`[{"period": "2025-05", "headcount": 10}]`))
	if err != nil || len(js) != 1 || js[0].Headcount != 10 {
		t.Errorf("JSON %+v %v", js, err)
	}
	for _, p := range []string{"2025-13", "FY20x5", "2025/04", ""} {
		if _, _, _, err := period(p, time.April); err == nil {
			t.Errorf("period %q: no error", p)
		}
	}
	s, e, k, err := period("FY2025", time.April)
	if err != nil || k != KindFiscalYear || s.Format(time.DateOnly) != "2025-04-01" || e.Format(time.DateOnly) != "2026-03-31" {
		t.Errorf("FY2025 = %v %v %v %v", s, e, k, err)
	}
}

func TestKaplanMeierFromCountsMatchesStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	counts := map[int][2]int{}
	var durations []float64
	var events []bool
	for i := 0; i < 3000; i++ {
		d := rng.IntN(1500)
		ev := rng.Float64() < 0.1
		c := counts[d]
		if ev {
			c[0]++
		} else {
			c[1]++
		}
		counts[d] = c
		durations = append(durations, float64(d)/daysPerMonth)
		events = append(events, ev)
	}
	want, err := stats.KaplanMeier(durations, events)
	if err != nil {
		t.Fatal(err)
	}
	got := kaplanMeier(counts, daysPerMonth)
	if got.N != want.N || got.Events != want.Events || len(got.Steps) != len(want.Steps) || !sameFloat(got.MaxTime, want.MaxTime) {
		t.Fatalf("curve N %d events %d steps %d, want %d %d %d", got.N, got.Events, len(got.Steps), want.N, want.Events, len(want.Steps))
	}
	for i, st := range want.Steps {
		g := got.Steps[i]
		if !sameFloat(g.Time, st.Time) || g.AtRisk != st.AtRisk || g.Events != st.Events || g.Censored != st.Censored ||
			!sameFloat(g.Survival, st.Survival) || !sameFloat(g.SE, st.SE) || !sameFloat(g.CI.Lo, st.CI.Lo) {
			t.Fatalf("step %d: %+v, want %+v", i, g, st)
		}
	}
	a, _ := got.CumulativeIncidenceAt(12)
	b, _ := want.CumulativeIncidenceAt(12)
	if !sameFloat(a.Estimate, b.Estimate) {
		t.Errorf("F(12) %v, want %v", a.Estimate, b.Estimate)
	}
}

// hcFixture: FY2025 (April 2025 – March 2026), 100 employees every month, 12 leavers.
func hcFixture(t *testing.T) *fixture {
	f := newFixture(t, "t1")
	var hs []Headcount
	for m := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC); m.Before(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)); m = m.AddDate(0, 1, 0) {
		n := 100
		if m.Month() == time.September {
			n = 112 // the average becomes 101
		}
		hs = append(hs, Headcount{Period: m.Format("2006-01"), Headcount: n})
	}
	hs = append(hs, Headcount{Period: "2025-05", Department: "営業", Headcount: 40})
	if _, err := f.svc.ImportHeadcounts(f.ctx, "t1", "test", hs); err != nil {
		t.Fatal(err)
	}
	var as []alum
	for i := 0; i < 12; i++ {
		a := alum{name: fmt.Sprint("l", i), exit: time.Date(2025, 6, 1+i, 0, 0, 0, 0, time.UTC), consent: i < 8,
			reason: map[bool]string{true: "personal", false: "growth"}[i < 7]}
		switch {
		case i >= 10:
			a.exitType = "involuntary"
		case i < 4:
			a.regrettable = true
		}
		if i >= 9 {
			a.hire = time.Date(2025, 4, 10, 0, 0, 0, 0, time.UTC) // hired during the year
		}
		as = append(as, a)
	}
	// Leavers of other years: not in FY2025's turnover, but in the boomerang cohort.
	for i := 0; i < 20; i++ {
		as = append(as, alum{name: fmt.Sprint("old", i), exit: time.Date(2023, 1, 1+i, 0, 0, 0, 0, time.UTC), consent: true})
	}
	f.alumni(as...)
	for i := 0; i < 5; i++ {
		if err := f.svc.RecordHire(f.ctx, "t1", "test", id("t1", fmt.Sprint("old", i)), Rehired,
			time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC).AddDate(0, i*5, 0)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		if err := f.svc.RecordHire(f.ctx, "t1", "test", id("t1", fmt.Sprint("l", i)), Referral, time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	// First-wave answers of 8 leavers, submitted in the year: would-recommend 10 10 10 9 8 5 3 0 (eNPS
	// (4 − 3)/8 = 12.5), return intent 5 5 4 3 3 2 1 1 (3 of 8 top-2), management 4 4 4 4 4 2 2 2 (5 of 8);
	// true reason compensation for 6 of them (stated personal), personal for 2.
	rec := []int{10, 10, 10, 9, 8, 5, 3, 0}
	ret := []int{5, 5, 4, 3, 3, 2, 1, 1}
	var rs []resp
	for i := range rec {
		truth := "compensation"
		if i >= 6 {
			truth = "personal"
		}
		m := 4
		if i >= 5 {
			m = 2
		}
		rs = append(rs, resp{alumnus: fmt.Sprint("l", i), rec: rec[i], ret: ret[i], drivers: []int{3, m, 3, 3, 3, 3, 3},
			trueReason: truth, reason: "personal", at: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)})
	}
	// Five answers submitted before the year: not counted. (With fewer, the year's figures would be
	// refused: all-time minus the year would reveal them.)
	for i := 0; i < 5; i++ {
		rs = append(rs, resp{alumnus: fmt.Sprint("old", i), rec: 0, ret: 1, trueReason: "manager", at: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)})
	}
	f.submit(rs...)
	return f
}

func figures(rep HumanCapitalReport) map[string]Figure {
	out := map[string]Figure{}
	for _, f := range rep.Figures {
		out[f.ID] = f
	}
	return out
}

func TestHumanCapital(t *testing.T) {
	f := hcFixture(t)
	check := func(mode string, voluntary int) {
		rep, err := f.svc.HumanCapital(f.ctx, "t1", 2025, "")
		if err != nil {
			t.Fatal(err)
		}
		if rep.From != "2025-04-01" || rep.To != "2026-03-31" {
			t.Errorf("%s: year %s – %s", mode, rep.From, rep.To)
		}
		fs := figures(rep)
		val := func(id string) float64 {
			t.Helper()
			fg, ok := fs[id]
			if !ok || fg.Value == nil {
				t.Fatalf("%s: %s missing or suppressed: %+v", mode, id, fg)
			}
			return float64(*fg.Value)
		}
		if v := val("average_headcount"); !near(v, 101) {
			t.Errorf("%s: average headcount %v", mode, v)
		}
		if v := val("turnover_rate"); !near(v, 100*12.0/101) {
			t.Errorf("%s: turnover %v", mode, v)
		}
		if v := val("voluntary_turnover_rate"); !near(v, 100*float64(voluntary)/101) {
			t.Errorf("%s: voluntary turnover %v", mode, v)
		}
		if r := fs["regrettable_turnover_rate"]; !r.Suppressed || r.N != nil || r.Value != nil {
			t.Errorf("%s: 4 regrettable leavers shown: %+v", mode, r)
		}
		// 9 of the 12 leavers were employed at the start of the year: (100 − 9)/100.
		if v := val("retention_rate"); !near(v, 91) {
			t.Errorf("%s: retention %v", mode, v)
		}
		if v := val("exit_reason_stated:personal"); !near(v, 100*7.0/12) {
			t.Errorf("%s: stated personal %v", mode, v)
		}
		if v := val("alumni_participation"); !near(v, 100*8.0/12) {
			t.Errorf("%s: participation %v", mode, v)
		}
		if r := fs["referral_hires"]; !r.Suppressed {
			t.Errorf("%s: 2 referral hires shown: %+v", mode, r)
		}
		// No rehire falls in FY2025 (they are in 2023–2025 before April): 0 is shown as 0.
		if v := val("rehires"); v != 0 {
			t.Errorf("%s: rehires in the year %v", mode, v)
		}
		// Boomerangs: 5 of the 30 voluntary leavers of the last five years were rehired, 6, 11, 16, 21
		// and 26 months after their exit (the first within 12 months).
		b := fs["boomerang_rate_12m"]
		if b.Suppressed || b.N == nil || *b.N != 20+voluntary {
			t.Errorf("%s: boomerang 12m %+v", mode, b)
		}
		// Kaplan–Meier by hand: at 6 months all n are at risk and one is rehired; the year's leavers are
		// censored at under 10 months; at 11 months the 19 old leavers left at risk see one rehire.
		n := float64(20 + voluntary)
		if v := val("boomerang_rate_12m"); !near(v, 100*(1-(n-1)/n*18/19)) {
			t.Errorf("%s: boomerang 12m %v, want %v", mode, v, 100*(1-(n-1)/n*18/19))
		}
		if v := val("alumni_enps"); !near(v, 12.5) || *fs["alumni_enps"].N != 8 {
			t.Errorf("%s: alumni eNPS %v (n %v)", mode, v, fs["alumni_enps"].N)
		}
		if v := val("alumni_return_intent"); !near(v, 100*3.0/8) {
			t.Errorf("%s: return intent %v", mode, v)
		}
		if v := val("leadership_trust_alumni"); !near(v, 100*5.0/8) {
			t.Errorf("%s: leadership trust %v", mode, v)
		}
		// True reasons: compensation 6 of 8; personal 2 is hidden, and with it compensation (8 − 6 = 2).
		if c := fs["exit_reason_true:compensation"]; !c.Suppressed {
			t.Errorf("%s: compensation %+v shown beside a hidden personal (8 − 6 = 2)", mode, c)
		}
		if c := fs["exit_reason_true:personal"]; !c.Suppressed || c.N != nil {
			t.Errorf("%s: 2 people with personal reasons shown: %+v", mode, c)
		}
		if v := val("candour_gap"); !near(v, 100*6.0/8) {
			t.Errorf("%s: candour gap %v", mode, v)
		}
	}
	f.modes(func(mode string) { check(mode, 10) })
	// HR corrects l3: involuntary after all (a new version of the registry row).
	f.alumni(alum{name: "l3", exit: time.Date(2025, 6, 4, 0, 0, 0, 0, time.UTC), exitType: "involuntary", regrettable: true, consent: true, reason: "personal"})
	f.modes(func(mode string) { check(mode, 9) })
}

func TestExportDisclosure(t *testing.T) {
	f := hcFixture(t)
	for _, format := range []string{FormatCSV, FormatJSON, FormatXLSX} {
		var buf bytes.Buffer
		if err := f.svc.ExportDisclosure(f.ctx, "t1", "apikey:k1", 2025, format, &buf); err != nil {
			t.Fatal(format, err)
		}
		switch format {
		case FormatCSV:
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != strings.Join(exportColumns, ",") {
				t.Errorf("csv header %v", rows[0])
			}
			for _, r := range rows[1:] {
				if r[0] == "regrettable_turnover_rate" && (r[3] != "" || r[5] != "" || r[8] != "true" || r[9] != suppress.ReasonBelowMinimum) {
					t.Errorf("suppressed row %v", r)
				}
				if r[0] == "turnover_rate" && (r[3] == "" || r[5] != "12" || r[12] == "" || r[13] != JPRetention) {
					t.Errorf("turnover row %v", r)
				}
			}
		case FormatJSON:
			var d struct {
				FiscalYear int `json:"fiscal_year"`
				Figures    []map[string]any
			}
			if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
			for _, fg := range d.Figures {
				if fg["id"] == "regrettable_turnover_rate" {
					if n, ok := fg["n"]; !ok || n != nil || fg["suppressed"] != true {
						t.Errorf("suppressed figure in JSON: %v", fg)
					}
				}
			}
		case FormatXLSX:
			x, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := x.GetRows("Disclosure")
			if err != nil || len(rows) < 10 || rows[0][0] != "id" {
				t.Errorf("xlsx rows %d %v", len(rows), err)
			}
		}
	}
	entries, err := audit.New(f.conn).List(f.ctx, "t1", 50)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "export.") && e.Actor == "apikey:k1" && e.Target == "disclosure/FY2025" {
			got[e.Action] = true
		}
	}
	if !got["export.csv"] || !got["export.json"] || !got["export.xlsx"] {
		t.Errorf("audited exports %v", got)
	}
	var ve *ValidationError
	if err := f.svc.ExportDisclosure(f.ctx, "t1", "x", 2025, "pdf", &bytes.Buffer{}); !errors.As(err, &ve) {
		t.Errorf("pdf: %v", err)
	}
	_ = math.NaN
}
