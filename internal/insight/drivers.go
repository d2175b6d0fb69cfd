package insight

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/alumnipulse/alumnipulse/internal/stats"
)

// DriversReport relates the hindsight ratings (pay, manager, growth, …) to would-recommend and to return
// intent: Spearman's ρ of each, Johnson's relative weights of all together, and an importance × gap
// ranking of what to act on first. It uses the responses that rated every driver (complete cases).
type DriversReport struct {
	Filter   Filter          `json:"filter"`
	MinGroup int             `json:"min_group"`
	Target   Num             `json:"target"` // the benchmark of the gaps, on a 0–1 scale
	Outcomes []DriverOutcome `json:"outcomes"`
}

// DriverOutcome is the driver analysis of one outcome; n counts complete cases.
type DriverOutcome struct {
	Cell
	Outcome string `json:"outcome"` // "enps" (the 0–10 score) or "return_intent"
	// Warnings say when the figures are too unstable to act on (n below 30) or could not be computed.
	Warnings   []string       `json:"warnings,omitempty"`
	RSquared   *Num           `json:"r_squared,omitempty"`
	Drivers    []DriverFigure `json:"drivers,omitempty"`
	Priorities []Priority     `json:"priorities,omitempty"`
}

// DriverFigure is one driver's relation to an outcome.
type DriverFigure struct {
	Driver   string   `json:"driver"` // reason code
	Spearman Num      `json:"spearman"`
	P        Num      `json:"p"`
	CI       Interval `json:"ci"`
	// Weight is the raw relative weight (its part of R²), Share its part of R² (the shares sum to 1).
	Weight Num `json:"weight"`
	Share  Num `json:"share"`
	// Mean rating (1–5) and Gap = target − (mean − 1)/4.
	Mean Num `json:"mean"`
	Gap  Num `json:"gap"`
}

// Priority is a driver ranked by importance (its relative-weight share) × gap, 1 = act first.
type Priority struct {
	Driver     string `json:"driver"`
	Importance Num    `json:"importance"`
	Gap        Num    `json:"gap"`
	Score      Num    `json:"score"`
	Rank       int    `json:"rank"`
}

// minDriverN is the n below which driver weights come with a warning.
const minDriverN = 30

// driverGroup is the part of the complete cases with one (score, return intent) pair.
type driverGroup struct {
	score, ret int
	n          int
	dist       [][6]int  // dist[j][x]: how many rated driver j with x
	sum        []float64 // Σ d_j
	prod       []float64 // Σ d_j·d_k, upper triangle row by row
}

// Drivers analyses the responses matching f (the first wave when f names no wave or survey).
func (s *Service) Drivers(ctx context.Context, tenantID string, f Filter) (DriversReport, error) {
	if f.Get(DimWave) == "" && f.Get(DimSurvey) == "" {
		f = f.With(DimWave, s.opts.FirstWave)
	}
	st, err := s.start(ctx, tenantID, srcPivot)
	if err != nil {
		return DriversReport{}, err
	}
	min := st.min
	rep := DriversReport{Filter: f, MinGroup: min, Target: Num(s.opts.TargetScore)}
	var idx []int // positions in response_pivot.drivers of the drivers some survey asks
	for i, qs := range s.slots.drivers {
		if len(qs) > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return rep, nil
	}
	p := len(idx)
	d := func(j int) string { return fmt.Sprintf("drivers[%d]", idx[j]+1) }
	tail := s.startPivotTail(ctx, st)
	rowsSQL, rowsArgs := s.pivotRows(tenantID, st.compactedOnly().w, columns(f, "submitted_at", "score", "return_intent", "drivers"),
		scopeConds(f, DimWave, DimSurvey)...)
	c := countsFor(f, "submitted_at", DimWave, DimSurvey)
	// One pass grouped by the two outcomes (at most 11 × 5 groups): per group the sums of every driver's
	// first four powers and of the products of drivers. The products give the correlations behind the
	// relative weights; the powers give each driver's distribution (a rating of 1–5 is fixed by its first
	// four moments), from which Spearman's ρ follows. Nothing per person leaves the database.
	var complete, cols []string
	for j := 0; j < p; j++ {
		complete = append(complete, d(j)+" > 0")
		cols = append(cols, fmt.Sprintf("toInt64(%s) AS d%d", d(j), j))
	}
	// Without parents every row the WHERE admits is in the filter, and a plain sum is cheaper than sumIf.
	sum := func(x string) string {
		if c.parents == 0 {
			return "sum(" + x + ")"
		}
		return "sumIf(" + x + ", f_)"
	}
	q := &sqlb{}
	q.add("SELECT score, return_intent, "+c.sel, c.selArgs...)
	for j := 0; j < p; j++ {
		dj := fmt.Sprintf("d%d", j)
		q.add(", " + sum(dj) + ", " + sum(dj+"*"+dj+"*"+dj) + ", " + sum(dj+"*"+dj+"*"+dj+"*"+dj))
	}
	for j := 0; j < p; j++ {
		for k := j; k < p; k++ {
			q.add(", " + sum(fmt.Sprintf("d%d * d%d", j, k)))
		}
	}
	// The inner query passes on only what the sums and the counts read, not the drivers array.
	pass := columns(f, "submitted_at", "score", "return_intent")
	q.add(" FROM (SELECT "+strings.Join(pass, ", ")+", toUInt8("+c.all+") AS f_, "+strings.Join(cols, ", "), c.allArgs...)
	q.add(" FROM ("+rowsSQL+")", rowsArgs...)
	q.add(" WHERE "+strings.Join(complete, " AND ")+" AND ("+c.where+")) GROUP BY score, return_intent", c.whereArgs...)

	// The sums per (score, return intent), the responses newer than the watermark added in Go.
	type rawGroup struct {
		counts []int // n and the parents
		sums   []int64
	}
	raws := map[[2]int8]*rawGroup{}
	get := func(k [2]int8) *rawGroup {
		if raws[k] == nil {
			raws[k] = &rawGroup{counts: make([]int, c.parents+1), sums: make([]int64, 3*p+p*(p+1)/2)}
		}
		return raws[k]
	}
	err = query(ctx, s.conn, "read drivers", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var score, ret int8
		raw := make([]uint64, c.parents+1)
		sums := make([]int64, 3*p+p*(p+1)/2)
		dest := []any{&score, &ret}
		for i := range raw {
			dest = append(dest, &raw[i])
		}
		for i := range sums {
			dest = append(dest, &sums[i])
		}
		if err := r.Scan(dest...); err != nil {
			return err
		}
		g := get([2]int8{score, ret})
		for i, v := range raw {
			g.counts[i] += int(v)
		}
		for i, v := range sums {
			g.sums[i] += v
		}
		return nil
	})
	if err != nil {
		return DriversReport{}, err
	}
	rows, err := tail()
	if err != nil {
		return DriversReport{}, err
	}
	for _, r := range rows {
		ds := make([]int64, p)
		complete := true
		for j, i := range idx {
			if i < len(r.drivers) && r.drivers[i] > 0 {
				ds[j] = int64(r.drivers[i])
			} else {
				complete = false
			}
		}
		n, ps, ok := r.signedCounts(c)
		if !complete || !ok {
			continue
		}
		g := get([2]int8{r.score, r.ri})
		g.counts[0] += n
		for i, v := range ps {
			g.counts[i+1] += v
		}
		if n == 0 {
			continue // counted under a parent only: not in the sums
		}
		sg := int64(n) // ±1
		for j, d := range ds {
			g.sums[3*j] += sg * d
			g.sums[3*j+1] += sg * d * d * d
			g.sums[3*j+2] += sg * d * d * d * d
		}
		i := 3 * p
		for j := 0; j < p; j++ {
			for k := j; k < p; k++ {
				g.sums[i] += sg * ds[j] * ds[k]
				i++
			}
		}
	}
	keys := make([][2]int8, 0, len(raws))
	for k := range raws {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]int8) int {
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		return int(a[1]) - int(b[1])
	})
	var groups []driverGroup
	var tot tally
	for _, k := range keys {
		rg := raws[k]
		sums := rg.sums
		g := driverGroup{score: int(k[0]), ret: int(k[1]), n: rg.counts[0], dist: make([][6]int, p),
			sum: make([]float64, p), prod: make([]float64, p*(p+1)/2)}
		tot.add(g.n, rg.counts[1:])
		if g.n <= 0 {
			continue
		}
		for i := range g.prod {
			g.prod[i] = float64(sums[3*p+i])
		}
		for j := 0; j < p; j++ {
			g.sum[j] = float64(sums[3*j])
			sq := g.prod[j*p-j*(j-1)/2] // Σ d_j²
			dist, err := ratingCounts(g.n, [4]float64{g.sum[j], sq, float64(sums[3*j+1]), float64(sums[3*j+2])})
			if err != nil {
				return DriversReport{}, err
			}
			g.dist[j] = dist
		}
		groups = append(groups, g)
	}
	codes := make([]string, p)
	for j, i := range idx {
		codes[j] = s.slots.driverCodes[i]
	}
	for _, o := range []struct {
		name string
		get  func(g driverGroup) int
		lo   int
	}{
		{MetricENPS, func(g driverGroup) int { return g.score }, 0},
		{MetricReturnIntent, func(g driverGroup) int { return g.ret }, 1},
	} {
		var sub []driverGroup
		ot := tally{parents: make([]int, len(tot.parents))}
		for _, g := range groups {
			if o.get(g) >= o.lo {
				sub = append(sub, g)
				ot.n += g.n
			}
		}
		// Complete cases of one outcome are the filter's complete cases less those who skipped the
		// outcome; the parents are shifted alike, so the differencing check compares like with like.
		for i, pn := range tot.parents {
			ot.parents[i] = pn - (tot.n - ot.n)
		}
		v, err := protect(nil, ot, min)
		if err != nil {
			return DriversReport{}, err
		}
		out := DriverOutcome{Outcome: o.name, Cell: v.total}
		out.Key = o.name
		if !out.Suppressed {
			out = s.driverFigures(out, sub, codes, o.get)
		}
		rep.Outcomes = append(rep.Outcomes, out)
	}
	return rep, nil
}

// driverFigures computes one outcome's figures from its groups of complete cases.
func (s *Service) driverFigures(out DriverOutcome, groups []driverGroup, codes []string, get func(driverGroup) int) DriverOutcome {
	p := len(codes)
	n := 0
	var so, soo float64
	sum := make([]float64, p)
	prod := make([]float64, p*(p+1)/2)
	cross := make([]float64, p) // Σ d_j·outcome
	for _, g := range groups {
		y := float64(get(g))
		n += g.n
		so += y * float64(g.n)
		soo += y * y * float64(g.n)
		for j := range sum {
			sum[j] += g.sum[j]
			cross[j] += y * g.sum[j]
		}
		for i := range prod {
			prod[i] += g.prod[i]
		}
	}
	if n < minDriverN {
		out.Warnings = append(out.Warnings, fmt.Sprintf("only %d complete responses: below %d, treat the weights as indicative", n, minDriverN))
	}
	nf := float64(n)
	tri := func(j, k int) float64 { // Σ d_j·d_k
		if j > k {
			j, k = k, j
		}
		return prod[j*p-j*(j-1)/2+(k-j)]
	}
	cov := func(sab, sa, sb float64) float64 { return sab - sa*sb/nf }
	rxx := mat.NewSymDense(p, nil)
	rxy := make([]float64, p)
	vy := cov(soo, so, so)
	for j := 0; j < p; j++ {
		vj := cov(tri(j, j), sum[j], sum[j])
		for k := j; k < p; k++ {
			vk := cov(tri(k, k), sum[k], sum[k])
			rxx.SetSym(j, k, cov(tri(j, k), sum[j], sum[k])/math.Sqrt(vj*vk))
		}
		rxy[j] = cov(cross[j], sum[j], so) / math.Sqrt(vj*vy)
	}
	rw, err := stats.RelativeWeightsFromCorrelations(rxx, rxy, n)
	if err != nil {
		reason := "relative weights could not be computed"
		if errors.Is(err, stats.ErrDegenerate) {
			reason += ": a rating or the outcome does not vary, or two ratings move together"
		} else if errors.Is(err, stats.ErrInsufficientData) {
			reason += ": too few responses"
		}
		out.Warnings = append(out.Warnings, reason)
	} else {
		out.RSquared = num(rw.RSquared)
	}
	var ig []stats.Driver
	for j, code := range codes {
		pc := pairCounts{}
		for _, g := range groups {
			for x := 1; x <= 5; x++ {
				if g.dist[j][x] > 0 {
					pc[[2]int{x, get(g)}] += g.dist[j][x]
				}
			}
		}
		rho, _ := spearman(pc)
		pv, ci := spearmanInference(rho, n)
		mean := sum[j] / nf
		fig := DriverFigure{Driver: code, Spearman: Num(rho), P: Num(pv), CI: interval(ci), Mean: Num(mean),
			Gap: Num(s.opts.TargetScore - stats.Rescale(mean, 1, 5)), Weight: Num(math.NaN()), Share: Num(math.NaN())}
		importance := math.Abs(rho)
		if err == nil {
			fig.Weight, fig.Share = Num(rw.Raw[j]), Num(rw.Share[j])
			importance = rw.Share[j]
		}
		out.Drivers = append(out.Drivers, fig)
		ig = append(ig, stats.Driver{Name: code, Importance: importance, Gap: float64(fig.Gap)})
	}
	for _, pr := range stats.ImportanceGap(ig) {
		out.Priorities = append(out.Priorities, Priority{Driver: pr.Name, Importance: Num(pr.Importance), Gap: Num(pr.Gap),
			Score: Num(pr.Score), Rank: pr.Rank})
	}
	return out
}

// spearmanInference adds stats.SpearmanTest's p-value and 95% interval to a ρ computed from counts.
func spearmanInference(rho float64, n int) (p float64, ci stats.Interval) {
	p, ci = math.NaN(), stats.Interval{Lo: math.NaN(), Hi: math.NaN()}
	if math.IsNaN(rho) {
		return p, ci
	}
	rho = math.Max(-1, math.Min(1, rho))
	if n >= 3 {
		if math.Abs(rho) == 1 {
			p = 0
		} else {
			df := float64(n - 2)
			t := rho * math.Sqrt(df/(1-rho*rho))
			p = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(t))
		}
	}
	if n >= 4 {
		if math.Abs(rho) == 1 {
			ci = stats.Interval{Lo: rho, Hi: rho}
		} else {
			h := 1.959963984540054 * math.Sqrt((1+rho*rho/2)/float64(n-3))
			ci = stats.Interval{Lo: math.Tanh(math.Atanh(rho) - h), Hi: math.Tanh(math.Atanh(rho) + h)}
		}
	}
	return p, ci
}

// ratingCounts recovers how many of n ratings on 1–5 were 1, 2, … 5 from their sums Σx, Σx², Σx³, Σx⁴:
// the counts solve the 5×5 Vandermonde system Σ_v c_v·v^k = m_k (k = 0 … 4, m_0 = n), which has one
// solution. The moments are exact integers, so the solution is rounded; a result that is not a set of
// counts adding up to n means the ratings were not all on 1–5.
func ratingCounts(n int, m [4]float64) ([6]int, error) {
	a := mat.NewDense(5, 5, nil)
	b := mat.NewVecDense(5, []float64{float64(n), m[0], m[1], m[2], m[3]})
	for k := 0; k < 5; k++ {
		for v := 1; v <= 5; v++ {
			a.Set(k, v-1, math.Pow(float64(v), float64(k)))
		}
	}
	var x mat.VecDense
	if err := x.SolveVec(a, b); err != nil {
		return [6]int{}, fmt.Errorf("rating distribution: %w", err)
	}
	var out [6]int
	total := 0
	for v := 1; v <= 5; v++ {
		c := math.Round(x.AtVec(v - 1))
		if c < 0 || math.Abs(c-x.AtVec(v-1)) > 1e-3 {
			return [6]int{}, fmt.Errorf("rating distribution: moments of %d ratings do not fit a 1–5 scale: %w", n, stats.ErrDegenerate)
		}
		out[v] = int(c)
		total += int(c)
	}
	if total != n {
		return [6]int{}, fmt.Errorf("rating distribution: counts add up to %d, not %d: %w", total, n, stats.ErrDegenerate)
	}
	return out, nil
}
