package wave

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/jpcal"
)

// Details that mark a 'failed' event: how the scheduler reads the failure back.
const (
	// DetailOutcomeUnknown marks a send whose intent was recorded but whose outcome was not: the
	// process stopped between handing the message to the relay and recording the result. It may have
	// been delivered, so it is never sent again automatically.
	DetailOutcomeUnknown = "outcome unknown after restart"
	// detailNotSent starts the detail of a failure that certainly sent nothing (the pass stopped, the
	// sender's configuration is wrong, another scheduler claimed it): retried, and not counted as an
	// attempt.
	detailNotSent = "not sent: "
	// detailRecovered is the detail of a completion found after a restart (in the outbox).
	detailRecovered = "recovered after restart: found in the outbox"
)

const eventColumns = "INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)"

// store holds the scheduler's ClickHouse queries.
type store struct {
	conn db.Conn
}

// registryRow is one alumnus as the scheduler streams them: the planner's view, the locale, and the
// state of each of their invitations.
type registryRow struct {
	Alumnus     Alumnus
	Locale      string
	Invitations []invState
}

// Bits of the flags field of an encoded invitation state.
const (
	flagSubmitted = 1 << iota
	flagExpired
	flagBounced
	flagOptedOut
	flagUnknown // the invitation's own send has an unknown outcome
	flagPending // some send has an intent without a completion
)

// streamSQL reads a tenant's registry in one query: the newest version of each alumnus, their
// opt-out/erasure/bounce state, and the state of each of their invitations folded from its events,
// encoded as text (invitations separated by ';', fields by '|'; see parseInvitations). The folding
// happens in ClickHouse so that only a short string per alumnus crosses the wire, not every event.
// ClickHouse 18.16 allows one JOIN per SELECT, hence the nesting; every side filters on the tenant.
//
// Only invitations that can still lead to mail or a closing are read: due since @due_since (the
// planner cannot send a wave again once its window is over) or closed since @closed_since. Older ones
// make up most of a long-running tenant's history; the planner sees their waves as past their window,
// and prepare refuses to create an invitation that already had a send, whatever the stream said.
//
// Per invitation: a failed event whose detail starts "outcome unknown" may have been delivered, so a
// reminder of unknown outcome counts as sent and an invitation of unknown outcome stops; one whose
// detail starts "not sent:" certainly sent nothing and is not an attempt. Each intent ('sending',
// 'reminding') is answered by exactly one completion, so more intents than completions means a send
// in progress (or a crash). flag classifies failures: 1 outcome unknown, 2 not sent, 3 a counted
// attempt (0: not a failure). nxt is the next send: 0 before the invitation went out, then reminder
// reminded+1; the attempts, last failure and intents columns are those of nxt.
const streamSQL = `
SELECT alumnus_id, exit_date, consent, has_email, locale, imported_at, opted_out, erased, bounced, invs
FROM
(
    SELECT alumnus_id, exit_date, consent, has_email, locale, imported_at, opted_out, erased, bounced
    FROM
    (
        SELECT alumnus_id, exit_date, consent, has_email, locale, imported_at
        FROM alumni FINAL
        WHERE tenant_id = @tenant
    )
    ANY LEFT JOIN
    (
        SELECT alumnus_id, max(event = 'opted_out') AS opted_out, max(event = 'erased') AS erased,
               max(event = 'bounced') AS bounced
        FROM alumni_events
        WHERE tenant_id = @tenant
        GROUP BY alumnus_id
    ) USING alumnus_id
)
ANY LEFT JOIN
(
    SELECT alumnus_id, arrayStringConcat(groupArray(concat(toString(invitation_id), '|', wave, '|', survey_id, '|',
        toString(toUInt32(closes_at)), '|', toString(sent), '|', toString(last_mail), '|', toString(reminded), '|',
        toString(flags), '|', toString(countEqual(fail_seqs, nxt)), '|',
        toString(arrayReduce('max', arrayFilter((a, s) -> s = nxt, fail_ats, fail_seqs))), '|',
        toString(countEqual(intent_seqs, nxt)))), ';') AS invs
    FROM
    (
        SELECT invitation_id, alumnus_id, wave, survey_id, closes_at, sent, last_mail, reminded, flags,
               fail_seqs, fail_ats, intent_seqs, if(sent > 0, reminded + 1, 0) AS nxt
        FROM
        (
            SELECT invitation_id, alumnus_id, wave, survey_id, closes_at
            FROM (SELECT * FROM invitations FINAL WHERE tenant_id = @tenant)
            WHERE due_at >= @due_since OR closes_at >= @closed_since
        )
        ANY LEFT JOIN
        (
            SELECT invitation_id,
                   minIf(t, event = 'sent') AS sent,
                   maxIf(t, event IN ('sent', 'reminded') OR (flag = 1 AND seq > 0)) AS last_mail,
                   greatest(maxIf(seq, event = 'reminded'), maxIf(seq, flag = 1)) AS reminded,
                   (countIf(event = 'submitted') > 0) + 2 * (countIf(event = 'expired') > 0) + 4 * (countIf(event = 'bounced') > 0)
                     + 8 * (countIf(event = 'opted_out') > 0) + 16 * (countIf(flag = 1 AND seq = 0) > 0)
                     + 32 * (countIf(event IN ('sending', 'reminding')) > countIf(event IN ('sent', 'reminded', 'failed', 'bounced', 'skipped'))) AS flags,
                   groupArrayIf(seq, flag = 3) AS fail_seqs,
                   groupArrayIf(t, flag = 3) AS fail_ats,
                   groupArrayIf(seq, event IN ('sending', 'reminding')) AS intent_seqs
            FROM
            (
                SELECT invitation_id, seq, event, toUInt32(at) AS t,
                       if(event = 'failed', multiIf(detail LIKE 'outcome unknown%', 1, detail LIKE 'not sent:%', 2, 3), 0) AS flag
                FROM invitation_events
                WHERE tenant_id = @tenant AND invitation_id IN (
                    SELECT invitation_id FROM invitations
                    WHERE tenant_id = @tenant AND (due_at >= @due_since OR closes_at >= @closed_since))
            )
            GROUP BY invitation_id
        ) USING invitation_id
    )
    GROUP BY alumnus_id
) USING alumnus_id`

// stream calls fn for every alumnus of the tenant, reusing one row: fn must copy what it keeps.
func (st *store) stream(ctx context.Context, tenantID string, dueSince, closedSince time.Time, fn func(*registryRow) error) error {
	rows, err := st.conn.Query(ctx, streamSQL, clickhouse.Named("tenant", tenantID),
		clickhouse.Named("due_since", dueSince.UTC()), clickhouse.Named("closed_since", closedSince.UTC()))
	if err != nil {
		return fmt.Errorf("read alumni registry: %w", err)
	}
	defer rows.Close()
	var (
		row                       registryRow
		exit, imported            time.Time
		consent, hasEmail         uint8
		optedOut, erased, bounced uint8
		invs                      string
	)
	for rows.Next() {
		if err := rows.Scan(&row.Alumnus.ID, &exit, &consent, &hasEmail, &row.Locale, &imported, &optedOut, &erased, &bounced,
			&invs); err != nil {
			return fmt.Errorf("read alumni registry: %w", err)
		}
		a := &row.Alumnus
		a.ExitDate = civilDate(exit)
		a.Consent, a.HasEmail = consent == 1, hasEmail == 1
		a.OptedOut, a.Erased, a.Bounced = optedOut == 1, erased == 1, bounced == 1
		a.ImportedAt = imported
		if row.Invitations, err = parseInvitations(row.Invitations, invs); err != nil {
			return fmt.Errorf("read alumni registry: alumnus %s: %w", a.ID, err)
		}
		if err := fn(&row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read alumni registry: %w", err)
	}
	return nil
}

// parseInvitations decodes streamSQL's invs column into dst (reused): per invitation, id | wave |
// survey | closes | sent | last mail | reminded | flags | attempts | last failure | intents, times in
// Unix seconds (0: none). Wave names and survey ids cannot hold '|' or ';' (Settings.Validate).
func parseInvitations(dst []invState, s string) ([]invState, error) {
	dst = dst[:0]
	for s != "" {
		var rec string
		rec, s, _ = strings.Cut(s, ";")
		var f [11]string
		for i := range f {
			f[i], rec, _ = strings.Cut(rec, "|")
		}
		var n [8]int64
		for i := range n {
			v, err := strconv.ParseInt(f[3+i], 10, 64)
			if err != nil {
				return dst, fmt.Errorf("invitation state %q: %w", f[0], err)
			}
			n[i] = v
		}
		id, err := uuid.Parse(f[0])
		if err != nil {
			return dst, fmt.Errorf("invitation state: %w", err)
		}
		v := invState{ID: id, Wave: f[1], Survey: f[2], ClosesAt: unixTime(n[0]), SentAt: unixTime(n[1]),
			LastMailAt: unixTime(n[2]), Reminded: int(n[3]), Attempts: int(n[5]), LastFailAt: unixTime(n[6]),
			Intents: int(n[7])}
		flags := n[4]
		v.Submitted, v.Expired, v.Bounced = flags&flagSubmitted != 0, flags&flagExpired != 0, flags&flagBounced != 0
		v.OptedOut, v.Unknown, v.Pending = flags&flagOptedOut != 0, flags&flagUnknown != 0, flags&flagPending != 0
		if !v.SentAt.IsZero() {
			v.Next = v.Reminded + 1
		}
		dst = append(dst, v)
	}
	return dst, nil
}

// unixTime turns Unix seconds into a UTC time; 0 is the zero time.
func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// civilDate converts a ClickHouse Date (midnight UTC) to a civil date; 1970-01-01, the column's
// default, means none.
func civilDate(t time.Time) jpcal.Date {
	if t.Year() <= 1970 {
		return jpcal.Date{}
	}
	return jpcal.DateOf(t.UTC())
}

// orphan is an intent ('sending' or 'reminding') with no completion.
type orphan struct {
	Invitation uuid.UUID
	Survey     string
	Wave       string
	Seq        int
	Owner      string // the lease owner that wrote the intent
}

// orphanHorizon is how far back recovery looks for intents without completion. Every pass resolves
// the ones it finds, so only a scheduler stopped for longer leaves older ones; those are still never
// sent again (the planner sees them in flight), only not relabelled for HR.
const orphanHorizon = 30 * 24 * time.Hour

// orphans returns the tenant's intents since `since` that have no completion (sent, reminded, failed,
// bounced, skipped) of the same sequence number. Each intent is answered by exactly one completion, so
// counting finds them.
func (st *store) orphans(ctx context.Context, tenantID string, since time.Time) ([]orphan, error) {
	rows, err := st.conn.Query(ctx, `
		SELECT invitation_id, any(survey_id), any(wave), seq, argMaxIf(detail, at, event IN ('sending', 'reminding'))
		FROM invitation_events
		WHERE tenant_id = @tenant AND event IN ('sending', 'reminding', 'sent', 'reminded', 'failed', 'bounced', 'skipped')
		  AND invitation_id IN (
		      SELECT invitation_id FROM invitation_events
		      WHERE tenant_id = @tenant AND event IN ('sending', 'reminding') AND at >= @since)
		GROUP BY invitation_id, seq
		HAVING countIf(event IN ('sending', 'reminding')) > countIf(event NOT IN ('sending', 'reminding'))`,
		clickhouse.Named("tenant", tenantID), clickhouse.Named("since", since.UTC()))
	if err != nil {
		return nil, fmt.Errorf("read unfinished sends: %w", err)
	}
	defer rows.Close()
	var out []orphan
	for rows.Next() {
		var o orphan
		var seq uint16
		if err := rows.Scan(&o.Invitation, &o.Survey, &o.Wave, &seq, &o.Owner); err != nil {
			return nil, fmt.Errorf("read unfinished sends: %w", err)
		}
		o.Seq = int(seq)
		out = append(out, o)
	}
	return out, rows.Err()
}

// liveOwners returns the lease owners that are alive now (a heartbeat within ttl, no release).
func (st *store) liveOwners(ctx context.Context, lease string, now time.Time, ttl time.Duration) (map[string]bool, error) {
	rows, err := st.conn.Query(ctx, `
		SELECT owner FROM scheduler_lease
		WHERE name = ? AND at_ns >= ?
		GROUP BY owner
		HAVING countIf(state = 'release') = 0 AND max(at_ns) >= ?`,
		lease, uint64(now.Add(-10*ttl).UnixNano()), uint64(now.Add(-ttl).UnixNano()))
	if err != nil {
		return nil, fmt.Errorf("read scheduler lease: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("read scheduler lease: %w", err)
		}
		out[o] = true
	}
	return out, rows.Err()
}

// sentSince counts the tenant's send intents (invitations and reminders) at or after since.
func (st *store) sentSince(ctx context.Context, tenantID string, since time.Time) (int, error) {
	var n uint64
	if err := st.conn.QueryRow(ctx, `
		SELECT count() FROM invitation_events
		WHERE tenant_id = ? AND event IN ('sending', 'reminding') AND at >= ?`, tenantID, since.UTC()).Scan(&n); err != nil {
		return 0, fmt.Errorf("count recent sends: %w", err)
	}
	return int(n), nil
}

// contact is where and how to address an alumnus who may still be mailed.
type contact struct {
	Email string // PII
	Name  string // PII
}

// sendable returns, for the given alumni, the contact of each who may still be mailed at this moment:
// consented, with an address, and not opted out, erased or bounced. It is read just before a chunk is
// sent, so an opt-out that arrived after the registry was streamed is honoured.
func (st *store) sendable(ctx context.Context, tenantID string, ids []uuid.UUID) (map[uuid.UUID]contact, error) {
	set := clickhouse.GroupSet{Value: uuidStrings(ids)}
	rows, err := st.conn.Query(ctx, `
		SELECT alumnus_id, argMax(email, version), argMax(name, version)
		FROM alumni_contacts
		WHERE tenant_id = @tenant AND alumnus_id IN @ids
		  AND alumnus_id IN (
		      SELECT alumnus_id FROM alumni FINAL
		      WHERE tenant_id = @tenant AND alumnus_id IN @ids AND consent = 1)
		  AND alumnus_id NOT IN (
		      SELECT alumnus_id FROM alumni_events
		      WHERE tenant_id = @tenant AND alumnus_id IN @ids AND event IN ('opted_out', 'erased', 'bounced'))
		GROUP BY alumnus_id`, clickhouse.Named("tenant", tenantID), clickhouse.Named("ids", set))
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", err)
	}
	defer rows.Close()
	out := make(map[uuid.UUID]contact, len(ids))
	for rows.Next() {
		var id uuid.UUID
		var c contact
		if err := rows.Scan(&id, &c.Email, &c.Name); err != nil {
			return nil, fmt.Errorf("read contacts: %w", err)
		}
		if c.Email != "" {
			out[id] = c
		}
	}
	return out, rows.Err()
}

// invited returns those of the invitations that already had a send intent.
func (st *store) invited(ctx context.Context, tenantID string, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	return st.invitationsWith(ctx, tenantID, ids, "'sending', 'reminding'")
}

// answered returns those of the invitations that were submitted or opted out of.
func (st *store) answered(ctx context.Context, tenantID string, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	return st.invitationsWith(ctx, tenantID, ids, "'submitted', 'opted_out'")
}

// invitationsWith returns those of the invitations that have one of the events (a constant list).
func (st *store) invitationsWith(ctx context.Context, tenantID string, ids []uuid.UUID, events string) (map[uuid.UUID]bool, error) {
	out := map[uuid.UUID]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := st.conn.Query(ctx, `
		SELECT DISTINCT invitation_id FROM invitation_events
		WHERE tenant_id = ? AND invitation_id IN ? AND event IN (`+events+`)`,
		tenantID, clickhouse.GroupSet{Value: uuidStrings(ids)})
	if err != nil {
		return nil, fmt.Errorf("read invitation events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read invitation events: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// claimKey names one send: an invitation and its sequence number (0 the invitation, n reminder n).
type claimKey struct {
	Invitation uuid.UUID
	Seq        int
}

// intentCounts returns how many intents each of the given sends has.
func (st *store) intentCounts(ctx context.Context, tenantID string, ids []uuid.UUID) (map[claimKey]int, error) {
	rows, err := st.conn.Query(ctx, `
		SELECT invitation_id, seq, count() FROM invitation_events
		WHERE tenant_id = ? AND invitation_id IN ? AND event IN ('sending', 'reminding')
		GROUP BY invitation_id, seq`, tenantID, clickhouse.GroupSet{Value: uuidStrings(ids)})
	if err != nil {
		return nil, fmt.Errorf("read send intents: %w", err)
	}
	defer rows.Close()
	out := map[claimKey]int{}
	for rows.Next() {
		var k claimKey
		var seq uint16
		var n uint64
		if err := rows.Scan(&k.Invitation, &seq, &n); err != nil {
			return nil, fmt.Errorf("read send intents: %w", err)
		}
		k.Seq = int(seq)
		out[k] = int(n)
	}
	return out, rows.Err()
}

// putInvitations writes invitation rows (new ones, or new versions with a later closing date) in one
// batch. The columns are invite.Store.Put's; ids come from invite.Store.ID, so this is the batch form
// of invite.Store.Create for rows the scheduler already knows to be eligible.
func (st *store) putInvitations(ctx context.Context, invs []invite.Invitation, version uint64) error {
	if len(invs) == 0 {
		return nil
	}
	rows := make([][]any, len(invs))
	for i, inv := range invs {
		rows[i] = []any{inv.TenantID, inv.ID, inv.AlumnusID, inv.SurveyID, inv.Wave, inv.Locale, inv.DueAt.UTC(),
			inv.ClosesAt.UTC(), inv.CreatedAt.UTC(), version}
	}
	if err := db.Insert(ctx, st.conn, `INSERT INTO invitations (tenant_id, invitation_id, alumnus_id, survey_id, wave, locale,
		due_at, closes_at, created_at, version)`, rows...); err != nil {
		return fmt.Errorf("store invitations: %w", err)
	}
	return nil
}

// event is one invitation event to append.
type event struct {
	Invitation invite.Invitation // TenantID, ID, SurveyID, Wave are used
	Kind       invite.Event
	Seq        int
	At         time.Time
	Detail     string
}

// record appends events in one batch, returning once ClickHouse acknowledged them.
func (st *store) record(ctx context.Context, evs []event) error {
	if len(evs) == 0 {
		return nil
	}
	rows := make([][]any, len(evs))
	for i, e := range evs {
		rows[i] = []any{e.Invitation.TenantID, e.Invitation.ID, e.Invitation.SurveyID, e.Invitation.Wave, string(e.Kind),
			uint16(e.Seq), e.At.UTC(), e.Detail}
	}
	if err := db.Insert(ctx, st.conn, eventColumns, rows...); err != nil {
		return fmt.Errorf("record invitation events: %w", err)
	}
	return nil
}

func uuidStrings(ids []uuid.UUID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// StateCount is how many invitations of a wave are in a state (their latest event).
type StateCount struct {
	Wave  string `json:"wave"`
	State string `json:"state"`
	Count int    `json:"count"`
}

// stateCounts counts the tenant's invitations per wave and current state. Events of the same second
// are ordered by how far along they are, so a 'sent' written in the second of its 'sending' wins.
func (st *store) stateCounts(ctx context.Context, tenantID string) ([]StateCount, error) {
	rows, err := st.conn.Query(ctx, `
		SELECT wave, state, count() FROM (
		    SELECT invitation_id, any(wave) AS wave,
		           argMax(toString(event), toUInt64(at) * 32 + multiIf(
		               event = 'planned', 1, event = 'skipped', 2, event = 'sending', 3, event = 'reminding', 4,
		               event = 'failed', 5, event = 'sent', 6, event = 'reminded', 7, event = 'opened', 8,
		               event = 'expired', 9, event = 'bounced', 10, event = 'opted_out', 11, 12)) AS state
		    FROM invitation_events
		    WHERE tenant_id = ?
		    GROUP BY invitation_id)
		GROUP BY wave, state
		ORDER BY wave, state`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("count invitation states: %w", err)
	}
	defer rows.Close()
	var out []StateCount
	for rows.Next() {
		var c StateCount
		var n uint64
		if err := rows.Scan(&c.Wave, &c.State, &n); err != nil {
			return nil, fmt.Errorf("count invitation states: %w", err)
		}
		c.Count = int(n)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Problem is a bounced or failed send, for HR (no address: the SMTP reply is already redacted).
type Problem struct {
	Invitation uuid.UUID `json:"invitation_id"`
	Wave       string    `json:"wave"`
	Event      string    `json:"event"`
	Seq        int       `json:"seq"`
	At         time.Time `json:"at"`
	Detail     string    `json:"detail"`
}

// problems returns the tenant's latest bounces and failures, newest first.
func (st *store) problems(ctx context.Context, tenantID string, limit int) ([]Problem, error) {
	rows, err := st.conn.Query(ctx, `
		SELECT invitation_id, wave, toString(event), seq, at, detail FROM invitation_events
		WHERE tenant_id = ? AND event IN ('bounced', 'failed')
		ORDER BY at DESC, invitation_id
		LIMIT ?`, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("read bounces: %w", err)
	}
	defer rows.Close()
	var out []Problem
	for rows.Next() {
		var p Problem
		var seq uint16
		if err := rows.Scan(&p.Invitation, &p.Wave, &p.Event, &seq, &p.At, &p.Detail); err != nil {
			return nil, fmt.Errorf("read bounces: %w", err)
		}
		p.Seq = int(seq)
		out = append(out, p)
	}
	return out, rows.Err()
}

// tenantInvitations returns which of the ids are invitations of the tenant.
func (st *store) tenantInvitations(ctx context.Context, tenantID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	vals := make([]any, 0, len(ids))
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil {
			vals = append(vals, u.String())
		}
	}
	if len(vals) == 0 {
		return out, nil
	}
	rows, err := st.conn.Query(ctx, `
		SELECT DISTINCT toString(invitation_id) FROM invitations
		WHERE tenant_id = ? AND invitation_id IN ?`, tenantID, clickhouse.GroupSet{Value: vals})
	if err != nil {
		return nil, fmt.Errorf("read invitations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read invitations: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}
