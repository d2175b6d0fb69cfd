package alumni

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
	}{
		{"2025-03-31", MakeDate(2025, time.March, 31)},
		{"2025/3/31", MakeDate(2025, time.March, 31)},
		{"2025/03/31", MakeDate(2025, time.March, 31)},
		{"2025.3.31", MakeDate(2025, time.March, 31)},
		{"20250331", MakeDate(2025, time.March, 31)},
		{"2025年3月31日", MakeDate(2025, time.March, 31)},
		{"2025年3月31", MakeDate(2025, time.March, 31)},
		{"２０２５／０３／３１", MakeDate(2025, time.March, 31)},
		{" 2025/3/31 ", MakeDate(2025, time.March, 31)},
		{"2025/3/31 0:00", MakeDate(2025, time.March, 31)},
		{"2025-03-31 00:00:00", MakeDate(2025, time.March, 31)},
		{"2025-03-31T09:00:00", MakeDate(2025, time.March, 31)},
		{"2024/2/29", MakeDate(2024, time.February, 29)},
		{"令和7年3月31日", MakeDate(2025, time.March, 31)},
		{"令和７年３月３１日", MakeDate(2025, time.March, 31)},
		{"㋿7年3月31日", MakeDate(2025, time.March, 31)},
		{"令和元年5月1日", MakeDate(2019, time.May, 1)},
		{"R7.3.31", MakeDate(2025, time.March, 31)},
		{"r07/03/31", MakeDate(2025, time.March, 31)},
		{"Ｒ７．３．３１", MakeDate(2025, time.March, 31)},
		{"R1.5.1", MakeDate(2019, time.May, 1)},
		{"平成31年4月30日", MakeDate(2019, time.April, 30)},
		{"㍻31年4月30日", MakeDate(2019, time.April, 30)},
		{"H31.4.30", MakeDate(2019, time.April, 30)},
		{"平成元年1月8日", MakeDate(1989, time.January, 8)},
		{"昭和64年1月7日", MakeDate(1989, time.January, 7)},
		{"S50.4.1", MakeDate(1975, time.April, 1)},
		{"昭和元年12月25日", MakeDate(1926, time.December, 25)},
		{"大正15年12月24日", MakeDate(1926, time.December, 24)},
		{"T1.7.30", MakeDate(1912, time.July, 30)},
		{"明治45年7月29日", MakeDate(1912, time.July, 29)},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDateErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"", "empty"},
		{"2025/13/01", "month 13 out of range"},
		{"2025/2/29", "day 29 out of range for 2025-02"},
		{"2025/4/31", "day 31 out of range"},
		{"2025/0/10", "month 0"},
		{"25/3/31", "expected a date like"},
		{"2025-3/31", "expected a date like"},
		{"2025年3/31", "expected a date like"},
		{"2025/3/31/1", "expected a date like"},
		{"3/31/2025", "expected a date like"},
		{"2025033", "expected a date like"},
		{"令和7年", "expected a date like"},
		{"March 31, 2025", "unexpected text after the date"},
		{"2025/3/31 noon", "unexpected text after the date"},
		{"平成31年5月1日", "平成 ended on 2019-04-30"},
		{"H32.1.1", "平成 ended on 2019-04-30"},
		{"令和元年4月30日", "令和 began on 2019-05-01"},
		{"平成元年1月7日", "平成 began on 1989-01-08"},
		{"昭和64年1月8日", "昭和 ended on 1989-01-07"},
		{"令和0年5月1日", "令和 year 0 does not exist"},
		{"令和7年2月30日", "day 30 out of range"},
		{"X7.3.31", "expected a date like"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseDate(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
		}
	}
}

func TestDateMethods(t *testing.T) {
	d := MakeDate(2025, time.March, 31)
	if got := d.String(); got != "2025-03-31" {
		t.Errorf("String = %q", got)
	}
	if got := d.AddDays(1); got != MakeDate(2025, time.April, 1) {
		t.Errorf("AddDays(1) = %v", got)
	}
	if !d.Before(MakeDate(2025, time.April, 1)) || d.Before(d) || MakeDate(2026, 1, 1).Before(d) {
		t.Error("Before is wrong")
	}
	if got := d.Time(); !got.Equal(time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time = %v", got)
	}
	jst := time.FixedZone("JST", 9*3600)
	if got := DateOf(time.Date(2025, 3, 31, 23, 30, 0, 0, time.UTC).In(jst)); got != MakeDate(2025, time.April, 1) {
		t.Errorf("DateOf in JST = %v; want the JST calendar day", got)
	}
	var back Date
	text, _ := d.MarshalText()
	if err := back.UnmarshalText(text); err != nil || back != d {
		t.Errorf("text round trip = %v, %v", back, err)
	}
	if !(Date{}).IsZero() || d.IsZero() || (Date{}).String() != "" {
		t.Error("zero Date handling is wrong")
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025/3/31", "令和元年5月1日", "R7.3.31", "20250331", "平成31年5月1日", "2025-03-31T00:00", "元年"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if back, err := ParseDate(d.String()); err != nil || back != d {
			t.Errorf("ParseDate(%q) = %v, which does not round-trip: %v, %v", s, d, back, err)
		}
	})
}
