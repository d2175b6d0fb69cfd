package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// ErrInsufficientData is returned (wrapped) when there are too few observations
// for an estimate.
var ErrInsufficientData = errors.New("insufficient data")

// ErrDegenerate is returned (wrapped) when the data cannot support an estimate: a
// constant variable, collinear predictors or a non-finite value.
var ErrDegenerate = errors.New("degenerate data")

// smallSampleN is the n under which relative weights carry a warning; below it
// the weights of correlated predictors swing from sample to sample (Johnson 2000
// and Tonidandel & LeBreton 2011 work with samples well above it).
const smallSampleN = 30

// collinearTol: predictors are treated as collinear when the smallest eigenvalue
// of their correlation matrix is below this fraction of the largest.
const collinearTol = 1e-10

// RelativeWeightsResult holds Johnson's relative weights of p predictors.
type RelativeWeightsResult struct {
	N            int       `json:"n"`
	RSquared     float64   `json:"r_squared"`    // R² of the OLS fit of y on all predictors
	Raw          []float64 `json:"raw"`          // ε_j; Σ ε_j = R²
	Share        []float64 `json:"share"`        // ε_j / R²; Σ = 1 (NaN when R² = 0)
	Correlations []float64 `json:"correlations"` // r(x_j, y), for the direction of each driver
	Warnings     []string  `json:"warnings,omitempty"`
}

// RelativeWeights computes Johnson's (2000, Multivariate Behav Res 35:1) relative
// weights of the predictors in X (n rows × p columns) for y: how much of R² each
// predictor accounts for, fairly divided even when predictors are correlated.
//
//	Rxx = V Δ Vᵀ                    (eigendecomposition of the predictor correlations)
//	Λ   = V Δ^½ Vᵀ                  (correlations of X with its closest orthogonal Z)
//	β   = Λ⁻¹ r_xy = V Δ^−½ Vᵀ r_xy (regression of y on Z)
//	ε_j = Σ_k Λ_jk² β_k²            (raw weight of predictor j)
//	R²  = Σ_k β_k² = Σ_j ε_j        (because the columns of Λ have unit length)
//
// Rows must have p ≥ 1 finite values each; n must exceed p + 1. Constant columns
// and collinear predictors are errors wrapping ErrDegenerate. A Warning is added
// when n < 30.
func RelativeWeights(X [][]float64, y []float64) (RelativeWeightsResult, error) {
	n := len(X)
	if n != len(y) {
		return RelativeWeightsResult{}, fmt.Errorf("relative weights: %d rows of predictors but %d outcomes", n, len(y))
	}
	if n == 0 {
		return RelativeWeightsResult{}, fmt.Errorf("relative weights: no rows: %w", ErrInsufficientData)
	}
	p := len(X[0])
	if p == 0 {
		return RelativeWeightsResult{}, fmt.Errorf("relative weights: no predictors: %w", ErrInsufficientData)
	}
	data := mat.NewDense(n, p+1, nil)
	for i, row := range X {
		if len(row) != p {
			return RelativeWeightsResult{}, fmt.Errorf("relative weights: row %d has %d predictors, want %d", i, len(row), p)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return RelativeWeightsResult{}, fmt.Errorf("relative weights: row %d predictor %d is %v: %w", i, j, v, ErrDegenerate)
			}
			data.Set(i, j, v)
		}
		if math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return RelativeWeightsResult{}, fmt.Errorf("relative weights: outcome %d is %v: %w", i, y[i], ErrDegenerate)
		}
		data.Set(i, p, y[i])
	}
	var cov mat.SymDense
	stat.CovarianceMatrix(&cov, data, nil)
	for j := 0; j <= p; j++ {
		if !(cov.At(j, j) > 0) {
			what := fmt.Sprintf("predictor %d", j)
			if j == p {
				what = "outcome"
			}
			return RelativeWeightsResult{}, fmt.Errorf("relative weights: %s is constant: %w", what, ErrDegenerate)
		}
	}
	sd := make([]float64, p+1)
	for j := range sd {
		sd[j] = math.Sqrt(cov.At(j, j))
	}
	rxx := mat.NewSymDense(p, nil)
	rxy := make([]float64, p)
	for i := 0; i < p; i++ {
		for j := i; j < p; j++ {
			rxx.SetSym(i, j, cov.At(i, j)/(sd[i]*sd[j]))
		}
		rxx.SetSym(i, i, 1)
		rxy[i] = cov.At(i, p) / (sd[i] * sd[p])
	}
	return RelativeWeightsFromCorrelations(rxx, rxy, n)
}

// RelativeWeightsFromCorrelations computes relative weights (see RelativeWeights)
// from a p×p predictor correlation matrix and the p predictor–outcome
// correlations, as produced by a database (ClickHouse corr) for data too large to
// load. n is the number of complete rows behind the correlations.
func RelativeWeightsFromCorrelations(rxx mat.Symmetric, rxy []float64, n int) (RelativeWeightsResult, error) {
	p := rxx.SymmetricDim()
	if p == 0 || len(rxy) != p {
		return RelativeWeightsResult{}, fmt.Errorf("relative weights: %d×%d correlation matrix with %d outcome correlations", p, p, len(rxy))
	}
	for i := 0; i < p; i++ {
		if d := rxx.At(i, i); math.Abs(d-1) > 1e-9 {
			return RelativeWeightsResult{}, fmt.Errorf("relative weights: diagonal %d of the correlation matrix is %v, want 1", i, d)
		}
		for j := 0; j < p; j++ {
			if c := rxx.At(i, j); !(math.Abs(c) <= 1+1e-9) {
				return RelativeWeightsResult{}, fmt.Errorf("relative weights: correlation (%d, %d) is %v: %w", i, j, c, ErrDegenerate)
			}
		}
		if !(math.Abs(rxy[i]) <= 1+1e-9) {
			return RelativeWeightsResult{}, fmt.Errorf("relative weights: outcome correlation %d is %v: %w", i, rxy[i], ErrDegenerate)
		}
	}
	if n <= p+1 {
		return RelativeWeightsResult{}, fmt.Errorf("relative weights: n = %d with %d predictors: %w", n, p, ErrInsufficientData)
	}
	var eig mat.EigenSym
	if !eig.Factorize(rxx, true) {
		return RelativeWeightsResult{}, fmt.Errorf("relative weights: eigendecomposition failed: %w", ErrDegenerate)
	}
	vals := eig.Values(nil) // ascending
	if !(vals[0] > collinearTol*vals[p-1]) {
		return RelativeWeightsResult{}, fmt.Errorf("relative weights: predictors are collinear (smallest eigenvalue %.3g): %w", vals[0], ErrDegenerate)
	}
	var v mat.Dense
	eig.VectorsTo(&v)

	// Λ = V Δ^½ Vᵀ and Λ⁻¹ = V Δ^−½ Vᵀ.
	sqrtD, invSqrtD := make([]float64, p), make([]float64, p)
	for k, l := range vals {
		sqrtD[k], invSqrtD[k] = math.Sqrt(l), 1/math.Sqrt(l)
	}
	var lambda, lambdaInv, tmp mat.Dense
	tmp.Mul(&v, mat.NewDiagDense(p, sqrtD))
	lambda.Mul(&tmp, v.T())
	tmp.Mul(&v, mat.NewDiagDense(p, invSqrtD))
	lambdaInv.Mul(&tmp, v.T())

	var beta mat.VecDense
	beta.MulVec(&lambdaInv, mat.NewVecDense(p, rxy))

	res := RelativeWeightsResult{N: n, Raw: make([]float64, p), Share: make([]float64, p), Correlations: append([]float64(nil), rxy...)}
	for j := 0; j < p; j++ {
		var e float64
		for k := 0; k < p; k++ {
			l, b := lambda.At(j, k), beta.AtVec(k)
			e += l * l * b * b
		}
		res.Raw[j] = e
		res.RSquared += e
	}
	for j, e := range res.Raw {
		res.Share[j] = e / res.RSquared
		if res.RSquared == 0 {
			res.Share[j] = math.NaN()
		}
	}
	if n < smallSampleN {
		res.Warnings = append(res.Warnings, fmt.Sprintf("n = %d is below %d: relative weights are unstable at this size", n, smallSampleN))
	}
	return res, nil
}
