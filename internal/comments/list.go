package comments

import (
	"context"
	"fmt"
	"strings"
	"time"

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
	// Latest analysis per answer (FINAL), counted by respondent: one person's three comments are one person.
	var respondents uint64
	if err := s.conn.QueryRow(ctx, "SELECT uniqExact(response_id) FROM text_analyses FINAL WHERE "+where, args...).Scan(&respondents); err != nil {
		return nil, 0, fmt.Errorf("count comments: %w", err)
	}
	if int(respondents) < minGroup {
		return nil, int(respondents), ErrTooFew
	}
	rows, err := s.conn.Query(ctx, `
		SELECT masked, themes, toString(sentiment), wave, question_id, formatDateTime(submitted_at, '%Y-%m')
		FROM text_analyses FINAL
		WHERE `+where+`
		ORDER BY submitted_at DESC, response_id
		LIMIT ?`, append(args, uint64(f.Limit))...)
	if err != nil {
		return nil, 0, fmt.Errorf("read comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.Masked, &c.Themes, &c.Sentiment, &c.Wave, &c.QuestionID, &c.Month); err != nil {
			return nil, 0, fmt.Errorf("read comments: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read comments: %w", err)
	}
	if err := s.audit.Record(ctx, audit.Entry{TenantID: tenantID, Actor: actor, Action: "comments.read",
		Detail: fmt.Sprintf("filter=%s returned=%d", f.describe(), len(out))}); err != nil {
		return nil, 0, err
	}
	return out, int(respondents), nil
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
