package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/surveys"
)

// measurement is the latency and server-side reads of one endpoint.
type measurement struct {
	name               string
	p50, p95, max      time.Duration
	readRows, readByte uint64
}

func run(ctx context.Context, cfg config.ClickHouse, requests int, only string, out io.Writer) error {
	conn, err := db.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	cat, err := survey.Load(surveys.FS)
	if err != nil {
		return err
	}
	ts := tenant.NewStore(conn)
	svc := insight.New(conn, cat, ts, audit.New(conn), insight.Options{CompactEvery: -1})
	defer svc.Close()
	start := time.Now()
	if err := svc.Compact(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "compactor pass: %v\n", time.Since(start).Round(time.Millisecond))
	w3 := insight.Filter{Values: map[insight.Dim]string{insight.DimWave: "3m"}}
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"enps by department", func(ctx context.Context) error {
			_, err := svc.ENPS(ctx, benchTenant, w3, insight.DimDepartment)
			return err
		}},
		{"return-intent by department", func(ctx context.Context) error {
			_, err := svc.ReturnIntent(ctx, benchTenant, w3, insight.DimDepartment)
			return err
		}},
	}
	for _, c := range calls {
		if only != "" && !strings.Contains(c.name, only) {
			continue
		}
		m, err := measure(ctx, c.name, requests, c.call)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Fprintf(out, "%-32s p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms  read %9d rows %7.1f MiB\n", m.name,
			ms(m.p50), ms(m.p95), ms(m.max), m.readRows, float64(m.readByte)/(1<<20))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measure calls fn n times (after one warm-up call) and collects latency percentiles and what the server
// read for one call.
func measure(ctx context.Context, name string, n int, fn func(ctx context.Context) error) (measurement, error) {
	var p progress
	if err := fn(clickhouse.Context(ctx, clickhouse.WithProgress(p.add))); err != nil {
		return measurement{}, err
	}
	var took []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := fn(ctx); err != nil {
			return measurement{}, err
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return measurement{name: name, p50: pct(took, 50), p95: pct(took, 95), max: took[len(took)-1], readRows: p.rows, readByte: p.bytes}, nil
}
