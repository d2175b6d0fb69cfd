// Package wave plans survey waves: when each alumnus's 3- and 6-month invitations, their
// reminders and their closing fall, on the tenant's Japanese business calendar.
package wave

import (
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

// Alumnus is the planner's view of one former employee.
type Alumnus struct {
	ID         uuid.UUID
	ExitDate   jpcal.Date
	Consent    bool      // agreed to be surveyed
	OptedOut   bool      // unsubscribed
	Erased     bool      // asked for erasure
	Bounced    bool      // the contact address failed permanently
	HasEmail   bool      // a personal address is on file
	ImportedAt time.Time // when the registry first saw this alumnus; zero if unknown
}

// SkipReason says why a wave will not be sent to an alumnus.
type SkipReason string

// Reasons a wave is skipped, in the order they are checked.
const (
	SkipNoExitDate      SkipReason = "no exit date"
	SkipErased          SkipReason = "erased"
	SkipOptedOut        SkipReason = "opted out"
	SkipNoConsent       SkipReason = "no consent"
	SkipBounced         SkipReason = "email bounced"
	SkipNoEmail         SkipReason = "no email address"
	SkipImportedTooLate SkipReason = "imported after the wave window closed"
	SkipWindowClosed    SkipReason = "wave window closed"
)

// Planned is the plan for one (alumnus, wave).
type Planned struct {
	AlumnusID uuid.UUID
	Wave      string
	Survey    string
	// DueAt is the UTC instant to send: the due date's send hour in the tenant's zone, or,
	// when Late, the first send slot after now. For a skip it is the original due instant
	// (zero when there is no exit date), for the dry-run report.
	DueAt      time.Time
	Late       bool // the original due moment had passed; DueAt is the catch-up slot
	Skip       bool // not to be sent; SkipReason says why
	SkipReason SkipReason
}

// Plan returns one Planned per wave of s, in the order of s.Waves. Alumni who must not be
// contacted (erased, opted out, no consent, bounced, no email) get every wave as a skip with
// the reason, never a send, so that a dry run can count them. s must be valid and cal built
// by s.Calendar().
func Plan(now time.Time, a Alumnus, s Settings, cal *jpcal.Calendar) []Planned {
	return AppendPlan(make([]Planned, 0, len(s.Waves)), now, a, s, cal)
}

// AppendPlan is Plan appending to dst; reusing dst across alumni makes planning allocation-free.
//
// Rules: the due date is the exit date plus the wave's months, clamped to the month's end
// (1/31 + 1 month = 2/28 or 2/29), moved forward to a business day, at SendHour local time.
// When now is past that moment (a late import, or a missed run), the wave goes out at the
// next send slot (a business day at SendHour, at or after now) if that slot's date is at most
// WindowDays after the due date; otherwise it is skipped.
func AppendPlan(dst []Planned, now time.Time, a Alumnus, s Settings, cal *jpcal.Calendar) []Planned {
	ineligible := ineligibleReason(a)
	for _, w := range s.Waves {
		p := Planned{AlumnusID: a.ID, Wave: w.Name, Survey: w.Survey}
		if !a.ExitDate.IsValid() {
			p.Skip, p.SkipReason = true, SkipNoExitDate
			dst = append(dst, p)
			continue
		}
		due := cal.NextBusinessDay(a.ExitDate.AddMonths(w.OffsetMonths))
		p.DueAt = cal.At(due, s.SendHour)
		switch {
		case ineligible != "":
			p.Skip, p.SkipReason = true, ineligible
		case now.After(p.DueAt):
			planLate(&p, now, a, due, s, cal)
		}
		dst = append(dst, p)
	}
	return dst
}

// planLate moves a wave whose due moment has passed to the next send slot, or skips it.
func planLate(p *Planned, now time.Time, a Alumnus, due jpcal.Date, s Settings, cal *jpcal.Calendar) {
	last := due.AddDays(s.WindowDays)
	slot := cal.DateOf(now)
	if cal.At(slot, s.SendHour).Before(now) {
		slot = slot.AddDays(1)
	}
	slot = cal.NextBusinessDay(slot)
	if !slot.After(last) {
		p.DueAt, p.Late = cal.At(slot, s.SendHour), true
		return
	}
	p.Skip, p.SkipReason = true, SkipWindowClosed
	// Distinguish "we never had a chance" from "the window passed while we knew them".
	if a.ImportedAt.After(cal.At(last, s.SendHour)) {
		p.SkipReason = SkipImportedTooLate
	}
}

// ineligibleReason returns why a may not be contacted at all, or "".
func ineligibleReason(a Alumnus) SkipReason {
	switch {
	case a.Erased:
		return SkipErased
	case a.OptedOut:
		return SkipOptedOut
	case !a.Consent:
		return SkipNoConsent
	case a.Bounced:
		return SkipBounced
	case !a.HasEmail:
		return SkipNoEmail
	}
	return ""
}

// ReminderTimes returns the UTC instants of the reminders for an invitation sent at sentAt:
// each ReminderEveryDays after the previous mail, moved to a business day at SendHour, at most
// MaxReminders, and only those before the wave closes. The scheduler sends one only to
// alumni who have not responded by then.
func ReminderTimes(sentAt time.Time, s Settings, cal *jpcal.Calendar) []time.Time {
	if s.MaxReminders < 1 || s.ReminderEveryDays < 1 {
		return nil
	}
	closes := ClosesAt(sentAt, s)
	d := cal.DateOf(sentAt)
	var out []time.Time
	for range s.MaxReminders {
		d = cal.NextBusinessDay(d.AddDays(s.ReminderEveryDays))
		t := cal.At(d, s.SendHour)
		if !t.Before(closes) {
			break
		}
		out = append(out, t)
	}
	return out
}

// ClosesAt returns, in UTC, when a wave sent at sentAt closes: CloseAfterDays calendar days
// later at the same local wall-clock time (so a daylight-saving change does not shift it).
func ClosesAt(sentAt time.Time, s Settings) time.Time {
	loc := s.Location
	if loc == nil {
		loc = jpcal.Tokyo()
	}
	return sentAt.In(loc).AddDate(0, 0, s.CloseAfterDays).UTC()
}
