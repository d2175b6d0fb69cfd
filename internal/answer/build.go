package answer

import (
	"time"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// Tenure bands of the segment snapshot, from hire to exit.
const (
	TenureUnder1  = "<1y"
	Tenure1to3    = "1-3y"
	Tenure3to5    = "3-5y"
	Tenure5to10   = "5-10y"
	Tenure10Plus  = "10y+"
	TenureUnknown = "unknown" // hire or exit date missing, or exit before hire
)

// unknown fills the enum-like segment columns the registry left empty, as the alumni table does.
const unknown = "unknown"

// Build turns a validated form into the Submission that stores it: one row for every question of the
// survey (Answered = false for the ones skipped or hidden), each with the segment snapshot of the alumnus
// taken now, so dashboards need no join and later registry changes do not rewrite history. The response
// is the invitation: one response per invitation, which later edits replace. locale is the language the
// alumnus answered in.
func Build(s *survey.Survey, a survey.Answers, al alumni.Alumnus, inv invite.Invitation, locale string) Submission {
	base := Row{
		TenantID:      inv.TenantID,
		SurveyID:      s.ID,
		ResponseID:    inv.ID,
		SurveyVersion: uint32(s.Version),
		Wave:          inv.Wave,
		AlumnusID:     inv.AlumnusID,
		Department:    al.Department,
		JobFamily:     al.JobFamily,
		Grade:         al.Grade,
		Gender:        orUnknown(string(al.Gender)),
		ExitType:      orUnknown(string(al.ExitType)),
		ExitReason:    string(al.ExitReason),
		TenureBand:    TenureBand(al.HireDate, al.ExitDate),
		ExitQuarter:   ExitQuarter(al.ExitDate),
		Regrettable:   al.Regrettable,
		Locale:        locale,
	}
	rows := make([]Row, len(s.Questions))
	for i, q := range s.Questions {
		r := base
		r.QuestionID = q.ID
		if v, ok := a[q.ID]; ok {
			r.Answered = true
			switch q.Type {
			case survey.NPS, survey.Likert:
				r.Num = float64(v.Number)
			case survey.Text:
				r.Text = v.Text
			default: // single, multi, yesno; Text is the free text of an "other" choice
				r.Choices = append([]string(nil), v.Choices...)
				r.Text = v.Text
			}
		}
		rows[i] = r
	}
	return Submission{TenantID: inv.TenantID, ResponseID: inv.ID, Rows: rows}
}

// AnswersOf turns stored rows (as Latest returns them) back into survey answers, e.g. to fill the form
// again when an alumnus comes back to edit. Rows left unanswered, and rows of questions the survey no
// longer has, are left out.
func AnswersOf(s *survey.Survey, rows map[string]Row) survey.Answers {
	out := survey.Answers{}
	for _, q := range s.Questions {
		r, ok := rows[q.ID]
		if !ok || !r.Answered {
			continue
		}
		switch q.Type {
		case survey.NPS, survey.Likert:
			out[q.ID] = survey.Value{Number: int(r.Num)}
		case survey.Text:
			out[q.ID] = survey.Value{Text: r.Text}
		default:
			out[q.ID] = survey.Value{Choices: append([]string(nil), r.Choices...), Text: r.Text}
		}
	}
	return out
}

// TenureBand buckets the time from hire to exit. The exit date is the last day worked, so tenure runs to
// the day after it: someone hired on 1 April 2020 who left on 31 March 2023 served three full years.
func TenureBand(hire, exit alumni.Date) string {
	if hire.IsZero() || exit.IsZero() || exit.Before(hire) {
		return TenureUnknown
	}
	end := exit.AddDays(1)
	years := end.Year - hire.Year
	if end.Month < hire.Month || (end.Month == hire.Month && end.Day < hire.Day) {
		years--
	}
	switch {
	case years < 1:
		return TenureUnder1
	case years < 3:
		return Tenure1to3
	case years < 5:
		return Tenure3to5
	case years < 10:
		return Tenure5to10
	}
	return Tenure10Plus
}

// ExitQuarter returns the first day of the calendar quarter of the exit date, or the zero time when the
// exit date is unknown.
func ExitQuarter(exit alumni.Date) time.Time {
	if exit.IsZero() {
		return time.Time{}
	}
	first := time.Month((int(exit.Month)-1)/3*3 + 1)
	return time.Date(exit.Year, first, 1, 0, 0, 0, 0, time.UTC)
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}
