package wave_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/mail"
	"github.com/alumnipulse/alumnipulse/internal/wave"
	"github.com/alumnipulse/alumnipulse/internal/wave/wavetest"
)

const tenantID = "acme"

// exit is an exit date whose 3m wave is due Thu 2026-05-07 10:00 JST (01:00 UTC: 5/3–5/6 are Golden
// Week) and whose 6m wave is due Mon 2026-08-03 01:00 UTC.
var exit = alumni.MakeDate(2026, 2, 3)

var (
	due3m = utc(2026, 5, 7, 1, 0)
	due6m = utc(2026, 8, 3, 1, 0)
)

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func person(code string) wavetest.Person {
	return wavetest.Person{Code: code, Email: strings.ToLower(code) + "@example.jp", Exit: exit, Consent: true}
}

// env is a throwaway database with a seeded tenant, a real SMTP server and a scheduler on a clock the
// test moves.
type env struct {
	t     *testing.T
	conn  db.Conn
	st    wavetest.Stores
	smtp  *wavetest.SMTPServer
	sched *wave.Scheduler
	lease *wave.Lease

	mu  sync.Mutex
	now time.Time
}

func newEnv(t *testing.T, waves any, people []wavetest.Person, tune func(*wave.Options)) *env {
	t.Helper()
	conn, _ := dbtest.New(t)
	e := &env{t: t, conn: conn, st: wavetest.NewStores(conn), smtp: wavetest.StartSMTP(t)}
	wavetest.Seed(t, e.st, tenantID, waves, people)
	e.sched = e.newScheduler(tune)
	e.lease = e.newLease()
	return e
}

func (e *env) newScheduler(tune func(*wave.Options)) *wave.Scheduler {
	opts := wave.Options{BaseURL: "https://alumni.example.jp/", Now: e.clock}
	if tune != nil {
		tune(&opts)
	}
	return wave.New(wave.Deps{Conn: e.conn, Tenants: e.st.Tenants, Invites: e.st.Invites, Alumni: e.st.Alumni,
		Mailer: func() (wave.Mailer, error) { return e.smtpMailer(), nil }}, opts)
}

func (e *env) smtpMailer() wave.Mailer {
	composer, err := mail.NewComposer(mail.ComposerConfig{From: "survey@alumnipulse.test"})
	if err != nil {
		e.t.Fatal(err)
	}
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: e.smtp.Host, Port: e.smtp.Port, TLS: mail.TLSNone,
		From: "bounces@alumnipulse.test", PoolSize: 4, Timeout: 5 * time.Second, MaxAttempts: 2,
		RetryBase: 10 * time.Millisecond}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { sender.Close() })
	return wave.Mailer{Composer: composer, Sender: sender, Close: sender.Close}
}

func (e *env) newLease() *wave.Lease {
	l := wave.NewLease(e.conn, wave.LeaseName, nil)
	l.Settle = 20 * time.Millisecond
	return l
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) setNow(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = t
}

// pass runs one pass at now and returns the tenant's report.
func (e *env) pass(now time.Time) wave.TenantReport {
	e.t.Helper()
	e.setNow(now)
	ctx := context.Background()
	if ok, _, err := e.lease.Acquire(ctx); err != nil || !ok {
		e.t.Fatalf("lease: %v %v", ok, err)
	}
	rep, err := e.sched.Pass(ctx, wave.PassOptions{Lease: e.lease})
	if err != nil {
		e.t.Fatalf("pass at %v: %v", now, err)
	}
	return rep.Tenants[0]
}

func (e *env) id(code string) uuid.UUID { return e.st.Alumni.AlumnusID(tenantID, code) }

func (e *env) invitation(code, w string) uuid.UUID {
	return e.st.Invites.ID(tenantID, e.id(code), "alumni-"+w, w)
}

func (e *env) history(code, w string) []invite.Event {
	e.t.Helper()
	h, err := e.st.Invites.History(context.Background(), tenantID, e.invitation(code, w))
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// received returns "to kind" for every message accepted since the given count, sorted.
func (e *env) received(since int) []string {
	var out []string
	for _, m := range e.smtp.Messages()[since:] {
		out = append(out, m.To+" "+m.Kind)
	}
	slices.Sort(out)
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestPassSendsOnTheRightDayToTheRightPeopleOnly(t *testing.T) {
	en := person("EN")
	en.Locale = "en"
	noConsent := person("NOCONSENT")
	noConsent.Consent = false
	noEmail := person("NOEMAIL")
	noEmail.Email = ""
	e := newEnv(t, map[string]any{"max_per_hour": 0},
		[]wavetest.Person{person("JA"), en, person("OPTOUT"), person("ERASED"), person("BOUNCED"), noConsent, noEmail}, nil)
	ctx := context.Background()
	if err := e.st.Alumni.RecordEvent(ctx, tenantID, e.id("OPTOUT"), "opted_out", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Alumni.RecordEvent(ctx, tenantID, e.id("BOUNCED"), "bounced", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Alumni.EraseByCode(ctx, tenantID, "ERASED", "test"); err != nil {
		t.Fatal(err)
	}

	// The day before, and a minute before the send hour: nothing.
	for _, at := range []time.Time{due3m.AddDate(0, 0, -1), due3m.Add(-time.Minute)} {
		if r := e.pass(at); r.Sent != 0 || e.smtp.Count() != 0 {
			t.Fatalf("at %v: sent %d, server got %d; want nothing yet", at, r.Sent, e.smtp.Count())
		}
	}
	r := e.pass(due3m.Add(5 * time.Minute))
	if r.Sent != 2 {
		t.Errorf("report %+v, want 2 sent", r)
	}
	equal(t, "3m wave", e.received(0), []string{"en@example.jp invitation", "ja@example.jp invitation"})
	w := r.Summary.Waves[0]
	if w.Wave != "3m" || w.Send != 2 || w.Skipped[string(wave.SkipOptedOut)] != 1 || w.Skipped[string(wave.SkipErased)] != 1 ||
		w.Skipped[string(wave.SkipBounced)] != 1 || w.Skipped[string(wave.SkipNoConsent)] != 1 || w.Skipped[string(wave.SkipNoEmail)] != 1 {
		t.Errorf("3m summary %+v", w)
	}
	for _, m := range e.smtp.Messages() {
		body := string(m.Raw)
		if !strings.Contains(body, "List-Unsubscribe: <https://alumni.example.jp/o/") {
			t.Errorf("%s: no one-click opt-out link to /o/", m.To)
		}
		if m.Invitation != e.invitation(strings.ToUpper(strings.Split(m.To, "@")[0]), "3m").String() {
			t.Errorf("%s: invitation header %s is not the deterministic id", m.To, m.Invitation)
		}
		if m.To == "en@example.jp" && strings.ContainsAny(m.Subject, "アンケート") {
			t.Errorf("English alumnus got a Japanese subject %q", m.Subject)
		}
		if m.To == "ja@example.jp" && !strings.ContainsAny(m.Subject, "アンケート") {
			t.Errorf("Japanese alumnus got subject %q", m.Subject)
		}
	}
	if h := e.history("JA", "3m"); !slices.Equal(h, []invite.Event{invite.EventPlanned, invite.EventSending, invite.EventSent}) {
		t.Errorf("history %v", h)
	}

	// Later passes the same day send nothing again; the 6m wave goes out on its day.
	for _, at := range []time.Time{due3m.Add(6 * time.Minute), due3m.Add(3 * time.Hour)} {
		if r := e.pass(at); r.Sent+r.Reminded != 0 {
			t.Errorf("at %v: %+v, want nothing", at, r)
		}
	}
	if r := e.pass(utc(2026, 6, 5, 1, 0)); r.Expired != 2 {
		t.Errorf("3m waves unanswered since May should have expired: %+v", r)
	}
	before := e.smtp.Count()
	e.pass(due6m.Add(time.Minute))
	equal(t, "6m wave", e.received(before), []string{"en@example.jp invitation", "ja@example.jp invitation"})
}

func TestRemindersOnlyToNonRespondersThenClose(t *testing.T) {
	e := newEnv(t, map[string]any{"max_per_hour": 0}, []wavetest.Person{person("ANSWERS"), person("SILENT"), person("OPTS")}, nil)
	ctx := context.Background()
	sent := due3m.Add(5 * time.Minute)
	if r := e.pass(sent); r.Sent != 3 {
		t.Fatalf("first pass %+v", r)
	}
	inv, err := e.st.Invites.Get(ctx, tenantID, e.invitation("ANSWERS", "3m"))
	if err != nil {
		t.Fatal(err)
	}
	if want := sent.AddDate(0, 0, 28); !inv.ClosesAt.Equal(want) {
		t.Errorf("closes at %v, want %v (28 days after sending)", inv.ClosesAt, want)
	}
	if err := e.st.Invites.Record(ctx, inv, invite.EventSubmitted, 0, ""); err != nil {
		t.Fatal(err)
	}
	// Opting out after the invitation stops reminders too.
	if err := e.st.Alumni.RecordEvent(ctx, tenantID, e.id("OPTS"), "opted_out", ""); err != nil {
		t.Fatal(err)
	}
	// Reminders a week apart at the send hour: Thu 5/14 and Thu 5/21.
	steps := []struct {
		at   time.Time
		want []string
	}{
		{utc(2026, 5, 13, 1, 5), nil},
		{utc(2026, 5, 14, 0, 59), nil},
		{utc(2026, 5, 14, 1, 5), []string{"silent@example.jp reminder"}},
		{utc(2026, 5, 14, 2, 0), nil},
		{utc(2026, 5, 21, 1, 5), []string{"silent@example.jp reminder"}},
		{utc(2026, 5, 28, 1, 5), nil}, // at most two
		{utc(2026, 6, 4, 1, 4), nil},
	}
	for _, s := range steps {
		before := e.smtp.Count()
		r := e.pass(s.at)
		equal(t, s.at.String(), e.received(before), s.want)
		if r.Expired != 0 {
			t.Errorf("%v: expired %d before closing", s.at, r.Expired)
		}
	}
	// Closing: 28 days after sending, once, only for those who did not answer.
	if r := e.pass(utc(2026, 6, 4, 1, 6)); r.Expired != 2 {
		t.Errorf("closing pass %+v, want 2 expired (SILENT, OPTS)", r)
	}
	if r := e.pass(utc(2026, 6, 5, 1, 6)); r.Expired != 0 {
		t.Errorf("expired twice: %+v", r)
	}
	wantSilent := []invite.Event{invite.EventPlanned, invite.EventSending, invite.EventSent, invite.EventReminding,
		invite.EventReminded, invite.EventReminding, invite.EventReminded, invite.EventExpired}
	if h := e.history("SILENT", "3m"); !slices.Equal(h, wantSilent) {
		t.Errorf("SILENT history %v\nwant %v", h, wantSilent)
	}
	if h := e.history("ANSWERS", "3m"); slices.Contains(h, invite.EventReminding) || slices.Contains(h, invite.EventExpired) {
		t.Errorf("ANSWERS history %v: no reminder or expiry after submitting", h)
	}
}

func TestTemporaryFailuresRetriedPermanentOnesBounce(t *testing.T) {
	e := newEnv(t, map[string]any{"max_per_hour": 0}, []wavetest.Person{person("GREY"), person("GONE"), person("OK")},
		func(o *wave.Options) { o.RetryBase = 10 * time.Minute; o.MaxAttempts = 3 })
	ctx := context.Background()
	e.smtp.TempFail("grey@example.jp", 2) // the sender tries twice per pass: the first pass fails
	e.smtp.Reject("gone@example.jp")
	r := e.pass(due3m.Add(time.Minute))
	if r.Sent != 1 || r.Failed != 1 || r.Bounced != 1 {
		t.Fatalf("first pass %+v, want 1 sent, 1 failed, 1 bounced", r)
	}
	a, err := e.st.Alumni.GetByID(ctx, tenantID, e.id("GONE"))
	if err != nil || !a.Bounced {
		t.Errorf("GONE not marked bounced in the registry: %+v %v", a.Bounced, err)
	}
	// Too early to retry; then retried after the back-off and delivered.
	if r := e.pass(due3m.Add(5 * time.Minute)); r.Sent+r.Failed != 0 {
		t.Errorf("retried before the back-off: %+v", r)
	}
	before := e.smtp.Count()
	if r := e.pass(due3m.Add(12 * time.Minute)); r.Sent != 1 {
		t.Errorf("retry pass %+v, want GREY sent", r)
	}
	equal(t, "retry", e.received(before), []string{"grey@example.jp invitation"})
	if h := e.history("GREY", "3m"); !slices.Equal(h, []invite.Event{invite.EventPlanned, invite.EventSending,
		invite.EventFailed, invite.EventSending, invite.EventSent}) {
		t.Errorf("GREY history %v", h)
	}
	// The bounced address gets nothing more: no reminder, no 6m wave.
	for _, at := range []time.Time{utc(2026, 5, 14, 1, 5), utc(2026, 5, 21, 1, 5), due6m.Add(time.Minute)} {
		e.pass(at)
	}
	for _, m := range e.smtp.Messages() {
		if m.To == "gone@example.jp" {
			t.Errorf("mail to a bounced address: %s", m.Kind)
		}
	}
	if h := e.history("GONE", "6m"); len(h) != 0 {
		t.Errorf("6m invitation for a bounced address: %v", h)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t, map[string]any{"max_per_hour": 0}, []wavetest.Person{person("GREY")},
		func(o *wave.Options) { o.RetryBase = time.Minute; o.MaxAttempts = 2 })
	e.smtp.TempFail("grey@example.jp", 1000)
	at := due3m.Add(time.Minute)
	failed := 0
	for range 6 {
		failed += e.pass(at).Failed
		at = at.Add(30 * time.Minute)
	}
	if failed != 2 {
		t.Errorf("%d failed attempts, want 2 (MaxAttempts)", failed)
	}
	sum, err := e.sched.Plan(context.Background(), tenantID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := sum.Waves[0].Done[wave.ReasonGaveUp]; n != 1 {
		t.Errorf("summary %+v, want the invitation given up", sum.Waves[0])
	}
}

func TestHourlyCapCountsSends(t *testing.T) {
	var people []wavetest.Person
	for _, c := range []string{"A", "B", "C", "D", "E"} {
		people = append(people, person(c))
	}
	e := newEnv(t, map[string]any{"max_per_hour": 3}, people, nil)
	at := due3m.Add(time.Minute)
	if r := e.pass(at); r.Sent != 3 || r.Held != 2 {
		t.Errorf("first pass %+v, want 3 sent, 2 held", r)
	}
	// A second scheduler process (a restart) sees the same count in the database.
	e.sched = e.newScheduler(nil)
	if r := e.pass(at.Add(30 * time.Minute)); r.Sent != 0 || r.Held != 2 {
		t.Errorf("within the hour %+v, want nothing sent", r)
	}
	if r := e.pass(at.Add(61 * time.Minute)); r.Sent != 2 {
		t.Errorf("next hour %+v, want the 2 held", r)
	}
	if n := e.smtp.Count(); n != 5 {
		t.Errorf("server got %d, want 5", n)
	}
}

func TestConfigProblemPausesTenant(t *testing.T) {
	e := newEnv(t, map[string]any{"max_per_hour": 0}, []wavetest.Person{person("A"), person("B")}, nil)
	// A relay that refuses our credentials: a configuration problem, not the alumni's.
	e.sched = wave.New(wave.Deps{Conn: e.conn, Tenants: e.st.Tenants, Invites: e.st.Invites, Alumni: e.st.Alumni,
		Mailer: func() (wave.Mailer, error) {
			m := e.smtpMailer()
			sender, err := mail.NewSMTP(mail.SMTPConfig{Host: e.smtp.Host, Port: e.smtp.Port, TLS: mail.TLSNone,
				Username: "u", Password: "p", Timeout: 2 * time.Second}, nil)
			if err != nil {
				t.Fatal(err)
			}
			m.Sender = sender
			return m, nil
		}}, wave.Options{BaseURL: "https://alumni.example.jp", Now: e.clock})
	r := e.pass(due3m.Add(time.Minute))
	if r.Paused == "" || r.Sent != 0 || r.Failed != 0 || r.NotSent == 0 {
		t.Errorf("report %+v, want paused with nothing sent or counted as failed", r)
	}
	// Fixed configuration: everything goes out, nothing was given up.
	e.sched = e.newScheduler(nil)
	if r := e.pass(due3m.Add(2 * time.Minute)); r.Sent != 2 {
		t.Errorf("after the fix %+v, want 2 sent", r)
	}
}

func TestErrorStormStopsPass(t *testing.T) {
	var people []wavetest.Person
	for i := range 30 {
		p := person("P" + string(rune('A'+i/10)) + string(rune('A'+i%10)))
		people = append(people, p)
	}
	e := newEnv(t, map[string]any{"max_per_hour": 0}, people, func(o *wave.Options) { o.StormAfter = 5; o.Workers = 1; o.Chunk = 4 })
	for _, p := range people {
		e.smtp.TempFail(p.Email, 1000)
	}
	e.setNow(due3m.Add(time.Minute))
	ctx := context.Background()
	if ok, _, err := e.lease.Acquire(ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	rep, err := e.sched.Pass(ctx, wave.PassOptions{Lease: e.lease})
	if err == nil || !strings.Contains(err.Error(), wave.ErrStorm.Error()) {
		t.Fatalf("err = %v, want the storm", err)
	}
	r := rep.Tenants[0]
	if r.Failed < 5 || r.Failed > 10 || r.Failed+r.NotSent+r.Dropped > 30 {
		t.Errorf("report %+v: want the pass stopped soon after 5 failures", r)
	}
}

func TestLeaseOneHolderAtATime(t *testing.T) {
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	mk := func() *wave.Lease {
		l := wave.NewLease(conn, wave.LeaseName, nil)
		l.TTL, l.Settle = 600*time.Millisecond, 50*time.Millisecond
		return l
	}
	a, b := mk(), mk()
	// Two candidates at once: exactly one wins.
	var wg sync.WaitGroup
	var okA, okB bool
	wg.Add(2)
	go func() { defer wg.Done(); okA, _, _ = a.Acquire(ctx) }()
	go func() { defer wg.Done(); okB, _, _ = b.Acquire(ctx) }()
	wg.Wait()
	if okA == okB {
		t.Fatalf("a=%v b=%v: want exactly one holder", okA, okB)
	}
	holder, other := a, b
	if okB {
		holder, other = b, a
	}
	// The holder renews; the other keeps losing.
	for range 3 {
		time.Sleep(200 * time.Millisecond)
		if ok, _, err := holder.Acquire(ctx); !ok || err != nil {
			t.Fatalf("renewal lost: %v", err)
		}
		if ok, h, _ := other.Acquire(ctx); ok || h.Owner != holder.Owner() {
			t.Fatalf("second holder while the first renews (holder %q)", h.Owner)
		}
	}
	// The holder dies without releasing: the other takes over once the TTL ran out, not before.
	if ok, _, _ := other.Acquire(ctx); ok {
		t.Fatal("took over a live lease")
	}
	time.Sleep(700 * time.Millisecond)
	if ok, _, err := other.Acquire(ctx); !ok || err != nil {
		t.Fatalf("no takeover after the TTL: %v", err)
	}
	// The old holder's lease lapsed: it must not believe it still holds it, nor win it back.
	if holder.Held() {
		t.Error("dead holder still believes it holds the lease")
	}
	if ok, _, _ := holder.Acquire(ctx); ok {
		t.Error("lapsed holder won the lease back from the live one")
	}
	// A release hands over at once.
	other.Release(ctx)
	if ok, _, err := holder.Acquire(ctx); !ok || err != nil {
		t.Errorf("no takeover after release: %v", err)
	}
}

// TestRacingSchedulersSendOnce runs two schedulers against one database and one relay at the same
// moment, as if both believed they held the lease (the race the lease cannot rule out): the claim
// step lets at most one of them send each invitation.
func TestRacingSchedulersSendOnce(t *testing.T) {
	var people []wavetest.Person
	for i := range 40 {
		people = append(people, person("R"+string(rune('A'+i/26))+string(rune('A'+i%26))))
	}
	e := newEnv(t, map[string]any{"max_per_hour": 0}, people, nil)
	e.setNow(due3m.Add(time.Minute))
	ctx := context.Background()
	if ok, _, err := e.lease.Acquire(ctx); !ok || err != nil {
		t.Fatal(ok, err)
	}
	scheds := []*wave.Scheduler{e.newScheduler(func(o *wave.Options) { o.Chunk = 5 }), e.newScheduler(func(o *wave.Options) { o.Chunk = 7 })}
	var wg sync.WaitGroup
	for _, s := range scheds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Pass(ctx, wave.PassOptions{Lease: e.lease}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Whatever either left for later (claimed by the other and then found not sent) goes out next.
	e.pass(due3m.Add(2 * time.Minute))
	e.pass(due3m.Add(3 * time.Minute))
	seen := map[string]int{}
	for _, m := range e.smtp.Messages() {
		seen[m.Invitation]++
	}
	for inv, n := range seen {
		if n > 1 {
			t.Errorf("invitation %s received %d times", inv, n)
		}
	}
	if len(seen) != len(people) {
		t.Errorf("%d invitations received, want %d", len(seen), len(people))
	}
}

// TestTwoServeLoopsOneLeader runs two Serve loops (two processes' schedulers) on one database: one
// leads and sends, and every invitation arrives once.
func TestTwoServeLoopsOneLeader(t *testing.T) {
	var people []wavetest.Person
	for i := range 20 {
		people = append(people, person("S"+string(rune('A'+i))))
	}
	e := newEnv(t, map[string]any{"max_per_hour": 0}, people, nil)
	e.setNow(due3m.Add(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		s := e.newScheduler(nil)
		wg.Add(1)
		go func() { defer wg.Done(); s.Serve(ctx, 200*time.Millisecond) }()
	}
	deadline := time.Now().Add(20 * time.Second)
	for e.smtp.Count() < len(people) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // more passes: still nothing twice
	cancel()
	wg.Wait()
	seen := map[string]int{}
	for _, m := range e.smtp.Messages() {
		seen[m.Invitation]++
	}
	if len(seen) != len(people) || e.smtp.Count() != len(people) {
		t.Errorf("%d messages for %d invitations, want %d each once", e.smtp.Count(), len(seen), len(people))
	}
}

// orphanIntent leaves the state a killed scheduler leaves: an invitation with a 'sending' intent of a
// dead lease owner and no completion.
func (e *env) orphanIntent(code string) invite.Invitation {
	e.t.Helper()
	ctx := context.Background()
	inv, err := e.st.Invites.Create(ctx, invite.Invitation{TenantID: tenantID, AlumnusID: e.id(code), SurveyID: "alumni-3m",
		Wave: "3m", DueAt: due3m, ClosesAt: due3m.AddDate(0, 0, 28)})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ev := range []invite.Event{invite.EventPlanned, invite.EventSending} {
		if err := e.st.Invites.Record(ctx, inv, ev, 0, "dead-owner"); err != nil {
			e.t.Fatal(err)
		}
	}
	return inv
}

func TestRestartWithOutboxIsExactlyOnce(t *testing.T) {
	e := newEnv(t, map[string]any{"max_per_hour": 0}, []wavetest.Person{person("WRITTEN"), person("LOST"), person("NEW")}, nil)
	dir := t.TempDir()
	composer, err := mail.NewComposer(mail.ComposerConfig{From: "survey@alumnipulse.test"})
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	e.sched = wave.New(wave.Deps{Conn: e.conn, Tenants: e.st.Tenants, Invites: e.st.Invites, Alumni: e.st.Alumni,
		Mailer: func() (wave.Mailer, error) {
			return wave.Mailer{Composer: composer, Sender: outbox, OutboxDir: dir}, nil
		}},
		wave.Options{BaseURL: "https://alumni.example.jp", Now: e.clock})
	written := e.orphanIntent("WRITTEN")
	e.orphanIntent("LOST")
	// The killed scheduler had written WRITTEN's file before it died, and not LOST's.
	msg, err := composer.Compose(mail.Request{TenantID: tenantID, InvitationID: written.ID.String(), Kind: mail.KindInvitation,
		To: "written@example.jp", Data: mail.Data{CompanyName: "acme", SurveyTitle: "t", LinkURL: "https://x.example/s/1",
			OptOutURL: "https://x.example/o/1", CloseDate: written.ClosesAt, Wave: "3m"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := outbox.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	r := e.pass(due3m.Add(time.Minute))
	if r.RecoveredSent != 1 || r.RecoveredNotSent != 1 || r.OutcomeUnknown != 0 || r.Sent != 2 {
		t.Errorf("report %+v: want WRITTEN recovered as sent, LOST and NEW sent now", r)
	}
	entries, err := mail.ListOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	perInvitation := map[string]int{}
	for _, en := range entries {
		perInvitation[en.InvitationID]++
	}
	for _, code := range []string{"WRITTEN", "LOST", "NEW"} {
		if n := perInvitation[e.invitation(code, "3m").String()]; n != 1 {
			t.Errorf("%s: %d outbox files, want exactly 1", code, n)
		}
	}
	if h := e.history("WRITTEN", "3m"); !slices.Contains(h, invite.EventSent) {
		t.Errorf("WRITTEN history %v, want it recorded as sent", h)
	}
}

func TestRestartWithSMTPNeverResendsUnknownOutcome(t *testing.T) {
	e := newEnv(t, map[string]any{"max_per_hour": 0}, []wavetest.Person{person("UNKNOWN"), person("NEW")}, nil)
	e.orphanIntent("UNKNOWN")
	r := e.pass(due3m.Add(time.Minute))
	if r.OutcomeUnknown != 1 || r.Sent != 1 {
		t.Errorf("report %+v, want one unknown outcome and NEW sent", r)
	}
	equal(t, "received", e.received(0), []string{"new@example.jp invitation"})
	// Still never sent on later passes, and HR sees why.
	e.pass(due3m.Add(time.Hour))
	if e.smtp.Count() != 1 {
		t.Errorf("unknown outcome resent")
	}
	sum, err := e.sched.Plan(context.Background(), tenantID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Waves[0].Done[wave.ReasonUnknown] != 1 {
		t.Errorf("summary %+v", sum.Waves[0])
	}
	ov, err := e.sched.Overview(context.Background(), tenantID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Problems) != 1 || ov.Problems[0].Detail != wave.DetailOutcomeUnknown {
		t.Errorf("problems %+v", ov.Problems)
	}
}

// TestOldInvitationNotRepeatedAfterExitDateChange: the stream reads only invitations that can still
// change, so a wave invited long ago is invisible to it; when HR then moves the exit date so that the
// wave falls due again, the send is still refused because the invitation already had one.
func TestOldInvitationNotRepeatedAfterExitDateChange(t *testing.T) {
	p := person("MOVED")
	e := newEnv(t, map[string]any{"max_per_hour": 0}, []wavetest.Person{p}, nil)
	if r := e.pass(due3m.Add(time.Minute)); r.Sent != 1 {
		t.Fatalf("first pass %+v", r)
	}
	e.pass(utc(2026, 6, 5, 1, 0)) // closes the 3m wave
	// Exit date corrected to 2026-05-01: the 3m wave is now due Mon 2026-08-03, with the 6m of the old date.
	p.Exit = alumni.MakeDate(2026, 5, 1)
	wavetest.Seed(t, e.st, tenantID, map[string]any{"max_per_hour": 0}, []wavetest.Person{p})
	before := e.smtp.Count()
	r := e.pass(due6m.Add(time.Minute))
	equal(t, "after the correction", e.received(before), nil)
	if r.Dropped != 1 {
		t.Errorf("report %+v, want the repeated 3m wave dropped", r)
	}
}
