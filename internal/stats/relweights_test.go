package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// correlatedData returns n rows of p predictors sharing a common factor (so they
// correlate) and an outcome depending on them with noise.
func correlatedData(n, p int, seed uint64) ([][]float64, []float64) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	X := make([][]float64, n)
	y := make([]float64, n)
	for i := range X {
		f := rng.NormFloat64()
		X[i] = make([]float64, p)
		for j := range X[i] {
			X[i][j] = 0.6*f + rng.NormFloat64()
			y[i] += float64(j+1) * 0.3 * X[i][j]
		}
		y[i] += 2 * rng.NormFloat64()
	}
	return X, y
}

// olsRSquared fits y on [1 X] by least squares with gonum and returns R².
func olsRSquared(t *testing.T, X [][]float64, y []float64) float64 {
	t.Helper()
	n, p := len(X), len(X[0])
	A := mat.NewDense(n, p+1, nil)
	for i, row := range X {
		A.Set(i, 0, 1)
		for j, v := range row {
			A.Set(i, j+1, v)
		}
	}
	var coef mat.VecDense
	if err := coef.SolveVec(A, mat.NewVecDense(n, y)); err != nil {
		t.Fatalf("OLS: %v", err)
	}
	var fit mat.VecDense
	fit.MulVec(A, &coef)
	return stat.RSquaredFrom(fit.RawVector().Data, y, nil)
}

func TestRelativeWeightsSumToOLSRSquared(t *testing.T) {
	tests := []struct {
		n, p int
		seed uint64
	}{{200, 3, 1}, {1000, 6, 2}, {40, 2, 3}}
	for _, tc := range tests {
		X, y := correlatedData(tc.n, tc.p, tc.seed)
		r, err := RelativeWeights(X, y)
		if err != nil {
			t.Fatal(err)
		}
		want := olsRSquared(t, X, y)
		checkNear(t, "R²", r.RSquared, want, 1e-10)
		var sumRaw, sumShare float64
		for j := range r.Raw {
			sumRaw += r.Raw[j]
			sumShare += r.Share[j]
			if r.Raw[j] < 0 {
				t.Errorf("negative weight %v", r.Raw[j])
			}
			col := make([]float64, tc.n)
			for i := range X {
				col[i] = X[i][j]
			}
			checkNear(t, "r_xy", r.Correlations[j], stat.Correlation(col, y, nil), 1e-12)
		}
		checkNear(t, "Σε", sumRaw, want, 1e-10)
		checkNear(t, "Σ share", sumShare, 1, 1e-12)
		if r.N != tc.n || len(r.Warnings) != 0 {
			t.Errorf("n %d warnings %v", r.N, r.Warnings)
		}
	}
}

// With uncorrelated predictors each weight is the squared correlation with y.
func TestRelativeWeightsOrthogonal(t *testing.T) {
	// Columns of a 2³ factorial design: centred and mutually orthogonal; repeated
	// four times for n = 32.
	base := [][]float64{
		{1, 1, 1}, {1, 1, -1}, {1, -1, 1}, {1, -1, -1},
		{-1, 1, 1}, {-1, 1, -1}, {-1, -1, 1}, {-1, -1, -1},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var X [][]float64
	var y []float64
	for rep := 0; rep < 4; rep++ {
		for _, row := range base {
			X = append(X, row)
			y = append(y, 2*row[0]-row[1]+0.5*row[2]+rng.NormFloat64())
		}
	}
	r, err := RelativeWeights(X, y)
	if err != nil {
		t.Fatal(err)
	}
	for j := range r.Raw {
		checkNear(t, "ε = r²", r.Raw[j], r.Correlations[j]*r.Correlations[j], 1e-12)
	}
}

// Two predictors with correlation ρ: Λ = [[a, b], [b, a]] with
// a = (√(1+ρ) + √(1−ρ))/2, b = (√(1+ρ) − √(1−ρ))/2 (closed form, no eigen solver).
func TestRelativeWeightsTwoPredictorsClosedForm(t *testing.T) {
	tests := []struct{ rho, r1, r2 float64 }{{0.5, 0.6, 0.4}, {-0.3, 0.2, 0.5}, {0.8, 0.7, 0.65}}
	for _, tc := range tests {
		a := (math.Sqrt(1+tc.rho) + math.Sqrt(1-tc.rho)) / 2
		b := (math.Sqrt(1+tc.rho) - math.Sqrt(1-tc.rho)) / 2
		det := a*a - b*b
		b1 := (a*tc.r1 - b*tc.r2) / det
		b2 := (-b*tc.r1 + a*tc.r2) / det
		e1 := a*a*b1*b1 + b*b*b2*b2
		e2 := b*b*b1*b1 + a*a*b2*b2
		r2 := (tc.r1*tc.r1 - 2*tc.rho*tc.r1*tc.r2 + tc.r2*tc.r2) / (1 - tc.rho*tc.rho)

		rxx := mat.NewSymDense(2, []float64{1, tc.rho, tc.rho, 1})
		r, err := RelativeWeightsFromCorrelations(rxx, []float64{tc.r1, tc.r2}, 100)
		if err != nil {
			t.Fatal(err)
		}
		checkNear(t, "ε1", r.Raw[0], e1, 1e-12)
		checkNear(t, "ε2", r.Raw[1], e2, 1e-12)
		checkNear(t, "R²", r.RSquared, r2, 1e-12)
	}
}

func TestRelativeWeightsErrors(t *testing.T) {
	X, y := correlatedData(50, 3, 9)
	constant := make([][]float64, 50)
	collinear := make([][]float64, 50)
	for i := range X {
		constant[i] = []float64{X[i][0], 7, X[i][2]}
		collinear[i] = []float64{X[i][0], X[i][1], X[i][0] + 2*X[i][1]}
	}
	withNaN := [][]float64{{1, 2}, {math.NaN(), 1}, {3, 4}, {5, 1}}
	tests := []struct {
		name string
		X    [][]float64
		y    []float64
		is   error
	}{
		{"constant predictor", constant, y, ErrDegenerate},
		{"collinear", collinear, y, ErrDegenerate},
		{"NaN", withNaN, []float64{1, 2, 3, 4}, ErrDegenerate},
		{"constant outcome", X, make([]float64, 50), ErrDegenerate},
		{"too few rows", X[:4], y[:4], ErrInsufficientData},
		{"empty", nil, nil, ErrInsufficientData},
		{"ragged", [][]float64{{1, 2}, {3}}, []float64{1, 2}, nil},
		{"length mismatch", X, y[:10], nil},
	}
	for _, tc := range tests {
		_, err := RelativeWeights(tc.X, tc.y)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.is)
		}
	}
}

func TestRelativeWeightsSmallSampleWarning(t *testing.T) {
	X, y := correlatedData(29, 3, 11)
	r, err := RelativeWeights(X, y)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "n = 29") {
		t.Errorf("warnings %q, want one about n = 29", r.Warnings)
	}
}

func BenchmarkRelativeWeights100k(b *testing.B) {
	X, y := correlatedData(100_000, 8, 42)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RelativeWeights(X, y); err != nil {
			b.Fatal(err)
		}
	}
}
