package jpcal

import (
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/jp"
)

// The holiday table covers these years. From 2020 the library's Japanese rules match the
// Cabinet Office lists (Emperor's Birthday on 23 Feb, the Olympic moves of 2020/2021);
// its equinox formula holds to 2150. Outside the range only weekends, the New Year break
// and blackout dates close a day.
const (
	FirstYear = 2020 // first year whose public holidays are known
	LastYear  = 2150 // last year whose public holidays are known
)

// Names of the days that 国民の祝日に関する法律 第3条 makes 休日 without being 祝日.
const (
	NameSubstitute = "振替休日"  // Article 3(2): a 祝日 on Sunday moves to the next non-祝日 day
	NameBridge     = "国民の休日" // Article 3(3): a day between two 祝日
)

// jaNames gives the official names (Article 2) of the library's holiday definitions.
// An entry the library adds later falls back to the library's English name.
var jaNames = map[*cal.Holiday]string{
	jp.NewYear:                 "元日",
	jp.ComingOfAgeDay:          "成人の日",
	jp.NationalFoundationDay:   "建国記念の日",
	jp.TheEmperorsBirthday:     "天皇誕生日",
	jp.VernalEquinoxDay:        "春分の日",
	jp.ShowaDay:                "昭和の日",
	jp.ConstitutionMemorialDay: "憲法記念日",
	jp.GreeneryDay:             "みどりの日",
	jp.ChildrensDay:            "こどもの日",
	jp.MarineDay:               "海の日",
	jp.MountainDay:             "山の日",
	jp.RespectForTheAgedDay:    "敬老の日",
	jp.AutumnalEquinoxDay:      "秋分の日",
	jp.SportsDay:               "スポーツの日",
	jp.CultureDay:              "文化の日",
	jp.LaborThanksgivingDay:    "勤労感謝の日",
}

// holidayTable holds, for every day of FirstYear..LastYear, the holiday name (if any)
// and whether the day is closed (weekend, holiday or New Year break), so that every
// calendar question is an index into a slice.
type holidayTable struct {
	first  int      // days() of FirstYear-01-01
	n      int      // number of days covered
	name   []uint8  // index into names; 0 = not a holiday
	names  []string // names[0] is ""
	closed []uint64 // bit set: weekend, public holiday or 12/29–1/3
}

// table is built once, on first use, and shared read-only by every Calendar.
var table = sync.OnceValue(buildHolidayTable)

func buildHolidayTable() *holidayTable {
	t := &holidayTable{first: Date{FirstYear, time.January, 1}.days(), names: []string{""}}
	t.n = Date{LastYear + 1, time.January, 1}.days() - t.first
	t.name = make([]uint8, t.n)
	t.closed = make([]uint64, (t.n+63)/64)
	index := map[string]uint8{}
	nameIndex := func(s string) uint8 {
		if i, ok := index[s]; ok {
			return i
		}
		t.names = append(t.names, s)
		index[s] = uint8(len(t.names) - 1)
		return index[s]
	}

	// 国民の祝日 (Article 2): the dates the library computes (fixed days, happy Mondays,
	// equinoxes, special years). The library also encodes Article 3 as weekday offsets and
	// a hand-kept list of 国民の休日 that ends in 2032; we take only its 祝日 and apply
	// Article 3 ourselves below, which the tests cross-check against the library.
	named := make([]bool, t.n)
	for y := FirstYear; y <= LastYear; y++ {
		for _, h := range jp.Holidays {
			if h == jp.NationalHolidayBetweenRespectForTheAgedDayAndAutumnalEquinoxDay {
				continue
			}
			// Calc on a copy: the library's vernal-equinox Func writes to its receiver,
			// which would be a data race on the shared package variable.
			c := *h
			actual, _ := c.Calc(y)
			if actual.IsZero() {
				continue
			}
			name := jaNames[h]
			if name == "" {
				name = h.Name
			}
			i := DateOf(actual).days() - t.first
			t.name[i] = nameIndex(name)
			named[i] = true
		}
	}

	// Article 3(2) 振替休日 and 3(3) 国民の休日 (休日 that are not themselves 祝日).
	sub, bridge := nameIndex(NameSubstitute), nameIndex(NameBridge)
	for i := range t.n {
		if named[i] && fromDays(t.first+i).Weekday() == time.Sunday {
			j := i + 1
			for j < t.n && named[j] {
				j++
			}
			if j < t.n {
				t.name[j] = sub
			}
		}
		if i > 0 && i+1 < t.n && !named[i] && t.name[i] == 0 && named[i-1] && named[i+1] {
			t.name[i] = bridge
		}
	}

	for i := range t.n {
		d := fromDays(t.first + i)
		wd := d.Weekday()
		if t.name[i] != 0 || wd == time.Saturday || wd == time.Sunday || isNewYearBreak(d) {
			t.closed[i>>6] |= 1 << (i & 63)
		}
	}
	return t
}

// isNewYearBreak reports whether d falls in the customary 年末年始 closure, 12/29–1/3.
func isNewYearBreak(d Date) bool {
	return (d.Month == time.December && d.Day >= 29) || (d.Month == time.January && d.Day <= 3)
}
