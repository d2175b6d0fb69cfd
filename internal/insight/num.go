package insight

import (
	"math"
	"strconv"

	"github.com/alumnipulse/alumnipulse/internal/stats"
)

// Num is a float64 that encodes NaN and ±Inf as JSON null: statistics are NaN where undefined (n = 0, a
// zero variance), and encoding/json refuses NaN.
type Num float64

// MarshalJSON writes the number, or null when it is not finite.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', 10, 64), nil
}

// UnmarshalJSON reads a number or null (as NaN).
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*n = Num(f)
	return err
}

// Interval is a confidence interval; ends are null when undefined.
type Interval struct {
	Lo Num `json:"lo"`
	Hi Num `json:"hi"`
}

func interval(iv stats.Interval) Interval { return Interval{Num(iv.Lo), Num(iv.Hi)} }

// Share is a proportion with its 95% Wilson interval.
type Share struct {
	Count    int      `json:"count"`
	N        int      `json:"n"`
	Estimate Num      `json:"estimate"`
	CI       Interval `json:"ci"`
}

func share(x, n int) Share {
	p := stats.Share(x, n, 0.95)
	return Share{Count: x, N: n, Estimate: Num(p.Estimate), CI: interval(p.CI)}
}

// Effect is a named effect size with its 95% interval.
type Effect struct {
	Name  string   `json:"name"`
	Value Num      `json:"value"`
	CI    Interval `json:"ci"`
}

// Test is the outcome of a hypothesis test (see stats.TestResult), JSON-safe.
type Test struct {
	Method    string    `json:"method"`
	N         int       `json:"n"`
	Statistic Num       `json:"statistic"`
	DF        Num       `json:"df,omitempty"`
	P         Num       `json:"p"`
	Effects   []Effect  `json:"effects"`
	Variants  []Variant `json:"variants,omitempty"`
}

// Variant is another version of a test on the same data.
type Variant struct {
	Method    string `json:"method"`
	Statistic Num    `json:"statistic"`
	P         Num    `json:"p"`
}

func test(r stats.TestResult) *Test {
	t := &Test{Method: r.Method, N: r.N, Statistic: Num(r.Statistic), DF: Num(r.DF), P: Num(r.P)}
	for _, e := range r.Effects {
		t.Effects = append(t.Effects, Effect{Name: e.Name, Value: Num(e.Value), CI: interval(e.CI)})
	}
	for _, v := range r.Variants {
		t.Variants = append(t.Variants, Variant{Method: v.Method, Statistic: Num(v.Statistic), P: Num(v.P)})
	}
	return t
}
