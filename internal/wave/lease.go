package wave

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// Lease is a leadership lease shared through ClickHouse, so that one scheduler at a time sends mail
// when several processes share a database.
//
// ClickHouse has no row locks or compare-and-set, so the lease is built from appends, like
// internal/migrate's lock: a candidate appends an 'acquire' row under a fresh owner id, waits Settle
// so that concurrent candidates' rows are visible, and reads the table; the holder is the owner with
// the earliest row among the live ones (last row within TTL, no 'release'). The holder appends a
// 'renew' row every TTL/3 and re-reads; it trusts its lease only until TTL−TTL/4 after its last
// acknowledged heartbeat, a quarter earlier than the others will give up on it, which absorbs clock
// skew between machines up to TTL/4. An owner whose heartbeat lapsed never comes back under the same
// id (it would still have the earliest row): it releases and later competes afresh.
//
// What it does not cover: a candidate whose 'acquire' INSERT takes longer than Settle to become
// visible can, for at most one heartbeat, believe it holds the lease beside the real holder. The
// scheduler's send intents make that harmless for invitations already being sent (see Scheduler).
type Lease struct {
	conn db.Conn
	name string
	log  *slog.Logger
	// TTL is how long a holder is believed alive after its last heartbeat.
	TTL time.Duration
	// Settle is how long a candidate waits after appending before it reads the table.
	Settle time.Duration
	now    func() time.Time

	mu    sync.Mutex
	owner string    // current owner id; "" when not holding or competing
	until time.Time // when this holder stops trusting its lease; zero when not held
}

// NewLease returns a lease named name (one per job; the scheduler uses "scheduler"). It holds nothing
// until Acquire or Keep.
func NewLease(conn db.Conn, name string, log *slog.Logger) *Lease {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Lease{conn: conn, name: name, log: log, TTL: 30 * time.Second, Settle: 500 * time.Millisecond, now: time.Now}
}

// Held reports whether this process holds the lease now.
func (l *Lease) Held() bool {
	return l.now().Before(l.ValidUntil())
}

// ValidUntil returns when this holder stops trusting its lease (zero when not held). Work started
// under the lease must end by then.
func (l *Lease) ValidUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until
}

// Owner returns this process's current owner id ("" when not holding or competing). Send intents
// carry it, so that a restart can tell an intent of a dead scheduler from one still in flight.
func (l *Lease) Owner() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.owner
}

// Holder describes who holds a lease.
type Holder struct {
	Owner string
	Since time.Time // its first row
	Last  time.Time // its last heartbeat
}

// Acquire makes one attempt to take (or, when held, to renew) the lease. It reports whether this
// process holds it afterwards and, when not, who does.
func (l *Lease) Acquire(ctx context.Context) (bool, Holder, error) {
	l.mu.Lock()
	owner, until := l.owner, l.until
	l.mu.Unlock()
	if owner != "" && !until.IsZero() {
		if l.now().Before(until) {
			return l.renew(ctx, owner)
		}
		// Lapsed: others may already have taken over. Never return under this id.
		l.log.Warn("scheduler lease lapsed; competing afresh", "lease", l.name)
		l.Release(ctx)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return false, Holder{}, fmt.Errorf("lease owner id: %w", err)
	}
	owner = hex.EncodeToString(b[:])
	start := l.now()
	if err := l.append(ctx, owner, "acquire", start); err != nil {
		return false, Holder{}, err
	}
	l.mu.Lock()
	l.owner = owner
	l.mu.Unlock()
	select {
	case <-ctx.Done():
		l.Release(ctx)
		return false, Holder{}, ctx.Err()
	case <-time.After(l.Settle):
	}
	h, err := l.holder(ctx)
	if err != nil {
		l.Release(ctx)
		return false, Holder{}, err
	}
	if h.Owner != owner {
		l.Release(ctx)
		return false, h, nil
	}
	l.mu.Lock()
	l.until = start.Add(l.TTL - l.TTL/4)
	l.mu.Unlock()
	l.log.Info("scheduler lease acquired", "lease", l.name, "owner", owner)
	return true, h, nil
}

// renew appends a heartbeat and checks that this owner still holds the lease.
func (l *Lease) renew(ctx context.Context, owner string) (bool, Holder, error) {
	at := l.now()
	if err := l.append(ctx, owner, "renew", at); err != nil {
		return l.Held(), Holder{}, err
	}
	h, err := l.holder(ctx)
	if err != nil {
		return l.Held(), Holder{}, err
	}
	if h.Owner != owner {
		l.log.Warn("scheduler lease taken by another process; stepping down", "lease", l.name, "owner", owner, "holder", h.Owner)
		l.Release(ctx)
		return false, h, nil
	}
	l.mu.Lock()
	if l.owner == owner {
		l.until = at.Add(l.TTL - l.TTL/4)
	}
	l.mu.Unlock()
	return true, h, nil
}

// Release gives the lease up (or withdraws a candidacy), even when ctx is cancelled.
func (l *Lease) Release(ctx context.Context) {
	l.mu.Lock()
	owner := l.owner
	l.owner, l.until = "", time.Time{}
	l.mu.Unlock()
	if owner == "" {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := l.append(rctx, owner, "release", l.now()); err != nil {
		// Harmless: the lease runs out after TTL.
		l.log.Warn("release scheduler lease", "lease", l.name, "err", err)
	}
}

// Keep competes for the lease and, once held, renews it every TTL/3, until ctx ends; then it
// releases it. Run it in its own goroutine and ask Held or ValidUntil.
func (l *Lease) Keep(ctx context.Context) {
	defer l.Release(ctx)
	for {
		if _, _, err := l.Acquire(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("scheduler lease", "lease", l.name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.TTL / 3):
		}
	}
}

// WaitHeld waits until the lease is held or ctx ends, reporting whether it is held.
func (l *Lease) WaitHeld(ctx context.Context) bool {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !l.Held() {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

func (l *Lease) append(ctx context.Context, owner, state string, at time.Time) error {
	if err := db.Insert(ctx, l.conn, "INSERT INTO scheduler_lease (name, owner, at_ns, state)",
		[]any{l.name, owner, uint64(at.UnixNano()), state}); err != nil {
		return fmt.Errorf("scheduler lease %s: %w", state, err)
	}
	return nil
}

// holder reads who holds the lease: the live owner with the earliest row. Only rows of the last
// 10·TTL are read; a holder that keeps renewing always has one near the start of that window, earlier
// than any newcomer's.
func (l *Lease) holder(ctx context.Context) (Holder, error) {
	now := l.now()
	rows, err := l.conn.Query(ctx, `
		SELECT owner, min(at_ns) AS first, max(at_ns) AS last
		FROM scheduler_lease
		WHERE name = ? AND at_ns >= ?
		GROUP BY owner
		HAVING countIf(state = 'release') = 0 AND last >= ?
		ORDER BY first, owner
		LIMIT 1`, l.name, uint64(now.Add(-10*l.TTL).UnixNano()), uint64(now.Add(-l.TTL).UnixNano()))
	if err != nil {
		return Holder{}, fmt.Errorf("read scheduler lease: %w", err)
	}
	defer rows.Close()
	var h Holder
	if rows.Next() {
		var first, last uint64
		if err := rows.Scan(&h.Owner, &first, &last); err != nil {
			return Holder{}, fmt.Errorf("read scheduler lease: %w", err)
		}
		h.Since, h.Last = time.Unix(0, int64(first)), time.Unix(0, int64(last))
	}
	return h, rows.Err()
}
