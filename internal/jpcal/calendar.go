// Package jpcal is a Japanese business calendar: weekends, public holidays (国民の祝日 and
// the 休日 of Article 3 of 国民の祝日に関する法律), the New Year break and per-tenant
// blackout dates. Holiday dates come from github.com/rickar/cal/v2/jp.
package jpcal

import (
	"slices"
	"time"
)

// Calendar answers business-day questions for one tenant. Dates are civil dates in the
// tenant's zone (a tenant abroad still observes Japanese holidays on its local dates).
// A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	tab      *holidayTable
	closed   []uint64 // the shared table's closed bits plus this tenant's blackout dates
	blackout []int    // sorted days() of blackout dates, for dates outside the table
}

// New returns a calendar with the given blackout dates closed, in zone loc
// (Asia/Tokyo when loc is nil). Invalid dates are ignored; Settings validation reports them.
func New(blackout []Date, loc *time.Location) *Calendar {
	if loc == nil {
		loc = Tokyo()
	}
	tab := table()
	c := &Calendar{loc: loc, tab: tab, closed: slices.Clone(tab.closed)}
	for _, d := range blackout {
		if !d.IsValid() {
			continue
		}
		n := d.days()
		c.blackout = append(c.blackout, n)
		if i := n - tab.first; i >= 0 && i < tab.n {
			c.closed[i>>6] |= 1 << (i & 63)
		}
	}
	slices.Sort(c.blackout)
	return c
}

// Tokyo returns the Asia/Tokyo zone, or a fixed UTC+9 zone of that name when the system
// has no tz database (Japan has had no daylight saving since 1951, so both agree).
func Tokyo() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("Asia/Tokyo", 9*60*60)
}

// Location returns the calendar's zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsBusinessDay reports whether d is neither a Saturday or Sunday, a public holiday,
// a day of the New Year break (12/29–1/3) nor a blackout date.
func (c *Calendar) IsBusinessDay(d Date) bool { return !c.closedDay(d.days()) }

// NextBusinessDay returns the first business day on or after d: d itself when it is one.
func (c *Calendar) NextBusinessDay(d Date) Date {
	n := d.days()
	for c.closedDay(n) {
		n++
	}
	if n == d.days() {
		return d
	}
	return fromDays(n)
}

// HolidayName returns the official Japanese name of the public holiday on d
// ("元日", "振替休日", "国民の休日", …) and whether d is one.
func (c *Calendar) HolidayName(d Date) (string, bool) {
	i := d.days() - c.tab.first
	if i < 0 || i >= c.tab.n || c.tab.name[i] == 0 {
		return "", false
	}
	return c.tab.names[c.tab.name[i]], true
}

// DateOf returns the civil date of instant t in the calendar's zone.
func (c *Calendar) DateOf(t time.Time) Date { return DateOf(t.In(c.loc)) }

// At returns, in UTC, the instant of hour:00 on d in the calendar's zone.
func (c *Calendar) At(d Date, hour int) time.Time { return d.In(c.loc, hour).UTC() }

func (c *Calendar) closedDay(n int) bool {
	if i := n - c.tab.first; i >= 0 && i < c.tab.n {
		return c.closed[i>>6]&(1<<(i&63)) != 0
	}
	d := fromDays(n)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday || isNewYearBreak(d) {
		return true
	}
	_, found := slices.BinarySearch(c.blackout, n)
	return found
}
