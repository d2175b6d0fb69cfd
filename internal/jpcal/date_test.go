package jpcal

import (
	"testing"
	"time"
)

func TestAddMonthsClampsToMonthEnd(t *testing.T) {
	tests := []struct {
		from   Date
		months int
		want   Date
	}{
		{Date{2026, 1, 31}, 1, Date{2026, 2, 28}},
		{Date{2027, 1, 31}, 1, Date{2027, 2, 28}},
		{Date{2028, 1, 31}, 1, Date{2028, 2, 29}}, // leap year
		{Date{2027, 11, 30}, 3, Date{2028, 2, 29}},
		{Date{2026, 8, 31}, 6, Date{2027, 2, 28}},
		{Date{2027, 8, 31}, 6, Date{2028, 2, 29}},
		{Date{2099, 8, 31}, 6, Date{2100, 2, 28}}, // 2100 is not a leap year
		{Date{2026, 3, 31}, 3, Date{2026, 6, 30}},
		{Date{2026, 5, 31}, 6, Date{2026, 11, 30}},
		{Date{2026, 10, 15}, 3, Date{2027, 1, 15}}, // crosses a year
		{Date{2026, 12, 31}, 6, Date{2027, 6, 30}},
		{Date{2028, 2, 29}, 12, Date{2029, 2, 28}},
		{Date{2026, 3, 31}, -1, Date{2026, 2, 28}},
		{Date{2026, 1, 15}, -13, Date{2024, 12, 15}},
		{Date{2026, 6, 15}, 0, Date{2026, 6, 15}},
	}
	for _, tt := range tests {
		if got := tt.from.AddMonths(tt.months); got != tt.want {
			t.Errorf("%v + %d months = %v, want %v", tt.from, tt.months, got, tt.want)
		}
	}
}

func TestDaysRoundTripAndWeekdayMatchTime(t *testing.T) {
	// Every day across leap years, centuries and negative day numbers against package time.
	for tm := time.Date(1899, 12, 1, 0, 0, 0, 0, time.UTC); tm.Year() < 2102; tm = tm.AddDate(0, 0, 1) {
		d := DateOf(tm)
		n := d.days()
		if want := int(tm.Unix() / 86400); n != want {
			t.Fatalf("%v.days() = %d, want %d", d, n, want)
		}
		if back := fromDays(n); back != d {
			t.Fatalf("fromDays(%d) = %v, want %v", n, back, d)
		}
		if d.Weekday() != tm.Weekday() {
			t.Fatalf("%v.Weekday() = %v, want %v", d, d.Weekday(), tm.Weekday())
		}
		if !d.IsValid() {
			t.Fatalf("%v reported invalid", d)
		}
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		from Date
		n    int
		want Date
	}{
		{Date{2026, 12, 31}, 1, Date{2027, 1, 1}},
		{Date{2028, 2, 28}, 1, Date{2028, 2, 29}},
		{Date{2027, 2, 28}, 1, Date{2027, 3, 1}},
		{Date{2026, 1, 1}, -1, Date{2025, 12, 31}},
		{Date{2026, 5, 6}, 30, Date{2026, 6, 5}},
	}
	for _, tt := range tests {
		if got := tt.from.AddDays(tt.n); got != tt.want {
			t.Errorf("%v + %d days = %v, want %v", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestParseDateAndText(t *testing.T) {
	d, err := ParseDate("2026-09-22")
	if err != nil || d != (Date{2026, time.September, 22}) {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	if d.String() != "2026-09-22" {
		t.Errorf("String = %q", d.String())
	}
	for _, bad := range []string{"2026-02-30", "2026/09/22", "", "26-9-22"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
	var u Date
	if err := u.UnmarshalText([]byte("2028-02-29")); err != nil || u != (Date{2028, 2, 29}) {
		t.Errorf("UnmarshalText = %v, %v", u, err)
	}
	if b, _ := u.MarshalText(); string(b) != "2028-02-29" {
		t.Errorf("MarshalText = %s", b)
	}
}

func TestDateValidityAndOrder(t *testing.T) {
	invalid := []Date{{}, {2026, 2, 29}, {2026, 13, 1}, {2026, 4, 31}, {2026, 1, 0}}
	for _, d := range invalid {
		if d.IsValid() {
			t.Errorf("%v reported valid", d)
		}
	}
	a, b := Date{2026, 5, 6}, Date{2026, 5, 7}
	if !a.Before(b) || a.After(b) || b.Before(a) || !b.After(a) || a.Compare(a) != 0 {
		t.Errorf("ordering of %v and %v wrong", a, b)
	}
	if !(Date{2025, 12, 31}).Before(Date{2026, 1, 1}) || !(Date{2026, 1, 31}).Before(Date{2026, 2, 1}) {
		t.Error("ordering across month/year wrong")
	}
	if !(Date{}).IsZero() || a.IsZero() {
		t.Error("IsZero wrong")
	}
}
