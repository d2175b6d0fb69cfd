// Package stats holds the pure computations behind alumnipulse's insight metrics:
// proportions with Wilson intervals, eNPS with its standard error, paired and
// independent-group tests with effect sizes, Spearman correlation, Johnson's
// relative weights, Kaplan–Meier survival, turnover rates and Benjamini–Hochberg
// adjustment.
//
// Every estimate comes back with the n it rests on and, where one is defined, its
// uncertainty; the formula is in the doc comment of the function that computes it,
// so a figure on a dashboard can be traced to a definition. Undefined results
// (n = 0, a zero variance) are NaN rather than a made-up number; callers decide how
// to show them. Input that can only come from a bug (paired slices of different
// lengths) panics, as gonum does; data problems (negative durations, collinear
// predictors) are returned as errors.
//
// Conventions: p-values are two-sided; "conf" is a confidence level such as 0.95
// and the critical value is z = Φ⁻¹(1 − (1 − conf)/2) (1.959964 for 0.95).
package stats
