package wave

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/mail"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/surveys"
)

// closedHorizon is how long after closing an invitation is still read by a pass (for its 'expired').
const closedHorizon = 30 * 24 * time.Hour

// LeaseName is the name of the scheduler's leadership lease.
const LeaseName = "scheduler"

// ErrStorm stops a pass: too many sends in a row failed, so something is wrong beyond one address.
var ErrStorm = errors.New("too many consecutive send failures; pass stopped")

// Scheduler plans the waves of every tenant and sends the invitations and reminders that are due.
//
// # Delivery guarantee: at most once
//
// No invitation or reminder is ever handed to the sender twice, whatever crashes, restarts or
// concurrent schedulers happen. Each send (an invitation, or reminder n of it) goes through:
//
//  1. intent: a 'sending' (or 'reminding', seq n) event carrying the lease owner id is appended, and
//     the scheduler waits for ClickHouse to acknowledge the INSERT;
//  2. claim: it counts the intents of that send; if there are more than the one it expected to add
//     (another scheduler raced it), it sends nothing and records 'failed' "not sent: …" (retried
//     later). Of two racing claimants at most one sees only its own intent, because each counts
//     after its own INSERT was acknowledged;
//  3. send: the message goes to the SMTP relay (or the outbox), within the lease's validity;
//  4. completion: 'sent' / 'reminded' / 'bounced' / 'failed' with the same seq is appended (in small
//     group commits, at most ~50 ms later).
//
// A send with an intent and no completion is never sent again automatically. At the start of every
// pass, intents without a completion whose owner is no longer alive (no lease heartbeat within the
// TTL) are resolved: with the outbox, the .eml file tells whether it was written (→ 'sent', or →
// 'failed' "not sent" and retried, so the outbox is exactly once); with SMTP the outcome cannot be
// known, so it is recorded as 'failed' with detail DetailOutcomeUnknown for HR to see, and never
// retried.
//
// The window in which a message may be lost instead (never delivered, recorded as outcome unknown)
// is a crash or kill between step 1 and step 4: the sends of the chunk whose intents were written
// but not yet handed over (at most Chunk plus Workers), those the relay had not yet accepted, and
// those accepted but whose completion was not yet written (a few tens of milliseconds). A graceful
// stop (SIGTERM, lost lease, error storm) loses nothing: queued sends are recorded as "not sent"
// and retried, and sends in flight are allowed to finish.
type Scheduler struct {
	deps  Deps
	opts  Options
	store *store
	log   *slog.Logger

	mailerOnce sync.Once
	mailer     Mailer
	mailerErr  error

	surveysOnce sync.Once
	surveys     *survey.Catalog

	cacheMu sync.Mutex
	cache   map[string]cachedOverview
}

// Deps are the stores and services the scheduler uses.
type Deps struct {
	Conn    db.Conn
	Tenants *tenant.Store
	Invites *invite.Store
	Alumni  *alumni.Store
	// Surveys loads the survey catalog for titles in mail (nil: generic titles).
	Surveys func() (*survey.Catalog, error)
	// Mailer opens the composer and sender on first use.
	Mailer func() (Mailer, error)
	Log    *slog.Logger
}

// Options tune the scheduler. Zero values get the defaults named on each field.
type Options struct {
	BaseURL     string        // links are {BaseURL}/s/{token} and {BaseURL}/o/{token}
	Workers     int           // concurrent sends per tenant; default 4
	Chunk       int           // sends whose intents are written together; default 32
	MaxAttempts int           // failed passes after which a send is given up; default 5
	RetryBase   time.Duration // wait after a failed pass, doubled each time; default 15m
	StormAfter  int           // consecutive failures that stop the pass; default 20
	// SendWindow is how long after its slot a due send still goes out; after that it waits for the
	// next business day's send hour. Default 6h.
	SendWindow time.Duration
	Now        func() time.Time // the clock of plans and events; default time.Now
}

// New returns a scheduler.
func New(deps Deps, opts Options) *Scheduler {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Chunk <= 0 {
		opts.Chunk = 32
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 15 * time.Minute
	}
	if opts.StormAfter <= 0 {
		opts.StormAfter = 20
	}
	if opts.SendWindow <= 0 {
		opts.SendWindow = 6 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{deps: deps, opts: opts, store: &store{conn: deps.Conn}, log: log, cache: map[string]cachedOverview{}}
}

// FromConfig returns the scheduler of a configured application: mail through SMTP or the outbox, survey
// titles from the configured surveys. Nothing is opened until first used.
func FromConfig(cfg config.Config, conn db.Conn, tenants *tenant.Store, invites *invite.Store, reg *alumni.Store, log *slog.Logger) *Scheduler {
	return New(Deps{
		Conn: conn, Tenants: tenants, Invites: invites, Alumni: reg, Log: log,
		Surveys: func() (*survey.Catalog, error) { return survey.Load(surveys.Open(cfg.SurveysDir)) },
		Mailer:  func() (Mailer, error) { return NewMailer(cfg, log) },
	}, Options{BaseURL: cfg.BaseURL})
}

// SetNow replaces the scheduler's clock (the CLI's hidden --now, for rehearsals and tests). Call it
// before the first plan or pass.
func (s *Scheduler) SetNow(now func() time.Time) { s.opts.Now = now }

// NewLease returns the scheduler's leadership lease on its database.
func (s *Scheduler) NewLease() *Lease {
	return NewLease(s.deps.Conn, LeaseName, s.log)
}

// Close releases the mailer's connections, if it was opened.
func (s *Scheduler) Close() error {
	if s.mailer.Close != nil {
		return s.mailer.Close()
	}
	return nil
}

func (s *Scheduler) openMailer() (Mailer, error) {
	s.mailerOnce.Do(func() {
		if s.deps.Mailer == nil {
			s.mailerErr = errors.New("no mailer configured")
			return
		}
		s.mailer, s.mailerErr = s.deps.Mailer()
	})
	return s.mailer, s.mailerErr
}

// surveyTitle returns a survey's title in locale, or a generic one.
func (s *Scheduler) surveyTitle(id, locale string) string {
	s.surveysOnce.Do(func() {
		if s.deps.Surveys == nil {
			return
		}
		c, err := s.deps.Surveys()
		if err != nil {
			s.log.Warn("survey catalog not loaded; mail uses generic titles", "err", err)
			return
		}
		s.surveys = c
	})
	if s.surveys != nil {
		if sv, ok := s.surveys.Get(id); ok {
			return sv.Title.In(locale)
		}
	}
	return survey.L10n{JA: "アルムナイ・アンケート", EN: "Alumni survey"}.In(locale)
}

// TenantSettings returns a tenant's effective wave settings: the stored ones over the defaults, in the
// tenant's zone unless they name another.
func TenantSettings(t tenant.Tenant) (Settings, error) {
	return ParseSettings(t.Settings.Waves, t.Location())
}

// policy builds the decision rules of a tenant.
func (s *Scheduler) policy(st Settings) *policy {
	return &policy{s: st, cal: st.Calendar(), window: s.opts.SendWindow, maxAttempts: s.opts.MaxAttempts, retryBase: s.opts.RetryBase}
}

// scan streams a tenant's registry, decides every (alumnus, wave), counts the decisions and hands
// each alumnus's decisions to fn (which must copy what it keeps).
func (s *Scheduler) scan(ctx context.Context, t tenant.Tenant, st Settings, now time.Time, fn func(r *registryRow, ds []Decision)) (Summary, error) {
	pol := s.policy(st)
	sum := newSummary(t.ID, st, now)
	planNow := now.Add(-s.opts.SendWindow)
	var (
		plans []Planned
		decs  []Decision
	)
	// Invitations due before dueSince are past any send window (late slot + send window + a day for
	// zone and daylight-saving shifts); closedSince keeps recently closed ones for their 'expired'.
	dueSince := now.AddDate(0, 0, -(st.WindowDays + 2)).Add(-s.opts.SendWindow)
	closedSince := now.Add(-closedHorizon)
	err := s.store.stream(ctx, t.ID, dueSince, closedSince, func(r *registryRow) error {
		plans = AppendPlan(plans[:0], planNow, r.Alumnus, st, pol.cal)
		decs = pol.decide(decs[:0], now, &r.Alumnus, plans, r.Invitations)
		sum.Alumni++
		for i := range decs {
			sum.add(&decs[i], pol.cal)
		}
		if fn != nil {
			fn(r, decs)
		}
		return nil
	})
	sum.finish()
	return *sum, err
}

// Plan decides every (alumnus, wave) of a tenant at the scheduler's now without changing anything, and
// calls each (when not nil) with every decision. It is the dry run.
func (s *Scheduler) Plan(ctx context.Context, tenantID string, each func(Decision)) (Summary, error) {
	t, err := s.deps.Tenants.Get(ctx, tenantID)
	if err != nil {
		return Summary{}, err
	}
	st, err := TenantSettings(t)
	if err != nil {
		return Summary{}, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	var fn func(*registryRow, []Decision)
	if each != nil {
		fn = func(_ *registryRow, ds []Decision) {
			for _, d := range ds {
				each(d)
			}
		}
	}
	return s.scan(ctx, t, st, s.opts.Now(), fn)
}

// PassOptions select what a pass does.
type PassOptions struct {
	Tenant string // only this tenant; "" for every tenant
	// Lease must be held by this process: sends stop when it lapses, and intents carry its owner id.
	Lease *Lease
	// Progress, when set, is called as sends complete.
	Progress func(tenant string, done, total int)
}

// TenantReport says what a pass did for one tenant.
type TenantReport struct {
	Tenant  string  `json:"tenant"`
	Summary Summary `json:"summary"`
	// Recovered sends a crash left without completion: found in the outbox, known not sent (to be
	// retried), or of unknown outcome (never retried).
	RecoveredSent    int `json:"recovered_sent"`
	RecoveredNotSent int `json:"recovered_not_sent"`
	OutcomeUnknown   int `json:"outcome_unknown"`
	Sent             int `json:"sent"`
	Reminded         int `json:"reminded"`
	Bounced          int `json:"bounced"`
	Failed           int `json:"failed"`
	NotSent          int `json:"not_sent"` // stopped, claimed elsewhere or config problem: retried later
	Expired          int `json:"expired"`
	Held             int `json:"held"`    // over the hourly cap: next pass
	Dropped          int `json:"dropped"` // no longer sendable at send time (opted out, answered…)
	// Paused says why sending stopped early for this tenant ("" when it did not).
	Paused string `json:"paused,omitempty"`
}

// PassReport says what a pass did.
type PassReport struct {
	Tenants []TenantReport
}

// Pass runs one scheduling pass: for each tenant, resolve sends a crash left unfinished, decide every
// (alumnus, wave), record closed waves, and send what is due, within the tenant's hourly cap. A tenant
// whose settings are invalid or whose sender is misconfigured is skipped with a log line; an error
// storm stops the pass with ErrStorm.
func (s *Scheduler) Pass(ctx context.Context, opts PassOptions) (PassReport, error) {
	var rep PassReport
	if opts.Lease == nil || !opts.Lease.Held() {
		return rep, errors.New("wave pass: the scheduler lease is not held")
	}
	m, err := s.openMailer()
	if err != nil {
		return rep, fmt.Errorf("wave pass: mailer: %w", err)
	}
	var tenants []tenant.Tenant
	if opts.Tenant != "" {
		t, err := s.deps.Tenants.Get(ctx, opts.Tenant)
		if err != nil {
			return rep, err
		}
		tenants = []tenant.Tenant{t}
	} else if tenants, err = s.deps.Tenants.List(ctx); err != nil {
		return rep, err
	}
	for _, t := range tenants {
		tr, err := s.tenantPass(ctx, t, m, opts)
		rep.Tenants = append(rep.Tenants, tr)
		if err != nil {
			return rep, fmt.Errorf("tenant %s: %w", t.ID, err)
		}
		if tr.Paused != "" {
			s.log.Warn("wave sending paused for tenant until the next pass", "tenant", t.ID, "reason", tr.Paused)
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	return rep, nil
}

// item is one send of a pass.
type item struct {
	Decision
	Locale string
}

func (s *Scheduler) tenantPass(ctx context.Context, t tenant.Tenant, m Mailer, opts PassOptions) (TenantReport, error) {
	rep := TenantReport{Tenant: t.ID}
	st, err := TenantSettings(t)
	if err != nil {
		rep.Paused = "invalid wave settings: " + err.Error()
		return rep, nil
	}
	now := s.opts.Now()
	if err := s.recover(ctx, t.ID, m, opts.Lease, &rep); err != nil {
		return rep, err
	}
	var work []item
	var expire []event
	start := time.Now()
	defer func() {
		s.log.Debug("wave tenant pass", "tenant", t.ID, "due", len(work), "took", time.Since(start).Round(time.Millisecond))
	}()
	rep.Summary, err = s.scan(ctx, t, st, now, func(r *registryRow, ds []Decision) {
		var due *Decision // one mail per alumnus per pass: the earliest due
		for i := range ds {
			d := &ds[i]
			switch {
			case d.Action == ActionExpire:
				expire = append(expire, event{Invitation: invite.Invitation{TenantID: t.ID, ID: d.Invitation,
					SurveyID: d.Survey, Wave: d.Wave}, Kind: invite.EventExpired, At: now})
			case d.Due() && (due == nil || d.At.Before(due.At)):
				due = d
			}
		}
		if due != nil {
			work = append(work, item{Decision: *due, Locale: r.Locale})
		}
	})
	if err != nil {
		return rep, err
	}
	s.log.Debug("wave plan", "tenant", t.ID, "alumni", rep.Summary.Alumni, "took", time.Since(start).Round(time.Millisecond))
	for c := range slices.Chunk(expire, 10_000) {
		if err := s.store.record(ctx, c); err != nil {
			return rep, err
		}
	}
	rep.Expired = len(expire)
	slices.SortFunc(work, func(a, b item) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.AlumnusID.String(), b.AlumnusID.String())
	})
	if st.MaxPerHour > 0 && len(work) > 0 {
		used, err := s.store.sentSince(ctx, t.ID, now.Add(-time.Hour))
		if err != nil {
			return rep, err
		}
		budget := max(st.MaxPerHour-used, 0)
		if len(work) > budget {
			rep.Held = len(work) - budget
			work = work[:budget]
		}
	}
	if len(work) == 0 {
		return rep, nil
	}
	return rep, s.send(ctx, t, st, m, work, opts, &rep)
}

// recover resolves intents without a completion whose owner is no longer alive (see Scheduler).
func (s *Scheduler) recover(ctx context.Context, tenantID string, m Mailer, lease *Lease, rep *TenantReport) error {
	orphans, err := s.store.orphans(ctx, tenantID, s.opts.Now().Add(-orphanHorizon))
	if err != nil || len(orphans) == 0 {
		return err
	}
	live, err := s.store.liveOwners(ctx, lease.name, time.Now(), lease.TTL)
	if err != nil {
		return err
	}
	me := lease.Owner()
	var outbox map[outboxKey]int
	if m.OutboxDir != "" {
		entries, err := mail.ListOutbox(m.OutboxDir)
		if err != nil {
			return err
		}
		outbox = map[outboxKey]int{}
		for _, e := range entries {
			outbox[outboxKey{strings.ToLower(e.InvitationID), e.Kind}]++
		}
	}
	now := s.opts.Now()
	var evs []event
	for _, o := range orphans {
		if live[o.Owner] && o.Owner != me {
			continue // another live scheduler's send, perhaps still in flight: not ours to judge
		}
		e := event{Invitation: invite.Invitation{TenantID: tenantID, ID: o.Invitation, SurveyID: o.Survey, Wave: o.Wave},
			Seq: o.Seq, At: now}
		kind, done := mail.KindInvitation, invite.EventSent
		if o.Seq > 0 {
			kind, done = mail.KindReminder, invite.EventReminded
		}
		switch {
		case outbox == nil:
			e.Kind, e.Detail = invite.EventFailed, DetailOutcomeUnknown
			rep.OutcomeUnknown++
		case outbox[outboxKey{o.Invitation.String(), kind}] >= max(o.Seq, 1):
			// The outbox names files by invitation and kind: reminder n exists when n reminder files do.
			e.Kind, e.Detail = done, detailRecovered
			rep.RecoveredSent++
		default:
			// Outbox files appear whole or not at all: no file, no mail.
			e.Kind, e.Detail = invite.EventFailed, detailNotSent+"interrupted before delivery"
			rep.RecoveredNotSent++
		}
		evs = append(evs, e)
	}
	if len(evs) > 0 {
		s.log.Warn("resolved sends left unfinished by a stopped scheduler", "tenant", tenantID,
			"found_in_outbox", rep.RecoveredSent, "not_sent", rep.RecoveredNotSent, "outcome_unknown", rep.OutcomeUnknown)
	}
	return s.store.record(ctx, evs)
}

type outboxKey struct {
	invitation string
	kind       mail.Kind
}

// Serve runs a pass every interval while this process holds the scheduler lease, until ctx ends. Passes
// start at once when the lease is won.
func (s *Scheduler) Serve(ctx context.Context, interval time.Duration) {
	lease := s.NewLease()
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { lease.Keep(lctx); close(done) }()
	defer func() { cancel(); <-done }()
	var last time.Time
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if lease.Held() && time.Since(last) >= interval {
			last = time.Now()
			rep, err := s.Pass(ctx, PassOptions{Lease: lease})
			s.logPass(rep, err, time.Since(last))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *Scheduler) logPass(rep PassReport, err error, took time.Duration) {
	for _, t := range rep.Tenants {
		if t.Sent+t.Reminded+t.Bounced+t.Failed+t.NotSent+t.Expired+t.Held+t.OutcomeUnknown > 0 {
			s.log.Info("wave pass", "tenant", t.Tenant, "sent", t.Sent, "reminded", t.Reminded, "bounced", t.Bounced,
				"failed", t.Failed, "not_sent", t.NotSent, "expired", t.Expired, "held", t.Held,
				"outcome_unknown", t.OutcomeUnknown)
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
	case err != nil:
		s.log.Error("wave pass failed", "err", err, "took", took.Round(time.Millisecond))
	default:
		s.log.Debug("wave pass done", "tenants", len(rep.Tenants), "took", took.Round(time.Millisecond))
	}
}
