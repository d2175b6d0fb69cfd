package wave

import (
	"errors"
	"fmt"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

// WaveSpec names one survey wave and when it is due after the exit date.
type WaveSpec struct {
	Name         string // "3m"
	OffsetMonths int    // months after the exit date
	Survey       string // survey definition id, e.g. "alumni-3m"
}

// Settings are a tenant's wave scheduling rules.
type Settings struct {
	Waves    []WaveSpec
	SendHour int            // local hour (0–23) at which invitations and reminders go out
	Location *time.Location // the tenant's zone; dates and the send hour are read in it
	// ReminderEveryDays is the gap, in calendar days, between an invitation and the first
	// reminder and between reminders; each is moved to the next business day.
	ReminderEveryDays int
	MaxReminders      int          // reminders per invitation; 0 disables them
	CloseAfterDays    int          // days after sending that the wave closes for the alumnus
	WindowDays        int          // how many days after its due date a missed wave may still be sent
	Blackout          []jpcal.Date // tenant-specific non-business days
	// MaxPerHour caps the invitations and reminders one tenant is sent in any hour (counted in the
	// database, so it holds across passes, restarts and processes); 0 means no cap.
	MaxPerHour int
}

// DefaultSettings returns the product defaults: 3- and 6-month waves at 10:00 Tokyo time,
// two weekly reminders, closing after four weeks, sendable up to 30 days late, at most 1000
// mails an hour.
func DefaultSettings() Settings {
	return Settings{
		Waves: []WaveSpec{
			{Name: "3m", OffsetMonths: 3, Survey: "alumni-3m"},
			{Name: "6m", OffsetMonths: 6, Survey: "alumni-6m"},
		},
		SendHour:          10,
		Location:          jpcal.Tokyo(),
		ReminderEveryDays: 7,
		MaxReminders:      2,
		CloseAfterDays:    28,
		WindowDays:        30,
		MaxPerHour:        1000,
	}
}

// Calendar returns the business calendar for these settings (zone and blackout dates).
// Build it once per tenant and reuse it: Plan and ReminderTimes expect it.
func (s Settings) Calendar() *jpcal.Calendar {
	return jpcal.New(s.Blackout, s.Location)
}

// FieldError is one invalid setting.
type FieldError struct {
	Field   string // e.g. "Waves[1].Survey"
	Problem string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Limits that keep a mistyped setting from spamming alumni or never sending.
const (
	maxOffsetMonths = 120
	maxReminders    = 10
	maxDays         = 366
	maxPerHour      = 1_000_000
)

// Validate reports every invalid field at once, joined with errors.Join; each is a *FieldError.
func (s Settings) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if len(s.Waves) == 0 {
		bad("Waves", "at least one wave is required")
	}
	seen := map[string]bool{}
	for i, w := range s.Waves {
		f := fmt.Sprintf("Waves[%d]", i)
		switch {
		case w.Name == "":
			bad(f+".Name", "must not be empty")
		case seen[w.Name]:
			bad(f+".Name", "%q is used by another wave", w.Name)
		}
		seen[w.Name] = true
		if w.OffsetMonths < 1 || w.OffsetMonths > maxOffsetMonths {
			bad(f+".OffsetMonths", "must be between 1 and %d, got %d", maxOffsetMonths, w.OffsetMonths)
		}
		if w.Survey == "" {
			bad(f+".Survey", "must not be empty")
		}
	}
	if s.SendHour < 0 || s.SendHour > 23 {
		bad("SendHour", "must be between 0 and 23, got %d", s.SendHour)
	}
	if s.Location == nil {
		bad("Location", "must be set (e.g. Asia/Tokyo)")
	}
	if s.MaxReminders < 0 || s.MaxReminders > maxReminders {
		bad("MaxReminders", "must be between 0 and %d, got %d", maxReminders, s.MaxReminders)
	}
	if s.MaxReminders > 0 && (s.ReminderEveryDays < 1 || s.ReminderEveryDays > maxDays) {
		bad("ReminderEveryDays", "must be between 1 and %d when reminders are on, got %d", maxDays, s.ReminderEveryDays)
	}
	if s.CloseAfterDays < 1 || s.CloseAfterDays > maxDays {
		bad("CloseAfterDays", "must be between 1 and %d, got %d", maxDays, s.CloseAfterDays)
	} else if s.MaxReminders > 0 && s.ReminderEveryDays >= s.CloseAfterDays {
		bad("ReminderEveryDays", "%d days would put every reminder after the wave closes (CloseAfterDays %d)",
			s.ReminderEveryDays, s.CloseAfterDays)
	}
	if s.WindowDays < 0 || s.WindowDays > maxDays {
		bad("WindowDays", "must be between 0 and %d, got %d", maxDays, s.WindowDays)
	}
	if s.MaxPerHour < 0 || s.MaxPerHour > maxPerHour {
		bad("MaxPerHour", "must be between 0 (no cap) and %d, got %d", maxPerHour, s.MaxPerHour)
	}
	for i, d := range s.Blackout {
		if !d.IsValid() {
			bad(fmt.Sprintf("Blackout[%d]", i), "%v is not a valid date", d)
		}
	}
	return errors.Join(errs...)
}
