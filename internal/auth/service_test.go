package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/auth"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeMailer records invitations.
type fakeMailer struct {
	mu   sync.Mutex
	sent []string // "tenant|to|name|link"
}

func (m *fakeMailer) SendInvite(_ context.Context, tenantID, to, name, link string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, strings.Join([]string{tenantID, to, name, link}, "|"))
	return nil
}

type fixture struct {
	conn  db.Conn
	svc   *auth.Service
	audit *audit.Log
	clock *clock
	mail  *fakeMailer
}

const pw = "correct horse battery"

func newFixture(t *testing.T, opt auth.Options) *fixture {
	t.Helper()
	conn, _ := dbtest.New(t)
	ctx := context.Background()
	ts := tenant.NewStore(conn)
	for _, id := range []string{"acme", "beta"} {
		if err := ts.Put(ctx, tenant.Tenant{ID: id, Name: id, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{conn: conn, audit: audit.New(conn), clock: &clock{t: time.Now().UTC()}, mail: &fakeMailer{}}
	opt.Secret = []byte("test secret test secret test secret")
	opt.Now = f.clock.Now
	opt.BaseURL = "https://pulse.example.jp/"
	opt.Mailer = f.mail
	svc, err := auth.New(conn, ts, f.audit, opt)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// actions returns a tenant's audit actions, oldest first, and fails the test if any entry holds an
// e-mail address.
func (f *fixture) actions(t *testing.T, tenantID string) []string {
	t.Helper()
	es, err := f.audit.List(context.Background(), tenantID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if strings.Contains(e.Actor+e.Target+e.Detail, "@") {
			t.Errorf("audit entry holds an address: %+v", e)
		}
		out = append(out, e.Action)
	}
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

func TestCreateUserLoginLogout(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := context.Background()
	u, err := f.svc.CreateUser(ctx, "acme", "Hanako@Example.jp", "山田 花子", tenant.RoleHRAdmin, pw)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "hanako@example.jp" || !u.HasPassword || u.Role != tenant.RoleHRAdmin {
		t.Errorf("created %+v", u)
	}
	if _, err := f.svc.CreateUser(ctx, "acme", "hanako@example.jp", "x", tenant.RoleHRViewer, pw); !errors.Is(err, auth.ErrUserExists) {
		t.Errorf("duplicate address: err = %v, want ErrUserExists", err)
	}
	if _, err := f.svc.CreateUser(ctx, "nobody", "a@example.jp", "x", tenant.RoleHRViewer, pw); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("unknown tenant: err = %v", err)
	}
	var ve *auth.ValidationError
	if _, err := f.svc.CreateUser(ctx, "acme", "b@example.jp", "x", tenant.RoleHRViewer, "short"); !errors.As(err, &ve) || ve.Field != "password" {
		t.Errorf("short password: err = %v", err)
	}
	if _, err := f.svc.CreateUser(ctx, "acme", "b@example.jp", "x", "root", pw); !errors.As(err, &ve) || ve.Field != "role" {
		t.Errorf("bad role: err = %v", err)
	}

	p, token, err := f.svc.Login(ctx, auth.Credentials{TenantID: "ACME ", Email: "hanako@example.jp", Password: pw, ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != u.ID || p.TenantID != "acme" || p.Role != tenant.RoleHRAdmin || !strings.HasPrefix(token, "acme.") {
		t.Errorf("login: %+v token %q", p, token)
	}
	got, err := f.svc.Authenticate(ctx, token)
	if err != nil || got.UserID != u.ID || got.Name != "山田 花子" {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	// The session binds its tenant: the same secret under another tenant's prefix finds nothing.
	secret := strings.TrimPrefix(token, "acme.")
	for _, bad := range []string{"", "acme.", "beta." + secret, "acme." + secret + "x", secret} {
		if _, err := f.svc.Authenticate(ctx, bad); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("Authenticate(%q) err = %v, want ErrNoSession", bad, err)
		}
	}
	// Same address in another tenant is another user, and the acme password does not open it.
	if _, _, err := f.svc.Login(ctx, auth.Credentials{TenantID: "beta", Email: "hanako@example.jp", Password: pw}); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("login to the wrong tenant: err = %v", err)
	}

	if err := f.svc.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("after logout: err = %v, want ErrNoSession", err)
	}
	if err := f.svc.Logout(ctx, token); err != nil {
		t.Errorf("second logout: %v", err)
	}

	// Sessions expire, and a disabled user's sessions stop working.
	_, t2, err := f.svc.Login(ctx, auth.Credentials{TenantID: "acme", Email: "hanako@example.jp", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetDisabled(ctx, "acme", u.ID, true, "cli"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, t2); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("disabled user's session: err = %v", err)
	}
	if _, _, err := f.svc.Login(ctx, auth.Credentials{TenantID: "acme", Email: "hanako@example.jp", Password: pw}); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("disabled user login: err = %v", err)
	}
	if err := f.svc.SetDisabled(ctx, "acme", u.ID, false, "cli"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, t2); err != nil {
		t.Errorf("re-enabled user's session: %v", err)
	}
	f.clock.Add(12*time.Hour + time.Second)
	if _, err := f.svc.Authenticate(ctx, t2); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("expired session: err = %v", err)
	}

	acts := f.actions(t, "acme")
	for action, want := range map[string]int{"auth.user_create": 1, "auth.login": 2, "auth.logout": 1,
		"auth.login_failed": 1, "auth.user_disable": 1, "auth.user_enable": 1} {
		if got := count(acts, action); got != want {
			t.Errorf("%d × %s audited, want %d (all: %v)", got, action, want, acts)
		}
	}
}

func TestLockoutAndUnlock(t *testing.T) {
	f := newFixture(t, auth.Options{IPBurst: -1})
	ctx := context.Background()
	u, err := f.svc.CreateUser(ctx, "acme", "taro@example.jp", "Taro", tenant.RoleHRViewer, pw)
	if err != nil {
		t.Fatal(err)
	}
	good := auth.Credentials{TenantID: "acme", Email: "taro@example.jp", Password: pw}
	bad := good
	bad.Password = "wrong password"

	// A success resets the count: 4 failures, a success, 4 more failures do not lock.
	for round := range 2 {
		for i := range 4 {
			if _, _, err := f.svc.Login(ctx, bad); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("round %d failure %d: err = %v", round, i+1, err)
			}
			f.clock.Add(time.Second)
		}
		if round == 0 {
			if _, _, err := f.svc.Login(ctx, good); err != nil {
				t.Fatalf("fifth try with the right password: %v", err)
			}
		}
	}
	// The fifth failure in a row locks, and then even the right password is refused.
	var le *auth.LockedError
	if _, _, err := f.svc.Login(ctx, bad); !errors.As(err, &le) {
		t.Fatalf("fifth failure: err = %v, want *LockedError", err)
	}
	lockedAt := f.clock.Now()
	if d := le.Until.Sub(lockedAt); d != 15*time.Minute {
		t.Errorf("locked for %v, want 15m", d)
	}
	f.clock.Add(14 * time.Minute)
	if _, _, err := f.svc.Login(ctx, good); !errors.As(err, &le) {
		t.Errorf("right password while locked: err = %v, want *LockedError", err)
	}
	// Attempts while locked are not counted, so they do not extend the lock.
	for range 3 {
		_, _, _ = f.svc.Login(ctx, bad)
	}
	f.clock.Add(time.Minute + time.Second)
	if _, _, err := f.svc.Login(ctx, good); err != nil {
		t.Errorf("after the window: %v", err)
	}

	// An address nobody has locks the same way, so a lock reveals nothing.
	ghost := auth.Credentials{TenantID: "acme", Email: "ghost@example.jp", Password: "whatever123"}
	var last error
	for range 5 {
		_, _, last = f.svc.Login(ctx, ghost)
	}
	if !errors.As(last, &le) {
		t.Errorf("unknown address, fifth failure: err = %v, want *LockedError", last)
	}
	// The lock is per address: another user of the tenant is unaffected.
	if _, err := f.svc.CreateUser(ctx, "acme", "jiro@example.jp", "Jiro", tenant.RoleHRViewer, pw); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Login(ctx, auth.Credentials{TenantID: "acme", Email: "jiro@example.jp", Password: pw}); err != nil {
		t.Errorf("other user: %v", err)
	}

	acts := f.actions(t, "acme")
	if got := count(acts, "auth.lockout"); got != 2 {
		t.Errorf("%d lockouts audited, want 2: %v", got, acts)
	}
	if got := count(acts, "auth.login_failed"); got != 4+5+5 {
		t.Errorf("%d failed sign-ins audited, want 14: %v", got, acts)
	}
	es, _ := f.audit.List(ctx, "acme", 1000)
	for _, e := range es {
		if e.Action == "auth.lockout" && e.Target != u.ID && e.Target != "" {
			t.Errorf("lockout target %q, want the user id or empty", e.Target)
		}
	}
}

func TestPerIPLimit(t *testing.T) {
	f := newFixture(t, auth.Options{IPBurst: 3, IPEvery: time.Minute})
	ctx := context.Background()
	if _, err := f.svc.CreateUser(ctx, "acme", "taro@example.jp", "Taro", tenant.RoleHRViewer, pw); err != nil {
		t.Fatal(err)
	}
	// Three failures against three different addresses spend the client's allowance...
	for _, e := range []string{"a@example.jp", "b@example.jp", "c@example.jp"} {
		if _, _, err := f.svc.Login(ctx, auth.Credentials{TenantID: "acme", Email: e, Password: "wrong password", ClientIP: "203.0.113.9"}); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("%s: err = %v", e, err)
		}
	}
	// ...so the fourth is refused before any check, even with the right password...
	right := auth.Credentials{TenantID: "acme", Email: "taro@example.jp", Password: pw, ClientIP: "203.0.113.9"}
	if _, _, err := f.svc.Login(ctx, right); !errors.Is(err, auth.ErrRateLimited) {
		t.Errorf("fourth try: err = %v, want ErrRateLimited", err)
	}
	// ...while another client is not affected, and the allowance refills.
	other := right
	other.ClientIP = "198.51.100.7"
	if _, _, err := f.svc.Login(ctx, other); err != nil {
		t.Errorf("other client: %v", err)
	}
	f.clock.Add(time.Minute)
	if _, _, err := f.svc.Login(ctx, right); err != nil {
		t.Errorf("after a minute: %v", err)
	}
}

func TestTOTPRequiredOnceEnrolled(t *testing.T) {
	f := newFixture(t, auth.Options{IPBurst: -1})
	ctx := context.Background()
	u, err := f.svc.CreateUser(ctx, "acme", "taro@example.jp", "Taro", tenant.RoleLeadership, pw)
	if err != nil {
		t.Fatal(err)
	}
	cred := auth.Credentials{TenantID: "acme", Email: "taro@example.jp", Password: pw}
	enr, err := f.svc.BeginTOTP(ctx, "acme", u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enr.URL, "otpauth://totp/alumnipulse%20%28acme%29:taro@example.jp?") || len(enr.QRPNG) < 100 || enr.Secret == "" {
		t.Errorf("enrolment %+v", enr)
	}
	again, err := f.svc.BeginTOTP(ctx, "acme", u.ID)
	if err != nil || again.Secret != enr.Secret {
		t.Errorf("second BeginTOTP: %q, %v; want the same pending secret", again.Secret, err)
	}
	// Pending, not confirmed: sign-in does not ask for a code yet.
	if _, _, err := f.svc.Login(ctx, cred); err != nil {
		t.Fatalf("login while pending: %v", err)
	}
	if err := f.svc.ConfirmTOTP(ctx, "acme", u.ID, "000000"); !errors.Is(err, auth.ErrInvalidCode) {
		t.Errorf("confirm with a wrong code: %v", err)
	}
	code, _ := totp.GenerateCode(enr.Secret, f.clock.Now())
	if err := f.svc.ConfirmTOTP(ctx, "acme", u.ID, code); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.BeginTOTP(ctx, "acme", u.ID); !errors.Is(err, auth.ErrTOTPEnabled) {
		t.Errorf("BeginTOTP once enabled: err = %v", err)
	}

	f.clock.Add(time.Minute)
	if _, _, err := f.svc.Login(ctx, cred); !errors.Is(err, auth.ErrTOTPRequired) {
		t.Errorf("no code: err = %v, want ErrTOTPRequired", err)
	}
	wrong := cred
	wrong.Code = "123456"
	if c, _ := totp.GenerateCode(enr.Secret, f.clock.Now()); c == wrong.Code {
		wrong.Code = "654321"
	}
	if _, _, err := f.svc.Login(ctx, wrong); !errors.Is(err, auth.ErrInvalidCode) {
		t.Errorf("wrong code: err = %v, want ErrInvalidCode", err)
	}
	withCode := cred
	withCode.Code, _ = totp.GenerateCode(enr.Secret, f.clock.Now())
	p, _, err := f.svc.Login(ctx, withCode)
	if err != nil || !p.TOTPEnabled {
		t.Fatalf("right code: %+v, %v", p, err)
	}
	// The same code cannot be used twice, even within its 30 seconds.
	if _, _, err := f.svc.Login(ctx, withCode); !errors.Is(err, auth.ErrInvalidCode) {
		t.Errorf("replayed code: err = %v, want ErrInvalidCode", err)
	}
	// A code from the previous step is still accepted (clock drift), a full-width one too.
	f.clock.Add(30 * time.Second)
	prev, _ := totp.GenerateCode(enr.Secret, f.clock.Now().Add(30*time.Second))
	withCode.Code = strings.Map(func(r rune) rune { return r - '0' + '０' }, prev)
	if _, _, err := f.svc.Login(ctx, withCode); err != nil {
		t.Errorf("next-step full-width code: %v", err)
	}
	if got := count(f.actions(t, "acme"), "auth.totp_enable"); got != 1 {
		t.Errorf("%d totp_enable audited, want 1", got)
	}
}

func TestInvitation(t *testing.T) {
	f := newFixture(t, auth.Options{})
	ctx := context.Background()
	inv, err := f.svc.Invite(ctx, "acme", "new@example.jp", "新人 一郎", tenant.RoleHRViewer, "user:admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(inv.Link, "https://pulse.example.jp/invite/acme.") || inv.User.HasPassword || !inv.User.InvitePending {
		t.Errorf("invitation %+v", inv)
	}
	if len(f.mail.sent) != 1 || f.mail.sent[0] != "acme|new@example.jp|新人 一郎|"+inv.Link {
		t.Errorf("mail sent: %q", f.mail.sent)
	}
	// No password yet: cannot sign in.
	if _, _, err := f.svc.Login(ctx, auth.Credentials{TenantID: "acme", Email: "new@example.jp", Password: "anything at all"}); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("login before accepting: err = %v", err)
	}
	u, err := f.svc.InvitationUser(ctx, inv.Token)
	if err != nil || u.ID != inv.User.ID {
		t.Fatalf("InvitationUser = %+v, %v", u, err)
	}
	for _, bad := range []string{"", "acme", inv.Token + "x", strings.Replace(inv.Token, "acme.", "beta.", 1), "acme." + u.ID + ".forged"} {
		if _, err := f.svc.InvitationUser(ctx, bad); !errors.Is(err, auth.ErrInvalidInvitation) {
			t.Errorf("InvitationUser(%q) err = %v", bad, err)
		}
	}
	var ve *auth.ValidationError
	if _, err := f.svc.AcceptInvitation(ctx, inv.Token, "short"); !errors.As(err, &ve) {
		t.Errorf("short password: err = %v", err)
	}
	if _, err := f.svc.AcceptInvitation(ctx, inv.Token, pw); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvitation(ctx, inv.Token, "another password"); !errors.Is(err, auth.ErrInvalidInvitation) {
		t.Errorf("second use: err = %v, want ErrInvalidInvitation", err)
	}
	if _, _, err := f.svc.Login(ctx, auth.Credentials{TenantID: "acme", Email: "new@example.jp", Password: pw}); err != nil {
		t.Errorf("login after accepting: %v", err)
	}
	if _, err := f.svc.Invite(ctx, "acme", "new@example.jp", "x", tenant.RoleHRViewer, "cli"); !errors.Is(err, auth.ErrUserExists) {
		t.Errorf("inviting a user with a password: err = %v", err)
	}

	// Expiry, and a re-invitation replaces the old link.
	old, err := f.svc.Invite(ctx, "acme", "late@example.jp", "Late", tenant.RoleLeadership, "cli")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(7*24*time.Hour + time.Second)
	if _, err := f.svc.AcceptInvitation(ctx, old.Token, pw); !errors.Is(err, auth.ErrInvalidInvitation) {
		t.Errorf("expired: err = %v, want ErrInvalidInvitation", err)
	}
	renewed, err := f.svc.Invite(ctx, "acme", "late@example.jp", "Late", tenant.RoleLeadership, "cli")
	if err != nil || renewed.User.ID != old.User.ID {
		t.Fatalf("re-invite: %+v, %v; want the same user", renewed.User, err)
	}
	users, err := f.svc.ListUsers(ctx, "acme")
	if err != nil || len(users) != 2 {
		t.Errorf("ListUsers = %d users, %v; want 2", len(users), err)
	}
	if _, err := f.svc.AcceptInvitation(ctx, renewed.Token, pw); err != nil {
		t.Errorf("renewed invitation: %v", err)
	}
	acts := f.actions(t, "acme")
	if count(acts, "auth.invite") != 3 || count(acts, "auth.invite_accept") != 2 {
		t.Errorf("audit: %v", acts)
	}
}
