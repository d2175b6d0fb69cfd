package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
)

// timeQuery runs one query n times and prints its latency percentiles and what the server read.
func timeQuery(ctx context.Context, cfg config.ClickHouse, query string, n int, out io.Writer) error {
	conn, err := db.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	var took []time.Duration
	var rows, bytes uint64
	for i := 0; i < n; i++ {
		var p progress
		qctx := clickhouse.Context(ctx, clickhouse.WithProgress(p.add))
		start := time.Now()
		rs, err := conn.Query(qctx, query)
		if err != nil {
			return err
		}
		for rs.Next() {
		}
		if err := rs.Err(); err != nil {
			return err
		}
		rs.Close()
		took = append(took, time.Since(start))
		rows, bytes = p.rows, p.bytes
	}
	slices.Sort(took)
	fmt.Fprintf(out, "min %v p50 %v p95 %v  read %d rows %.1f MiB\n", took[0].Round(time.Millisecond),
		pct(took, 50).Round(time.Millisecond), pct(took, 95).Round(time.Millisecond), rows, float64(bytes)/(1<<20))
	return nil
}

type progress struct{ rows, bytes uint64 }

func (p *progress) add(pr *clickhouse.Progress) { p.rows += pr.Rows; p.bytes += pr.Bytes }

// pct returns the p-th percentile of sorted durations (nearest rank).
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted) + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))]
}
