package invite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// EventRecord is one event of one invitation, for RecordBatch.
type EventRecord struct {
	Inv    Invitation
	Event  Event
	Seq    int
	Detail string
	At     time.Time // zero: now
}

const insertEvents = "INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)"

// RecordBatch appends many events with one INSERT: all of them are stored, or none.
func (s *Store) RecordBatch(ctx context.Context, recs []EventRecord) error {
	if len(recs) == 0 {
		return nil
	}
	now := s.now().UTC()
	rows := make([][]any, len(recs))
	for i, r := range recs {
		at := r.At
		if at.IsZero() {
			at = now
		}
		rows[i] = []any{r.Inv.TenantID, r.Inv.ID, r.Inv.SurveyID, r.Inv.Wave, string(r.Event), uint16(r.Seq), at.UTC(), r.Detail}
	}
	if err := db.Insert(ctx, s.conn, insertEvents, rows...); err != nil {
		return fmt.Errorf("record %d invitation events: %w", len(recs), err)
	}
	return nil
}

// PutBatch writes many invitations as they are with one INSERT, e.g. a whole wave at once. Unlike Create it
// checks nothing: the caller has set each ID (Store.ID) and checked that the people may be surveyed.
func (s *Store) PutBatch(ctx context.Context, invs []Invitation) error {
	if len(invs) == 0 {
		return nil
	}
	version := uint64(s.now().UnixNano())
	rows := make([][]any, len(invs))
	for i, inv := range invs {
		rows[i] = []any{inv.TenantID, inv.ID, inv.AlumnusID, inv.SurveyID, inv.Wave, inv.Locale, inv.DueAt.UTC(),
			inv.ClosesAt.UTC(), inv.CreatedAt.UTC(), version}
	}
	err := db.Insert(ctx, s.conn, `INSERT INTO invitations (tenant_id, invitation_id, alumnus_id, survey_id, wave, locale,
		due_at, closes_at, created_at, version)`, rows...)
	if err != nil {
		return fmt.Errorf("store %d invitations: %w", len(invs), err)
	}
	return nil
}

// ErrRecorderClosed is returned by Recorder.Record after Close.
var ErrRecorderClosed = errors.New("invitation event recorder is closed")

// Recorder appends invitation events in the background, many per INSERT. It is for events recorded on
// the request path (a survey opened, submitted), where one INSERT per event would make a part per request
// on the server and put the database's latency in front of every alumnus. Record returns once the event is
// queued; the queue is flushed every MaxDelay and on Close. An event may be lost if the process dies
// before its flush, or if the INSERT fails twice: these events are the funnel's counters, not the answers
// (which the answers writer stores before the alumnus is told they were saved).
type Recorder struct {
	store    *Store
	log      *slog.Logger
	maxDelay time.Duration
	maxBatch int

	mu     sync.RWMutex // Record holds it shared while queueing; Close exclusively, to close the queue
	closed bool
	queue  chan queued
	done   chan struct{}
}

type queued struct {
	ctx context.Context
	rec EventRecord
}

// NewRecorder starts a Recorder writing through s. Call Close to flush and stop it.
func NewRecorder(s *Store, log *slog.Logger) *Recorder {
	r := &Recorder{store: s, log: log, maxDelay: 50 * time.Millisecond, maxBatch: 5000,
		queue: make(chan queued, 20_000), done: make(chan struct{})}
	go r.run()
	return r
}

// Record queues an event; At is stamped now. It waits for room in the queue as long as ctx allows.
func (r *Recorder) Record(ctx context.Context, inv Invitation, e Event, detail string) error {
	rec := EventRecord{Inv: inv, Event: e, Detail: detail, At: r.store.now().UTC()}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrRecorderClosed
	}
	select {
	case r.queue <- queued{ctx: ctx, rec: rec}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("queue invitation %s event: %w", e, ctx.Err())
	}
}

// Close stops accepting events and waits, as long as ctx allows, until the queued ones are written.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close invitation event recorder: %w", ctx.Err())
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	for {
		first, ok := <-r.queue
		if !ok {
			return
		}
		batch := []EventRecord{first.rec}
		timer := time.NewTimer(r.maxDelay)
	collect:
		for len(batch) < r.maxBatch {
			select {
			case q, ok := <-r.queue:
				if !ok {
					break collect
				}
				batch = append(batch, q.rec)
			case <-timer.C:
				break collect
			}
		}
		timer.Stop()
		r.flush(first.ctx, batch)
	}
}

// flush writes a batch, retrying once after a pause, and logs (without personal data) what it lost.
func (r *Recorder) flush(ctx context.Context, batch []EventRecord) {
	// The INSERT outlives the request that queued the first event.
	ctx = context.WithoutCancel(ctx)
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Second)
		}
		ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = r.store.RecordBatch(ictx, batch)
		cancel()
		if err == nil {
			return
		}
	}
	r.log.Error("invitation events lost", "events", len(batch), "err", err)
}
