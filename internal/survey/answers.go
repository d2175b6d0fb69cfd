package survey

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Length limits of free text, in characters (runes) after line endings are
// normalised to "\n".
const (
	MaxTextLen  = 4000 // a text answer
	MaxOtherLen = 500  // the text typed with an "other" choice
)

// Value is one parsed answer. Which fields are set depends on the question type:
// Number for nps and likert; Choices for single (one code), multi (one or more,
// in the survey's choice order) and yesno ("yes" or "no"); Text for text
// questions and for the free text of an "other" choice.
type Value struct {
	Number  int
	Choices []string
	Text    string
}

// Answers are the answers of one response by question id; an unanswered or
// hidden question has no entry.
type Answers map[string]Value

// FieldErrors maps a question id to a message for the respondent in their language.
type FieldErrors map[string]string

// OtherField is the form field carrying the free text of question id's "other"
// choice. Question ids never contain a dot, so it cannot clash with one.
func OtherField(id string) string { return id + ".other" }

// Visible reports whether q is shown given the answers so far: a question with
// show_if is shown when the question it depends on is itself shown and answered
// with one of the listed values.
func (s *Survey) Visible(q *Question, a Answers) bool {
	c := q.ShowIf
	if c == nil {
		return true
	}
	ref, ok := s.byID[c.Question]
	// Load only accepts references to earlier questions, so the recursion ends.
	if !ok || !s.Visible(ref, a) {
		return false
	}
	v, ok := a[c.Question]
	if !ok {
		return false
	}
	if ref.Type == NPS || ref.Type == Likert {
		return slices.Contains(c.In, strconv.Itoa(v.Number))
	}
	for _, code := range v.Choices {
		if slices.Contains(c.In, code) {
			return true
		}
	}
	return false
}

// Validate parses a submitted form (field name = question id, see OtherField)
// in question order. Answers to hidden questions are dropped, and a required
// question is only required while visible; fields that name no question are
// ignored. Messages are in locale's language. The returned Answers hold every
// valid answer even when there are errors; store them only when errs is empty.
func (s *Survey) Validate(form url.Values, locale string) (Answers, FieldErrors) {
	a := Answers{}
	var errs FieldErrors
	for _, q := range s.Questions {
		if !s.Visible(q, a) {
			continue
		}
		v, present, problem := parse(q, form)
		switch {
		case problem != nil:
		case !present && q.Required:
			problem = msgRequired
		case present:
			a[q.ID] = v
		}
		if problem != nil {
			if errs == nil {
				errs = FieldErrors{}
			}
			errs[q.ID] = problem.In(locale)
		}
	}
	return a, errs
}

// parse reads q's answer from the form; present is false when it was left blank.
func parse(q *Question, form url.Values) (v Value, present bool, problem *L10n) {
	vals := nonEmpty(form[q.ID])
	if q.Type == Text {
		if len(vals) == 0 {
			return Value{}, false, nil
		}
		if len(vals) > 1 {
			return Value{}, false, msgOneValue
		}
		text, problem := cleanText(vals[0], MaxTextLen)
		return Value{Text: text}, text != "", problem
	}
	if len(vals) == 0 {
		return Value{}, false, nil
	}
	if len(vals) > 1 && q.Type != Multi {
		return Value{}, false, msgOneValue
	}
	switch q.Type {
	case NPS, Likert:
		lo, hi := q.scaleBounds()
		n, err := strconv.Atoi(strings.TrimSpace(vals[0]))
		if err != nil || n < lo || n > hi {
			return Value{}, false, msgRange(lo, hi)
		}
		return Value{Number: n}, true, nil
	case YesNo:
		if vals[0] != Yes && vals[0] != No {
			return Value{}, false, msgYesNo
		}
		return Value{Choices: []string{vals[0]}}, true, nil
	case Single, Multi:
		for _, code := range vals {
			if !q.hasCode(code) {
				return Value{}, false, msgChoice
			}
		}
		// Canonical order and no repeats, whatever order the browser sent.
		for _, c := range q.AllChoices() {
			if slices.Contains(vals, c.Code) {
				v.Choices = append(v.Choices, c.Code)
			}
		}
		if slices.Contains(v.Choices, OtherCode) {
			other := nonEmpty(form[OtherField(q.ID)])
			if len(other) > 1 {
				return Value{}, false, msgOneValue
			}
			if len(other) == 1 {
				text, problem := cleanText(other[0], MaxOtherLen)
				if problem != nil {
					return Value{}, false, problem
				}
				v.Text = text
			}
			if v.Text == "" {
				return Value{}, false, msgOtherText
			}
		}
		return v, true, nil
	}
	return Value{}, false, msgChoice // unreachable for a loaded survey
}

// cleanText trims the text, normalises line endings and checks its length.
func cleanText(s string, limit int) (string, *L10n) {
	if !utf8.ValidString(s) {
		return "", msgEncoding
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > limit {
		return "", msgTooLong(limit, n)
	}
	return s, nil
}

// nonEmpty drops blank values: browsers send empty fields for untouched inputs.
func nonEmpty(vals []string) []string {
	out := vals[:0:0]
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// Form turns answers back into form values, e.g. to fill the form when an
// alumnus edits a submitted response; Validate(Form(a)) gives a back.
func (s *Survey) Form(a Answers) url.Values {
	form := url.Values{}
	for _, q := range s.Questions {
		v, ok := a[q.ID]
		if !ok {
			continue
		}
		switch q.Type {
		case NPS, Likert:
			form.Set(q.ID, strconv.Itoa(v.Number))
		case Text:
			form.Set(q.ID, v.Text)
		default:
			form[q.ID] = slices.Clone(v.Choices)
			if v.Text != "" {
				form.Set(OtherField(q.ID), v.Text)
			}
		}
	}
	return form
}

// Messages for the respondent.
var (
	msgRequired  = &L10n{JA: "この質問への回答は必須です。", EN: "Please answer this question."}
	msgOneValue  = &L10n{JA: "回答は一つだけお選びください。", EN: "Please give only one answer."}
	msgChoice    = &L10n{JA: "選択肢の中からお選びください。", EN: "Please choose from the options shown."}
	msgYesNo     = &L10n{JA: "「はい」か「いいえ」でお答えください。", EN: "Please answer yes or no."}
	msgOtherText = &L10n{JA: "「その他」を選んだ場合は、内容をご記入ください。", EN: "You chose “Other”: please tell us what you mean."}
	msgEncoding  = &L10n{JA: "読み取れない文字が含まれていました。お手数ですが、もう一度ご入力ください。", EN: "Some characters could not be read. Please type your answer again."}
)

func msgRange(lo, hi int) *L10n {
	return &L10n{
		JA: fmt.Sprintf("%d〜%dの中からお選びください。", lo, hi),
		EN: fmt.Sprintf("Please choose a number from %d to %d.", lo, hi),
	}
}

func msgTooLong(limit, n int) *L10n {
	return &L10n{
		JA: fmt.Sprintf("%d文字以内でご記入ください（現在%d文字）。", limit, n),
		EN: fmt.Sprintf("Please keep your answer to %d characters or fewer (it has %d).", limit, n),
	}
}
