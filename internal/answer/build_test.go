package answer

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/invite"
	"github.com/alumnipulse/alumnipulse/internal/survey"
	"github.com/alumnipulse/alumnipulse/surveys"
)

func shippedSurvey(t *testing.T, id string) *survey.Survey {
	t.Helper()
	cat, err := survey.Load(surveys.FS)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := cat.Get(id)
	if !ok {
		t.Fatalf("no survey %s", id)
	}
	return s
}

func TestBuildRowsAndSnapshot(t *testing.T) {
	s := shippedSurvey(t, "alumni-3m")
	form := url.Values{
		"would_recommend":    {"8"},
		"return_intent":      {"4"},
		"true_reason":        {"other"},
		"true_reason.other":  {"家業を継ぐため"},
		"new_job_comparison": {"same"},
		// Hidden: new_job_better_in shows only for "better"; Validate drops it.
		"new_job_better_in": {"growth"},
		"alumni_interest":   {"network", "events"},
		"improve":           {"評価制度の透明性を高めてほしい。"},
	}
	answers, errs := s.Validate(form, "ja")
	if errs != nil {
		t.Fatalf("Validate: %v", errs)
	}
	al := alumni.Alumnus{ID: uuid.New(), Record: alumni.Record{
		Department: "営業本部", JobFamily: "sales", Grade: "G3", Gender: alumni.GenderFemale,
		HireDate: alumni.MakeDate(2020, 4, 1), ExitDate: alumni.MakeDate(2025, 8, 31),
		ExitType: alumni.ExitVoluntary, ExitReason: alumni.ReasonPersonal, Regrettable: true,
	}}
	inv := invite.Invitation{TenantID: "acme", ID: uuid.New(), AlumnusID: al.ID, SurveyID: s.ID, Wave: "3m"}
	sub := Build(s, answers, al, inv, "en")

	if sub.TenantID != "acme" || sub.ResponseID != inv.ID {
		t.Errorf("submission keys = %s/%s", sub.TenantID, sub.ResponseID)
	}
	if len(sub.Rows) != len(s.Questions) {
		t.Fatalf("%d rows for %d questions", len(sub.Rows), len(s.Questions))
	}
	byQ := map[string]Row{}
	for i, r := range sub.Rows {
		if r.QuestionID != s.Questions[i].ID {
			t.Errorf("row %d is %s, want %s (survey order)", i, r.QuestionID, s.Questions[i].ID)
		}
		if r.Department != "営業本部" || r.JobFamily != "sales" || r.Grade != "G3" || r.Gender != "female" ||
			r.ExitType != "voluntary" || r.ExitReason != "personal" || r.TenureBand != Tenure5to10 ||
			!r.ExitQuarter.Equal(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) || !r.Regrettable ||
			r.Locale != "en" || r.Wave != "3m" || r.SurveyID != "alumni-3m" || r.SurveyVersion != uint32(s.Version) ||
			r.AlumnusID != al.ID || r.ResponseID != inv.ID || r.TenantID != "acme" {
			t.Errorf("row %s snapshot = %+v", r.QuestionID, r)
		}
		byQ[r.QuestionID] = r
	}
	want := map[string]Row{
		"would_recommend":   {Answered: true, Num: 8},
		"return_intent":     {Answered: true, Num: 4},
		"true_reason":       {Answered: true, Choices: []string{"other"}, Text: "家業を継ぐため"},
		"new_job_better_in": {Answered: false},
		"alumni_interest":   {Answered: true, Choices: []string{"network", "events"}},
		"improve":           {Answered: true, Text: "評価制度の透明性を高めてほしい。"},
		"hindsight_pay":     {Answered: false},
		"message":           {Answered: false},
	}
	for q, w := range want {
		r := byQ[q]
		if r.Answered != w.Answered || r.Num != w.Num || r.Text != w.Text || !reflect.DeepEqual(r.Choices, w.Choices) {
			t.Errorf("%s: answered=%t num=%v choices=%q text=%q; want %+v", q, r.Answered, r.Num, r.Choices, r.Text, w)
		}
	}

	// What was stored fills the form again exactly as validated.
	back := AnswersOf(s, byQ)
	if !reflect.DeepEqual(back, answers) {
		t.Errorf("AnswersOf = %+v, want %+v", back, answers)
	}
	again, errs := s.Validate(s.Form(back), "ja")
	if errs != nil || !reflect.DeepEqual(again, answers) {
		t.Errorf("Validate(Form(AnswersOf)) = %+v, %v", again, errs)
	}
}

func TestBuildUnknownSegments(t *testing.T) {
	s := shippedSurvey(t, "alumni-6m")
	inv := invite.Invitation{TenantID: "acme", ID: uuid.New(), AlumnusID: uuid.New(), SurveyID: s.ID, Wave: "6m"}
	sub := Build(s, survey.Answers{}, alumni.Alumnus{}, inv, "ja")
	for _, r := range sub.Rows {
		if r.Answered || r.Gender != "unknown" || r.ExitType != "unknown" || r.TenureBand != TenureUnknown ||
			!r.ExitQuarter.IsZero() || r.Regrettable {
			t.Fatalf("row %s = %+v", r.QuestionID, r)
		}
	}
	// The writer accepts it as it is.
	if _, err := normalize(sub, 1000, 1, time.Now()); err != nil {
		t.Errorf("normalize: %v", err)
	}
}

func TestTenureBand(t *testing.T) {
	d := alumni.MakeDate
	tests := []struct {
		hire, exit alumni.Date
		want       string
	}{
		{d(2024, 4, 1), d(2024, 4, 1), TenureUnder1},
		{d(2024, 4, 1), d(2025, 3, 30), TenureUnder1},
		{d(2024, 4, 1), d(2025, 3, 31), Tenure1to3}, // a full year: the exit date is the last day worked
		{d(2022, 4, 1), d(2025, 3, 30), Tenure1to3},
		{d(2022, 4, 1), d(2025, 3, 31), Tenure3to5},
		{d(2020, 4, 1), d(2025, 3, 30), Tenure3to5},
		{d(2020, 4, 1), d(2025, 3, 31), Tenure5to10},
		{d(2015, 4, 1), d(2025, 3, 30), Tenure5to10},
		{d(2015, 4, 1), d(2025, 3, 31), Tenure10Plus},
		{d(1990, 1, 15), d(2025, 6, 30), Tenure10Plus},
		{d(2020, 2, 29), d(2021, 2, 27), TenureUnder1},
		{d(2020, 2, 29), d(2021, 2, 28), Tenure1to3}, // ends 1 March: past the (missing) anniversary
		{alumni.Date{}, d(2025, 3, 31), TenureUnknown},
		{d(2020, 4, 1), alumni.Date{}, TenureUnknown},
		{d(2025, 4, 1), d(2025, 3, 31), TenureUnknown},
	}
	for _, tt := range tests {
		if got := TenureBand(tt.hire, tt.exit); got != tt.want {
			t.Errorf("TenureBand(%s, %s) = %s, want %s", tt.hire, tt.exit, got, tt.want)
		}
	}
}

func TestExitQuarter(t *testing.T) {
	for _, tt := range []struct {
		exit alumni.Date
		want string
	}{
		{alumni.MakeDate(2025, 1, 1), "2025-01-01"},
		{alumni.MakeDate(2025, 3, 31), "2025-01-01"},
		{alumni.MakeDate(2025, 4, 1), "2025-04-01"},
		{alumni.MakeDate(2025, 6, 30), "2025-04-01"},
		{alumni.MakeDate(2025, 9, 15), "2025-07-01"},
		{alumni.MakeDate(2025, 12, 31), "2025-10-01"},
	} {
		if got := ExitQuarter(tt.exit).Format(time.DateOnly); got != tt.want {
			t.Errorf("ExitQuarter(%s) = %s, want %s", tt.exit, got, tt.want)
		}
	}
	if !ExitQuarter(alumni.Date{}).IsZero() {
		t.Error("unknown exit date: want the zero time")
	}
}
