package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/config"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/insight"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/web"
	"github.com/alumnipulse/alumnipulse/surveys"
)

// endpoints are the requests measured: every insight endpoint, some with a breakdown or a filter.
var endpoints = []string{
	"/api/v1/insights/funnel?by=wave",
	"/api/v1/insights/funnel?wave=3m&by=department",
	"/api/v1/insights/enps?wave=3m&by=department",
	"/api/v1/insights/enps?wave=3m&department=営業本部&exit_type=voluntary&by=tenure_band",
	"/api/v1/insights/return-intent?wave=6m&by=exit_quarter",
	"/api/v1/insights/candour-gap?by=department",
	"/api/v1/insights/change",
	"/api/v1/insights/change?department=開発本部",
	"/api/v1/insights/drivers",
	"/api/v1/insights/themes?by=wave",
	"/api/v1/insights/human-capital?fy=2025",
	"/api/v1/disclosure?fy=2025&format=xlsx",
}

// result is what one endpoint measured: wall-clock latency over the requests, and per request (median)
// what ClickHouse read and how much CPU its queries used.
type result struct {
	path               string
	p50, p95, max      time.Duration
	queries            int
	readRows, readByte uint64
	cpu, chWall        time.Duration
}

// run measures every endpoint in-process (httptest against the real handlers, API-key auth included) on
// the generated tenant, after one compactor pass and with a tail of fresh submissions newer than it, as a
// running system has.
func run(ctx context.Context, cfg config.ClickHouse, requests, tailSize int, only string, out io.Writer) error {
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
	al := audit.New(conn)
	svc := insight.New(conn, cat, ts, al, insight.Options{CompactEvery: -1})
	defer svc.Close()
	start := time.Now()
	if err := svc.Compact(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "compactor pass before the run: %v\n", time.Since(start).Round(time.Millisecond))
	tail, err := addTail(ctx, conn, tailSize)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "tail newer than the watermark: %s\n", tail)

	srv, err := web.New(config.Config{}, web.Deps{Tenants: ts, Audit: al, Insight: svc,
		Alumni: alumni.NewStore(conn, []byte("benchdata"), al)}, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		return err
	}
	_, key, err := ts.CreateAPIKey(ctx, benchTenant, "benchdata", tenant.RoleLeadership)
	if err != nil {
		return err
	}
	var load [3]float64
	readLoad(&load)
	fmt.Fprintf(out, "load average before: %.2f %.2f %.2f, %d requests per endpoint\n\n", load[0], load[1], load[2], requests)
	fmt.Fprintf(out, "%-78s %8s %8s %8s %6s %10s %9s %9s\n", "endpoint", "p50 ms", "p95 ms", "max ms", "queries", "rows read", "MiB read", "CH CPU ms")
	var results []result
	for _, path := range endpoints {
		if only != "" && !strings.Contains(path, only) {
			continue
		}
		r, err := measure(ctx, conn, srv.Handler(), key, path, requests)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		results = append(results, r)
		fmt.Fprintf(out, "%-78s %8.1f %8.1f %8.1f %6d %10d %9.1f %9.1f\n", r.path, ms(r.p50), ms(r.p95), ms(r.max), r.queries,
			r.readRows, float64(r.readByte)/(1<<20), ms(r.cpu))
	}
	readLoad(&load)
	fmt.Fprintf(out, "\nload average after: %.2f %.2f %.2f\n", load[0], load[1], load[2])
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func readLoad(l *[3]float64) {
	b, err := os.ReadFile("/proc/loadavg")
	if err == nil {
		fmt.Sscanf(string(b), "%f %f %f", &l[0], &l[1], &l[2])
	}
}

// measure sends one warm-up request and then n requests, each tagged with its own quota key so that
// system.query_log can tell what ClickHouse did for it.
func measure(ctx context.Context, conn db.Conn, h http.Handler, key, path string, n int) (result, error) {
	var took []time.Duration
	var ids []string
	for i := -1; i < n; i++ {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := "bench-" + hex.EncodeToString(b[:])
		// A quota key tags every query of the request (a query id cannot: it must be unique while running).
		qctx := clickhouse.Context(ctx, clickhouse.WithQuotaKey(id), clickhouse.WithSettings(clickhouse.Settings{"log_queries": 1}))
		req := httptest.NewRequest("GET", path, nil).WithContext(qctx)
		req.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		d := time.Since(start)
		if w.Code != http.StatusOK {
			return result{}, fmt.Errorf("status %d: %s", w.Code, w.Body.String())
		}
		if i >= 0 {
			took = append(took, d)
			ids = append(ids, id)
		}
	}
	slices.Sort(took)
	r := result{path: path, p50: pct(took, 50), p95: pct(took, 95), max: took[len(took)-1]}
	if err := conn.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return r, err
	}
	// Per request: what its queries read and their CPU time; the medians over the requests.
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = id
	}
	var cpu, wall float64
	var qn uint64
	err := conn.QueryRow(ctx, `
		SELECT toUInt64(median(q)), toUInt64(median(rr)), toUInt64(median(rb)), median(c), median(w) FROM (
			SELECT quota_key, count() AS q, sum(read_rows) AS rr, sum(read_bytes) AS rb,
				sum(ProfileEvents.Values[indexOf(ProfileEvents.Names, 'OSCPUVirtualTimeMicroseconds')]) / 1000 AS c,
				sum(query_duration_ms) AS w
			FROM system.query_log
			WHERE type = 2 AND quota_key IN (?)
			GROUP BY quota_key)`, clickhouse.GroupSet{Value: list}).Scan(&qn, &r.readRows, &r.readByte, &cpu, &wall)
	if err != nil {
		return r, fmt.Errorf("read query log: %w", err)
	}
	r.queries = int(qn)
	r.cpu = time.Duration(cpu * float64(time.Millisecond))
	r.chWall = time.Duration(wall * float64(time.Millisecond))
	return r, nil
}

// addTail writes what a running system has beyond the compactor's watermark: n fresh submissions (half
// of them edits of stored responses, half new responses of existing alumni to a later wave copied from
// the first), 2n invitation events and n/2 re-analysed comments, all stamped now.
func addTail(ctx context.Context, conn db.Conn, n int) (string, error) {
	now := time.Now()
	base := uint64(now.UnixNano())
	stmts := []string{
		// Edits: the latest rows of 500 3m responses again, with a new version and would-recommend + 1.
		`INSERT INTO answers (tenant_id, question_id, survey_id, response_id, survey_version, wave, alumnus_id, answered,
			num, choices, text, department, job_family, grade, gender, exit_type, exit_reason, tenure_band, exit_quarter,
			regrettable, locale, submitted_at, version)
		SELECT tenant_id, question_id, survey_id, response_id, survey_version, wave, alumnus_id, answered,
			if(question_id = 'would_recommend', least(10., num + 1), num), choices, text, department, job_family, grade,
			gender, exit_type, exit_reason, tenure_band, exit_quarter, regrettable, locale, now(), ? + toUInt64(response_id) % 1000
		FROM answers WHERE tenant_id = ? AND survey_id = 'alumni-3m'
			AND response_id IN (SELECT response_id FROM answers WHERE tenant_id = ? AND question_id = 'would_recommend'
				AND survey_id = 'alumni-3m' ORDER BY cityHash64(toUInt64(response_id)) LIMIT ?)`,
		// New responses: 500 alumni who answered only at 3m now answer at 6m (a copy of their 3m rows).
		`INSERT INTO answers (tenant_id, question_id, survey_id, response_id, survey_version, wave, alumnus_id, answered,
			num, choices, text, department, job_family, grade, gender, exit_type, exit_reason, tenure_band, exit_quarter,
			regrettable, locale, submitted_at, version)
		SELECT tenant_id, question_id, 'alumni-6m',
			toUUID(UUIDNumToString(toFixedString(concat(
				reinterpretAsString(bitOr(cityHash64(toUInt64(alumnus_id), 61), 0x8080808080808080)),
				reinterpretAsString(bitOr(cityHash64(toUInt64(alumnus_id), 62), 0x8080808080808080))), 16))),
			survey_version, '6m', alumnus_id, answered, num,
			choices, text, department, job_family, grade, gender, exit_type, exit_reason, tenure_band, exit_quarter,
			regrettable, locale, now(), ? + 5000 + toUInt64(alumnus_id) % 1000
		FROM answers WHERE tenant_id = ? AND survey_id = 'alumni-3m' AND alumnus_id IN (
			SELECT alumnus_id FROM answers WHERE tenant_id = ? AND question_id = 'would_recommend'
			GROUP BY alumnus_id HAVING uniqExact(wave) = 1 AND any(wave) = '3m' ORDER BY cityHash64(toUInt64(alumnus_id)) LIMIT ?)`,
	}
	for _, s := range stmts {
		if err := conn.Exec(ctx, s, base, benchTenant, benchTenant, n/2); err != nil {
			return "", fmt.Errorf("write the tail: %w", err)
		}
	}
	if err := conn.Exec(ctx, `INSERT INTO invitation_events (tenant_id, invitation_id, survey_id, wave, event, seq, at, detail)
		SELECT tenant_id, invitation_id, survey_id, wave, 'opened', 0, now(), '' FROM invitation_events
		WHERE tenant_id = ? AND event = 'sent' ORDER BY cityHash64(toUInt64(invitation_id)) LIMIT ?`, benchTenant, 2*n); err != nil {
		return "", fmt.Errorf("write the tail: %w", err)
	}
	if err := conn.Exec(ctx, `INSERT INTO text_analyses (tenant_id, question_id, survey_id, response_id, wave, analyzer_version,
			masked, terms, themes, theme_sentiments, sentiment, score, department, job_family, exit_type, tenure_band,
			exit_quarter, submitted_at, analyzed_at, version)
		SELECT tenant_id, question_id, survey_id, response_id, wave, 'bench-2', masked, terms, themes, theme_sentiments,
			sentiment, score, department, job_family, exit_type, tenure_band, exit_quarter, submitted_at, now(), ?
		FROM text_analyses WHERE tenant_id = ? ORDER BY cityHash64(toUInt64(response_id)) LIMIT ?`, base, benchTenant, n/2); err != nil {
		return "", fmt.Errorf("write the tail: %w", err)
	}
	return fmt.Sprintf("%d submissions (%d edits, %d new), %d invitation events, %d re-analysed comments", n, n/2, n/2, 2*n, n/2), nil
}
