package stats

import (
	"math"
	"testing"
)

func TestImportanceGap(t *testing.T) {
	drivers := []Driver{
		{Name: "pay", Importance: 0.40, Gap: 0.10},         // 0.040
		{Name: "manager", Importance: 0.25, Gap: 0.30},     // 0.075
		{Name: "growth", Importance: 0.20, Gap: 0.20},      // 0.040, less important than pay
		{Name: "flexibility", Importance: 0.10, Gap: -0.2}, // beats the benchmark
		{Name: "culture", Importance: math.NaN(), Gap: 0.5},
		{Name: "workload", Importance: 0.05, Gap: 0},
	}
	got := ImportanceGap(drivers)
	wantOrder := []string{"manager", "pay", "growth", "workload", "flexibility", "culture"}
	wantScore := []float64{0.075, 0.04, 0.04, 0, -0.02, math.NaN()}
	if len(got) != len(wantOrder) {
		t.Fatalf("got %d priorities", len(got))
	}
	for i, p := range got {
		if p.Name != wantOrder[i] || p.Rank != i+1 {
			t.Errorf("rank %d: %s (rank %d), want %s", i+1, p.Name, p.Rank, wantOrder[i])
		}
		checkNear(t, p.Name+" score", p.Score, wantScore[i], 1e-12)
	}
	if drivers[0].Name != "pay" {
		t.Error("input was reordered")
	}
}

func TestRescale(t *testing.T) {
	tests := []struct{ v, lo, hi, want float64 }{
		{3.8, 1, 5, 0.7},
		{1, 1, 5, 0},
		{5, 1, 5, 1},
		{7, 0, 10, 0.7},
		{3, 5, 5, math.NaN()},
	}
	for _, tc := range tests {
		checkNear(t, "Rescale", Rescale(tc.v, tc.lo, tc.hi), tc.want, 1e-12)
	}
}
