package wave

import (
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

// Action is what the scheduler does about one wave of one alumnus.
type Action string

// Actions, as the dry run reports them.
const (
	ActionSend   Action = "send"   // the invitation is due: send it now
	ActionRemind Action = "remind" // a reminder is due: send it now
	ActionExpire Action = "expire" // the wave closed without an answer: record 'expired'
	ActionLater  Action = "later"  // the invitation or a reminder is due later, at At
	ActionSkip   Action = "skip"   // never to be sent; Reason is the planner's SkipReason
	ActionDone   Action = "done"   // nothing more to send; Reason says why
)

// Reasons of ActionDone and ActionLater.
const (
	ReasonSubmitted     = "submitted"
	ReasonBounced       = "bounced"
	ReasonClosed        = "closed"
	ReasonAwaiting      = "awaiting answer"
	ReasonInFlight      = "send in progress"
	ReasonUnknown       = "outcome unknown"
	ReasonGaveUp        = "failed, attempts exhausted"
	ReasonRetry         = "retry after failure"
	ReasonReminder      = "reminder"
	ReasonInvitationOut = "invitation opted out"
)

// Decision is the scheduler's verdict on one (alumnus, wave).
type Decision struct {
	AlumnusID uuid.UUID
	Wave      string
	Survey    string
	Action    Action
	At        time.Time // UTC: when the send or reminder is (or was) due; for a skip, the planned due moment
	Late      bool      // the planned moment had passed; At is the catch-up slot
	Reason    string
	Seq       int // 0: the invitation; n: reminder n
	Attempts  int // failed attempts of this send so far
	// Of an existing invitation (zero Invitation when it does not exist yet):
	Invitation uuid.UUID
	ClosesAt   time.Time
	Intents    int // intents already recorded for this send: the claim check expects one more
}

// Due reports whether the decision is a send now (invitation or reminder).
func (d Decision) Due() bool { return d.Action == ActionSend || d.Action == ActionRemind }

// invState is what the events of one invitation say about it.
type invState struct {
	ID         uuid.UUID
	Wave       string
	Survey     string
	ClosesAt   time.Time
	SentAt     time.Time // first successful send; zero when never sent
	LastMailAt time.Time // last invitation or reminder that went out
	Reminded   int       // reminders out (highest sequence number)
	Submitted  bool
	Expired    bool
	Bounced    bool
	OptedOut   bool
	Unknown    bool // the invitation's own send has an unknown outcome: nothing more is sent
	// Of the next send (sequence Next):
	Next       int
	Attempts   int // counted failures
	LastFailAt time.Time
	Intents    int
	pending    [maxReminders + 1]int8 // intents minus completions per sequence number
}

// Pending reports whether some send has an intent without a completion.
func (v *invState) Pending() bool {
	for _, n := range v.pending {
		if n > 0 {
			return true
		}
	}
	return false
}

// fold turns an alumnus's invitation events into one invState per invitation, reusing dst.
func fold(dst []invState, evs []eventRow) []invState {
	dst = dst[:0]
	find := func(e *eventRow) *invState {
		for i := range dst {
			if dst[i].ID == e.Invitation {
				return &dst[i]
			}
		}
		dst = append(dst, invState{ID: e.Invitation, Wave: e.Wave, Survey: e.Survey, ClosesAt: e.ClosesAt})
		return &dst[len(dst)-1]
	}
	for i := range evs {
		e := &evs[i]
		v := find(e)
		seq := min(max(e.Seq, 0), maxReminders)
		switch e.Event {
		case invite.EventSending, invite.EventReminding:
			v.pending[seq]++
		case invite.EventSent:
			v.pending[seq]--
			if v.SentAt.IsZero() || e.At.Before(v.SentAt) {
				v.SentAt = e.At
			}
			v.LastMailAt = later(v.LastMailAt, e.At)
		case invite.EventReminded:
			v.pending[seq]--
			v.Reminded = max(v.Reminded, e.Seq)
			v.LastMailAt = later(v.LastMailAt, e.At)
		case invite.EventBounced:
			v.pending[seq]--
			v.Bounced = true
		case invite.EventSkipped:
			v.pending[seq]--
		case invite.EventFailed:
			v.pending[seq]--
			if e.Flag == flagUnknown {
				// Perhaps delivered: never repeat it. A reminder counts as sent; the invitation stops.
				if e.Seq == 0 {
					v.Unknown = true
				} else {
					v.Reminded = max(v.Reminded, e.Seq)
					v.LastMailAt = later(v.LastMailAt, e.At)
				}
			}
		case invite.EventSubmitted:
			v.Submitted = true
		case invite.EventExpired:
			v.Expired = true
		case invite.EventOptedOut:
			v.OptedOut = true
		}
	}
	// Second pass: failures and intents of each invitation's next send.
	for i := range dst {
		v := &dst[i]
		if !v.SentAt.IsZero() {
			v.Next = v.Reminded + 1
		}
	}
	for i := range evs {
		e := &evs[i]
		v := find(e)
		if e.Seq != v.Next {
			continue
		}
		switch {
		case e.Event == invite.EventSending || e.Event == invite.EventReminding:
			v.Intents++
		case e.Event == invite.EventFailed && e.Flag == flagAttempt:
			v.Attempts++
			v.LastFailAt = later(v.LastFailAt, e.At)
		}
	}
	return dst
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// policy is everything decide needs besides the alumnus.
type policy struct {
	s           Settings
	cal         *jpcal.Calendar
	window      time.Duration // how long after its due moment a send still goes out that day
	maxAttempts int
	retryBase   time.Duration
}

// retryAt returns when a send that failed n times (n ≥ 1) may be tried again.
func (p *policy) retryAt(last time.Time, n int) time.Time {
	d := p.retryBase << min(n-1, 10)
	return last.Add(d)
}

// nextSlot returns the first send slot (a business day at SendHour) at or after t.
func (p *policy) nextSlot(t time.Time) time.Time {
	d := p.cal.DateOf(t)
	if p.cal.At(d, p.s.SendHour).Before(t) {
		d = d.AddDays(1)
	}
	return p.cal.At(p.cal.NextBusinessDay(d), p.s.SendHour)
}

// decide appends one Decision per wave of the settings for alumnus a, given the plan (from
// AppendPlan at now − window, so that a wave due at 10:00 still goes out at 10:01) and the states of
// a's invitations.
func (p *policy) decide(dst []Decision, now time.Time, a *Alumnus, plans []Planned, invs []invState) []Decision {
	ineligible := ineligibleReason(*a)
	for i := range plans {
		pl := &plans[i]
		d := Decision{AlumnusID: a.ID, Wave: pl.Wave, Survey: pl.Survey, At: pl.DueAt, Late: pl.Late}
		var v *invState
		for j := range invs {
			if invs[j].Wave == pl.Wave && invs[j].Survey == pl.Survey {
				v = &invs[j]
				break
			}
		}
		if v != nil {
			d.Invitation, d.ClosesAt, d.Seq, d.Attempts, d.Intents = v.ID, v.ClosesAt, v.Next, v.Attempts, v.Intents
		}
		switch {
		case v != nil && !v.SentAt.IsZero():
			p.decideSent(&d, now, v, ineligible)
		case v != nil && v.Bounced:
			d.Action, d.Reason = ActionDone, ReasonBounced
		case v != nil && v.Unknown:
			d.Action, d.Reason = ActionDone, ReasonUnknown
		case v != nil && v.Pending():
			d.Action, d.Reason = ActionDone, ReasonInFlight
		case v != nil && v.Attempts >= p.maxAttempts:
			d.Action, d.Reason = ActionDone, ReasonGaveUp
		case pl.Skip:
			d.Action, d.Reason = ActionSkip, string(pl.SkipReason)
		case v != nil && v.Attempts > 0:
			// A failed first send is retried on its own back-off, not at the next send slot.
			d.At = p.retryAt(v.LastFailAt, v.Attempts)
			d.Action, d.Reason = ActionLater, ReasonRetry
			if !d.At.After(now) {
				d.Action = ActionSend
			}
		case !pl.DueAt.After(now):
			d.Action = ActionSend
		default:
			d.Action = ActionLater
		}
		dst = append(dst, d)
	}
	return dst
}

// decideSent decides about an invitation that went out: a reminder, its closing, or nothing.
func (p *policy) decideSent(d *Decision, now time.Time, v *invState, ineligible SkipReason) {
	d.At = v.SentAt
	switch {
	case v.Bounced:
		d.Action, d.Reason = ActionDone, ReasonBounced
	case v.Submitted:
		d.Action, d.Reason = ActionDone, ReasonSubmitted
	case v.Pending():
		d.Action, d.Reason = ActionDone, ReasonInFlight
	case !now.Before(v.ClosesAt):
		d.At = v.ClosesAt
		d.Action, d.Reason = ActionDone, ReasonClosed
		if !v.Expired {
			d.Action = ActionExpire
		}
	case v.OptedOut:
		d.Action, d.Reason = ActionDone, ReasonInvitationOut
	case ineligible != "":
		d.Action, d.Reason = ActionDone, string(ineligible)
	default:
		p.decideReminder(d, now, v)
	}
}

func (p *policy) decideReminder(d *Decision, now time.Time, v *invState) {
	d.Action, d.Reason = ActionDone, ReasonAwaiting
	times := ReminderTimes(v.SentAt, p.s, p.cal)
	seq := v.Reminded + 1
	if seq > len(times) {
		return
	}
	due := times[seq-1]
	// A reminder that went out days late pushes the next one back: never two within the interval.
	if v.Reminded > 0 {
		if gap := p.cal.DateOf(v.LastMailAt).AddDays(p.s.ReminderEveryDays); p.cal.DateOf(due).Before(gap) {
			due = p.cal.At(p.cal.NextBusinessDay(gap), p.s.SendHour)
		}
	}
	// Missed the day's sending window: the next send slot instead of the middle of the night. The
	// slot is looked up from now − window, as the planner is, so that it stays put while it is due.
	if now.After(due.Add(p.window)) {
		due = p.nextSlot(now.Add(-p.window))
	}
	if v.Attempts >= p.maxAttempts {
		d.Reason = ReasonGaveUp
		return
	}
	if v.Attempts > 0 {
		due = later(due, p.retryAt(v.LastFailAt, v.Attempts))
	}
	if !due.Before(v.ClosesAt) {
		return
	}
	d.At, d.Seq = due, seq
	d.Action, d.Reason = ActionLater, ReasonReminder
	if !due.After(now) {
		d.Action = ActionRemind
	}
}
