package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/answer"
	"github.com/alumnipulse/alumnipulse/internal/comments"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Deps are the stores the seed writes through: the same code paths the product uses.
type Deps struct {
	Tenants  *tenant.Store
	Alumni   *alumni.Store
	Invites  *invite.Store
	Answers  *answer.Writer
	Surveys  *survey.Catalog
	Comments *comments.Service
	Users    UserCreator
	// HasInvitations reports whether the tenant already has invitations (then they are not seeded again).
	HasInvitations func(ctx context.Context, tenantID string) (bool, error)
}

// Options tune the seed.
type Options struct {
	Seed    uint64
	Alumni  int
	Now     time.Time
	Verbose func(format string, args ...any)
}

// Seed creates (or refreshes) the demo tenant. It is idempotent: seeding twice with the same options
// changes nothing the second time.
func Seed(ctx context.Context, d Deps, opts Options) error {
	if opts.Alumni == 0 {
		opts.Alumni = 2000
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	// The data are generated relative to today (not this second), so seeding twice on one day is identical.
	opts.Now = opts.Now.UTC().Truncate(24 * time.Hour)
	say := opts.Verbose
	if say == nil {
		say = func(string, ...any) {}
	}
	t := tenant.Tenant{ID: TenantID, Name: Company, TimeZone: "Asia/Tokyo", DefaultLocale: "ja"}
	if old, err := d.Tenants.Get(ctx, TenantID); err == nil {
		t.Settings, t.CreatedAt = old.Settings, old.CreatedAt
	}
	if err := d.Tenants.Put(ctx, t); err != nil {
		return fmt.Errorf("demo tenant: %w", err)
	}
	if err := seedUsers(ctx, d.Users); err != nil {
		return err
	}
	recs := Alumni(opts.Seed, opts.Alumni, opts.Now)
	rep, err := d.Alumni.Import(ctx, TenantID, func() (alumni.Source, error) { return &source{recs: recs}, nil }, alumni.ImportOptions{})
	if err != nil {
		return fmt.Errorf("demo alumni: %w", err)
	}
	say("demo: %d alumni (%d new, %d updated, %d unchanged)", rep.Rows, rep.Inserted, rep.Updated, rep.Unchanged)
	if len(rep.Problems) > 0 {
		return fmt.Errorf("demo alumni: generated data has problems, first: %v", rep.Problems[0])
	}
	seeded, err := d.HasInvitations(ctx, TenantID)
	if err != nil {
		return err
	}
	if seeded {
		say("demo: invitations and answers already seeded")
		return nil
	}
	if err := responses(ctx, d, d.Surveys, recs, opts.Seed, opts.Now, say); err != nil {
		return err
	}
	n, err := d.Comments.Rebuild(ctx, TenantID, nil)
	if err != nil {
		return err
	}
	say("demo: %d free-text answers analysed", n)
	return nil
}
