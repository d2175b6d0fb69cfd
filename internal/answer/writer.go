package answer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/db"
)

// maxInsertBlockSize is ClickHouse's default max_insert_block_size. A batch is one block of at most this
// many rows, which the server writes as one part of the unpartitioned answers table: a part appears whole
// (it is written under a temporary name and renamed) or not at all, so a batch is all or nothing. That
// holds only while the table stays unpartitioned; a PARTITION BY would split a batch into several parts.
const maxInsertBlockSize = 1 << 20

// Options tune a Writer; zero values take the defaults.
type Options struct {
	// MaxDelay is how long the first submission of a batch waits for others to join it (default 5 ms).
	MaxDelay time.Duration
	// MaxRows caps the rows of one INSERT (default 50,000; at most 1,048,576, see maxInsertBlockSize).
	MaxRows int
	// MaxQueue is how many submissions may wait for a batch; beyond it Write blocks (default 10,000).
	MaxQueue int
	// Flushers is how many INSERTs may be in flight at once (default 1). Each INSERT costs the server a
	// roughly fixed time to write a part (a file per column), whatever its size; on a small host parallel
	// INSERTs only slow each other down, while on a larger one a second flusher can collect and send the
	// next batch meanwhile. BenchmarkWriterParallel compares 1 and 2.
	Flushers int
	// InsertTimeout bounds one INSERT (default 30 s).
	InsertTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxDelay <= 0 {
		o.MaxDelay = 5 * time.Millisecond
	}
	if o.MaxRows <= 0 {
		o.MaxRows = 50_000
	}
	o.MaxRows = min(o.MaxRows, maxInsertBlockSize)
	if o.MaxQueue <= 0 {
		o.MaxQueue = 10_000
	}
	if o.Flushers <= 0 {
		o.Flushers = 1
	}
	if o.InsertTimeout <= 0 {
		o.InsertTimeout = 30 * time.Second
	}
	return o
}

// Stats counts what a Writer has done since New.
type Stats struct {
	Batches     uint64 // INSERTs sent, stored or failed
	Failed      uint64 // INSERTs that failed
	Submissions uint64 // submissions stored
	Rows        uint64 // rows stored
	Pending     uint64 // submissions queued or in an INSERT, not yet answered
}

// Writer stores submissions in the answers table by group commit: submissions that arrive together are
// written with one INSERT, and each Write returns when that INSERT has been stored or has failed.
//
// A flushing goroutine (Options.Flushers of them) takes the first queued submission, collects what else
// arrives within MaxDelay, and sends it all as one INSERT. While an INSERT is in flight new submissions
// queue up and go out together in the next, so batches grow with the load and the number of INSERTs per
// second (each a part the server must merge later) stays low.
type Writer struct {
	conn db.Conn
	opts Options
	log  *slog.Logger

	queue chan *request
	stop  chan struct{} // closed by Close: stop accepting, flush what is queued without waiting
	done  chan struct{} // closed when the flushers have sent everything and exited

	mu      sync.Mutex
	closed  bool
	senders sync.WaitGroup // Writes between their closed check and their send on queue

	version atomic.Uint64 // the last version stamped

	batches, failed, submissions, rows, pending atomic.Uint64
}

type request struct {
	rows [][]any
	at   time.Time
	done chan error // buffered: the flusher never waits for a caller that stopped listening
}

// New starts a Writer on conn. Call Close to flush and stop it.
func New(conn db.Conn, opts Options, log *slog.Logger) *Writer {
	opts = opts.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Writer{
		conn: conn, opts: opts, log: log,
		queue: make(chan *request, opts.MaxQueue),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	var flushers sync.WaitGroup
	for range opts.Flushers {
		flushers.Go(w.run)
	}
	go func() {
		flushers.Wait()
		close(w.done)
	}()
	return w
}

// nextVersion returns the current time in Unix nanoseconds, or one more than the last version when the
// clock has not moved past it, so versions strictly increase within the process and a later edit of a
// response always replaces an earlier one. Across processes it relies on their clocks agreeing.
func (w *Writer) nextVersion() uint64 {
	for {
		last := w.version.Load()
		v := max(uint64(time.Now().UnixNano()), last+1)
		if w.version.CompareAndSwap(last, v) {
			return v
		}
	}
}

// Write stores a submission with others in one INSERT and returns once that INSERT is stored (nil) or has
// failed (an error, which every caller in the batch gets). A failed batch is never stored in part: as a
// rule it is not stored at all, but when the connection breaks after the server has written it (the
// acknowledgement is lost) it is stored whole. When the queue is full Write waits for room, as long as ctx
// allows.
//
// If ctx ends while the batch is in flight, Write returns ctx's error at once but the batch goes on, and
// the submission may still be stored. Either way a retry is harmless: it carries a newer version and
// replaces what is there.
func (w *Writer) Write(ctx context.Context, s Submission) error {
	rows, err := normalize(s, w.opts.MaxRows, w.nextVersion(), time.Now())
	if err != nil {
		return err
	}
	req := &request{rows: rows, done: make(chan error, 1)}
	if err := ctx.Err(); err != nil {
		// A select below with both cases ready picks one at random; do not queue for a caller already gone.
		return fmt.Errorf("queue answers of response %s: %w", s.ResponseID, err)
	}

	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.senders.Add(1)
	w.mu.Unlock()
	req.at = time.Now()
	w.pending.Add(1) // before the send: the flusher may answer, and subtract, before this line would run
	select {
	case w.queue <- req:
		w.senders.Done()
	case <-ctx.Done():
		w.senders.Done()
		w.pending.Add(^uint64(0))
		return fmt.Errorf("queue answers of response %s: %w", s.ResponseID, ctx.Err())
	case <-w.stop:
		w.senders.Done()
		w.pending.Add(^uint64(0))
		return ErrClosed
	}

	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("wait for answers of response %s (they may still be stored): %w", s.ResponseID, ctx.Err())
	}
}

// WriteNaive stores a submission with an INSERT of its own. It is the baseline the benchmarks compare
// Write with; the application should not call it.
func (w *Writer) WriteNaive(ctx context.Context, s Submission) error {
	rows, err := normalize(s, w.opts.MaxRows, w.nextVersion(), time.Now())
	if err != nil {
		return err
	}
	if err := db.Insert(ctx, w.conn, insertAnswers, rows...); err != nil {
		return fmt.Errorf("insert answers of response %s: %w", s.ResponseID, err)
	}
	return nil
}

// Close stops accepting submissions, flushes the queued ones and waits for them to be stored or to fail,
// as long as ctx allows. Writes already waiting get their result as usual; later ones get ErrClosed.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.stop)
		go func() {
			// No Write can start a send once closed is set, and those in flight return promptly now that stop
			// is closed; after them nobody sends, so the queue can be closed and drained.
			w.senders.Wait()
			close(w.queue)
		}()
	}
	w.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close answer writer: %w", ctx.Err())
	}
}

// Stats returns the Writer's counters.
func (w *Writer) Stats() Stats {
	return Stats{
		Batches: w.batches.Load(), Failed: w.failed.Load(),
		Submissions: w.submissions.Load(), Rows: w.rows.Load(), Pending: w.pending.Load(),
	}
}

// run collects batches and sends them until Close has closed the queue and it is empty.
func (w *Writer) run() {
	var (
		carry   *request // the request that did not fit in the previous batch
		closing bool
	)
	for {
		first := carry
		carry = nil
		if first == nil {
			r, ok := <-w.queue
			if !ok {
				return
			}
			first = r
		}
		batch, n := []*request{first}, len(first.rows)
		// The delay counts from when the first submission was queued: requests that queued up during the
		// previous INSERT have waited long enough and go out at once.
		wait := time.NewTimer(time.Until(first.at.Add(w.opts.MaxDelay)))
	collect:
		for n < w.opts.MaxRows {
			var (
				r  *request
				ok bool
			)
			// Take what is queued before looking at the timer, so an expired timer does not cut a batch
			// short while requests are waiting.
			select {
			case r, ok = <-w.queue:
			default:
				if closing {
					break collect
				}
				select {
				case r, ok = <-w.queue:
				case <-wait.C:
					break collect
				case <-w.stop:
					closing = true
					continue
				}
			}
			if !ok {
				break collect
			}
			if n+len(r.rows) > w.opts.MaxRows {
				carry = r
				break collect
			}
			batch, n = append(batch, r), n+len(r.rows)
		}
		wait.Stop()
		w.flush(batch, n)
	}
}

// flush sends one batch as one INSERT and tells every caller in it the outcome.
func (w *Writer) flush(batch []*request, n int) {
	rows := make([][]any, 0, n)
	for _, r := range batch {
		rows = append(rows, r.rows...)
	}
	// The INSERT must not end with any one caller's context, since others wait on it too, nor carry one
	// caller's values (clickhouse-go reads query ids and settings from the context): it gets its own.
	ctx, cancel := context.WithTimeout(context.Background(), w.opts.InsertTimeout)
	err := db.Insert(ctx, w.conn, insertAnswers, rows...)
	cancel()
	w.batches.Add(1)
	if err != nil {
		w.failed.Add(1)
		err = fmt.Errorf("store a batch of %d answer submissions: %w", len(batch), err)
		w.log.Error("answer batch failed", "submissions", len(batch), "rows", n, "err", err)
	} else {
		w.submissions.Add(uint64(len(batch)))
		w.rows.Add(uint64(n))
	}
	w.pending.Add(-uint64(len(batch)))
	for _, r := range batch {
		r.done <- err
	}
}
