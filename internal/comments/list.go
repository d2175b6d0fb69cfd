package comments

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/audit"
)

// Filter narrows a comment list. Empty fields do not filter.
type Filter struct {
	SurveyID   string
	QuestionID string
	Wave       string
	Theme      string
	Sentiment  string
	Department string
	ExitType   string
	TenureBand string
	From, To   time.Time // submitted_at range; zero = open
	Limit      int       // default 50, at most 500
}

// where returns the SQL conditions and bound arguments of f, tenant first.
func (f Filter) where(tenantID string) (string, []any) {
	conds := []string{"tenant_id = ?"}
	args := []any{tenantID}
	eq := func(col, v string) {
		if v != "" {
			conds = append(conds, col+" = ?")
			args = append(args, v)
		}
	}
	eq("survey_id", f.SurveyID)
	eq("question_id", f.QuestionID)
	eq("wave", f.Wave)
	eq("sentiment", f.Sentiment)
	eq("department", f.Department)
	eq("exit_type", f.ExitType)
	eq("tenure_band", f.TenureBand)
	if f.Theme != "" {
		conds = append(conds, "has(themes, ?)")
		args = append(args, f.Theme)
	}
	if !f.From.IsZero() {
		conds = append(conds, "submitted_at >= ?")
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		conds = append(conds, "submitted_at < ?")
		args = append(args, f.To.UTC())
	}
	return strings.Join(conds, " AND "), args
}

// Comment is one masked free-text answer as HR may see it: no respondent id, no exact time.
type Comment struct {
	Masked     string   `json:"text"`
	Themes     []string `json:"themes"`
	Sentiment  string   `json:"sentiment"`
	Wave       string   `json:"wave"`
	QuestionID string   `json:"question_id"`
	Month      string   `json:"month"`
}

// List returns masked comments matching f, newest first, when they come from at least minGroup different
// respondents; otherwise ErrTooFew. Every successful read is written to the audit log as actor.
func (s *Service) List(ctx context.Context, tenantID string, f Filter, minGroup int, actor string) ([]Comment, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	where, args := f.where(tenantID)
	// Counted by respondent (one person's three comments are one person), at each answer's latest analysis.
	// When the filter is stable across versions, any version of an answer stands for its latest one, so
	// the count needs no FINAL (which costs twice the scan on ClickHouse 18.16).
	stable := f.versionStable()
	from := "text_analyses"
	if !stable {
		from += " FINAL"
	}
	var respondents uint64
	if err := s.conn.QueryRow(ctx, "SELECT uniqExact(response_id) FROM "+from+" WHERE "+where, args...).Scan(&respondents); err != nil {
		return nil, 0, fmt.Errorf("count comments: %w", err)
	}
	if int(respondents) < minGroup {
		return nil, int(respondents), ErrTooFew
	}
	var out []Comment
	var err error
	if stable {
		out, err = s.newest(ctx, where, args, f.Limit)
	}
	if !stable || errors.Is(err, errTooManyVersions) {
		out, err = s.newestFinal(ctx, where, args, f.Limit)
	}
	if err != nil {
		return nil, 0, err
	}
	if err := s.audit.Record(ctx, audit.Entry{TenantID: tenantID, Actor: actor, Action: "comments.read",
		Detail: fmt.Sprintf("filter=%s returned=%d", f.describe(), len(out))}); err != nil {
		return nil, 0, err
	}
	return out, int(respondents), nil
}

// versionStable reports whether every version of an answer agrees on the filter: survey, question, wave
// and the respondent's segment are fixed per response, while a re-analysis may change themes and
// sentiment and an edit moves submitted_at.
func (f Filter) versionStable() bool {
	return f.Theme == "" && f.Sentiment == "" && f.From.IsZero() && f.To.IsZero()
}

// errTooManyVersions: the newest rows held too many versions of the same answers to fill a page.
var errTooManyVersions = errors.New("too many versions among the newest comments")

// candidateFactor is how many rows per wanted comment newest looks at, to allow for older versions.
const candidateFactor = 4

// newest lists the newest comments matching a version-stable filter without FINAL: the keys of the newest
// rows first (narrow columns, a top-n sort), then those answers' rows by key, keeping each one's latest
// version. The newest rows hold every answer of the true top n unless more than candidateFactor × n of
// them are versions of fewer answers, which is reported as errTooManyVersions.
func (s *Service) newest(ctx context.Context, where string, args []any, limit int) ([]Comment, error) {
	rows, err := s.conn.Query(ctx, "SELECT response_id FROM text_analyses WHERE "+where+
		" ORDER BY submitted_at DESC, response_id LIMIT ?", append(slices.Clone(args), uint64(limit*candidateFactor))...)
	if err != nil {
		return nil, fmt.Errorf("read newest comments: %w", err)
	}
	var ids []any
	rank := map[uuid.UUID]int{} // the database's order of each answer's newest row
	n := 0
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read newest comments: %w", err)
		}
		n++
		if _, ok := rank[id]; !ok {
			rank[id] = len(ids)
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read newest comments: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = s.conn.Query(ctx, `
		SELECT response_id, question_id, version, masked, themes, toString(sentiment), wave,
		       formatDateTime(submitted_at, '%Y-%m')
		FROM text_analyses
		WHERE `+where+` AND response_id IN ?`, append(slices.Clone(args), clickhouse.GroupSet{Value: ids})...)
	if err != nil {
		return nil, fmt.Errorf("read comments: %w", err)
	}
	defer rows.Close()
	type key struct {
		resp     uuid.UUID
		question string
	}
	type row struct {
		c       Comment
		version uint64
		resp    uuid.UUID
	}
	latest := map[key]row{}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.resp, &r.c.QuestionID, &r.version, &r.c.Masked, &r.c.Themes, &r.c.Sentiment, &r.c.Wave, &r.c.Month); err != nil {
			return nil, fmt.Errorf("read comments: %w", err)
		}
		k := key{r.resp, r.c.QuestionID}
		if old, ok := latest[k]; !ok || r.version > old.version {
			latest[k] = r
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read comments: %w", err)
	}
	list := make([]row, 0, len(latest))
	for _, r := range latest {
		list = append(list, r)
	}
	// The database's order (newest first, then by response id), then the question.
	slices.SortFunc(list, func(a, b row) int {
		if c := rank[a.resp] - rank[b.resp]; c != 0 {
			return c
		}
		return strings.Compare(a.c.QuestionID, b.c.QuestionID)
	})
	if len(list) < limit && n == limit*candidateFactor {
		return nil, errTooManyVersions
	}
	out := make([]Comment, 0, min(limit, len(list)))
	for _, r := range list[:min(limit, len(list))] {
		out = append(out, r.c)
	}
	return out, nil
}

// newestFinal lists the newest comments at their latest analysis with FINAL, for any filter.
func (s *Service) newestFinal(ctx context.Context, where string, args []any, limit int) ([]Comment, error) {
	rows, err := s.conn.Query(ctx, `
		SELECT masked, themes, toString(sentiment), wave, question_id, formatDateTime(submitted_at, '%Y-%m')
		FROM text_analyses FINAL
		WHERE `+where+`
		ORDER BY submitted_at DESC, response_id
		LIMIT ?`, append(slices.Clone(args), uint64(limit))...)
	if err != nil {
		return nil, fmt.Errorf("read comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.Masked, &c.Themes, &c.Sentiment, &c.Wave, &c.QuestionID, &c.Month); err != nil {
			return nil, fmt.Errorf("read comments: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read comments: %w", err)
	}
	return out, nil
}

// describe summarises a filter for the audit log (no free text from alumni).
func (f Filter) describe() string {
	var parts []string
	for _, kv := range [][2]string{{"survey", f.SurveyID}, {"question", f.QuestionID}, {"wave", f.Wave}, {"theme", f.Theme},
		{"sentiment", f.Sentiment}, {"department", f.Department}, {"exit_type", f.ExitType}, {"tenure", f.TenureBand}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+":"+kv[1])
		}
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, ",")
}
