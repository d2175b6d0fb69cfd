package wave

import (
	"cmp"
	"slices"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

// UpcomingDays is how far ahead Summary.Upcoming looks.
const UpcomingDays = 14

// Summary counts a tenant's decisions: what is due now, later, skipped and done, per wave.
type Summary struct {
	Tenant string       `json:"tenant"`
	Now    time.Time    `json:"now"`
	Zone   string       `json:"zone"`
	Alumni int          `json:"alumni"`
	Waves  []WaveCounts `json:"waves"`
	// Upcoming counts the sends due from now to UpcomingDays ahead, per local date and wave.
	Upcoming []Upcoming `json:"upcoming"`

	horizon  time.Time
	upcoming map[upcomingKey]*Upcoming
}

// WaveCounts are the decisions of one wave.
type WaveCounts struct {
	Wave    string         `json:"wave"`
	Send    int            `json:"send_now"`
	Remind  int            `json:"remind_now"`
	Expire  int            `json:"expire_now"`
	Later   int            `json:"later"`
	Late    int            `json:"late"` // of Send and Later: catching up a missed send slot
	Skipped map[string]int `json:"skipped"`
	Done    map[string]int `json:"done"`
}

// Upcoming is how many invitations and reminders of a wave are due on a local date.
type Upcoming struct {
	Date        jpcal.Date `json:"date"`
	Wave        string     `json:"wave"`
	Invitations int        `json:"invitations"`
	Reminders   int        `json:"reminders"`
}

type upcomingKey struct {
	date jpcal.Date
	wave string
}

func newSummary(tenantID string, st Settings, now time.Time) *Summary {
	s := &Summary{Tenant: tenantID, Now: now.UTC(), Zone: st.Location.String(),
		horizon: now.AddDate(0, 0, UpcomingDays), upcoming: map[upcomingKey]*Upcoming{}}
	for _, w := range st.Waves {
		s.Waves = append(s.Waves, WaveCounts{Wave: w.Name, Skipped: map[string]int{}, Done: map[string]int{}})
	}
	return s
}

func (s *Summary) add(d *Decision, cal *jpcal.Calendar) {
	var w *WaveCounts
	for i := range s.Waves {
		if s.Waves[i].Wave == d.Wave {
			w = &s.Waves[i]
			break
		}
	}
	if w == nil {
		return
	}
	switch d.Action {
	case ActionSend:
		w.Send++
	case ActionRemind:
		w.Remind++
	case ActionExpire:
		w.Expire++
	case ActionLater:
		w.Later++
	case ActionSkip:
		w.Skipped[d.Reason]++
	case ActionDone:
		w.Done[d.Reason]++
	}
	if d.Late && (d.Action == ActionSend || d.Action == ActionLater) {
		w.Late++
	}
	if d.Due() || (d.Action == ActionLater && d.At.Before(s.horizon)) {
		at := d.At
		if d.Due() {
			at = s.Now
		}
		k := upcomingKey{cal.DateOf(at), d.Wave}
		u := s.upcoming[k]
		if u == nil {
			u = &Upcoming{Date: k.date, Wave: k.wave}
			s.upcoming[k] = u
		}
		if d.Seq == 0 {
			u.Invitations++
		} else {
			u.Reminders++
		}
	}
}

// finish turns the upcoming counts into the sorted Upcoming list.
func (s *Summary) finish() {
	s.Upcoming = s.Upcoming[:0]
	for _, u := range s.upcoming {
		s.Upcoming = append(s.Upcoming, *u)
	}
	slices.SortFunc(s.Upcoming, func(a, b Upcoming) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return cmp.Compare(a.Wave, b.Wave)
	})
}
