package wave

import (
	"context"
	"strings"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/mail"
)

// Overview is what HR sees of a tenant's waves: invitations per wave and state, what is due next,
// and recent bounces and failures. It holds no names or addresses.
type Overview struct {
	Tenant   string       `json:"tenant"`
	Zone     string       `json:"zone"`
	At       time.Time    `json:"at"`
	States   []StateCount `json:"states"`
	Plan     Summary      `json:"plan"`
	Problems []Problem    `json:"problems"`
}

// overviewTTL is how long an Overview is reused: planning a large registry takes seconds.
const overviewTTL = time.Minute

type cachedOverview struct {
	at time.Time
	ov Overview
}

// Overview returns the tenant's wave overview, computed at most once a minute per tenant.
func (s *Scheduler) Overview(ctx context.Context, tenantID string) (Overview, error) {
	s.cacheMu.Lock()
	c, ok := s.cache[tenantID]
	s.cacheMu.Unlock()
	if ok && time.Since(c.at) < overviewTTL {
		return c.ov, nil
	}
	plan, err := s.Plan(ctx, tenantID, nil)
	if err != nil {
		return Overview{}, err
	}
	ov := Overview{Tenant: tenantID, Zone: plan.Zone, At: plan.Now, Plan: plan}
	if ov.States, err = s.store.stateCounts(ctx, tenantID); err != nil {
		return Overview{}, err
	}
	if ov.Problems, err = s.store.problems(ctx, tenantID, 50); err != nil {
		return Overview{}, err
	}
	s.cacheMu.Lock()
	s.cache[tenantID] = cachedOverview{at: time.Now(), ov: ov}
	s.cacheMu.Unlock()
	return ov, nil
}

// Outbox returns the tenant's newest messages in the development outbox (at most limit), and whether
// the outbox is in use at all (false when mail goes out by SMTP). Entries hold recipient addresses:
// show them to HR only.
func (s *Scheduler) Outbox(ctx context.Context, tenantID string, limit int) ([]mail.OutboxEntry, bool, error) {
	m, err := s.openMailer()
	if err != nil {
		return nil, false, err
	}
	if m.OutboxDir == "" || limit <= 0 {
		return nil, m.OutboxDir != "", nil
	}
	all, err := mail.ListOutbox(m.OutboxDir)
	if err != nil {
		return nil, true, err
	}
	// The folder is shared by every tenant: keep the messages of this tenant's invitations.
	var out []mail.OutboxEntry
	for start := 0; start < len(all) && len(out) < limit; start += 1000 {
		page := all[start:min(start+1000, len(all))]
		ids := make([]string, len(page))
		for i, e := range page {
			ids[i] = e.InvitationID
		}
		mine, err := s.store.tenantInvitations(ctx, tenantID, ids)
		if err != nil {
			return nil, true, err
		}
		for _, e := range page {
			if mine[strings.ToLower(e.InvitationID)] && len(out) < limit {
				out = append(out, e)
			}
		}
	}
	return out, true, nil
}
