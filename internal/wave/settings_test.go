package wave

import (
	"errors"
	"strings"
	"testing"

	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

func TestDefaultSettingsAreValid(t *testing.T) {
	s := DefaultSettings()
	if err := s.Validate(); err != nil {
		t.Fatalf("DefaultSettings invalid: %v", err)
	}
	if s.Location.String() != "Asia/Tokyo" || s.SendHour != 10 || len(s.Waves) != 2 ||
		s.Waves[0] != (WaveSpec{"3m", 3, "alumni-3m"}) || s.Waves[1] != (WaveSpec{"6m", 6, "alumni-6m"}) {
		t.Errorf("unexpected defaults: %+v", s)
	}
}

func TestValidateNamesEveryBadField(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Settings)
		fields []string // every field the error must name
	}{
		{"no waves", func(s *Settings) { s.Waves = nil }, []string{"Waves"}},
		{"bad waves", func(s *Settings) {
			s.Waves = []WaveSpec{{"", 0, ""}, {"3m", 3, "a"}, {"3m", 121, "b"}}
		}, []string{"Waves[0].Name", "Waves[0].OffsetMonths", "Waves[0].Survey", "Waves[2].Name", "Waves[2].OffsetMonths"}},
		{"send hour", func(s *Settings) { s.SendHour = 24 }, []string{"SendHour"}},
		{"negative send hour", func(s *Settings) { s.SendHour = -1 }, []string{"SendHour"}},
		{"no zone", func(s *Settings) { s.Location = nil }, []string{"Location"}},
		{"reminders without gap", func(s *Settings) { s.ReminderEveryDays = 0 }, []string{"ReminderEveryDays"}},
		{"reminders after close", func(s *Settings) { s.ReminderEveryDays = 28 }, []string{"ReminderEveryDays"}},
		{"too many reminders", func(s *Settings) { s.MaxReminders = 11 }, []string{"MaxReminders"}},
		{"never closes", func(s *Settings) { s.CloseAfterDays = 0 }, []string{"CloseAfterDays"}},
		{"negative window", func(s *Settings) { s.WindowDays = -1 }, []string{"WindowDays"}},
		{"bad blackout", func(s *Settings) {
			s.Blackout = []jpcal.Date{{Year: 2026, Month: 5, Day: 1}, {Year: 2026, Month: 2, Day: 30}}
		}, []string{"Blackout[1]"}},
		{"everything at once", func(s *Settings) {
			*s = Settings{SendHour: 99, MaxReminders: -1, WindowDays: -5}
		}, []string{"Waves", "SendHour", "Location", "MaxReminders", "CloseAfterDays", "WindowDays"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			tt.edit(&s)
			err := s.Validate()
			if err == nil {
				t.Fatal("Validate accepted invalid settings")
			}
			var fields []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var fe *FieldError
				if !errors.As(e, &fe) {
					t.Fatalf("%v is not a *FieldError", e)
				}
				fields = append(fields, fe.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("fields %v, want %v (error: %v)", fields, tt.fields, err)
			}
		})
	}
}

func TestReminderSettingsIgnoredWhenOff(t *testing.T) {
	s := DefaultSettings()
	s.MaxReminders, s.ReminderEveryDays = 0, 0
	if err := s.Validate(); err != nil {
		t.Errorf("reminders off should not need a gap: %v", err)
	}
}
