package wave

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/mail"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// outgoing is one composed send on its way to the sender.
type outgoing struct {
	inv     invite.Invitation
	alumnus uuid.UUID
	seq     int
	intents int  // intents recorded before this pass's
	created bool // the invitation is new: its 'planned' event goes with the intent
	to      contact
	msg     *mail.Message
}

// outcome is what became of one item of the pass.
type outcome struct {
	out     *outgoing
	err     error  // the sender's answer; nil: delivered
	notSent string // set when the message was certainly not handed to the sender, and why
	compose error  // the message could not be composed (nothing was sent, no intent written)
	dropped bool   // no longer sendable at send time: nothing written
}

// errPaused stops a tenant's sending when the sender itself is broken.
var errPaused = errors.New("paused")

// send runs the pipeline of one tenant's due sends (see Scheduler for the protocol): a producer
// re-checks each chunk, writes its invitations and intents and claims them; workers hand messages to
// the sender; this goroutine records the completions in group commits and watches for error storms.
func (s *Scheduler) send(ctx context.Context, t tenant.Tenant, st Settings, m Mailer, work []item, opts PassOptions, rep *TenantReport) error {
	stopCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	// Unbuffered: a chunk's sends wait in the producer, where it can tell when all were taken.
	ready := make(chan *outgoing)
	results := make(chan outcome, s.opts.Chunk)
	var wg sync.WaitGroup
	var prodErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ready)
		prodErr = s.produce(stopCtx, t, st, m, work, opts.Lease, ready, results)
	}()
	for range s.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range ready {
				results <- s.deliver(ctx, stopCtx, m, opts.Lease, o)
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	var (
		pending     []event
		bounced     []uuid.UUID
		consecutive int
		done        int
		flushErr    error
	)
	// Completions are written whatever happens to ctx: a stopping scheduler must still say what it sent.
	wctx := context.WithoutCancel(ctx)
	flush := func() {
		if len(pending) == 0 && len(bounced) == 0 {
			return
		}
		fctx, cancel := context.WithTimeout(wctx, 30*time.Second)
		defer cancel()
		if err := s.store.record(fctx, pending); err != nil {
			// Those sends stay without completion: the next pass treats them as of unknown outcome
			// and never repeats them. Stop sending until the database answers again.
			flushErr = err
			stop(err)
		}
		for _, id := range bounced {
			if err := s.deps.Alumni.RecordEvent(fctx, t.ID, id, "bounced", "permanent SMTP failure"); err != nil {
				flushErr = err
				stop(err)
			}
		}
		pending, bounced = pending[:0], bounced[:0]
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for open := true; open; {
		var r outcome
		select {
		case r, open = <-results:
			if !open {
				break
			}
			done++
			if r.compose != nil && r.out.created {
				// Its 'planned' would have gone with the intent.
				pending = append(pending, event{Invitation: r.out.inv, Kind: invite.EventPlanned, At: s.opts.Now()})
			}
			if e, ok := s.classify(r, rep, &consecutive, stop); ok {
				pending = append(pending, e)
				if e.Kind == invite.EventBounced {
					bounced = append(bounced, r.out.alumnus)
				}
			}
			if len(pending) >= 256 {
				flush()
			}
			if opts.Progress != nil {
				opts.Progress(t.ID, done, len(work))
			}
		case <-tick.C:
			flush()
		}
	}
	flush()
	cause := context.Cause(stopCtx)
	switch {
	case flushErr != nil:
		return flushErr
	case errors.Is(cause, ErrStorm):
		return ErrStorm
	case errors.Is(cause, errPaused):
		return nil // reported in rep.Paused; the other tenants go on
	}
	return prodErr
}

// classify turns an outcome into its completion event and counts it; ok is false when nothing is to
// be recorded.
func (s *Scheduler) classify(r outcome, rep *TenantReport, consecutive *int, stop context.CancelCauseFunc) (event, bool) {
	if r.dropped {
		rep.Dropped++
		return event{}, false
	}
	o := r.out
	e := event{Invitation: o.inv, Seq: o.seq, At: s.opts.Now(), Kind: invite.EventFailed}
	var perm *mail.PermanentError
	var trans *mail.TransientError
	var verr *mail.ValidationError
	switch {
	case r.compose != nil:
		e.Detail = "compose: " + r.compose.Error()
		rep.Failed++
		return e, true
	case r.notSent != "":
		e.Detail = detailNotSent + r.notSent
		rep.NotSent++
		return e, true
	case r.err == nil && o.seq == 0:
		*consecutive = 0
		e.Kind = invite.EventSent
		rep.Sent++
		return e, true
	case r.err == nil:
		*consecutive = 0
		e.Kind = invite.EventReminded
		rep.Reminded++
		return e, true
	case errors.As(r.err, &perm):
		e.Kind, e.Detail = invite.EventBounced, perm.Error()
		rep.Bounced++
	case errors.As(r.err, &trans):
		e.Detail = trans.Error()
		rep.Failed++
	case errors.Is(r.err, context.DeadlineExceeded) || errors.Is(r.err, context.Canceled):
		// Cut off mid-transaction (the lease ran out): the relay may have taken it.
		e.Detail = DetailOutcomeUnknown
		rep.OutcomeUnknown++
	case errors.As(r.err, &verr):
		e.Detail = r.err.Error()
		rep.Failed++
	default:
		// Not about this message: credentials, certificate, sender refused, a full disk. Every
		// message would fail alike, so stop this tenant until the next pass.
		e.Detail = detailNotSent + "mail sender: " + r.err.Error()
		rep.NotSent++
		if rep.Paused == "" {
			rep.Paused = "mail sender problem: " + r.err.Error()
		}
		stop(errPaused)
	}
	*consecutive++
	if *consecutive == s.opts.StormAfter {
		stop(ErrStorm) // only the first cause sticks: a pause before it stays a pause
		s.log.Error("wave pass stopped: error storm", "tenant", o.inv.TenantID, "consecutive_failures", *consecutive)
	}
	return e, true
}

// deliver hands one message to the sender, unless the pass stopped or the lease ran out.
func (s *Scheduler) deliver(ctx, stopCtx context.Context, m Mailer, lease *Lease, o *outgoing) outcome {
	if err := context.Cause(stopCtx); err != nil {
		return outcome{out: o, notSent: "pass stopped (" + err.Error() + ")"}
	}
	until := lease.ValidUntil()
	if !time.Now().Before(until) {
		return outcome{out: o, notSent: "scheduler lease lost"}
	}
	// A send in flight is allowed to finish when the pass is stopped, but not beyond the lease.
	sctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), until)
	defer cancel()
	return outcome{out: o, err: m.Sender.Send(sctx, o.msg)}
}

// produce prepares the sends chunk by chunk: re-check, invitations, compose, intents, claim. The
// next chunk is prepared while the current one is handed to the workers, but its intents are only
// written once the current one is all taken: at any moment at most one chunk of intents waits
// beside the sends in flight, which bounds what a crash can leave of unknown outcome.
func (s *Scheduler) produce(ctx context.Context, t tenant.Tenant, st Settings, m Mailer, work []item, lease *Lease,
	ready chan<- *outgoing, results chan<- outcome) error {
	owner := lease.Owner()
	chunks := slices.Collect(slices.Chunk(work, s.opts.Chunk))
	type prepared struct {
		outs []*outgoing
		err  error
	}
	var next chan prepared
	startPrepare := func(i int) {
		next = nil
		if i >= len(chunks) || ctx.Err() != nil || !lease.Held() {
			return
		}
		ch := make(chan prepared, 1)
		go func() {
			outs, err := s.prepare(ctx, t, st, m, chunks[i], results)
			ch <- prepared{outs, err}
		}()
		next = ch
	}
	// Whatever happens, wait for a preparation in progress: it reports to results.
	defer func() {
		if next != nil {
			<-next
		}
	}()
	startPrepare(0)
	for i := 0; next != nil; i++ {
		p := <-next
		next = nil
		if p.err != nil {
			return p.err
		}
		startPrepare(i + 1)
		if ctx.Err() != nil || !lease.Held() {
			return nil // the rest waits for the next pass; no intent of it was written
		}
		if len(p.outs) == 0 {
			continue
		}
		if err := s.claim(ctx, t, owner, p.outs, ready, results); err != nil {
			return err
		}
	}
	return nil
}

// claim writes the intents of a prepared chunk, checks that no other scheduler claimed the same sends,
// and hands the chunk to the workers. Every item ends in an outcome or with a worker.
func (s *Scheduler) claim(ctx context.Context, t tenant.Tenant, owner string, outs []*outgoing,
	ready chan<- *outgoing, results chan<- outcome) error {
	now := s.opts.Now()
	intents := make([]event, 0, len(outs)+len(outs)/2)
	ids := make([]uuid.UUID, len(outs))
	for i, o := range outs {
		kind := invite.EventSending
		if o.seq > 0 {
			kind = invite.EventReminding
		}
		if o.created {
			intents = append(intents, event{Invitation: o.inv, Kind: invite.EventPlanned, At: now})
		}
		intents = append(intents, event{Invitation: o.inv, Kind: kind, Seq: o.seq, At: now, Detail: owner})
		ids[i] = o.inv.ID
	}
	// Step 1: the intents, acknowledged before anything is sent.
	if err := s.store.record(ctx, intents); err != nil {
		// The INSERT may have been stored all the same: answer each intent, so that none is left
		// for a later pass to give up as of unknown outcome. Nothing of this chunk was sent.
		for _, o := range outs {
			results <- outcome{out: o, notSent: "intent not recorded"}
		}
		return err
	}
	// Step 2: the claim. Counted after our own INSERT was acknowledged: of two schedulers racing
	// for a send, the later to count sees both intents.
	counts, err := s.store.intentCounts(context.WithoutCancel(ctx), t.ID, ids)
	if err != nil {
		for _, o := range outs {
			results <- outcome{out: o, notSent: "could not check the claim: " + err.Error()}
		}
		return err
	}
	for _, o := range outs {
		if counts[claimKey{o.inv.ID, o.seq}] != o.intents+1 {
			results <- outcome{out: o, notSent: "claimed by another scheduler"}
			continue
		}
		select {
		case ready <- o:
		case <-ctx.Done():
			results <- outcome{out: o, notSent: "pass stopped"}
		}
	}
	return nil
}

// prepare re-checks a chunk against the database, writes the invitations that are new, and composes
// the messages.
func (s *Scheduler) prepare(ctx context.Context, t tenant.Tenant, st Settings, m Mailer, chunk []item, results chan<- outcome) ([]*outgoing, error) {
	ids := make([]uuid.UUID, len(chunk))
	var reminders, fresh []uuid.UUID
	for i, it := range chunk {
		ids[i] = it.AlumnusID
		switch {
		case it.Seq > 0:
			reminders = append(reminders, it.Invitation)
		case it.Invitation == uuid.Nil:
			fresh = append(fresh, s.deps.Invites.ID(t.ID, it.AlumnusID, it.Survey, it.Wave))
		}
	}
	var contacts map[uuid.UUID]contact
	var answered, invited map[uuid.UUID]bool
	var errs [3]error
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); contacts, errs[0] = s.store.sendable(ctx, t.ID, ids) }()
	go func() { defer wg.Done(); answered, errs[1] = s.store.answered(ctx, t.ID, reminders) }()
	go func() { defer wg.Done(); invited, errs[2] = s.store.invited(ctx, t.ID, fresh) }()
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	now := s.opts.Now().UTC().Truncate(time.Second)
	var created []invite.Invitation
	var outs []*outgoing
	for _, it := range chunk {
		c, ok := contacts[it.AlumnusID]
		newID := uuid.Nil
		if it.Invitation == uuid.Nil {
			newID = s.deps.Invites.ID(t.ID, it.AlumnusID, it.Survey, it.Wave)
		}
		// An invitation the stream did not show (older than it reads) that already had a send is not new.
		if !ok || (it.Seq > 0 && answered[it.Invitation]) || invited[newID] {
			results <- outcome{dropped: true}
			continue
		}
		o := &outgoing{alumnus: it.AlumnusID, seq: it.Seq, intents: it.Intents, to: c,
			inv: invite.Invitation{TenantID: t.ID, ID: it.Invitation, AlumnusID: it.AlumnusID, SurveyID: it.Survey,
				Wave: it.Wave, Locale: it.Locale, ClosesAt: it.ClosesAt}}
		if it.Invitation == uuid.Nil {
			// A new invitation: it closes CloseAfterDays after this first send.
			o.inv.ID = newID
			o.inv.DueAt = it.At.UTC().Truncate(time.Second)
			o.inv.ClosesAt = ClosesAt(now, st).Truncate(time.Second)
			o.inv.CreatedAt = now
			o.created = true
			created = append(created, o.inv)
		}
		outs = append(outs, o)
	}
	// The new invitations are stored (before any of their events: their 'planned' events go in the same
	// INSERT as the intents, one INSERT less per chunk) while the whole chunk is composed: each message
	// signs a link token, which reads the tenant's key ids from the database, so composing is a chunk's
	// worth of round trips in parallel. A crash before the intents leaves an invitation without events,
	// which the next pass simply plans again.
	var putErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		putErr = s.store.putInvitations(ctx, created, uint64(time.Now().UnixNano()))
	}()
	composeErrs := make([]error, len(outs))
	for i, o := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.msg, composeErrs[i] = s.compose(ctx, t, st, m, o)
		}()
	}
	wg.Wait()
	if putErr != nil {
		return nil, putErr
	}
	kept := outs[:0]
	for i, o := range outs {
		if composeErrs[i] != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			results <- outcome{out: o, compose: composeErrs[i]}
			continue
		}
		kept = append(kept, o)
	}
	return kept, nil
}

// compose renders one invitation or reminder.
func (s *Scheduler) compose(ctx context.Context, t tenant.Tenant, st Settings, m Mailer, o *outgoing) (*mail.Message, error) {
	token, err := s.deps.Invites.Token(ctx, o.inv)
	if err != nil {
		return nil, fmt.Errorf("sign link: %w", err)
	}
	kind := mail.KindInvitation
	if o.seq > 0 {
		kind = mail.KindReminder
	}
	return m.Composer.Compose(mail.Request{
		TenantID:     t.ID,
		InvitationID: o.inv.ID.String(),
		Kind:         kind,
		Locale:       o.inv.Locale,
		To:           o.to.Email,
		Data: mail.Data{
			RecipientName: o.to.Name,
			CompanyName:   t.Name,
			SurveyTitle:   s.surveyTitle(o.inv.SurveyID, o.inv.Locale),
			LinkURL:       s.opts.BaseURL + "/s/" + token,
			OptOutURL:     s.opts.BaseURL + "/o/" + token,
			CloseDate:     o.inv.ClosesAt.In(st.Location),
			Wave:          o.inv.Wave,
		},
	})
}
