package insight

import (
	"context"
	"fmt"
)

// Event numbers of invitation_events.event; invitation_funnel.stages has bit 1 << n for each kind of
// event an invitation has had.
const (
	evPlanned   = 1
	evSent      = 3
	evReminded  = 5
	evOpened    = 6
	evSubmitted = 7
	evBounced   = 8
	evExpired   = 10
	evOptedOut  = 11
)

func has(stages uint16, evs ...int) bool {
	for _, e := range evs {
		if stages&(1<<e) != 0 {
			return true
		}
	}
	return false
}

// FunnelReport is the response funnel of the invitations matching a filter (its period is when the
// invitation was planned), in total and broken down by one dimension (the wave by default).
type FunnelReport struct {
	Filter   Filter       `json:"filter"`
	By       Dim          `json:"by,omitempty"`
	MinGroup int          `json:"min_group"`
	Total    FunnelCell   `json:"total"`
	Groups   []FunnelCell `json:"groups"`
}

// FunnelCell is the funnel of one group; n counts invitations.
type FunnelCell struct {
	Cell
	Stages *FunnelStages `json:"stages,omitempty"`
}

// FunnelStages counts invitations by the furthest they got. An invitation counts at a stage when any of
// its events shows it got there (an answer proves it was opened and sent).
type FunnelStages struct {
	Planned   int `json:"planned"`   // every invitation
	Sent      int `json:"sent"`      // a send was attempted: sent, bounced, reminded, opened or submitted
	Bounced   int `json:"bounced"`   // the address bounced
	Delivered int `json:"delivered"` // sent and not bounced
	Opened    int `json:"opened"`    // the link was opened (or answered)
	Submitted int `json:"submitted"` // answered
	OptedOut  int `json:"opted_out"`
	Expired   int `json:"expired"` // the wave closed without an answer
	// ResponseRate is submitted / delivered with its 95% Wilson interval.
	ResponseRate Share `json:"response_rate"`
	// OpenRate is opened / delivered.
	OpenRate Share `json:"open_rate"`
}

func (st *FunnelStages) add(stages uint16, n int) {
	st.Planned += n
	sent := has(stages, evSent, evBounced, evReminded, evOpened, evSubmitted)
	bounced := has(stages, evBounced)
	if sent {
		st.Sent += n
	}
	if bounced {
		st.Bounced += n
	}
	if sent && !bounced {
		st.Delivered += n
	}
	if has(stages, evOpened, evSubmitted) {
		st.Opened += n
	}
	if has(stages, evSubmitted) {
		st.Submitted += n
	}
	if has(stages, evOptedOut) {
		st.OptedOut += n
	}
	if has(stages, evExpired) && !has(stages, evSubmitted) {
		st.Expired += n
	}
}

func (st *FunnelStages) rates() {
	// A bounced invitation that was answered anyway (a later resend) is delivered after all.
	sub := min(st.Submitted, st.Delivered)
	st.ResponseRate = share(sub, st.Delivered)
	st.OpenRate = share(min(st.Opened, st.Delivered), st.Delivered)
}

// Funnel is the response funnel per wave (or per the breakdown by) from the invitations' events: planned →
// sent → opened → submitted, with the response rate submitted / delivered.
func (s *Service) Funnel(ctx context.Context, tenantID string, f Filter, by Dim) (FunnelReport, error) {
	if f.Get(DimTenureBand) != "" || by == DimTenureBand {
		return FunnelReport{}, &ValidationError{"tenure_band", "the funnel covers invitations, which have no tenure band"}
	}
	st, err := s.start(ctx, tenantID, srcFunnel)
	if err != nil {
		return FunnelReport{}, err
	}
	return s.funnel(ctx, st, f, by)
}

func (s *Service) funnel(ctx context.Context, st session, f Filter, by Dim) (FunnelReport, error) {
	tenantID, min, w := st.tenant, st.min, st.w
	var err error
	rowsSQL, rowsArgs := s.funnelRows(tenantID, w, columns(f, "planned_at", "stages", byCol(by)))
	c := countsFor(f, "planned_at")
	q := &sqlb{}
	q.add("SELECT "+byExpr(by)+" AS g, stages, "+c.sel, c.selArgs...)
	q.add(" FROM ("+rowsSQL+")", rowsArgs...)
	q.add(" WHERE "+c.where+" GROUP BY g, stages", c.whereArgs...)
	groups := map[string]*FunnelStages{}
	gt := map[string]*tally{}
	var total FunnelStages
	var tot tally
	err = query(ctx, s.conn, "read funnel", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var g string
		var stages uint16
		n, ps, err := scanCounts(r, c.parents, &g, &stages)
		if err != nil {
			return err
		}
		if groups[g] == nil {
			groups[g], gt[g] = &FunnelStages{}, &tally{key: g}
		}
		groups[g].add(stages, n)
		gt[g].add(n, ps)
		total.add(stages, n)
		tot.add(n, ps)
		return nil
	})
	if err != nil {
		return FunnelReport{}, err
	}
	var list []tally
	for _, k := range sortedKeys(gt) {
		if gt[k].n > 0 && by != "" {
			list = append(list, *gt[k])
		}
	}
	v, err := protect(list, tot, min)
	if err != nil {
		return FunnelReport{}, fmt.Errorf("funnel: %w", err)
	}
	rep := FunnelReport{Filter: f, By: by, MinGroup: min}
	cell := func(st *FunnelStages, c Cell) FunnelCell {
		if c.Suppressed {
			return FunnelCell{Cell: c}
		}
		st.rates()
		return FunnelCell{Cell: c, Stages: st}
	}
	rep.Total = cell(&total, v.total)
	for _, t := range list {
		rep.Groups = append(rep.Groups, cell(groups[t.key], v.groups[t.key]))
	}
	return rep, nil
}
