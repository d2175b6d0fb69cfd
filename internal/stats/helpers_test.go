package stats

import (
	"math"
	"testing"
)

// near reports whether got is within tol of want; NaN matches NaN.
func near(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol
}

func checkNear(t *testing.T, label string, got, want, tol float64) {
	t.Helper()
	if !near(got, want, tol) {
		t.Errorf("%s = %.10g, want %.10g (±%g)", label, got, want, tol)
	}
}
