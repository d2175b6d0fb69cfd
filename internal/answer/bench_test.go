package answer

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/db/dbtest"
)

// clients is the number of concurrent submitters the HTTP goal is stated for.
const clients = 50

// BenchmarkWriterParallel measures group commit: 50 goroutines each Write 25-question submissions, with
// one and with two INSERTs in flight.
func BenchmarkWriterParallel(b *testing.B) {
	for _, f := range []int{1, 2} {
		b.Run(fmt.Sprintf("flushers=%d", f), func(b *testing.B) { benchWrites(b, Options{Flushers: f}, (*Writer).Write) })
	}
}

// BenchmarkNaiveParallel is the baseline: the same load with one INSERT per submission.
func BenchmarkNaiveParallel(b *testing.B) {
	benchWrites(b, Options{}, (*Writer).WriteNaive)
}

// benchWrites reports submissions/s, the p50 and p99 latency of one write, INSERTs per submission as the
// server counts them, failed writes (a server refusing INSERTs, "Too many parts", shows up there) and the
// active parts left unmerged at the end.
func benchWrites(b *testing.B, opts Options, write func(*Writer, context.Context, Submission) error) {
	_, cfg := dbtest.New(b)
	ctx := context.Background()
	// A connection per client, so the naive baseline is not throttled by the pool.
	cfg.MaxOpenConns = clients + 4
	conn, err := db.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	w := New(conn, opts, quiet())
	defer w.Close(ctx)

	var (
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
		failures  atomic.Int64
		seeds     atomic.Int64
	)
	b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			s := form("acme", uuid.New(), 25, int(seeds.Add(1)))
			t0 := time.Now()
			err := write(w, ctx, s)
			mine = append(mine, time.Since(t0))
			if err != nil && failures.Add(1) == 1 {
				mu.Lock()
				firstErr = err
				mu.Unlock()
			}
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()

	slices.Sort(latencies)
	at := func(q float64) float64 {
		return float64(latencies[int(q*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submissions/s")
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(insertCount(b, conn, cfg.Database))/float64(b.N), "inserts/op")
	b.ReportMetric(float64(failures.Load()), "failed")
	var parts uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.parts WHERE database = ? AND table = 'answers' AND active",
		cfg.Database).Scan(&parts); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(parts), "parts-left")
	if firstErr != nil {
		e := firstErr.Error()
		b.Logf("%d of %d writes failed; last part of the first error: …%s", failures.Load(), b.N, e[max(0, len(e)-160):])
	}
}
