// Package suppress applies alumnipulse's confidentiality rules to figures before
// they are shown or exported: no figure may rest on fewer than the tenant's
// minimum number of people, and no hidden figure may be recovered by subtracting
// published ones (from a total, or from another filter's result).
package suppress

import (
	"errors"
	"fmt"
)

// DefaultMinGroup and DefaultMinComments are the tenant defaults: a cell, chart
// point or export row needs at least 5 people; a list of free-text comments needs
// at least 10, because wording identifies people more easily than numbers do.
const (
	DefaultMinGroup    = 5
	DefaultMinComments = 10
)

// MinimumFloor is the lowest minimum a tenant may configure: with a group of two,
// each member can read the other's answer off the figure.
const MinimumFloor = 3

// Policy is a tenant's confidentiality setting.
type Policy struct {
	MinGroup    int `json:"min_group" yaml:"min_group"`
	MinComments int `json:"min_comments" yaml:"min_comments"`
}

// DefaultPolicy returns the default policy (5 people, 10 for comments).
func DefaultPolicy() Policy {
	return Policy{MinGroup: DefaultMinGroup, MinComments: DefaultMinComments}
}

// Validate reports a policy below the floor or with a comment minimum below the
// group minimum.
func (p Policy) Validate() error {
	var errs []error
	if p.MinGroup < MinimumFloor {
		errs = append(errs, fmt.Errorf("min_group %d is below %d", p.MinGroup, MinimumFloor))
	}
	if p.MinComments < p.MinGroup {
		errs = append(errs, fmt.Errorf("min_comments %d is below min_group %d", p.MinComments, p.MinGroup))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("suppression policy: %w", err)
	}
	return nil
}

// Allowed reports whether a figure resting on n people may be shown under
// minimum min (n ≥ min). Use it for single figures: a chart point, a comment list
// (with Policy.MinComments), a published total.
func Allowed(n, min int) bool { return n >= min }

// ErrBelowMinimum is returned (wrapped) by Compare when a group is below the minimum.
var ErrBelowMinimum = errors.New("group is below the minimum size")

// ErrDifferencing is returned (wrapped) by Compare when two groups differ by fewer
// than the minimum number of people.
var ErrDifferencing = errors.New("groups differ by fewer than the minimum size")

// Compare refuses to show figures for two filters side by side (or one after the
// other) when subtracting them would describe a small group: it returns an error
// wrapping ErrBelowMinimum if either group has fewer than min people, and one
// wrapping ErrDifferencing if 0 < |nA − nB| < min (for example "all of sales"
// against "sales without the Osaka office" when Osaka has 2 people). Equal sizes
// pass: the counts alone cannot tell whether the members differ.
func Compare(nA, nB, min int) error {
	if min < 1 {
		return fmt.Errorf("compare groups: minimum %d is not positive", min)
	}
	if nA < min || nB < min {
		return fmt.Errorf("compare groups of %d and %d people with minimum %d: %w", nA, nB, min, ErrBelowMinimum)
	}
	d := nA - nB
	if d < 0 {
		d = -d
	}
	if d > 0 && d < min {
		return fmt.Errorf("compare groups of %d and %d people (difference %d, minimum %d): %w", nA, nB, d, min, ErrDifferencing)
	}
	return nil
}
