package insight

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"
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
	wm := w.get(srcFunnel)
	var tail []funnelRow
	var err error
	if w.hasTail(srcFunnel) {
		key := tailKey{kind: "funnel", tenant: tenantID, wm: wm, fp: st.funnelTail}
		tail, err = s.funnelTails.get(key, func() ([]funnelRow, error) { return s.funnelTail(ctx, tenantID, wm) })
		if err != nil {
			return FunnelReport{}, err
		}
	}
	// From the counts kept per segment and month when they cover the filter (the invitations newer than
	// the watermark then replace their compacted row's contribution below), else from the rows.
	fromCube := st.useCube(funnelCube, f, by)
	q := &sqlb{}
	var c counting
	if fromCube {
		c = countsFor(f, "bucket")
		sel, selArgs := c.sums()
		rows, rowsArgs := s.cubeRows(funnelCube, st, "", nil)
		q.add("SELECT "+byExpr(by)+" AS g, toUInt16(a) AS stages, "+sel, selArgs...)
		q.add(" FROM ("+rows+")", rowsArgs...)
	} else {
		c = countsFor(f, "planned_at")
		q.add("SELECT "+byExpr(by)+" AS g, stages, "+c.sel, c.selArgs...)
		q.add(" FROM (SELECT " + strings.Join(columns(f, "planned_at", "stages", byCol(by)), ", ") + " FROM invitation_funnel WHERE ")
		cur, curArgs := funnelCurrent(tenantID, wm)
		q.add(cur, curArgs...)
		if len(tail) > 0 {
			ids := make([]any, len(tail))
			for i, t := range tail {
				ids[i] = t.id
			}
			q.add(" AND invitation_id NOT IN (?)", clickhouse.GroupSet{Value: ids})
		}
		q.add(")")
	}
	q.add(" WHERE "+c.where+" GROUP BY g, stages", c.whereArgs...)
	groups := map[string]*FunnelStages{}
	gt := map[string]*tally{}
	var total FunnelStages
	var tot tally
	add := func(g string, stages uint16, n int, ps []int) {
		if groups[g] == nil {
			groups[g], gt[g] = &FunnelStages{}, &tally{key: g}
		}
		groups[g].add(stages, n)
		gt[g].add(n, ps)
		total.add(stages, n)
		tot.add(n, ps)
	}
	err = query(ctx, s.conn, "read funnel", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var g string
		var stages uint16
		n, ps, err := scanCounts(r, c.parents, &g, &stages)
		if err != nil {
			return err
		}
		if n == 0 && !slices.ContainsFunc(ps, func(p int) bool { return p != 0 }) {
			return nil // counts that cancelled out: no invitation behind them
		}
		add(g, stages, n, ps)
		return nil
	})
	if err != nil {
		return FunnelReport{}, err
	}
	// The invitations with events newer than the watermark, counted here under the same conditions.
	conds := f.conds("planned_at")
	for _, t := range tail {
		if fromCube && t.found {
			// Take the compacted row's contribution away.
			old := t
			old.stages, old.plannedAt = t.oldStages, t.oldPlanned
			n, ps := old.counts(conds, c)
			if n > 0 || slices.ContainsFunc(ps, func(p int) bool { return p > 0 }) {
				for i := range ps {
					ps[i] = -ps[i]
				}
				add(old.get(by), old.stages, -n, ps)
			}
		}
		n, ps := t.counts(conds, c)
		if n > 0 || slices.ContainsFunc(ps, func(p int) bool { return p > 0 }) {
			add(t.get(by), t.stages, n, ps)
		}
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

// funnelCurrent is the condition on invitation_funnel admitting a tenant's compacted rows up to the
// watermark that no later pass replaced.
func funnelCurrent(tenantID string, wm uint64) (string, []any) {
	return `tenant_id = ? AND gen <= ?
		AND row_key NOT IN (
			SELECT row_key FROM insight_superseded WHERE tenant_id = ? AND source = 'funnel' AND gen <= ?)`,
		[]any{tenantID, wm, tenantID, wm}
}

// funnelRow is the current funnel of one invitation with events newer than the watermark.
type funnelRow struct {
	id                                                   uuid.UUID
	survey, wave, department, jobFamily, exitType, exitQ string
	plannedAt                                            time.Time
	stages                                               uint16
	// found: the invitation has a compacted row, whose planning time and stages these were.
	found      bool
	oldPlanned time.Time
	oldStages  uint16
}

func (r funnelRow) get(d Dim) string {
	switch d {
	case DimSurvey:
		return r.survey
	case DimWave:
		return r.wave
	case DimDepartment:
		return r.department
	case DimJobFamily:
		return r.jobFamily
	case DimExitType:
		return r.exitType
	case DimExitQuarter:
		return r.exitQ
	}
	return ""
}

// matches evaluates one restriction of a filter (as Filter.conds builds it) on the row.
func (r funnelRow) matches(c cond, f Filter) bool {
	if c.name == "period" {
		return (f.From.IsZero() || !r.plannedAt.Before(f.From)) && (f.To.IsZero() || r.plannedAt.Before(f.To))
	}
	return r.get(Dim(c.name)) == f.Get(Dim(c.name))
}

// counts is what the SQL counting would give for this one row: 1 or 0 under the filter and under each
// parent (the filter without one restriction).
func (r funnelRow) counts(conds []cond, c counting) (int, []int) {
	f := c.filter
	all := true
	for _, cd := range conds {
		all = all && r.matches(cd, f)
	}
	var ps []int
	for _, drop := range c.droppable {
		ok := true
		for i, cd := range conds {
			if i != drop {
				ok = ok && r.matches(cd, f)
			}
		}
		ps = append(ps, b2i(ok))
	}
	return b2i(all), ps
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxFunnelTail bounds the invitations a report works out itself; beyond it the compactor is behind
// (normally it runs every minute) and the report is refused rather than done in memory.
const maxFunnelTail = 50_000

// funnelTail (its rows are shared by reports: not to be modified) works out the current funnel of the invitations with events newer than the watermark: the
// stages of their compacted row OR the new events' bits (stages only ever gain bits), so only the new
// events are read; for brand-new invitations the alumnus's segment is looked up by primary key.
func (s *Service) funnelTail(ctx context.Context, tenantID string, wm uint64) ([]funnelRow, error) {
	cur, curArgs := funnelCurrent(tenantID, wm)
	q := &sqlb{}
	q.add(`SELECT invitation_id, t_survey, t_wave, t_first, t_bits, c_found, c_survey, c_wave, c_planned, c_stages,
			c_department, c_job_family, c_exit_type, toString(c_exit_quarter)
		FROM (
			SELECT invitation_id, any(survey_id) AS t_survey, any(wave) AS t_wave, min(at) AS t_first,
				groupBitOr(bitShiftLeft(toUInt16(1), toUInt8(event))) AS t_bits
			FROM invitation_events WHERE tenant_id = ? AND at > toDateTime(?)
			GROUP BY invitation_id
		) ANY LEFT JOIN (
			SELECT invitation_id, toUInt8(1) AS c_found, survey_id AS c_survey, wave AS c_wave, planned_at AS c_planned,
				stages AS c_stages, department AS c_department, job_family AS c_job_family, exit_type AS c_exit_type,
				exit_quarter AS c_exit_quarter
			FROM invitation_funnel WHERE `, tenantID, wm)
	q.add(cur, curArgs...)
	q.add(` AND invitation_id IN (SELECT invitation_id FROM invitation_events WHERE tenant_id = ? AND at > toDateTime(?))
		) USING invitation_id
		LIMIT ?`, tenantID, wm, maxFunnelTail+1)
	var rows []funnelRow
	var brandNew []any
	err := query(ctx, s.conn, "read new invitation events", q.String(), q.args, func(r interface{ Scan(...any) error }) error {
		var fr funnelRow
		var tSurvey, tWave string
		var tFirst, cPlanned time.Time
		var tBits, cStages uint16
		var found uint8
		if err := r.Scan(&fr.id, &tSurvey, &tWave, &tFirst, &tBits, &found, &fr.survey, &fr.wave, &cPlanned, &cStages,
			&fr.department, &fr.jobFamily, &fr.exitType, &fr.exitQ); err != nil {
			return err
		}
		fr.stages, fr.plannedAt = cStages|tBits, tFirst
		if found == 1 {
			fr.found, fr.oldPlanned, fr.oldStages = true, cPlanned, cStages
			if cPlanned.Before(tFirst) {
				fr.plannedAt = cPlanned
			}
		} else {
			fr.survey, fr.wave = tSurvey, tWave
			brandNew = append(brandNew, fr.id)
		}
		rows = append(rows, fr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rows) > maxFunnelTail {
		return nil, fmt.Errorf("funnel: %d+ invitations changed since the last compactor pass: %w", maxFunnelTail, ErrBacklog)
	}
	if len(brandNew) == 0 {
		return rows, nil
	}
	seg := map[uuid.UUID]funnelRow{}
	set := clickhouse.GroupSet{Value: brandNew}
	err = query(ctx, s.conn, "read segments of new invitations", `
		SELECT invitation_id, department, job_family, exit_type, toString(exit_quarter)
		FROM (
			SELECT invitation_id, argMax(alumnus_id, version) AS alumnus_id FROM invitations
			WHERE tenant_id = ? AND invitation_id IN (?) GROUP BY invitation_id
		) ANY LEFT JOIN (
			SELECT alumnus_id, argMax(department, version) AS department, argMax(job_family, version) AS job_family,
				argMax(toString(exit_type), version) AS exit_type, toStartOfQuarter(argMax(exit_date, version)) AS exit_quarter
			FROM alumni WHERE tenant_id = ? AND alumnus_id IN (
				SELECT alumnus_id FROM invitations WHERE tenant_id = ? AND invitation_id IN (?))
			GROUP BY alumnus_id
		) USING alumnus_id`, []any{tenantID, set, tenantID, tenantID, set},
		func(r interface{ Scan(...any) error }) error {
			var fr funnelRow
			if err := r.Scan(&fr.id, &fr.department, &fr.jobFamily, &fr.exitType, &fr.exitQ); err != nil {
				return err
			}
			seg[fr.id] = fr
			return nil
		})
	for i, r := range rows {
		if sg, ok := seg[r.id]; ok {
			rows[i].department, rows[i].jobFamily, rows[i].exitType, rows[i].exitQ = sg.department, sg.jobFamily, sg.exitType, sg.exitQ
		}
	}
	return rows, err
}
