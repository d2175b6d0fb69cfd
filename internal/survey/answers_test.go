package survey

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/alumnipulse/alumnipulse/surveys"
)

// formSurvey has one question of each type and a show_if chain:
// score → (scores 0–6) why → (why=growth) detail.
const formSurvey = head + `  - id: score
    type: nps
    required: true
    text: {ja: 点数, en: Score}
  - id: rate
    type: likert
    text: {ja: 評価, en: Rating}
    low: {ja: 低, en: Low}
    high: {ja: 高, en: High}
  - id: why
    type: single
    taxonomy: reasons
    required: true
    show_if: {question: score, in: [0, 1, 2, 3, 4, 5, 6]}
    text: {ja: 理由, en: Why}
    choices: [{code: growth}, {code: manager}]
    other: {ja: その他, en: Other}
  - id: detail
    type: text
    required: true
    show_if: {question: why, equals: growth}
    text: {ja: 詳細, en: Detail}
  - id: interest
    type: multi
    text: {ja: 関心, en: Interest}
    choices:
      - {code: network, label: {ja: ネットワーク, en: Network}}
      - {code: events, label: {ja: イベント, en: Events}}
    other: {ja: その他, en: Other}
  - id: agree
    type: yesno
    text: {ja: 同意, en: Agree}
  - id: agree_more
    type: text
    show_if: {question: agree, equals: "yes"}
    text: {ja: 補足, en: More}
  - id: note
    type: text
    text: {ja: メモ, en: Note}
`

func formTestSurvey(t *testing.T) *Survey {
	t.Helper()
	s, errs := Parse("t.yaml", []byte(formSurvey))
	if errs != nil {
		t.Fatalf("fixture: %v", errs)
	}
	return s
}

func TestValidate(t *testing.T) {
	s := formTestSurvey(t)
	long := strings.Repeat("あ", MaxTextLen)
	tests := []struct {
		name    string
		form    url.Values
		locale  string
		want    Answers
		wantErr map[string]string // question id → substring of the message
	}{
		{
			name: "high score hides required why and detail",
			form: url.Values{"score": {"9"}},
			want: Answers{"score": {Number: 9}},
		},
		{
			name: "answers to hidden questions are dropped",
			form: url.Values{"score": {"10"}, "why": {"growth"}, "detail": {"x"}, "agree_more": {"x"}},
			want: Answers{"score": {Number: 10}},
		},
		{
			name:    "low score makes why required",
			form:    url.Values{"score": {"3"}},
			want:    Answers{"score": {Number: 3}},
			wantErr: map[string]string{"why": "この質問への回答は必須です"},
		},
		{
			name:    "chain: why=growth makes detail required, in English",
			form:    url.Values{"score": {"0"}, "why": {"growth"}, "detail": {"  \r\n "}},
			locale:  "en-US",
			want:    Answers{"score": {Number: 0}, "why": {Choices: []string{"growth"}}},
			wantErr: map[string]string{"detail": "Please answer this question."},
		},
		{
			name:    "missing required score",
			form:    url.Values{"note": {"hi"}, "csrf": {"token"}},
			want:    Answers{"note": {Text: "hi"}},
			wantErr: map[string]string{"score": "必須"},
		},
		{
			name:    "nps out of range",
			form:    url.Values{"score": {"11"}},
			want:    Answers{},
			wantErr: map[string]string{"score": "0〜10"},
		},
		{
			name:    "nps not a number, likert out of range",
			form:    url.Values{"score": {"ten"}, "rate": {"0"}},
			locale:  "en",
			want:    Answers{},
			wantErr: map[string]string{"score": "from 0 to 10", "rate": "from 1 to 5"},
		},
		{
			name:    "two values for a single question",
			form:    url.Values{"score": {"1", "2"}},
			want:    Answers{},
			wantErr: map[string]string{"score": "一つだけ"},
		},
		{
			name:    "unknown choice code",
			form:    url.Values{"score": {"1"}, "why": {"salary"}, "interest": {"network", "parties"}},
			want:    Answers{"score": {Number: 1}},
			wantErr: map[string]string{"why": "選択肢の中から", "interest": "選択肢の中から"},
		},
		{
			name:    "other without text",
			form:    url.Values{"score": {"1"}, "why": {"other"}, "why.other": {"   "}},
			want:    Answers{"score": {Number: 1}},
			wantErr: map[string]string{"why": "「その他」"},
		},
		{
			name: "other with text",
			form: url.Values{"score": {"1"}, "why": {"other"}, "why.other": {" 転勤 "}},
			want: Answers{"score": {Number: 1}, "why": {Choices: []string{"other"}, Text: "転勤"}},
		},
		{
			name:    "other text too long",
			form:    url.Values{"score": {"1"}, "why": {"other"}, "why.other": {strings.Repeat("x", MaxOtherLen+1)}},
			want:    Answers{"score": {Number: 1}},
			wantErr: map[string]string{"why": "500文字以内"},
		},
		{
			name: "other text ignored when other not chosen",
			form: url.Values{"score": {"9"}, "interest": {"events", "network", "events"}, "interest.other": {"x"}},
			want: Answers{"score": {Number: 9}, "interest": {Choices: []string{"network", "events"}}},
		},
		{
			name: "text at the limit, CRLF normalised",
			form: url.Values{"score": {"9"}, "note": {long[:len(long)-len("あ")*2] + "\r\n"}},
			want: Answers{"score": {Number: 9}, "note": {Text: long[:len(long)-len("あ")*2]}},
		},
		{
			name: "text of exactly the limit",
			form: url.Values{"score": {"9"}, "note": {long}},
			want: Answers{"score": {Number: 9}, "note": {Text: long}},
		},
		{
			name:    "text over the limit",
			form:    url.Values{"score": {"9"}, "note": {long + "い"}},
			want:    Answers{"score": {Number: 9}},
			wantErr: map[string]string{"note": "4000文字以内でご記入ください（現在4001文字）"},
		},
		{
			name:    "invalid UTF-8",
			form:    url.Values{"score": {"9"}, "note": {"a\xffb"}},
			want:    Answers{"score": {Number: 9}},
			wantErr: map[string]string{"note": "読み取れない文字"},
		},
		{
			name:    "yes/no",
			form:    url.Values{"score": {"9"}, "agree": {"maybe"}},
			want:    Answers{"score": {Number: 9}},
			wantErr: map[string]string{"agree": "「はい」か「いいえ」"},
		},
		{
			name: "yes shows the follow-up",
			form: url.Values{"score": {"9"}, "agree": {"yes"}, "agree_more": {"もちろん"}},
			want: Answers{"score": {Number: 9}, "agree": {Choices: []string{"yes"}}, "agree_more": {Text: "もちろん"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := s.Validate(tt.form, tt.locale)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("answers = %#v\nwant      %#v", got, tt.want)
			}
			if len(errs) != len(tt.wantErr) {
				t.Errorf("errors = %v, want keys of %v", errs, tt.wantErr)
			}
			for id, sub := range tt.wantErr {
				if !strings.Contains(errs[id], sub) {
					t.Errorf("error for %s = %q, want …%s…", id, errs[id], sub)
				}
			}
		})
	}
}

func TestVisibleFollowsChain(t *testing.T) {
	s := formTestSurvey(t)
	detail, _ := s.Question("detail")
	// why=growth is present, but why itself is hidden by a high score, so
	// detail must be hidden too.
	a := Answers{"score": {Number: 9}, "why": {Choices: []string{"growth"}}}
	if s.Visible(detail, a) {
		t.Error("detail visible although why is hidden")
	}
	a["score"] = Value{Number: 6}
	if !s.Visible(detail, a) {
		t.Error("detail hidden although score=6 and why=growth")
	}
	interest, _ := s.Question("interest")
	if !s.Visible(interest, nil) {
		t.Error("a question without show_if must always be visible")
	}
}

func TestFormRoundTrip(t *testing.T) {
	s := formTestSurvey(t)
	in := Answers{
		"score":    {Number: 2},
		"rate":     {Number: 5},
		"why":      {Choices: []string{"other"}, Text: "家族の転勤"},
		"interest": {Choices: []string{"network", "other"}, Text: "勉強会"},
		"agree":    {Choices: []string{"no"}},
		"note":     {Text: "一行目\n二行目"},
	}
	out, errs := s.Validate(s.Form(in), "ja")
	if errs != nil {
		t.Fatalf("errors: %v", errs)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("round trip = %#v\nwant         %#v", out, in)
	}
}

func TestValidateShipped(t *testing.T) {
	s, _ := shipped(t).Get("alumni-3m")
	_, errs := s.Validate(url.Values{}, "ja")
	if len(errs) != 2 || errs["would_recommend"] == "" || errs["return_intent"] == "" {
		t.Errorf("empty form errors = %v, want would_recommend and return_intent required", errs)
	}
	a, errs := s.Validate(url.Values{
		"would_recommend": {"8"}, "return_intent": {"4"}, "true_reason": {"manager"},
		"could_have_kept": {"maybe"}, "what_would_have_kept": {"1on1の時間"},
		"new_job_comparison": {"worse"}, "new_job_better_in": {"growth"},
	}, "ja")
	if errs != nil {
		t.Fatalf("errors: %v", errs)
	}
	if _, ok := a["new_job_better_in"]; ok {
		t.Error("new_job_better_in kept although the new job is worse")
	}
	if a["what_would_have_kept"].Text != "1on1の時間" {
		t.Errorf("what_would_have_kept = %#v", a["what_would_have_kept"])
	}
}

func BenchmarkLoadShipped(b *testing.B) {
	for b.Loop() {
		if _, err := Load(surveys.FS); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	c, err := Load(surveys.FS)
	if err != nil {
		b.Fatal(err)
	}
	s, _ := c.Get("alumni-6m")
	form := url.Values{
		"would_recommend": {"8"}, "return_intent": {"4"}, "view_change": {"better"}, "view_change_reason": {"待遇の比較"},
		"true_reason": {"other"}, "true_reason.other": {"転居"}, "hindsight_pay": {"2"}, "hindsight_manager": {"4"},
		"new_job_comparison": {"better"}, "new_job_better_in": {"growth", "flexibility"}, "alumni_interest": {"network", "events"},
		"improve": {strings.Repeat("評価制度の透明性を高めてほしいです。", 20)},
	}
	for b.Loop() {
		if _, errs := s.Validate(form, "ja"); errs != nil {
			b.Fatal(errs)
		}
	}
}
