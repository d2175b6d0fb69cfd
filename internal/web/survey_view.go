package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// pageView is what every survey page template gets.
type pageView struct {
	Lang      string
	T         map[string]string
	Title     string // the page's <title> and heading
	Company   string
	Token     string
	SwitchURL string // the same page in the other language; "" to hide the switch
	SwitchTo  string
	CSS, JS   string
	OptOutURL string // "" on pages without an invitation
	Body      string // the message of simple pages
	EditURL   string
	Deadline  string
	Form      *formView
}

// formView is the survey form.
type formView struct {
	Action     string
	CSRF       string
	Intro      []string
	Privacy    []string
	Count      string
	Progress   string // the label template the script fills: "{n} / {m} …"
	Questions  []questionView
	Errors     []errorLink
	Alert      string // save failed, security check, too many sends
	Previous   bool
	SubmitText string
}

// errorLink is one line of the error summary.
type errorLink struct {
	Href, Num, Text, Msg string
}

// questionView is one question as the form shows it.
type questionView struct {
	ID, Num, Text, Help string
	Kind                string // "scale", "choice", "text"
	NPS, Multi          bool
	Required            bool
	Badge               string // the "required" mark, in the page's language
	Error               string
	Cond                string // "answer only if …" note; "" when always shown
	CondQ, CondIn       string // data attributes the script reads
	Options             []optionView
	Low, High           string
	Other               *otherView
	Value               string // text questions
	MaxLen              int
	FirstID             string // id of the first input, the error summary's link target
	DescribedBy         string
}

type optionView struct {
	ID, Value, Label string
	Checked          bool
	Other            bool
}

type otherView struct {
	ID, Name, Label, Value string
}

// buildForm turns a survey, the values to show (submitted, or stored earlier) and the errors of a
// submission into the form's view.
func buildForm(s *survey.Survey, lang string, values url.Values, errs survey.FieldErrors, notice string) *formView {
	f := &formView{Privacy: noticeLines(notice), Progress: msg(lang, "progress_label"), SubmitText: msg(lang, "submit")}
	for _, para := range strings.Split(s.Intro.In(lang), "\n") {
		if para = strings.TrimSpace(para); para != "" {
			f.Intro = append(f.Intro, para)
		}
	}
	nums := map[string]int{}
	required := 0
	for i, q := range s.Questions {
		nums[q.ID] = i + 1
		if q.Required {
			required++
		}
		f.Questions = append(f.Questions, buildQuestion(s, q, i+1, nums, lang, values, errs[q.ID]))
	}
	f.Count = fill(msg(lang, "count"), "n", strconv.Itoa(len(s.Questions)), "r", strconv.Itoa(required))
	for _, q := range f.Questions {
		if q.Error != "" {
			f.Errors = append(f.Errors, errorLink{Href: "#" + q.FirstID, Num: q.Num, Text: q.Text, Msg: q.Error})
		}
	}
	return f
}

// noticeLines splits the privacy notice into its bullet points, without the bullet characters.
func noticeLines(notice string) []string {
	var out []string
	for _, l := range strings.Split(notice, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimSpace(strings.TrimLeft(l, "・•-*"))
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func buildQuestion(s *survey.Survey, q *survey.Question, n int, nums map[string]int, lang string, values url.Values, errMsg string) questionView {
	v := questionView{
		ID: q.ID, Num: fill(msg(lang, "q_number"), "n", strconv.Itoa(n)), Text: q.Text.In(lang), Help: q.Help.In(lang),
		Required: q.Required, Error: errMsg,
	}
	if q.Required {
		v.Badge = msg(lang, "required")
	}
	if c := q.ShowIf; c != nil {
		if ref, ok := s.Question(c.Question); ok {
			v.CondQ, v.CondIn = c.Question, strings.Join(c.In, " ")
			labels := make([]string, len(c.In))
			for i, code := range c.In {
				labels[i] = answerLabel(ref, code, lang)
			}
			v.Cond = fill(msg(lang, "cond_note"), "q", fill(msg(lang, "q_number"), "n", strconv.Itoa(nums[ref.ID])),
				"labels", strings.Join(labels, msg(lang, "cond_or")))
		}
	}
	chosen := values[q.ID]
	switch q.Type {
	case survey.NPS, survey.Likert:
		v.Kind, v.NPS = "scale", q.Type == survey.NPS
		lo, hi := survey.LikertMin, survey.LikertMax
		if v.NPS {
			lo, hi = survey.NPSMin, survey.NPSMax
		}
		for i := lo; i <= hi; i++ {
			code := strconv.Itoa(i)
			v.Options = append(v.Options, optionView{ID: inputID(q.ID, code), Value: code, Label: code, Checked: slices.Contains(chosen, code)})
		}
		if l := q.Low.In(lang); l != "" {
			v.Low = fill(msg(lang, "scale_end"), "n", strconv.Itoa(lo), "label", l)
		}
		if h := q.High.In(lang); h != "" {
			v.High = fill(msg(lang, "scale_end"), "n", strconv.Itoa(hi), "label", h)
		}
	case survey.Text:
		v.Kind, v.MaxLen = "text", survey.MaxTextLen
		v.Value = values.Get(q.ID)
	default:
		v.Kind, v.Multi = "choice", q.Type == survey.Multi
		choices := q.AllChoices()
		if q.Type == survey.YesNo {
			choices = []survey.Choice{
				{Code: survey.Yes, Label: survey.L10n{JA: msg(langJA, "yes"), EN: msg(langEN, "yes")}},
				{Code: survey.No, Label: survey.L10n{JA: msg(langJA, "no"), EN: msg(langEN, "no")}},
			}
		}
		for _, c := range choices {
			o := optionView{ID: inputID(q.ID, c.Code), Value: c.Code, Label: c.Label.In(lang), Checked: slices.Contains(chosen, c.Code)}
			if c.Code == survey.OtherCode && q.Other != nil {
				o.Other = true
				v.Other = &otherView{ID: inputID(q.ID, "other-text"), Name: survey.OtherField(q.ID),
					Label: msg(lang, "other_text"), Value: values.Get(survey.OtherField(q.ID))}
			}
			v.Options = append(v.Options, o)
		}
	}
	if v.Kind == "text" {
		v.FirstID = inputID(q.ID, "")
	} else {
		v.FirstID = v.Options[0].ID
	}
	var described []string
	for _, part := range []struct {
		on bool
		id string
	}{{v.Error != "", "err-" + q.ID}, {v.Help != "", "help-" + q.ID}, {v.Cond != "", "cond-" + q.ID}, {v.Low != "" || v.High != "", "ends-" + q.ID}} {
		if part.on {
			described = append(described, part.id)
		}
	}
	v.DescribedBy = strings.Join(described, " ")
	return v
}

// answerLabel is how an answer code of q reads in a show_if note.
func answerLabel(q *survey.Question, code, lang string) string {
	switch q.Type {
	case survey.YesNo:
		if code == survey.Yes || code == survey.No {
			return msg(lang, code)
		}
	case survey.Single, survey.Multi:
		for _, c := range q.AllChoices() {
			if c.Code == code {
				return c.Label.In(lang)
			}
		}
	}
	return code
}

func inputID(qid, code string) string {
	if code == "" {
		return "f-" + qid
	}
	return "f-" + qid + "-" + code
}

// formatDeadline shows a close time in the tenant's zone, as people there read it.
func formatDeadline(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	zone, _ := t.Zone()
	if lang == langEN {
		return t.Format("Mon 2 January 2006, 15:04 ") + zone
	}
	weekdays := [...]string{"日", "月", "火", "水", "木", "金", "土"}
	s := fmt.Sprintf("%d年%d月%d日（%s）%s", t.Year(), int(t.Month()), t.Day(), weekdays[t.Weekday()], t.Format("15:04"))
	if zone != "JST" {
		s += " " + zone
	}
	return s
}
