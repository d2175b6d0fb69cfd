package live

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/insight"
)

// reportCache remembers computed reports for a short time, keyed by tenant, report and filter. A page
// asks for the same report more than once (the eNPS trend and the "latest changes" table both read the
// eNPS report; the leadership page's figures and table both read the fiscal year), and people reload and
// share the same views; meanwhile the figures change only as new answers are compacted, about once a
// minute. Identical requests in flight wait for the first instead of querying again. A report older than
// the TTL but younger than maxStale is served at once while a fresh one is computed in the background
// (stale-while-revalidate), so a view someone has opened before never waits for a cold computation again.
type reportCache struct {
	ttl, maxStale time.Duration
	max           int
	now           func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	done       chan struct{} // closed when val and err are set
	at         time.Time
	val        any
	err        error
	refreshing bool
}

func newReportCache(ttl time.Duration, max int) *reportCache {
	return &reportCache{ttl: ttl, maxStale: 10 * ttl, max: max, now: time.Now, entries: map[string]*cacheEntry{}}
}

// cachedInsights is the insight service behind a reportCache.
type cachedInsights struct {
	*reportCache
	next Insights
}

var _ Insights = (*cachedInsights)(nil)

// newCachedInsights wraps next with a cache of at most max reports, each fresh for ttl.
func newCachedInsights(next Insights, ttl time.Duration, max int) *cachedInsights {
	return &cachedInsights{reportCache: newReportCache(ttl, max), next: next}
}

// filterKey is a stable text form of a filter.
func filterKey(f insight.Filter) string {
	var b strings.Builder
	b.WriteString(f.From.UTC().Format(time.RFC3339))
	b.WriteByte('|')
	b.WriteString(f.To.UTC().Format(time.RFC3339))
	keys := make([]string, 0, len(f.Values))
	for d, v := range f.Values {
		if v != "" {
			keys = append(keys, string(d)+"="+v)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteByte('|')
		b.WriteString(k)
	}
	return b.String()
}

// refreshTimeout bounds a background refresh of a stale report.
const refreshTimeout = time.Minute

// get returns the cached value for key, computing it with fn when it is missing or too old. The tenant id
// is part of every key: one tenant's report is never another's answer. fn gets the context to compute
// with: the caller's, or a detached one for a background refresh.
func get[T any](ctx context.Context, c *reportCache, key string, fn func(ctx context.Context) (T, error)) (T, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	switch {
	case ok && e.at.IsZero(): // in flight: wait for it
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if e.err == nil {
			return e.val.(T), nil
		}
		return fn(ctx) // a failed computation is not kept: try again
	case ok && now.Sub(e.at) < c.ttl:
		c.mu.Unlock()
		return e.val.(T), nil
	case ok && now.Sub(e.at) < c.maxStale:
		if !e.refreshing {
			e.refreshing = true
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
			go func() {
				defer cancel()
				v, err := fn(bg)
				c.mu.Lock()
				defer c.mu.Unlock()
				if err == nil {
					c.entries[key] = &cacheEntry{done: e.done, at: c.now(), val: v}
				} else {
					e.refreshing = false
				}
			}()
		}
		c.mu.Unlock()
		return e.val.(T), nil
	}
	e = &cacheEntry{done: make(chan struct{})}
	c.entries[key] = e
	if len(c.entries) > c.max {
		c.evict(now)
	}
	c.mu.Unlock()

	v, err := fn(ctx)
	c.mu.Lock()
	e.val, e.err, e.at = v, err, c.now()
	if err != nil && c.entries[key] == e {
		delete(c.entries, key)
	}
	c.mu.Unlock()
	close(e.done)
	return v, err
}

// evict drops entries past serving, and when that is not enough, the oldest finished ones (c.mu held).
func (c *reportCache) evict(now time.Time) {
	for k, e := range c.entries {
		if !e.at.IsZero() && now.Sub(e.at) >= c.maxStale {
			delete(c.entries, k)
		}
	}
	for len(c.entries) > c.max {
		oldest, at := "", now
		for k, e := range c.entries {
			if !e.at.IsZero() && !e.at.After(at) {
				oldest, at = k, e.at
			}
		}
		if oldest == "" {
			return // everything left is in flight
		}
		delete(c.entries, oldest)
	}
}

func (c *cachedInsights) ENPS(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ScoreReport, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00enps\x00%s\x00%s", tenantID, by, filterKey(f)), func(ctx context.Context) (insight.ScoreReport, error) {
		return c.next.ENPS(ctx, tenantID, f, by)
	})
}

func (c *cachedInsights) ReturnIntent(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ScoreReport, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00return\x00%s\x00%s", tenantID, by, filterKey(f)), func(ctx context.Context) (insight.ScoreReport, error) {
		return c.next.ReturnIntent(ctx, tenantID, f, by)
	})
}

func (c *cachedInsights) Funnel(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.FunnelReport, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00funnel\x00%s\x00%s", tenantID, by, filterKey(f)), func(ctx context.Context) (insight.FunnelReport, error) {
		return c.next.Funnel(ctx, tenantID, f, by)
	})
}

func (c *cachedInsights) CandourGap(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.CandourReport, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00candour\x00%s\x00%s", tenantID, by, filterKey(f)), func(ctx context.Context) (insight.CandourReport, error) {
		return c.next.CandourGap(ctx, tenantID, f, by)
	})
}

func (c *cachedInsights) Change(ctx context.Context, tenantID string, f insight.Filter) (insight.ChangeReport, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00change\x00%s", tenantID, filterKey(f)), func(ctx context.Context) (insight.ChangeReport, error) {
		return c.next.Change(ctx, tenantID, f)
	})
}

func (c *cachedInsights) Drivers(ctx context.Context, tenantID string, f insight.Filter) (insight.DriversReport, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00drivers\x00%s", tenantID, filterKey(f)), func(ctx context.Context) (insight.DriversReport, error) {
		return c.next.Drivers(ctx, tenantID, f)
	})
}

func (c *cachedInsights) Themes(ctx context.Context, tenantID string, f insight.Filter, by insight.Dim) (insight.ThemesReport, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00themes\x00%s\x00%s", tenantID, by, filterKey(f)), func(ctx context.Context) (insight.ThemesReport, error) {
		return c.next.Themes(ctx, tenantID, f, by)
	})
}

func (c *cachedInsights) HumanCapital(ctx context.Context, tenantID string, fy int, department string) (insight.HumanCapitalReport, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00capital\x00%d\x00%s", tenantID, fy, department), func(ctx context.Context) (insight.HumanCapitalReport, error) {
		return c.next.HumanCapital(ctx, tenantID, fy, department)
	})
}

// ExportDisclosure is never cached: every export is computed and audited.
func (c *cachedInsights) ExportDisclosure(ctx context.Context, tenantID, actor string, fy int, format string, w io.Writer) error {
	return c.next.ExportDisclosure(ctx, tenantID, actor, fy, format, w)
}

func (c *cachedInsights) ChoiceCounts(ctx context.Context, tenantID string, f insight.Filter, metric string, by insight.Dim) (map[string]map[string]int, error) {
	return get(ctx, c.reportCache, fmt.Sprintf("%s\x00choices\x00%s\x00%s\x00%s", tenantID, metric, by, filterKey(f)), func(ctx context.Context) (map[string]map[string]int, error) {
		return c.next.ChoiceCounts(ctx, tenantID, f, metric, by)
	})
}
