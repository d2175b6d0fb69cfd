package insight

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// The compactor. A pass takes a new watermark W′ = now − Margin for every source and, for the rows
// written between the old watermark W and W′:
//
//   - pivot: re-emits the response_pivot rows of every alumnus with a submission in (W, W′] (all their
//     responses, latest versions up to W′) under gen = W′, then records the alumnus's rows of older gens as
//     superseded;
//   - funnel: the same for the invitation_funnel rows of every invitation with an event in (W, W′];
//   - text, alumni: records every version up to W′ that a later version up to W′ replaced.
//
// Only then does it store W′. Queries read the watermark first and use only rows and superseded keys of
// gen ≤ W, so a pass becomes visible at once when W′ is stored, and a pass that dies half-way leaves rows
// no query sees (the next pass supersedes them). A lease in schema_lock keeps passes of several
// processes apart.

const (
	compactLockName = "insight_compact"
	compactLease    = 10 * time.Minute
	compactSettle   = 200 * time.Millisecond
	// chunkSize bounds how many alumni or invitations one INSERT … SELECT of a pass handles, which bounds
	// the server's memory on the first pass over a large tenant.
	chunkSize = 150_000
)

// readWatermarks returns the current watermark of every source (0 before the first pass).
func (s *Service) readWatermarks(ctx context.Context) (map[string]uint64, error) {
	rows, err := s.conn.Query(ctx, "SELECT toString(source), max(watermark) FROM insight_watermarks GROUP BY source")
	if err != nil {
		return nil, fmt.Errorf("read insight watermarks: %w", err)
	}
	defer rows.Close()
	w := map[string]uint64{}
	for rows.Next() {
		var src string
		var v uint64
		if err := rows.Scan(&src, &v); err != nil {
			return nil, fmt.Errorf("read insight watermarks: %w", err)
		}
		w[src] = v
	}
	return w, rows.Err()
}

// maxLag is how far behind the clock a watermark may fall before a report waits for a compactor pass
// rather than working out everything newer on the fly (after an idle spell, a restart or the first start
// on existing data, that could be most of the data, for every report at once).
const maxLag = 15 * time.Minute

// maybeCompact starts a background pass when none ran for CompactEvery. Queries call it; they never
// wait for it, because they are exact without it (rows newer than the watermark are worked out on the fly).
func (s *Service) maybeCompact(ctx context.Context) {
	if s.opts.CompactEvery < 0 {
		return
	}
	s.mu.Lock()
	due := s.running == nil && s.opts.Now().Sub(s.lastCompact) >= s.opts.CompactEvery
	s.mu.Unlock()
	if !due {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), compactLease/2)
		defer cancel()
		if err := s.sharedPass(cctx); err != nil {
			s.opts.Log.Warn("insight compactor pass failed", "err", err)
		}
	}()
}

// sharedPass runs a compactor pass, or waits for the one this process is already running.
func (s *Service) sharedPass(ctx context.Context) error {
	s.mu.Lock()
	done := s.running
	if done == nil {
		done = make(chan struct{})
		s.running = done
		// The pass outlives the request that started it: others may be waiting for it, and the first
		// pass over a large tenant (after an upgrade, say) takes longer than a browser may stay.
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			start := s.opts.Now()
			// Bounded as a background pass is: within the lease that keeps other processes out.
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), compactLease/2)
			defer cancel()
			err := s.Compact(pctx)
			s.mu.Lock()
			s.running, s.runErr, s.lastCompact = nil, err, s.opts.Now()
			s.mu.Unlock()
			close(done)
			if err == nil {
				s.opts.Log.Debug("insight compactor pass", "took", s.opts.Now().Sub(start).Round(time.Millisecond))
			}
		}()
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runErr
}

// lagging reports whether a source's watermark is more than maxLag behind the clock.
func (s *Service) lagging(src string, wm uint64) bool {
	cut := s.opts.Now().Add(-maxLag)
	if src == srcFunnel || src == srcText {
		return wm < uint64(cut.Unix())
	}
	return wm < uint64(cut.UnixNano())
}

// Compact runs one compactor pass over every source. It is safe to call at any time and from several
// processes; figures are exact with or without it, only faster after it.
func (s *Service) Compact(ctx context.Context) error {
	release, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer release()
	old, err := s.readWatermarks(ctx)
	if err != nil {
		return err
	}
	cut := s.opts.Now().Add(-s.opts.Margin)
	next := map[string]uint64{
		srcPivot:  uint64(cut.UnixNano()),
		srcAlumni: uint64(cut.UnixNano()),
		// Whole seconds: the second in progress is left for the next pass, or a row stamped later in
		// that same second would count as already folded.
		srcFunnel: uint64(cut.Unix()) - 1,
		srcText:   uint64(cut.Unix()) - 1,
	}
	passes := []struct {
		src string
		run func(ctx context.Context, from, to uint64) error
	}{
		{srcPivot, s.compactPivot},
		{srcFunnel, s.compactFunnel},
		{srcText, func(ctx context.Context, from, to uint64) error { return s.compactKeyed(ctx, textSource, from, to) }},
		{srcAlumni, func(ctx context.Context, from, to uint64) error { return s.compactKeyed(ctx, alumniSource, from, to) }},
	}
	for _, p := range passes {
		from, to := old[p.src], next[p.src]
		if to <= from {
			continue
		}
		if err := p.run(ctx, from, to); err != nil {
			return fmt.Errorf("compact %s: %w", p.src, err)
		}
		if err := s.compactCubes(ctx, p.src, from, to); err != nil {
			return fmt.Errorf("compact %s: %w", p.src, err)
		}
		if err := db.Insert(ctx, s.conn, "INSERT INTO insight_watermarks (source, watermark, passed_at)",
			[]any{p.src, to, s.opts.Now().UTC()}); err != nil {
			return fmt.Errorf("compact %s: store watermark: %w", p.src, err)
		}
	}
	return nil
}

// touchedTenants lists tenants with rows in (from, to] of a table's ordering column.
func (s *Service) touchedTenants(ctx context.Context, table, order string, from, to uint64) ([]string, error) {
	return s.tenantList(ctx, "tenants with new "+table,
		"SELECT DISTINCT tenant_id FROM "+table+" WHERE "+order+" > ? AND "+order+" <= ?", from, to)
}

// chunks returns how many chunks the ids selected by a subquery need.
func (s *Service) chunks(ctx context.Context, ids string, args ...any) (uint64, error) {
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT uniqExact(id) FROM ("+ids+")", args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count new rows: %w", err)
	}
	return max(1, (n+chunkSize-1)/chunkSize), nil
}

func (s *Service) compactPivot(ctx context.Context, from, to uint64) error {
	tenants, err := s.touchedTenants(ctx, "response_facts", "version", from, to)
	if err != nil {
		return err
	}
	cols := strings.Join(pivotColumns, ", ")
	for _, t := range tenants {
		ids := "SELECT alumnus_id AS id FROM response_facts WHERE tenant_id = ? AND version > ? AND version <= ?"
		n, err := s.chunks(ctx, ids, t, from, to)
		if err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			chunk := ids + " AND cityHash64(toUInt64(alumnus_id)) % ? = ?"
			cargs := []any{t, from, to, n, i}
			sel, args := s.pivotSelect(to, "tenant_id = ? AND version <= ? AND alumnus_id IN ("+chunk+")",
				append([]any{t, to}, cargs...)...)
			if err := s.conn.Exec(ctx, "INSERT INTO response_pivot ("+cols+") SELECT "+cols+" FROM ("+sel+")", args...); err != nil {
				return fmt.Errorf("emit response_pivot rows: %w", err)
			}
			if err := s.conn.Exec(ctx, `INSERT INTO insight_superseded (tenant_id, source, row_key, gen)
				SELECT tenant_id, 'pivot', row_key, ? FROM response_pivot
				WHERE tenant_id = ? AND gen < ? AND alumnus_id IN (`+chunk+`)
				GROUP BY tenant_id, row_key`, append([]any{to, t, to}, cargs...)...); err != nil {
				return fmt.Errorf("supersede response_pivot rows: %w", err)
			}
		}
	}
	return nil
}

func (s *Service) compactFunnel(ctx context.Context, from, to uint64) error {
	tenants, err := s.touchedTenants(ctx, "invitation_events", "toUInt64(at)", from, to)
	if err != nil {
		return err
	}
	cols := strings.Join(funnelColumns, ", ")
	for _, t := range tenants {
		ids := "SELECT invitation_id AS id FROM invitation_events WHERE tenant_id = ? AND at > toDateTime(?) AND at <= toDateTime(?)"
		n, err := s.chunks(ctx, ids, t, from, to)
		if err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			chunk := ids + " AND cityHash64(toUInt64(invitation_id)) % ? = ?"
			cargs := []any{t, from, to, n, i}
			sel, args := funnelSelect(to, to, t, "tenant_id = ? AND invitation_id IN ("+chunk+")", append([]any{t}, cargs...)...)
			if err := s.conn.Exec(ctx, "INSERT INTO invitation_funnel ("+cols+") SELECT "+cols+" FROM ("+sel+")", args...); err != nil {
				return fmt.Errorf("emit invitation_funnel rows: %w", err)
			}
			if err := s.conn.Exec(ctx, `INSERT INTO insight_superseded (tenant_id, source, row_key, gen)
				SELECT tenant_id, 'funnel', row_key, ? FROM invitation_funnel
				WHERE tenant_id = ? AND gen < ? AND invitation_id IN (`+chunk+`)
				GROUP BY tenant_id, row_key`, append([]any{to, t, to}, cargs...)...); err != nil {
				return fmt.Errorf("supersede invitation_funnel rows: %w", err)
			}
		}
	}
	return nil
}

// compactKeyed records, for every key with a version in (from, to], its versions up to to that a later
// one replaced.
func (s *Service) compactKeyed(ctx context.Context, k keyedSource, from, to uint64) error {
	err := s.conn.Exec(ctx, `INSERT INTO insight_superseded (tenant_id, source, row_key, gen)
		SELECT tenant_id, ?, cityHash64(k, v), ? FROM (
			SELECT tenant_id, `+k.key+` AS k, arrayFilter(x -> x < max(version), groupArray(version)) AS old
			FROM `+k.table+`
			WHERE `+k.order+` <= ? AND `+k.key+` IN (SELECT `+k.key+` FROM `+k.table+` WHERE `+k.order+` > ? AND `+k.order+` <= ?)
			GROUP BY tenant_id, k
		) ARRAY JOIN old AS v`, k.name, to, to, from, to)
	if err != nil {
		return fmt.Errorf("supersede %s versions: %w", k.table, err)
	}
	return nil
}

// lock takes the compactor's lease in schema_lock (the migration runner's table, under another name),
// waiting while another live process holds it.
func (s *Service) lock(ctx context.Context) (release func(), err error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("compactor lock owner: %w", err)
	}
	owner := hex.EncodeToString(b[:])
	row := func(ctx context.Context, state string) error {
		return db.Insert(ctx, s.conn, "INSERT INTO schema_lock (name, owner, at_ns, state)",
			[]any{compactLockName, owner, uint64(s.opts.Now().UnixNano()), state})
	}
	if err := row(ctx, "acquire"); err != nil {
		return nil, fmt.Errorf("compactor lock: %w", err)
	}
	release = func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := row(rctx, "release"); err != nil {
			s.opts.Log.Warn("release compactor lock", "err", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		case <-time.After(compactSettle):
		}
		var holder string
		var at uint64
		err := s.conn.QueryRow(ctx, `
			SELECT owner, min(at_ns) AS acquired FROM schema_lock
			WHERE name = ? AND at_ns >= ?
			GROUP BY owner HAVING countIf(state = 'release') = 0
			ORDER BY acquired, owner LIMIT 1`,
			compactLockName, uint64(s.opts.Now().Add(-compactLease).UnixNano())).Scan(&holder, &at)
		if err != nil {
			release()
			return nil, fmt.Errorf("read compactor lock: %w", err)
		}
		if holder == owner {
			return release, nil
		}
	}
}
