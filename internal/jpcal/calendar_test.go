package jpcal

import (
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests must not depend on the machine's tz database

	"github.com/rickar/cal/v2/jp"
)

type holiday struct {
	date Date
	name string
}

// Cabinet Office (内閣府) lists of 国民の祝日・休日 for 2026 and 2027.
var wantHolidays = map[int][]holiday{
	2026: {
		{Date{2026, 1, 1}, "元日"},
		{Date{2026, 1, 12}, "成人の日"},
		{Date{2026, 2, 11}, "建国記念の日"},
		{Date{2026, 2, 23}, "天皇誕生日"},
		{Date{2026, 3, 20}, "春分の日"},
		{Date{2026, 4, 29}, "昭和の日"},
		{Date{2026, 5, 3}, "憲法記念日"}, // Sunday
		{Date{2026, 5, 4}, "みどりの日"},
		{Date{2026, 5, 5}, "こどもの日"},
		{Date{2026, 5, 6}, "振替休日"}, // for 5/3: the next day that is not a 祝日
		{Date{2026, 7, 20}, "海の日"},
		{Date{2026, 8, 11}, "山の日"},
		{Date{2026, 9, 21}, "敬老の日"},
		{Date{2026, 9, 22}, "国民の休日"}, // between 敬老の日 and 秋分の日
		{Date{2026, 9, 23}, "秋分の日"},
		{Date{2026, 10, 12}, "スポーツの日"},
		{Date{2026, 11, 3}, "文化の日"},
		{Date{2026, 11, 23}, "勤労感謝の日"},
	},
	2027: {
		{Date{2027, 1, 1}, "元日"},
		{Date{2027, 1, 11}, "成人の日"},
		{Date{2027, 2, 11}, "建国記念の日"},
		{Date{2027, 2, 23}, "天皇誕生日"},
		{Date{2027, 3, 21}, "春分の日"}, // Sunday
		{Date{2027, 3, 22}, "振替休日"},
		{Date{2027, 4, 29}, "昭和の日"},
		{Date{2027, 5, 3}, "憲法記念日"},
		{Date{2027, 5, 4}, "みどりの日"},
		{Date{2027, 5, 5}, "こどもの日"},
		{Date{2027, 7, 19}, "海の日"},
		{Date{2027, 8, 11}, "山の日"},
		{Date{2027, 9, 20}, "敬老の日"},
		{Date{2027, 9, 23}, "秋分の日"},
		{Date{2027, 10, 11}, "スポーツの日"},
		{Date{2027, 11, 3}, "文化の日"},
		{Date{2027, 11, 23}, "勤労感謝の日"},
	},
}

func TestPublicHolidays2026And2027(t *testing.T) {
	c := New(nil, nil)
	for year, want := range wantHolidays {
		var got []holiday
		for d := (Date{year, 1, 1}); d.Year == year; d = d.AddDays(1) {
			if name, ok := c.HolidayName(d); ok {
				got = append(got, holiday{d, name})
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d: %d holidays, want %d: %v", year, len(got), len(want), got)
		}
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("%d: holiday #%d = %v %s, want %v %s", year, i, got[i].date, got[i].name, want[i].date, want[i].name)
			}
		}
		for _, h := range want {
			if c.IsBusinessDay(h.date) {
				t.Errorf("%v (%s) reported as a business day", h.date, h.name)
			}
		}
	}
}

// TestArticle3MatchesLibrary checks the 振替休日 and 国民の休日 we derive by rule against
// the library's own encoding (weekday offsets, and its list of bridge days to 2032).
func TestArticle3MatchesLibrary(t *testing.T) {
	c := New(nil, nil)
	for year := FirstYear; year <= 2032; year++ {
		lib := map[Date]bool{}
		for _, h := range jp.Holidays {
			hc := *h
			actual, observed := hc.Calc(year)
			if !actual.IsZero() {
				lib[DateOf(actual)] = true
				lib[DateOf(observed)] = true
			}
		}
		for d := (Date{year, 1, 1}); d.Year == year; d = d.AddDays(1) {
			_, ours := c.HolidayName(d)
			if ours != lib[d] {
				t.Errorf("%v: holiday here %v, in library %v", d, ours, lib[d])
			}
		}
	}
}

func TestHolidaysByRuleBeyondLibraryList(t *testing.T) {
	c := New(nil, nil)
	tests := []struct {
		date Date
		want string
	}{
		{Date{2032, 9, 21}, NameBridge},
		{Date{2037, 9, 22}, NameBridge}, // the library's hand-kept list stops at 2032
		{Date{2043, 9, 22}, NameBridge},
		{Date{2033, 3, 21}, NameSubstitute}, // 春分の日 2033-03-20 is a Sunday
		{Date{2029, 5, 7}, ""},              // 5/3–5/5 2029 are Thu–Sat: no substitute
		{Date{2031, 5, 6}, NameSubstitute},  // 5/4 2031 is a Sunday: 5/5 is a 祝日, so 5/6
	}
	for _, tt := range tests {
		got, ok := c.HolidayName(tt.date)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("HolidayName(%v) = %q, %v; want %q", tt.date, got, ok, tt.want)
		}
	}
}

func TestIsBusinessDay(t *testing.T) {
	c := New([]Date{{2026, 6, 15}, {2027, 1, 4}, {2026, 2, 30} /* invalid: ignored */}, nil)
	tests := []struct {
		date Date
		want bool
		why  string
	}{
		{Date{2026, 6, 12}, true, "plain Friday"},
		{Date{2026, 6, 13}, false, "Saturday"},
		{Date{2026, 6, 14}, false, "Sunday"},
		{Date{2026, 6, 15}, false, "blackout Monday"},
		{Date{2026, 6, 16}, true, "Tuesday after blackout"},
		{Date{2026, 3, 2}, true, "what 2026-02-30 would normalise to"},
		{Date{2026, 12, 28}, true, "Monday before the New Year break"},
		{Date{2026, 12, 29}, false, "New Year break"},
		{Date{2026, 12, 30}, false, "New Year break"},
		{Date{2026, 12, 31}, false, "New Year break"},
		{Date{2027, 1, 1}, false, "元日"},
		{Date{2027, 1, 2}, false, "New Year break, Saturday"},
		{Date{2027, 1, 3}, false, "New Year break, Sunday"},
		{Date{2027, 1, 4}, false, "blackout on the first working Monday"},
		{Date{2027, 1, 5}, true, "Tuesday"},
		{Date{2027, 1, 11}, false, "成人の日"},
		{Date{2026, 5, 6}, false, "振替休日"},
		{Date{2026, 9, 22}, false, "国民の休日"},
		{Date{2027, 3, 22}, false, "振替休日"},
	}
	for _, tt := range tests {
		if got := c.IsBusinessDay(tt.date); got != tt.want {
			t.Errorf("IsBusinessDay(%v) = %v, want %v (%s)", tt.date, got, tt.want, tt.why)
		}
	}
	// Without the blackout, 2027-01-04 is the first business day of the year.
	if !New(nil, nil).IsBusinessDay(Date{2027, 1, 4}) {
		t.Error("2027-01-04 without blackout should be a business day")
	}
}

func TestNextBusinessDay(t *testing.T) {
	c := New([]Date{{2026, 10, 13}}, nil)
	tests := []struct {
		from, want Date
	}{
		{Date{2026, 6, 12}, Date{2026, 6, 12}},   // already a business day
		{Date{2026, 6, 13}, Date{2026, 6, 15}},   // Saturday → Monday
		{Date{2026, 5, 2}, Date{2026, 5, 7}},     // Golden Week incl. 振替休日 5/6
		{Date{2026, 9, 19}, Date{2026, 9, 24}},   // Silver Week incl. 国民の休日 9/22
		{Date{2026, 12, 29}, Date{2027, 1, 4}},   // New Year break and weekend
		{Date{2027, 1, 9}, Date{2027, 1, 12}},    // weekend + 成人の日
		{Date{2027, 3, 20}, Date{2027, 3, 23}},   // weekend + 振替休日 3/22
		{Date{2026, 10, 10}, Date{2026, 10, 14}}, // weekend + スポーツの日 + blackout
	}
	for _, tt := range tests {
		if got := c.NextBusinessDay(tt.from); got != tt.want {
			t.Errorf("NextBusinessDay(%v) = %v, want %v", tt.from, got, tt.want)
		}
	}
}

func TestOutsideHolidayTable(t *testing.T) {
	blk := Date{2200, 6, 16} // a Monday
	c := New([]Date{blk}, nil)
	tests := []struct {
		date Date
		want bool
	}{
		{Date{2200, 6, 14}, false}, // Saturday
		{Date{2200, 6, 16}, false}, // blackout
		{Date{2200, 6, 17}, true},
		{Date{2200, 12, 30}, false}, // New Year break
		{Date{2019, 12, 31}, false},
		{Date{2019, 12, 27}, true},
	}
	for _, tt := range tests {
		if got := c.IsBusinessDay(tt.date); got != tt.want {
			t.Errorf("IsBusinessDay(%v) = %v, want %v", tt.date, got, tt.want)
		}
	}
	if _, ok := c.HolidayName(Date{2019, 1, 1}); ok {
		t.Error("HolidayName outside the table should report false")
	}
	if got := c.NextBusinessDay(Date{2200, 6, 14}); got != (Date{2200, 6, 17}) {
		t.Errorf("NextBusinessDay = %v", got)
	}
}

func TestZone(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	c := New(nil, la)
	instant := time.Date(2026, 5, 6, 1, 0, 0, 0, time.UTC) // 5/5 18:00 in LA
	if got := c.DateOf(instant); got != (Date{2026, 5, 5}) {
		t.Errorf("DateOf in LA = %v", got)
	}
	if got := New(nil, nil).DateOf(instant); got != (Date{2026, 5, 6}) {
		t.Errorf("DateOf in Tokyo = %v", got)
	}
	if got, want := c.At(Date{2026, 7, 1}, 10), time.Date(2026, 7, 1, 17, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("At in LA (PDT) = %v, want %v", got, want)
	}
	if got, want := c.At(Date{2026, 12, 1}, 10), time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("At in LA (PST) = %v, want %v", got, want)
	}
	if New(nil, nil).Location().String() != "Asia/Tokyo" {
		t.Errorf("default zone = %v", New(nil, nil).Location())
	}
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			c := New([]Date{{2026, 6, 1 + i}}, nil)
			for d := (Date{2026, 1, 1}); d.Year < 2028; d = d.AddDays(1) {
				c.IsBusinessDay(d)
				c.HolidayName(d)
			}
			if c.IsBusinessDay(Date{2026, 6, 1 + i}) {
				t.Errorf("blackout of calendar %d leaked or lost", i)
			}
		})
	}
	wg.Wait()
}

func BenchmarkNextBusinessDay(b *testing.B) {
	c := New(nil, nil)
	d := Date{2026, 1, 1}
	for i := 0; b.Loop(); i++ {
		c.NextBusinessDay(d.AddDays(i % 730))
	}
}
