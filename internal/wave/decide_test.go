package wave

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

func TestDecide(t *testing.T) {
	s := DefaultSettings()
	pol := &policy{s: s, cal: s.Calendar(), window: 6 * time.Hour, maxAttempts: 3, retryBase: 15 * time.Minute}
	exit := jpcal.Date{Year: 2026, Month: 2, Day: 3} // 3m due Thu 2026-05-07 01:00 UTC
	due := utc(2026, 5, 7, 1, 0)
	sentAt := due.Add(2 * time.Minute)
	closes := ClosesAt(sentAt, s)
	sent := func(edit func(*invState)) []invState {
		v := invState{ID: uuid.New(), Wave: "3m", Survey: "alumni-3m", ClosesAt: closes, SentAt: sentAt, LastMailAt: sentAt, Next: 1}
		if edit != nil {
			edit(&v)
		}
		return []invState{v}
	}
	unsent := func(edit func(*invState)) []invState {
		v := invState{ID: uuid.New(), Wave: "3m", Survey: "alumni-3m", ClosesAt: closes}
		edit(&v)
		return []invState{v}
	}
	tests := []struct {
		name     string
		now      time.Time
		optedOut bool
		invs     []invState
		want     Action
		reason   string
		seq      int
		at       time.Time
	}{
		{"before due", due.Add(-time.Minute), false, nil, ActionLater, "", 0, due},
		{"at due", due, false, nil, ActionSend, "", 0, due},
		{"within the send window", due.Add(5 * time.Hour), false, nil, ActionSend, "", 0, due},
		// After the window the planner's catch-up slot is the next business day (Fri 5/8).
		{"after the send window", due.Add(7 * time.Hour), false, nil, ActionLater, "", 0, utc(2026, 5, 8, 1, 0)},
		{"catch-up slot reached", utc(2026, 5, 8, 1, 1), false, nil, ActionSend, "", 0, utc(2026, 5, 8, 1, 0)},
		{"opted out before sending", due, true, nil, ActionSkip, string(SkipOptedOut), 0, due},
		{"send in flight", due, false, unsent(func(v *invState) { v.Pending = true }), ActionDone, ReasonInFlight, 0, due},
		{"unknown outcome", due, false, unsent(func(v *invState) { v.Unknown = true }), ActionDone, ReasonUnknown, 0, due},
		{"failed, back-off running", due.Add(10 * time.Minute), false,
			unsent(func(v *invState) { v.Attempts, v.LastFailAt = 1, due }), ActionLater, ReasonRetry, 0, due.Add(15 * time.Minute)},
		{"failed twice, back-off doubled", due.Add(46 * time.Minute), false,
			unsent(func(v *invState) { v.Attempts, v.LastFailAt = 2, due.Add(15*time.Minute) }), ActionSend, ReasonRetry, 0, due.Add(45 * time.Minute)},
		{"failed too often", due.Add(10 * time.Hour), false,
			unsent(func(v *invState) { v.Attempts, v.LastFailAt = 3, due }), ActionDone, ReasonGaveUp, 0, utc(2026, 5, 8, 1, 0)},
		{"bounced before sending", due, false, unsent(func(v *invState) { v.Bounced = true }), ActionDone, ReasonBounced, 0, due},
		{"sent, reminder later", utc(2026, 5, 13, 1, 0), false, sent(nil), ActionLater, ReasonReminder, 1, utc(2026, 5, 14, 1, 0)},
		{"first reminder due", utc(2026, 5, 14, 1, 0), false, sent(nil), ActionRemind, ReasonReminder, 1, utc(2026, 5, 14, 1, 0)},
		// Reminder 1 went out three days late (Sun 5/17 → sent Mon 5/18): reminder 2 waits a week from it.
		{"late reminder pushes the next", utc(2026, 5, 21, 1, 5), false,
			sent(func(v *invState) { v.Reminded, v.Next, v.LastMailAt = 1, 2, utc(2026, 5, 18, 1, 0) }),
			ActionLater, ReasonReminder, 2, utc(2026, 5, 25, 1, 0)},
		{"reminders done", utc(2026, 5, 29, 1, 0), false,
			sent(func(v *invState) { v.Reminded, v.Next, v.LastMailAt = 2, 3, utc(2026, 5, 21, 1, 0) }), ActionDone, ReasonAwaiting, 0, sentAt},
		{"submitted", utc(2026, 5, 14, 1, 0), false, sent(func(v *invState) { v.Submitted = true }), ActionDone, ReasonSubmitted, 0, sentAt},
		{"opted out after sending", utc(2026, 5, 14, 1, 0), true, sent(nil), ActionDone, string(SkipOptedOut), 0, sentAt},
		{"closing", closes, false, sent(nil), ActionExpire, ReasonClosed, 0, closes},
		{"closed", closes.Add(time.Hour), false, sent(func(v *invState) { v.Expired = true }), ActionDone, ReasonClosed, 0, closes},
		{"submitted then closed: no expiry", closes, false, sent(func(v *invState) { v.Submitted = true }), ActionDone, ReasonSubmitted, 0, sentAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Alumnus{ID: uuid.New(), ExitDate: exit, Consent: true, HasEmail: true, OptedOut: tt.optedOut}
			plans := AppendPlan(nil, tt.now.Add(-pol.window), a, s, pol.cal)
			ds := pol.decide(nil, tt.now, &a, plans, tt.invs)
			d := ds[0]
			if d.Action != tt.want || d.Reason != tt.reason || d.Seq != tt.seq || !d.At.Equal(tt.at) {
				t.Errorf("got %s %q seq %d at %v; want %s %q seq %d at %v", d.Action, d.Reason, d.Seq, d.At,
					tt.want, tt.reason, tt.seq, tt.at)
			}
			if len(tt.invs) > 0 && d.Invitation != tt.invs[0].ID {
				t.Errorf("decision not tied to the existing invitation")
			}
		})
	}
}

func TestParseInvitations(t *testing.T) {
	id1, id2 := uuid.New(), uuid.New()
	s := id1.String() + "|3m|alumni-3m|1780000000|1777500000|1778000000|1|33|2|1777600000|3;" +
		id2.String() + "|6m|alumni-6m|0|0|0|0|0|0|0|0"
	got, err := parseInvitations(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d invitations", len(got))
	}
	a := got[0]
	if a.ID != id1 || a.Wave != "3m" || a.Survey != "alumni-3m" || a.ClosesAt.Unix() != 1780000000 ||
		a.SentAt.Unix() != 1777500000 || a.LastMailAt.Unix() != 1778000000 || a.Reminded != 1 || a.Next != 2 ||
		!a.Submitted || !a.Pending || a.Expired || a.Bounced || a.Attempts != 2 || a.LastFailAt.Unix() != 1777600000 || a.Intents != 3 {
		t.Errorf("first = %+v", a)
	}
	if b := got[1]; b.ID != id2 || !b.SentAt.IsZero() || !b.ClosesAt.IsZero() || b.Next != 0 {
		t.Errorf("second = %+v", b)
	}
	if got, err := parseInvitations(got, ""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"not-a-uuid|3m|s|0|0|0|0|0|0|0|0", id1.String() + "|3m|s|x|0|0|0|0|0|0|0", id1.String() + "|3m"} {
		if _, err := parseInvitations(nil, bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseSettings(t *testing.T) {
	tokyo := DefaultSettings().Location
	s, err := ParseSettings(nil, tokyo)
	if err != nil || s.SendHour != 10 || s.MaxPerHour != 1000 {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	la := mustZone(t, "America/Los_Angeles")
	s, err = ParseSettings([]byte(`{"send_hour": 9, "max_reminders": 0, "blackout": ["2026-12-28"], "max_per_hour": 0}`), la)
	if err != nil {
		t.Fatal(err)
	}
	if s.SendHour != 9 || s.MaxReminders != 0 || s.ReminderEveryDays != 7 || s.Location != la || s.MaxPerHour != 0 ||
		len(s.Blackout) != 1 || s.Blackout[0] != (jpcal.Date{Year: 2026, Month: 12, Day: 28}) {
		t.Errorf("partial settings: %+v", s)
	}
	// Round trip through MarshalJSON.
	raw, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSettings(raw, tokyo)
	if err != nil || back.Location.String() != "America/Los_Angeles" || back.SendHour != 9 || back.MaxReminders != 0 {
		t.Errorf("round trip %s: %+v %v", raw, back, err)
	}
	for _, bad := range []string{
		`{"send_hour": 24}`, `{"time_zone": "Mars/Olympus"}`, `{"sendhour": 9}`, `{"waves": [{"name": "3m;x", "offset_months": 3, "survey": "alumni-3m"}]}`,
		`{"waves": [{"name": "3m", "offset_months": 3, "survey": "Alumni|3m"}]}`, `{"max_per_hour": -1}`, `[`,
	} {
		if _, err := ParseSettings([]byte(bad), tokyo); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
