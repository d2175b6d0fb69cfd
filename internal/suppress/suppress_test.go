package suppress

import (
	"errors"
	"testing"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		name      string
		a, b, min int
		want      error
	}{
		{"same size", 40, 40, 5, nil},
		{"differ by min", 40, 35, 5, nil},
		{"differ by 1", 40, 39, 5, ErrDifferencing},
		{"differ by 4, order swapped", 16, 20, 5, ErrDifferencing},
		{"a small", 3, 40, 5, ErrBelowMinimum},
		{"b small", 40, 4, 5, ErrBelowMinimum},
		{"exactly min", 5, 5, 5, nil},
		{"stricter minimum", 30, 22, 10, ErrDifferencing},
	}
	for _, tc := range tests {
		err := Compare(tc.a, tc.b, tc.min)
		if (err == nil) != (tc.want == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: Compare(%d, %d, %d) = %v, want %v", tc.name, tc.a, tc.b, tc.min, err, tc.want)
		}
	}
	if err := Compare(10, 10, 0); err == nil {
		t.Error("minimum 0: no error")
	}
}

func TestPolicy(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Errorf("default policy: %v", err)
	}
	if p := DefaultPolicy(); p.MinGroup != 5 || p.MinComments != 10 {
		t.Errorf("default policy %+v", p)
	}
	bad := []Policy{{MinGroup: 2, MinComments: 10}, {MinGroup: 8, MinComments: 5}, {}}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
	if Allowed(4, 5) || !Allowed(5, 5) {
		t.Error("Allowed is not n >= min")
	}
}
