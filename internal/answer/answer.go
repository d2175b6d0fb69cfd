// Package answer stores survey answers in ClickHouse and reads back the current answers of a response.
//
// A Submission is one alumnus's whole form: a row for every question of the survey (Answered = false for
// the ones left out). The answers table is a ReplacingMergeTree keyed by (tenant, question, survey,
// response) with a version column, and Latest reads only the rows of the highest version, so the last
// submission of a response wins whole: a question answered first and skipped in an edit shows as skipped.
//
// Writes go through a group-commit Writer: concurrent submissions are collected for a few milliseconds and
// stored with one INSERT, and every caller returns only when that INSERT has succeeded or failed.
package answer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// Row is one answer: a row of the answers table, with the segment snapshot taken at submission.
type Row struct {
	TenantID      string
	QuestionID    string
	SurveyID      string
	ResponseID    uuid.UUID
	SurveyVersion uint32
	Wave          string
	AlumnusID     uuid.UUID
	Answered      bool
	Num           float64
	Choices       []string
	Text          string
	Department    string
	JobFamily     string
	Grade         string
	Gender        string
	ExitType      string
	ExitReason    string
	TenureBand    string
	ExitQuarter   time.Time // a date; the zero time is stored as ClickHouse's zero date (1970-01-01)
	Regrettable   bool
	Locale        string
	SubmittedAt   time.Time // stored to the second, UTC; the writer sets it when zero
	Version       uint64    // set by the writer; whatever the caller puts here is replaced
}

// Submission is one alumnus's whole form for one response: a row for every question of the survey.
// Rows may leave TenantID and ResponseID empty; the writer fills them from the Submission.
type Submission struct {
	TenantID   string
	ResponseID uuid.UUID
	Rows       []Row
}

// ValidationError reports a submission the writer refuses to store; nothing of it was written.
type ValidationError struct {
	Reason string
}

func (e *ValidationError) Error() string { return "invalid answers submission: " + e.Reason }

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("answer writer is closed")

// columns lists the answers columns in the order toArgs produces and scanRow reads them; the INSERT and the
// SELECT are built from it so the three cannot drift apart.
var columns = []string{
	"tenant_id", "question_id", "survey_id", "response_id", "survey_version", "wave", "alumnus_id",
	"answered", "num", "choices", "text", "department", "job_family", "grade", "gender", "exit_type",
	"exit_reason", "tenure_band", "exit_quarter", "regrettable", "locale", "submitted_at", "version",
}

// insertAnswers names its columns: on ClickHouse 18.16 clickhouse-go cannot send a batch without them.
var insertAnswers = "INSERT INTO answers (" + strings.Join(columns, ", ") + ")"

// A response is read from answers_by_response (migration 0005), the same rows ordered by response, so one
// response is a few small granules however many answers the tenant has. A response has at most a few
// versions of a few dozen rows, and the highest version is picked in Go (not FINAL).
var selectResponse = "SELECT " + strings.Join(columns, ", ") +
	" FROM answers_by_response WHERE tenant_id = ? AND response_id = toUUID(?)"

// Date and DateTime hold days and seconds since 1970 in 16 and 32 bits; the encoder would wrap values
// outside quietly, so the writer refuses them instead.
var (
	minTime = time.Unix(0, 0).UTC()
	maxTime = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)
)

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// normalize checks a submission and returns its rows ready to Append, stamped with version and, where
// SubmittedAt is zero, with now.
func normalize(s Submission, maxRows int, version uint64, now time.Time) ([][]any, error) {
	switch {
	case s.TenantID == "":
		return nil, &ValidationError{"no tenant"}
	case s.ResponseID == uuid.Nil:
		return nil, &ValidationError{"no response id"}
	case len(s.Rows) == 0:
		return nil, &ValidationError{"no rows"}
	case len(s.Rows) > maxRows:
		return nil, &ValidationError{fmt.Sprintf("%d rows, more than the %d one batch may hold", len(s.Rows), maxRows)}
	}
	now = now.UTC().Truncate(time.Second)
	survey := s.Rows[0].SurveyID
	seen := make(map[string]bool, len(s.Rows))
	out := make([][]any, len(s.Rows))
	for i, r := range s.Rows {
		if r.TenantID == "" {
			r.TenantID = s.TenantID
		}
		if r.ResponseID == uuid.Nil {
			r.ResponseID = s.ResponseID
		}
		switch {
		case r.TenantID != s.TenantID:
			return nil, &ValidationError{fmt.Sprintf("row %d belongs to another tenant", i)}
		case r.ResponseID != s.ResponseID:
			return nil, &ValidationError{fmt.Sprintf("row %d belongs to another response", i)}
		case r.QuestionID == "":
			return nil, &ValidationError{fmt.Sprintf("row %d has no question id", i)}
		case seen[r.QuestionID]:
			return nil, &ValidationError{fmt.Sprintf("question %q appears twice", r.QuestionID)}
		case r.SurveyID == "":
			return nil, &ValidationError{fmt.Sprintf("row %d has no survey id", i)}
		case r.SurveyID != survey:
			// The survey is part of the table key: rows under two surveys would not replace each other whole.
			return nil, &ValidationError{fmt.Sprintf("row %d is for survey %q, row 0 for %q", i, r.SurveyID, survey)}
		}
		seen[r.QuestionID] = true
		if r.SubmittedAt.IsZero() {
			r.SubmittedAt = now
		}
		if r.ExitQuarter.IsZero() {
			r.ExitQuarter = minTime
		}
		y, m, d := r.ExitQuarter.Date()
		r.ExitQuarter = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		r.SubmittedAt = r.SubmittedAt.UTC().Truncate(time.Second)
		if r.ExitQuarter.Before(minTime) || !r.ExitQuarter.Before(maxTime) {
			return nil, &ValidationError{fmt.Sprintf("row %d: exit quarter %s out of range", i, r.ExitQuarter.Format(time.DateOnly))}
		}
		if r.SubmittedAt.Before(minTime) || !r.SubmittedAt.Before(maxTime) {
			return nil, &ValidationError{fmt.Sprintf("row %d: submitted at %s out of range", i, r.SubmittedAt.Format(time.RFC3339))}
		}
		r.Version = version
		out[i] = toArgs(r)
	}
	return out, nil
}

func toArgs(r Row) []any {
	choices := r.Choices
	if choices == nil {
		choices = []string{}
	}
	return []any{
		r.TenantID, r.QuestionID, r.SurveyID, r.ResponseID, r.SurveyVersion, r.Wave, r.AlumnusID,
		b2u(r.Answered), r.Num, choices, r.Text, r.Department, r.JobFamily, r.Grade, r.Gender, r.ExitType,
		r.ExitReason, r.TenureBand, r.ExitQuarter, b2u(r.Regrettable), r.Locale, r.SubmittedAt, r.Version,
	}
}

// Latest returns the current answers of a response by question id: the rows of its highest version, that
// is of the last submission stored. It returns an empty map when the response has none. A submission whose
// Write returned nil is visible here.
func (w *Writer) Latest(ctx context.Context, tenantID string, responseID uuid.UUID) (map[string]Row, error) {
	return w.latest(ctx, selectResponse, tenantID, responseID.String())
}

// LatestOf is Latest for a response to a known survey: rows of questions the survey no longer has (from an
// older version of it) are left out.
func (w *Writer) LatestOf(ctx context.Context, tenantID string, s *survey.Survey, responseID uuid.UUID) (map[string]Row, error) {
	ids := make([]any, len(s.Questions))
	for i, q := range s.Questions {
		ids[i] = q.ID
	}
	return w.latest(ctx, selectResponse+" AND question_id IN ? AND survey_id = ?", tenantID, responseID.String(),
		clickhouse.GroupSet{Value: ids}, s.ID)
}

func (w *Writer) latest(ctx context.Context, query string, args ...any) (map[string]Row, error) {
	responseID := args[1]
	rows, err := w.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read answers of response %s: %w", responseID, err)
	}
	defer rows.Close()
	latest := map[string]Row{}
	var top uint64
	for rows.Next() {
		var (
			r                     Row
			answered, regrettable uint8
		)
		if err := rows.Scan(&r.TenantID, &r.QuestionID, &r.SurveyID, &r.ResponseID, &r.SurveyVersion, &r.Wave,
			&r.AlumnusID, &answered, &r.Num, &r.Choices, &r.Text, &r.Department, &r.JobFamily, &r.Grade,
			&r.Gender, &r.ExitType, &r.ExitReason, &r.TenureBand, &r.ExitQuarter, &regrettable, &r.Locale,
			&r.SubmittedAt, &r.Version); err != nil {
			return nil, fmt.Errorf("read answers of response %s: %w", responseID, err)
		}
		if r.Version < top {
			continue
		}
		if r.Version > top {
			top = r.Version
			clear(latest)
		}
		r.Answered, r.Regrettable = answered == 1, regrettable == 1
		r.SubmittedAt = r.SubmittedAt.UTC()
		y, m, d := r.ExitQuarter.Date()
		r.ExitQuarter = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if r.ExitQuarter.Equal(minTime) {
			r.ExitQuarter = time.Time{}
		}
		latest[r.QuestionID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read answers of response %s: %w", responseID, err)
	}
	return latest, nil
}
