package stats

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func TestTurnover(t *testing.T) {
	tests := []struct {
		name    string
		leavers int
		avg     float64
		want    float64
	}{
		{"annual", 24, 200, 0.12},
		{"none left", 0, 50, 0},
		{"no headcount", 3, 0, math.NaN()},
		{"negative leavers", -1, 10, math.NaN()},
	}
	for _, tc := range tests {
		r := Turnover(tc.leavers, tc.avg)
		checkNear(t, tc.name, r.Value, tc.want, 1e-15)
		if r.Count != tc.leavers || r.Base != tc.avg {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}

func TestAverageHeadcount(t *testing.T) {
	monthly := []float64{200, 202, 205, 203, 199, 198, 201, 204, 206, 207, 205, 210}
	tests := []struct {
		name string
		h    []float64
		want float64
	}{
		{"open and close", []float64{190, 210}, 200},
		{"twelve month-ends", monthly, stat.Mean(monthly, nil)},
		{"empty", nil, math.NaN()},
		{"negative", []float64{10, -1}, math.NaN()},
	}
	for _, tc := range tests {
		checkNear(t, tc.name, AverageHeadcount(tc.h), tc.want, 1e-12)
	}
}

func TestRetention(t *testing.T) {
	tests := []struct {
		name          string
		start, stayed int
		want          float64
	}{
		{"most stayed", 200, 180, 0.9},
		{"all stayed", 10, 10, 1},
		{"more stayed than started", 10, 11, math.NaN()},
		{"no one at start", 0, 0, math.NaN()},
	}
	for _, tc := range tests {
		checkNear(t, tc.name, Retention(tc.start, tc.stayed).Value, tc.want, 1e-15)
	}
}
