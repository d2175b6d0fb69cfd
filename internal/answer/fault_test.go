package answer

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/migrate"
	"github.com/alumnipulse/alumnipulse/migrations"
)

// killingConn kills the server a set delay after the armed batch starts sending its rows, so the kill
// lands while an INSERT is on the wire or being written, not only between INSERTs.
type killingConn struct {
	db.Conn
	armed atomic.Bool
	delay time.Duration
	kill  func()
}

func (k *killingConn) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	b, err := k.Conn.PrepareBatch(ctx, query, opts...)
	if err != nil {
		return nil, err
	}
	return &killingBatch{Batch: b, k: k}, nil
}

type killingBatch struct {
	driver.Batch
	k *killingConn
}

func (b *killingBatch) Send() error {
	if b.k.armed.CompareAndSwap(true, false) {
		go func() {
			time.Sleep(b.k.delay)
			b.k.kill()
		}()
	}
	return b.Batch.Send()
}

// outcome is what one Write returned.
type outcome struct {
	response   uuid.UUID
	seed       int
	err        error
	start, end uint64 // the clock around Write, in Unix nanoseconds: the version must lie between
}

// TestKilledServerKeepsSubmissionsWhole kills the database server with SIGKILL in the middle of bursts of
// writes and restarts it, several times, each kill at another moment of an INSERT: every acknowledged
// submission must be there whole, and every failed one whole or not at all.
func TestKilledServerKeepsSubmissionsWhole(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t)
	cfg := srv.config("alumnipulse")
	if err := db.CreateDatabase(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	conn := openPrivate(t, cfg)
	files, err := migrate.Load(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.New(conn, files, quiet()).Up(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	conn.Close()

	const goroutines, each, questions = 200, 5, 25
	var all []outcome
	// Delays after the armed batch starts sending: from before its rows reach the server to after it is
	// likely stored and answered.
	for round, delay := range []time.Duration{0, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond} {
		conn := openPrivate(t, cfg)
		killed := make(chan struct{})
		kc := &killingConn{Conn: conn, delay: delay, kill: func() { srv.kill(); close(killed) }}
		w := New(kc, Options{}, quiet())
		results := make([]outcome, goroutines*each)
		var acked atomic.Int64
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					k := g*each + i
					seed := round*len(results) + k
					s := form("acme", uuid.New(), questions, seed)
					o := outcome{response: s.ResponseID, seed: seed, start: uint64(time.Now().UnixNano())}
					o.err = w.Write(ctx, s)
					o.end = uint64(time.Now().UnixNano())
					results[k] = o
					// Arm the kill once a third of the submissions are stored, while the rest are queued or in
					// flight.
					if o.err == nil && acked.Add(1) == goroutines*each/3 {
						kc.armed.Store(true)
					}
				}
			})
		}
		wg.Wait()
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if kc.armed.Load() || acked.Load() < goroutines*each/3 {
			t.Fatalf("round %d: the kill never happened (%d stored)", round, acked.Load())
		}
		all = append(all, results...)
		<-killed
		srv.start()
		t.Logf("round %d, kill %v into a send: %s", round, delay, checkWhole(t, openPrivate(t, cfg), all, len(all)-len(results), questions))
	}
}

func openPrivate(t *testing.T, cfg config.ClickHouse) db.Conn {
	t.Helper()
	conn, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("connect to the private server: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// checkWhole compares the table with every outcome so far and returns a summary of those from since on.
func checkWhole(t *testing.T, conn db.Conn, outcomes []outcome, since, questions int) string {
	t.Helper()
	type stored struct {
		rows, questions        uint64
		minVersion, maxVersion uint64
		sum                    float64
	}
	got := map[uuid.UUID]stored{}
	rows, err := conn.Query(context.Background(),
		"SELECT response_id, count(), uniqExact(question_id), min(version), max(version), sum(num) FROM answers GROUP BY response_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id uuid.UUID
			s  stored
		)
		if err := rows.Scan(&id, &s.rows, &s.questions, &s.minVersion, &s.maxVersion, &s.sum); err != nil {
			t.Fatal(err)
		}
		got[id] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	var ok, failed, failedButStored int
	errs := map[string]int{}
	for i, o := range outcomes {
		s, present := got[o.response]
		delete(got, o.response)
		if i >= since {
			if o.err == nil {
				ok++
			} else {
				failed++
				e := o.err.Error()
				errs[e[max(0, len(e)-70):]]++
				if present {
					failedButStored++
				}
			}
		}
		if o.err != nil && !present {
			continue
		}
		if !present {
			t.Errorf("acknowledged submission %d is missing after the restart", o.seed)
			continue
		}
		// The sum of num over the form's questions tells its rows from any other submission's.
		want := float64(questions*o.seed*1000 + questions*(questions-1)/2)
		if s.rows != uint64(questions) || s.questions != uint64(questions) || s.sum != want {
			t.Errorf("submission %d (err %v) is partial: %d rows of %d questions, sum %v; want %d whole, sum %v",
				o.seed, o.err, s.rows, s.questions, s.sum, questions, want)
		}
		// Versions can run ahead of the clock by one nanosecond per Write.
		if s.minVersion != s.maxVersion || s.minVersion < o.start || s.minVersion > o.end+uint64(len(outcomes)) {
			t.Errorf("submission %d has versions %d..%d, want one version in [%d, %d]",
				o.seed, s.minVersion, s.maxVersion, o.start, o.end)
		}
	}
	if len(got) != 0 {
		t.Errorf("%d responses in the table that nobody wrote", len(got))
	}
	if failed == 0 {
		t.Error("no Write failed: the kill did not land in the burst")
	}
	var kinds []string
	for e, n := range errs {
		kinds = append(kinds, "\n\t"+fmt.Sprint(n)+"× …"+e)
	}
	sort.Strings(kinds)
	summary := fmt.Sprint(ok) + " acknowledged, all stored; " + fmt.Sprint(failed) + " failed: " +
		fmt.Sprint(failedButStored) + " stored whole (acknowledgement lost), " + fmt.Sprint(failed-failedButStored) + " absent"
	for _, k := range kinds {
		summary += k
	}
	return summary
}
