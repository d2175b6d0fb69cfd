package wave

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

// settingsJSON is the stored form of Settings (tenant.Settings.Waves). Every field is optional:
// a missing one keeps the default, so a tenant stores only what it changes. Pointers tell "absent"
// from an explicit zero (max_reminders 0 turns reminders off).
type settingsJSON struct {
	Waves             []waveJSON   `json:"waves,omitempty"`
	SendHour          *int         `json:"send_hour,omitempty"`
	TimeZone          string       `json:"time_zone,omitempty"`
	ReminderEveryDays *int         `json:"reminder_every_days,omitempty"`
	MaxReminders      *int         `json:"max_reminders,omitempty"`
	CloseAfterDays    *int         `json:"close_after_days,omitempty"`
	WindowDays        *int         `json:"window_days,omitempty"`
	Blackout          []jpcal.Date `json:"blackout,omitempty"`
	MaxPerHour        *int         `json:"max_per_hour,omitempty"`
}

type waveJSON struct {
	Name         string `json:"name"`
	OffsetMonths int    `json:"offset_months"`
	Survey       string `json:"survey"`
}

// ParseSettings reads a tenant's stored wave settings over the defaults and validates them. raw may be
// empty (all defaults). zone is the tenant's own zone, used when the settings name none (nil means
// Asia/Tokyo). Unknown keys are errors, so a misspelt setting is reported instead of ignored. The error
// is a *FieldError, an errors.Join of them (see Validate), or a JSON syntax error.
func ParseSettings(raw []byte, zone *time.Location) (Settings, error) {
	s := DefaultSettings()
	if zone != nil {
		s.Location = zone
	}
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return s, nil
	}
	var j settingsJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Settings{}, fmt.Errorf("wave settings: %w", err)
	}
	if j.Waves != nil {
		s.Waves = make([]WaveSpec, len(j.Waves))
		for i, w := range j.Waves {
			s.Waves[i] = WaveSpec(w)
		}
	}
	setInt(&s.SendHour, j.SendHour)
	setInt(&s.ReminderEveryDays, j.ReminderEveryDays)
	setInt(&s.MaxReminders, j.MaxReminders)
	setInt(&s.CloseAfterDays, j.CloseAfterDays)
	setInt(&s.WindowDays, j.WindowDays)
	setInt(&s.MaxPerHour, j.MaxPerHour)
	if j.Blackout != nil {
		s.Blackout = j.Blackout
	}
	var zoneErr error
	if j.TimeZone != "" {
		loc, err := time.LoadLocation(j.TimeZone)
		if err != nil {
			zoneErr = &FieldError{Field: "TimeZone", Problem: fmt.Sprintf("%q is not a known IANA zone", j.TimeZone)}
		} else {
			s.Location = loc
		}
	}
	if err := errors.Join(zoneErr, s.Validate()); err != nil {
		return Settings{}, err
	}
	return s, nil
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

// MarshalJSON writes every field, in the form ParseSettings reads.
func (s Settings) MarshalJSON() ([]byte, error) {
	j := settingsJSON{
		SendHour:          &s.SendHour,
		ReminderEveryDays: &s.ReminderEveryDays,
		MaxReminders:      &s.MaxReminders,
		CloseAfterDays:    &s.CloseAfterDays,
		WindowDays:        &s.WindowDays,
		Blackout:          s.Blackout,
		MaxPerHour:        &s.MaxPerHour,
	}
	if s.Location != nil {
		j.TimeZone = s.Location.String()
	}
	for _, w := range s.Waves {
		j.Waves = append(j.Waves, waveJSON(w))
	}
	return json.Marshal(j)
}
