package live

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/insight"
)

// countingInsights answers ENPS with the tenant it was asked for, slowly, and counts the calls.
type countingInsights struct {
	Insights
	calls atomic.Int32
	fail  atomic.Bool
}

func (c *countingInsights) ENPS(_ context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ScoreReport, error) {
	c.calls.Add(1)
	time.Sleep(20 * time.Millisecond)
	if c.fail.Load() {
		return insight.ScoreReport{}, errors.New("boom")
	}
	return insight.ScoreReport{Metric: tenantID + "/" + f.Get(insight.DimDepartment)}, nil
}

func (c *countingInsights) ExportDisclosure(context.Context, string, string, int, string, io.Writer) error {
	c.calls.Add(1)
	return nil
}

func TestInsightCache(t *testing.T) {
	next := &countingInsights{}
	c := newCachedInsights(next, time.Minute, 3)
	var clockMu sync.Mutex
	clockAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clockAt }
	advance := func(d time.Duration) { clockMu.Lock(); clockAt = clockAt.Add(d); clockMu.Unlock() }
	ctx := context.Background()
	sales := insight.Filter{Values: map[insight.Dim]string{insight.DimDepartment: "sales"}}

	// Ten identical requests at once make one query.
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := c.ENPS(ctx, "t1", sales, ""); err != nil || r.Metric != "t1/sales" {
				t.Errorf("got %q, %v", r.Metric, err)
			}
		}()
	}
	wg.Wait()
	if n := next.calls.Load(); n != 1 {
		t.Fatalf("%d queries for ten identical requests", n)
	}
	// Another tenant or filter is another report.
	if r, _ := c.ENPS(ctx, "t2", sales, ""); r.Metric != "t2/sales" {
		t.Errorf("t2 got %q", r.Metric)
	}
	if r, _ := c.ENPS(ctx, "t1", insight.Filter{}, ""); r.Metric != "t1/" {
		t.Errorf("unfiltered got %q", r.Metric)
	}
	if n := next.calls.Load(); n != 3 {
		t.Errorf("calls = %d, want 3", n)
	}
	// After the TTL the old report is served at once and a fresh one computed in the background, once.
	advance(time.Minute)
	start := time.Now()
	for range 3 {
		if r, err := c.ENPS(ctx, "t1", sales, ""); err != nil || r.Metric != "t1/sales" {
			t.Fatalf("stale: %q %v", r.Metric, err)
		}
	}
	if time.Since(start) > 15*time.Millisecond {
		t.Error("a stale report waited for the refresh")
	}
	time.Sleep(100 * time.Millisecond)
	if n := next.calls.Load(); n != 4 {
		t.Errorf("calls after the TTL = %d, want 4 (one background refresh)", n)
	}
	// Past maxStale the report is computed again before answering; failures are not kept.
	next.fail.Store(true)
	advance(11 * time.Minute)
	if _, err := c.ENPS(ctx, "t1", sales, ""); err == nil {
		t.Error("no error")
	}
	next.fail.Store(false)
	if r, err := c.ENPS(ctx, "t1", sales, ""); err != nil || r.Metric != "t1/sales" {
		t.Errorf("after a failure: %q %v", r.Metric, err)
	}
	before := next.calls.Load()
	c.ExportDisclosure(ctx, "t1", "user:x", 2025, "csv", io.Discard)
	c.ExportDisclosure(ctx, "t1", "user:x", 2025, "csv", io.Discard)
	if next.calls.Load() != before+2 {
		t.Error("an export was served from the cache")
	}
	// The cache stays within its bound.
	for _, d := range []string{"a", "b", "c", "d", "e"} {
		c.ENPS(ctx, "t1", insight.Filter{Values: map[insight.Dim]string{insight.DimDepartment: d}}, "")
	}
	if len(c.entries) > 3 {
		t.Errorf("%d entries, bound 3", len(c.entries))
	}
}
