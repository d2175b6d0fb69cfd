package alumni

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Date is a civil calendar date with no time zone. HR systems record the day someone joined or left, not an
// instant; keeping it zone-free avoids the classic off-by-one when a JST midnight is stored as UTC.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// MakeDate returns the date y-m-d; it does not check that the date exists (use ParseDate for input).
func MakeDate(y int, m time.Month, d int) Date { return Date{Year: y, Month: m, Day: d} }

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is the zero Date (no date given).
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC of d, the form ClickHouse Date columns take.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// String formats d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText formats d as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText accepts every format ParseDate does; empty text gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// era is a Japanese imperial era (元号) with the Gregorian date of its first day.
type era struct {
	name   string // 令和
	letter byte   // R
	start  Date
}

// eras are ordered oldest first; each era ends the day before the next one starts. Meiji starts on the
// Gregorian equivalent of its proclamation (1868-10-23); dates before 1873 were lunisolar, which no HR file has.
var eras = []era{
	{"明治", 'm', Date{1868, time.October, 23}},
	{"大正", 't', Date{1912, time.July, 30}},
	{"昭和", 's', Date{1926, time.December, 25}},
	{"平成", 'h', Date{1989, time.January, 8}},
	{"令和", 'r', Date{2019, time.May, 1}},
}

// ParseDate parses the date formats Japanese HR exports use: 2025-03-31, 2025/3/31, 2025.3.31, 20250331,
// 2025年3月31日, wareki 令和7年3月31日 / 令和元年5月1日 / R7.3.31 / H31/4/30, with full-width digits, and an
// optional trailing time of day (2025/3/31 0:00, as Excel writes it) that is ignored.
// A wareki date outside its era (平成31年5月1日) is an error.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	if s == "" {
		return Date{}, fmt.Errorf("empty date")
	}
	s, err := cutTimeOfDay(s)
	if err != nil {
		return Date{}, err
	}
	var e *era
	for i := range eras {
		if rest, ok := strings.CutPrefix(s, eras[i].name); ok {
			e, s = &eras[i], rest
			break
		}
		if len(s) > 1 && lower(s[0]) == eras[i].letter && isDigitOr元(s[1:]) {
			e, s = &eras[i], s[1:]
			break
		}
	}
	if e == nil && len(s) == 8 && allDigits(s) {
		return civil(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]))
	}
	y, m, d, err := splitYMD(s, e != nil)
	if err != nil {
		return Date{}, err
	}
	if e == nil {
		return civil(y, m, d)
	}
	if y < 1 {
		return Date{}, fmt.Errorf("%s year %d does not exist", e.name, y)
	}
	date, err := civil(e.start.Year+y-1, m, d)
	if err != nil {
		return Date{}, err
	}
	if date.Before(e.start) {
		return Date{}, fmt.Errorf("%s began on %s", e.name, e.start)
	}
	for i := range eras {
		if &eras[i] == e && i+1 < len(eras) && !date.Before(eras[i+1].start) {
			return Date{}, fmt.Errorf("%s ended on %s", e.name, eras[i+1].start.AddDays(-1))
		}
	}
	return date, nil
}

// cutTimeOfDay drops a trailing " H:MM[:SS]" or "THH:MM:SS"; anything else after the date is an error.
func cutTimeOfDay(s string) (string, error) {
	i := strings.IndexByte(s, ' ')
	if j := strings.LastIndexByte(s, 'T'); i < 0 && j > 0 && isDigit(s[j-1]) {
		i = j // ISO 8601 2025-03-31T00:00:00; a leading T is the Taisho era letter
	}
	if i < 0 {
		return s, nil
	}
	t := strings.TrimSpace(s[i+1:])
	parts := strings.Split(t, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return "", fmt.Errorf("unexpected text after the date")
	}
	for _, p := range parts {
		if p == "" || len(p) > 2 || !allDigits(p) {
			return "", fmt.Errorf("unexpected text after the date")
		}
	}
	return strings.TrimSpace(s[:i]), nil
}

var errDateFormat = errors.New("expected a date like 2025-03-31, 2025/3/31, 20250331 or 令和7年3月31日")

// splitYMD reads "Y sep M sep D" where sep is one of - / . used twice, or 年 月 with an optional 日.
// Gregorian years need four digits; wareki years one or two, or 元 (the first year).
func splitYMD(s string, wareki bool) (y, m, d int, err error) {
	bad := errDateFormat
	var nums [3]int
	var seps [2]string
	for k := 0; k < 3; k++ {
		n := 0
		if k == 0 && wareki && strings.HasPrefix(s, "元") {
			nums[0], s = 1, s[len("元"):]
		} else {
			for n < len(s) && isDigit(s[n]) {
				n++
			}
			if n == 0 || n > 4 || (k > 0 && n > 2) || (k == 0 && !wareki && n != 4) || (k == 0 && wareki && n > 2) {
				return 0, 0, 0, bad
			}
			nums[k], s = atoi(s[:n]), s[n:]
		}
		if k == 2 {
			break
		}
		sep := ""
		switch {
		case strings.HasPrefix(s, "年"), strings.HasPrefix(s, "月"):
			sep = s[:len("年")]
		case s != "" && strings.IndexByte("-/.", s[0]) >= 0:
			sep = s[:1]
		default:
			return 0, 0, 0, bad
		}
		seps[k], s = sep, s[len(sep):]
	}
	kanji := seps[0] == "年" && seps[1] == "月"
	switch {
	case kanji && (s == "" || s == "日"):
	case !kanji && seps[0] == seps[1] && len(seps[0]) == 1 && s == "":
	default:
		return 0, 0, 0, bad
	}
	return nums[0], nums[1], nums[2], nil
}

// civil checks that y-m-d exists in the Gregorian calendar.
func civil(y, m, d int) (Date, error) {
	if m < 1 || m > 12 {
		return Date{}, fmt.Errorf("month %d out of range", m)
	}
	date := Date{Year: y, Month: time.Month(m), Day: d}
	if d < 1 || DateOf(date.Time()) != date {
		return Date{}, fmt.Errorf("day %d out of range for %04d-%02d", d, y, m)
	}
	return date, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isDigitOr元(s string) bool { return isDigit(s[0]) || strings.HasPrefix(s, "元") }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// atoi converts a short run of ASCII digits already checked by the caller.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
