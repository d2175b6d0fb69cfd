package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/jpcal"
	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// wavePlan is one demo wave.
type wavePlan struct {
	name, surveyID string
	months         int
}

var demoWaves = []wavePlan{{"3m", "alumni-3m", 3}, {"6m", "alumni-6m", 6}}

// responses creates the invitations, their histories and the answers of every wave that fell due before
// now, as the scheduler and the survey form would have: people answer about 45% of 3-month invitations
// and 70% of those answer again at 6 months.
func responses(ctx context.Context, d Deps, catalog *survey.Catalog, recs []alumni.Record, seed uint64, now time.Time,
	say func(string, ...any)) error {
	r := rand.New(rand.NewPCG(seed, 0xa115))
	cal := jpcal.New(nil, jpcal.Tokyo())
	var invs []invite.Invitation
	var events []invite.EventRecord
	var subs []answer.Submission
	for _, rec := range recs {
		id := d.Alumni.AlumnusID(TenantID, rec.EmployeeCode)
		if !rec.Consent || rec.Email == "" {
			continue
		}
		al := alumni.Alumnus{ID: id, Record: rec}
		sat := r.Float64()
		var prev survey.Answers
		for _, w := range demoWaves {
			exit := jpcal.Date{Year: rec.ExitDate.Year, Month: rec.ExitDate.Month, Day: rec.ExitDate.Day}
			dueDay := cal.NextBusinessDay(exit.AddMonths(w.months))
			due := cal.At(dueDay, 10)
			if !due.Before(now) {
				break
			}
			inv := invite.Invitation{TenantID: TenantID, ID: d.Invites.ID(TenantID, id, w.surveyID, w.name), AlumnusID: id,
				SurveyID: w.surveyID, Wave: w.name, Locale: rec.Locale, DueAt: due, ClosesAt: due.AddDate(0, 0, 28),
				CreatedAt: due.Add(-24 * time.Hour)}
			invs = append(invs, inv)
			ev := func(e invite.Event, seq int, at time.Time) {
				if at.Before(now) {
					events = append(events, invite.EventRecord{Inv: inv, Event: e, Seq: seq, At: at})
				}
			}
			ev(invite.EventPlanned, 0, inv.CreatedAt)
			if r.Float64() < 0.015 {
				ev(invite.EventBounced, 0, due.Add(time.Minute))
				break
			}
			ev(invite.EventSending, 0, due)
			ev(invite.EventSent, 0, due.Add(time.Second))
			respondP := 0.45
			if w.name == "6m" {
				respondP = 0.08
				if prev != nil {
					respondP = 0.7
				}
			}
			opened := r.Float64() < respondP+0.2
			responded := opened && r.Float64() < respondP/(respondP+0.2)
			if !responded {
				ev(invite.EventReminding, 1, due.AddDate(0, 0, 7))
				ev(invite.EventReminded, 1, due.AddDate(0, 0, 7).Add(time.Second))
				if opened {
					ev(invite.EventOpened, 0, due.AddDate(0, 0, 8))
				}
				ev(invite.EventExpired, 0, inv.ClosesAt)
				if w.name == "3m" {
					prev = nil
				}
				continue
			}
			at := due.Add(time.Duration(r.Float64()*float64(10*24*time.Hour)) + time.Hour)
			if !at.Before(now) {
				continue
			}
			ev(invite.EventOpened, 0, at.Add(-5*time.Minute))
			ev(invite.EventSubmitted, 0, at)
			var ans survey.Answers
			if w.name == "3m" || prev == nil {
				ans, _ = answers3m(r, rec, sat)
				if w.name == "6m" {
					ans = answers6m(r, ans)
				}
			} else {
				ans = answers6m(r, prev)
			}
			if w.name == "3m" {
				prev = ans
			}
			s, ok := catalog.Get(w.surveyID)
			if !ok {
				return fmt.Errorf("demo: survey %s missing", w.surveyID)
			}
			sub := answer.Build(s, ans, al, inv, rec.Locale)
			for i := range sub.Rows {
				sub.Rows[i].SubmittedAt = at
			}
			subs = append(subs, sub)
		}
	}
	if err := d.Invites.PutBatch(ctx, invs); err != nil {
		return err
	}
	for i := 0; i < len(events); i += 20000 {
		if err := d.Invites.RecordBatch(ctx, events[i:min(i+20000, len(events))]); err != nil {
			return err
		}
	}
	say("demo: %d invitations, %d events", len(invs), len(events))
	// Submissions go through the group-commit writer, as the survey form's do.
	var wg sync.WaitGroup
	errs := make(chan error, len(subs))
	sem := make(chan struct{}, 64)
	for _, sub := range subs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := d.Answers.Write(ctx, sub); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("demo answers: %w", err)
	}
	say("demo: %d responses", len(subs))
	return nil
}
