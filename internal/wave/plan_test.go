package wave

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // zone tests must not depend on the machine's tz database

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func eligible(exit jpcal.Date) Alumnus {
	return Alumnus{ID: uuid.New(), ExitDate: exit, Consent: true, HasEmail: true}
}

func losAngeles(t testing.TB) *time.Location {
	t.Helper()
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	return la
}

// past is a "now" before every due date in these tests, so nothing is late.
var past = utc(2025, 1, 1, 0, 0)

func TestDueDatesTokyo(t *testing.T) {
	s := DefaultSettings()
	cal := s.Calendar()
	// 10:00 JST is 01:00 UTC on the same date.
	tests := []struct {
		name     string
		exit     jpcal.Date
		want3m   jpcal.Date
		want6m   jpcal.Date
		whyShift string
	}{
		{"month-end clamp", jpcal.Date{Year: 2026, Month: 1, Day: 31}, jpcal.Date{Year: 2026, Month: 4, Day: 30}, jpcal.Date{Year: 2026, Month: 7, Day: 31}, "none"},
		{"clamp to Feb 28 on Saturday", jpcal.Date{Year: 2025, Month: 11, Day: 30}, jpcal.Date{Year: 2026, Month: 3, Day: 2}, jpcal.Date{Year: 2026, Month: 6, Day: 1}, "2/28 Sat; 5/30 Sat"},
		{"8/31 + 6m = 2/28 Sunday", jpcal.Date{Year: 2026, Month: 8, Day: 31}, jpcal.Date{Year: 2026, Month: 11, Day: 30}, jpcal.Date{Year: 2027, Month: 3, Day: 1}, "2/28 Sun"},
		{"leap year 2028", jpcal.Date{Year: 2027, Month: 8, Day: 31}, jpcal.Date{Year: 2027, Month: 11, Day: 30}, jpcal.Date{Year: 2028, Month: 2, Day: 29}, "none, 2/29 Tue"},
		{"leap year 3m", jpcal.Date{Year: 2027, Month: 11, Day: 30}, jpcal.Date{Year: 2028, Month: 2, Day: 29}, jpcal.Date{Year: 2028, Month: 5, Day: 30}, "none"},
		{"Golden Week", jpcal.Date{Year: 2026, Month: 2, Day: 3}, jpcal.Date{Year: 2026, Month: 5, Day: 7}, jpcal.Date{Year: 2026, Month: 8, Day: 3}, "5/3 Sun … 5/6 振替休日"},
		{"Silver Week", jpcal.Date{Year: 2026, Month: 6, Day: 22}, jpcal.Date{Year: 2026, Month: 9, Day: 24}, jpcal.Date{Year: 2026, Month: 12, Day: 22}, "9/22 国民の休日, 9/23 秋分の日"},
		{"New Year break", jpcal.Date{Year: 2026, Month: 9, Day: 29}, jpcal.Date{Year: 2027, Month: 1, Day: 4}, jpcal.Date{Year: 2027, Month: 3, Day: 29}, "12/29–1/3"},
		{"成人の日", jpcal.Date{Year: 2026, Month: 10, Day: 11}, jpcal.Date{Year: 2027, Month: 1, Day: 12}, jpcal.Date{Year: 2027, Month: 4, Day: 12}, "1/11"},
		{"春分の日 on Sunday", jpcal.Date{Year: 2026, Month: 12, Day: 21}, jpcal.Date{Year: 2027, Month: 3, Day: 23}, jpcal.Date{Year: 2027, Month: 6, Day: 21}, "3/21 Sun, 3/22 振替休日"},
		{"weekend", jpcal.Date{Year: 2026, Month: 3, Day: 13}, jpcal.Date{Year: 2026, Month: 6, Day: 15}, jpcal.Date{Year: 2026, Month: 9, Day: 14}, "6/13 Sat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plan(past, eligible(tt.exit), s, cal)
			if len(got) != 2 {
				t.Fatalf("got %d plans, want 2", len(got))
			}
			for i, want := range []jpcal.Date{tt.want3m, tt.want6m} {
				p := got[i]
				wantAt := utc(want.Year, want.Month, want.Day, 1, 0)
				if p.Skip || p.Late || !p.DueAt.Equal(wantAt) || p.DueAt.Location() != time.UTC {
					t.Errorf("%s: %+v, want due %v (%s)", p.Wave, p, wantAt, tt.whyShift)
				}
				if !cal.IsBusinessDay(cal.DateOf(p.DueAt)) {
					t.Errorf("%s: due %v is not a business day", p.Wave, p.DueAt)
				}
			}
			if got[0].Wave != "3m" || got[0].Survey != "alumni-3m" || got[1].Wave != "6m" || got[1].Survey != "alumni-6m" {
				t.Errorf("waves/surveys wrong: %+v", got)
			}
		})
	}
}

func TestBlackoutMovesDue(t *testing.T) {
	s := DefaultSettings()
	s.Blackout = []jpcal.Date{{Year: 2026, Month: 4, Day: 30}, {Year: 2026, Month: 5, Day: 1}}
	got := Plan(past, eligible(jpcal.Date{Year: 2026, Month: 1, Day: 31}), s, s.Calendar())
	// 4/30 and 5/1 blacked out, 5/2–5/6 weekend and Golden Week.
	if want := utc(2026, 5, 7, 1, 0); !got[0].DueAt.Equal(want) {
		t.Errorf("3m due %v, want %v", got[0].DueAt, want)
	}
}

func TestTimeZones(t *testing.T) {
	la := losAngeles(t)
	tokyo := DefaultSettings()
	pacific := DefaultSettings()
	pacific.Location = la
	tests := []struct {
		name string
		s    Settings
		exit jpcal.Date
		want time.Time // 3m wave
	}{
		{"Tokyo", tokyo, jpcal.Date{Year: 2025, Month: 12, Day: 6}, utc(2026, 3, 6, 1, 0)},
		{"LA before DST (PST, UTC-8)", pacific, jpcal.Date{Year: 2025, Month: 12, Day: 6}, utc(2026, 3, 6, 18, 0)},
		// 3/7 Saturday → 3/9 Monday, after the 3/8 spring-forward: PDT, UTC-7.
		{"LA after DST (PDT, UTC-7)", pacific, jpcal.Date{Year: 2025, Month: 12, Day: 7}, utc(2026, 3, 9, 17, 0)},
		// 11/1 is the fall-back Sunday: moved to Monday 11/2, PST.
		{"LA after DST ends", pacific, jpcal.Date{Year: 2026, Month: 8, Day: 1}, utc(2026, 11, 2, 18, 0)},
		// Japanese holidays apply to the tenant's local dates: 5/6 振替休日 in LA too.
		{"LA observes the Japanese calendar", pacific, jpcal.Date{Year: 2026, Month: 2, Day: 6}, utc(2026, 5, 7, 17, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plan(past, eligible(tt.exit), tt.s, tt.s.Calendar())
			if !got[0].DueAt.Equal(tt.want) {
				t.Errorf("3m due %v, want %v", got[0].DueAt, tt.want)
			}
			if local := got[0].DueAt.In(tt.s.Location); local.Hour() != tt.s.SendHour {
				t.Errorf("local send hour %d, want %d", local.Hour(), tt.s.SendHour)
			}
		})
	}
}

func TestLateImports(t *testing.T) {
	s := DefaultSettings() // WindowDays 30
	cal := s.Calendar()
	exit := jpcal.Date{Year: 2026, Month: 2, Day: 3}
	// 3m due 2026-05-07 (Thu) 10:00 JST = 01:00 UTC; window runs to 2026-06-06 (Sat),
	// so the last send slot is Fri 6/5. 6m due 2026-08-03 (Mon).
	due6m := utc(2026, 8, 3, 1, 0)
	tests := []struct {
		name       string
		now        time.Time
		importedAt time.Time
		windowDays int
		wantAt     time.Time
		wantLate   bool
		wantReason SkipReason
	}{
		{"before due", utc(2026, 5, 7, 0, 59), time.Time{}, 30, utc(2026, 5, 7, 1, 0), false, ""},
		{"exactly at due", utc(2026, 5, 7, 1, 0), time.Time{}, 30, utc(2026, 5, 7, 1, 0), false, ""},
		{"a minute late: next business day", utc(2026, 5, 7, 1, 1), utc(2026, 5, 7, 1, 1), 30, utc(2026, 5, 8, 1, 0), true, ""},
		{"late, before today's send hour", utc(2026, 5, 20, 0, 0), utc(2026, 5, 19, 0, 0), 30, utc(2026, 5, 20, 1, 0), true, ""},
		{"late on a Saturday", utc(2026, 5, 23, 3, 0), utc(2026, 5, 23, 3, 0), 30, utc(2026, 5, 25, 1, 0), true, ""},
		{"late, last slot of the window", utc(2026, 6, 5, 1, 0), utc(2026, 6, 5, 0, 0), 30, utc(2026, 6, 5, 1, 0), true, ""},
		{"late, slot on the window's last day", utc(2026, 6, 5, 1, 0), utc(2026, 6, 5, 0, 0), 29, utc(2026, 6, 5, 1, 0), true, ""},
		{"late, a minute after the window's last slot", utc(2026, 6, 5, 1, 1), utc(2026, 6, 5, 0, 0), 29, utc(2026, 5, 7, 1, 0), false, SkipWindowClosed},
		{"late, next slot after the window", utc(2026, 6, 5, 1, 1), utc(2026, 6, 5, 0, 0), 30, utc(2026, 5, 7, 1, 0), false, SkipWindowClosed},
		{"imported after the window", utc(2026, 7, 1, 0, 0), utc(2026, 6, 30, 0, 0), 30, utc(2026, 5, 7, 1, 0), false, SkipImportedTooLate},
		{"known long ago, window passed", utc(2026, 7, 1, 0, 0), utc(2026, 1, 1, 0, 0), 30, utc(2026, 5, 7, 1, 0), false, SkipWindowClosed},
		{"import time unknown, window passed", utc(2026, 7, 1, 0, 0), time.Time{}, 30, utc(2026, 5, 7, 1, 0), false, SkipWindowClosed},
		{"no window at all", utc(2026, 5, 7, 1, 1), utc(2026, 5, 7, 1, 1), 0, utc(2026, 5, 7, 1, 0), false, SkipImportedTooLate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s
			s.WindowDays = tt.windowDays
			a := eligible(exit)
			a.ImportedAt = tt.importedAt
			got := Plan(tt.now, a, s, cal)
			p := got[0]
			if !p.DueAt.Equal(tt.wantAt) || p.Late != tt.wantLate || p.SkipReason != tt.wantReason || p.Skip != (tt.wantReason != "") {
				t.Errorf("3m = %+v, want due %v late %v reason %q", p, tt.wantAt, tt.wantLate, tt.wantReason)
			}
			// The 6m wave is unaffected by the 3m one being late or skipped.
			if q := got[1]; q.Skip || q.Late || !q.DueAt.Equal(due6m) {
				t.Errorf("6m = %+v, want on time at %v", q, due6m)
			}
		})
	}
}

func TestLateSlotUsesTenantZone(t *testing.T) {
	s := DefaultSettings()
	s.Location = losAngeles(t)
	cal := s.Calendar()
	// 3m due 2026-05-07 10:00 PDT = 17:00 UTC. "now" is Tue 5/12 09:30 PDT: today's 10:00 slot.
	got := Plan(utc(2026, 5, 12, 16, 30), eligible(jpcal.Date{Year: 2026, Month: 2, Day: 7}), s, cal)
	if want := utc(2026, 5, 12, 17, 0); !got[0].Late || !got[0].DueAt.Equal(want) {
		t.Errorf("LA late slot %+v, want %v", got[0], want)
	}
	// The same instant is already 01:30 on Wed 5/13 in Tokyo: that day's 10:00 slot.
	tokyo := DefaultSettings()
	got = Plan(utc(2026, 5, 12, 16, 30), eligible(jpcal.Date{Year: 2026, Month: 2, Day: 7}), tokyo, tokyo.Calendar())
	if want := utc(2026, 5, 13, 1, 0); !got[0].Late || !got[0].DueAt.Equal(want) {
		t.Errorf("Tokyo late slot %+v, want %v", got[0], want)
	}
}

func TestNotContactableNeverPlanned(t *testing.T) {
	s := DefaultSettings()
	cal := s.Calendar()
	exit := jpcal.Date{Year: 2026, Month: 1, Day: 31}
	tests := []struct {
		name string
		edit func(*Alumnus)
		want SkipReason
	}{
		{"no consent", func(a *Alumnus) { a.Consent = false }, SkipNoConsent},
		{"opted out", func(a *Alumnus) { a.OptedOut = true }, SkipOptedOut},
		{"erased", func(a *Alumnus) { a.Erased = true }, SkipErased},
		{"bounced", func(a *Alumnus) { a.Bounced = true }, SkipBounced},
		{"no email", func(a *Alumnus) { a.HasEmail = false }, SkipNoEmail},
		{"erased wins over opted out", func(a *Alumnus) { a.Erased, a.OptedOut = true, true }, SkipErased},
		{"opted out wins over no consent", func(a *Alumnus) { a.OptedOut, a.Consent = true, false }, SkipOptedOut},
		{"no exit date", func(a *Alumnus) { a.ExitDate = jpcal.Date{} }, SkipNoExitDate},
		{"invalid exit date", func(a *Alumnus) { a.ExitDate = jpcal.Date{Year: 2026, Month: 2, Day: 30} }, SkipNoExitDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := eligible(exit)
			tt.edit(&a)
			// Both on time and in the late window: still never sent.
			for _, now := range []time.Time{past, utc(2026, 5, 1, 5, 0)} {
				got := Plan(now, a, s, cal)
				if len(got) != len(s.Waves) {
					t.Fatalf("got %d entries, want one skip per wave", len(got))
				}
				for _, p := range got {
					if !p.Skip || p.SkipReason != tt.want || p.Late || p.AlumnusID != a.ID {
						t.Errorf("%+v, want skip %q", p, tt.want)
					}
				}
			}
		})
	}
	if got := Plan(past, eligible(exit), s, cal); got[0].Skip || got[1].Skip {
		t.Errorf("eligible alumnus skipped: %+v", got)
	}
}

func TestReminderTimes(t *testing.T) {
	s := DefaultSettings()
	cal := s.Calendar()
	tests := []struct {
		name       string
		sentAt     time.Time
		every, max int
		closeAfter int
		want       []time.Time
	}{
		{"weekly, two", utc(2026, 4, 24, 1, 0), 7, 2, 28, []time.Time{utc(2026, 5, 1, 1, 0), utc(2026, 5, 8, 1, 0)}},
		// 4/30 + 3 = 5/3 Golden Week → 5/7; 5/7 + 3 = 5/10 Sunday → 5/11.
		{"shifted to business days", utc(2026, 4, 30, 1, 0), 3, 2, 28, []time.Time{utc(2026, 5, 7, 1, 0), utc(2026, 5, 11, 1, 0)}},
		// Closes 5/17 10:00: the second reminder (5/21) would be after closing.
		{"cut at closing", utc(2026, 5, 7, 1, 0), 7, 3, 10, []time.Time{utc(2026, 5, 14, 1, 0)}},
		{"reminders off", utc(2026, 5, 7, 1, 0), 7, 0, 28, nil},
		// Sent on 12/25: 1/1 New Year → 1/4, then 1/11 成人の日 → 1/12.
		{"over New Year", utc(2026, 12, 25, 1, 0), 7, 2, 28, []time.Time{utc(2027, 1, 4, 1, 0), utc(2027, 1, 12, 1, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s
			s.ReminderEveryDays, s.MaxReminders, s.CloseAfterDays = tt.every, tt.max, tt.closeAfter
			got := ReminderTimes(tt.sentAt, s, cal)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Errorf("reminder %d at %v, want %v", i+1, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestClosesAt(t *testing.T) {
	s := DefaultSettings() // 28 days
	if got, want := ClosesAt(utc(2026, 5, 7, 1, 0), s), utc(2026, 6, 4, 1, 0); !got.Equal(want) {
		t.Errorf("Tokyo ClosesAt = %v, want %v", got, want)
	}
	s.Location = losAngeles(t)
	// Sent Fri 3/6 10:00 PST; closes Fri 4/3 10:00 PDT, which is an hour earlier in UTC.
	if got, want := ClosesAt(utc(2026, 3, 6, 18, 0), s), utc(2026, 4, 3, 17, 0); !got.Equal(want) {
		t.Errorf("LA ClosesAt = %v, want %v", got, want)
	}
}

func TestAppendPlanDoesNotAllocate(t *testing.T) {
	s := DefaultSettings()
	cal := s.Calendar()
	a := eligible(jpcal.Date{Year: 2026, Month: 2, Day: 3})
	buf := make([]Planned, 0, 4)
	now := utc(2026, 5, 20, 0, 0) // 3m late, 6m on time
	if n := testing.AllocsPerRun(100, func() { buf = AppendPlan(buf[:0], now, a, s, cal) }); n != 0 {
		t.Errorf("AppendPlan allocated %v times per call", n)
	}
}

// syntheticAlumni returns n alumni with exit dates over 2024–2026 and about one in ten
// not contactable, deterministic for a given n.
func syntheticAlumni(n int) []Alumnus {
	r := rand.New(rand.NewPCG(1, 2))
	start := jpcal.Date{Year: 2024, Month: 1, Day: 1}
	out := make([]Alumnus, n)
	for i := range out {
		exit := start.AddDays(r.IntN(3 * 365))
		out[i] = Alumnus{
			ExitDate:   exit,
			Consent:    r.IntN(20) != 0,
			OptedOut:   r.IntN(50) == 0,
			Erased:     r.IntN(200) == 0,
			Bounced:    r.IntN(100) == 0,
			HasEmail:   r.IntN(50) != 0,
			ImportedAt: time.Date(exit.Year, exit.Month, exit.Day, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(120)),
		}
		binary.LittleEndian.PutUint64(out[i].ID[:8], r.Uint64())
		binary.LittleEndian.PutUint64(out[i].ID[8:], r.Uint64())
	}
	return out
}

// BenchmarkPlan plans both waves for 1,000,000 alumni per op, streaming into one buffer.
func BenchmarkPlan(b *testing.B) {
	const n = 1_000_000
	alumni := syntheticAlumni(n)
	s := DefaultSettings()
	cal := s.Calendar()
	now := utc(2026, 6, 1, 0, 0)
	buf := make([]Planned, 0, len(s.Waves))
	b.ReportAllocs()
	passes, toSend := 0, 0
	for b.Loop() {
		for i := range alumni {
			buf = AppendPlan(buf[:0], now, alumni[i], s, cal)
			for j := range buf {
				if !buf[j].Skip {
					toSend++
				}
			}
		}
		passes++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(passes*n), "ns/alumnus")
	b.ReportMetric(float64(toSend)/float64(passes), "sends/op")
}
