// Package comments turns alumni's free-text answers into what HR may read: each text answer is analysed
// (masked, themed, scored for sentiment) in the background shortly after it arrives, the result is stored
// in text_analyses with the analyser version, and masked comments are listed only for groups at or above
// the tenant's comment minimum, with every read audited.
package comments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/audit"
	"github.com/alumnipulse/alumnipulse/internal/db"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
	"github.com/alumnipulse/alumnipulse/internal/textanalysis"
)

// ErrTooFew is returned when a comment list would come from fewer people than the tenant's minimum.
var ErrTooFew = errors.New("too few comments to show without identifying anyone")

// Service analyses text answers and serves masked comments.
type Service struct {
	conn    db.Conn
	tenants *tenant.Store
	audit   *audit.Log
	log     *slog.Logger
	now     func() time.Time

	mu        sync.Mutex
	analyzers map[string]cachedAnalyzer // by hash of the tenant's theme rules ("" = default)
}

type cachedAnalyzer struct {
	a *textanalysis.Analyzer
}

// New returns a Service. Analysers are built lazily, one per distinct rule set, and shared.
func New(conn db.Conn, tenants *tenant.Store, auditLog *audit.Log, log *slog.Logger) *Service {
	return &Service{conn: conn, tenants: tenants, audit: auditLog, log: log, now: time.Now, analyzers: map[string]cachedAnalyzer{}}
}

// Analyzer returns the analyser for a tenant's theme rules (the default when the tenant has none).
func (s *Service) Analyzer(ctx context.Context, tenantID string) (*textanalysis.Analyzer, error) {
	t, err := s.tenants.Get(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	key := ""
	if t.Settings.Themes != "" {
		sum := sha256.Sum256([]byte(t.Settings.Themes))
		key = hex.EncodeToString(sum[:8])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.analyzers[key]; ok {
		return c.a, nil
	}
	opts := textanalysis.Options{}
	if key != "" {
		opts.ThemeRules = []byte(t.Settings.Themes)
	}
	a, err := textanalysis.New(opts)
	if err != nil {
		return nil, fmt.Errorf("text analyser for %s: %w", tenantID, err)
	}
	s.analyzers[key] = cachedAnalyzer{a: a}
	return a, nil
}

// pendingText is a text answer to analyse.
type pendingText struct {
	surveyID, questionID, wave                  string
	responseID, alumnusID                       uuid.UUID
	text                                        string
	department, jobFamily, exitType, tenureBand string
	exitQuarter, submittedAt                    time.Time
	version                                     uint64
}

// AnalyzePending analyses up to limit text answers that have no analysis by the current analyser version
// (new answers, edited answers, or everything after the analyser changed) and returns how many it did.
func (s *Service) AnalyzePending(ctx context.Context, tenantID string, limit int) (int, error) {
	a, err := s.Analyzer(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	rows, err := s.conn.Query(ctx, pendingSQL, tenantID, tenantID, a.Version(), uint64(limit))
	if err != nil {
		return 0, fmt.Errorf("find text answers to analyse: %w", err)
	}
	var batch []pendingText
	for rows.Next() {
		var p pendingText
		if err := rows.Scan(&p.surveyID, &p.questionID, &p.responseID, &p.wave, &p.alumnusID, &p.text, &p.department,
			&p.jobFamily, &p.exitType, &p.tenureBand, &p.exitQuarter, &p.submittedAt, &p.version); err != nil {
			rows.Close()
			return 0, fmt.Errorf("find text answers to analyse: %w", err)
		}
		batch = append(batch, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find text answers to analyse: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	known, err := s.colleagueNames(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	now := s.now().UTC()
	out := make([][]any, 0, len(batch))
	for _, p := range batch {
		r := a.Analyze(p.text, known[p.department])
		themes := make([]string, len(r.Themes))
		themeSent := make([]string, len(r.Themes))
		for i, th := range r.Themes {
			themes[i], themeSent[i] = th.Code, string(th.Sentiment)
		}
		if r.Terms == nil {
			r.Terms = []string{}
		}
		out = append(out, []any{tenantID, p.questionID, p.surveyID, p.responseID, p.wave, a.Version(), r.Masked, r.Terms,
			themes, themeSent, string(r.Sentiment), float32(r.Score), p.department, p.jobFamily, p.exitType, p.tenureBand,
			p.exitQuarter, p.submittedAt, now, p.version})
	}
	if err := db.Insert(ctx, s.conn, `INSERT INTO text_analyses (tenant_id, question_id, survey_id, response_id, wave,
		analyzer_version, masked, terms, themes, theme_sentiments, sentiment, score, department, job_family, exit_type,
		tenure_band, exit_quarter, submitted_at, analyzed_at, version)`, out...); err != nil {
		return 0, fmt.Errorf("store text analyses: %w", err)
	}
	return len(batch), nil
}

// unanalysed is the latest version of each answered text question with no analysis of that version by
// the current analyser. The analysis row takes the answer's version, so an edit makes it pending again.
// Parameters: tenant, tenant, analyser version.
const unanalysed = `
(
    SELECT survey_id, question_id, response_id,
           argMax(wave, version) AS l_wave, argMax(alumnus_id, version) AS l_alumnus,
           argMax(answered, version) AS l_answered, argMax(text, version) AS l_text,
           argMax(department, version) AS l_department, argMax(job_family, version) AS l_job_family,
           argMax(exit_type, version) AS l_exit_type, argMax(tenure_band, version) AS l_tenure_band,
           argMax(exit_quarter, version) AS l_exit_quarter, argMax(submitted_at, version) AS l_submitted_at,
           max(version) AS l_version
    FROM answers
    WHERE tenant_id = ? AND text != ''
    GROUP BY survey_id, question_id, response_id
)
WHERE l_answered = 1 AND l_text != ''
  AND (survey_id, question_id, response_id, l_version) NOT IN
      (SELECT survey_id, question_id, response_id, version FROM text_analyses WHERE tenant_id = ? AND analyzer_version = ?)`

// ClickHouse 18.16 resolves aliases across the whole query: the l_ names keep them apart from the columns.
const (
	pendingSQL = `SELECT survey_id, question_id, response_id, l_wave, l_alumnus, l_text, l_department, l_job_family,
       l_exit_type, l_tenure_band, l_exit_quarter, l_submitted_at, l_version
FROM ` + unanalysed + `
ORDER BY l_version
LIMIT ?`
	pendingCountSQL = `SELECT count() FROM ` + unanalysed
)

// colleagueNames returns the names of the tenant's alumni by department, so that a comment naming a
// former colleague is masked even where the tokenizer does not recognise the name.
func (s *Service) colleagueNames(ctx context.Context, tenantID string) (map[string][]string, error) {
	rows, err := s.conn.Query(ctx, `
		SELECT department, arraySlice(groupUniqArray(name), 1, 300)
		FROM (SELECT alumnus_id, argMax(name, version) AS name FROM alumni_contacts WHERE tenant_id = ? GROUP BY alumnus_id) AS c
		ANY INNER JOIN (SELECT alumnus_id, argMax(department, version) AS department FROM alumni WHERE tenant_id = ? GROUP BY alumnus_id) AS a
		USING alumnus_id
		WHERE name != ''
		GROUP BY department`, tenantID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("read colleague names: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var dept string
		var names []string
		if err := rows.Scan(&dept, &names); err != nil {
			return nil, fmt.Errorf("read colleague names: %w", err)
		}
		out[dept] = names
	}
	return out, rows.Err()
}

// Rebuild re-analyses every text answer of a tenant (after a dictionary change), reporting progress.
func (s *Service) Rebuild(ctx context.Context, tenantID string, progress func(done, total int)) (int, error) {
	a, err := s.Analyzer(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	var total uint64
	if err := s.conn.QueryRow(ctx, pendingCountSQL, tenantID, tenantID, a.Version()).Scan(&total); err != nil {
		return 0, fmt.Errorf("count text answers: %w", err)
	}
	done := 0
	for {
		n, err := s.AnalyzePending(ctx, tenantID, 1000)
		if err != nil {
			return done, err
		}
		if n == 0 {
			return done, nil
		}
		done += n
		if progress != nil {
			progress(done, int(total))
		}
	}
}

// ForgetAnalyses drops a tenant's analyses so that Rebuild redoes them all even when the analyser version
// did not change (a tenant edited its theme rules).
func (s *Service) ForgetAnalyses(ctx context.Context, tenantID string) error {
	if err := s.conn.Exec(ctx, "ALTER TABLE text_analyses DELETE WHERE tenant_id = ?", tenantID); err != nil {
		return fmt.Errorf("drop text analyses: %w", err)
	}
	return nil
}

// Run analyses new answers of every tenant every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ts, err := s.tenants.List(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("text analysis: list tenants", "err", err)
		}
		for _, tn := range ts {
			for ctx.Err() == nil {
				n, err := s.AnalyzePending(ctx, tn.ID, 500)
				if err != nil {
					if ctx.Err() == nil {
						s.log.Warn("text analysis", "tenant", tn.ID, "err", err)
					}
					break
				}
				if n > 0 {
					s.log.Info("text analysis", "tenant", tn.ID, "analysed", n)
				}
				if n < 500 {
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
