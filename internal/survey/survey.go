// Package survey loads and validates survey definitions (YAML files in surveys/)
// and parses the answers an alumnus submits to one.
package survey

import (
	"slices"
	"strconv"
	"strings"
)

// Type is a question type.
type Type string

// Question types. Answers are numbers for nps and likert, choice codes for
// single, multi and yesno, and free text for text.
const (
	NPS    Type = "nps"    // 0–10 would-recommend scale
	Likert Type = "likert" // 1–5 scale with labelled ends
	Single Type = "single" // one choice
	Multi  Type = "multi"  // any number of choices
	Text   Type = "text"   // free text, at most MaxTextLen characters
	YesNo  Type = "yesno"  // "yes" or "no"
)

// types lists the known question types in the order error messages show them.
var types = []Type{NPS, Likert, Single, Multi, Text, YesNo}

// Answer codes with a fixed meaning.
const (
	OtherCode = "other" // the "other" choice of a single or multi question with `other:`
	Yes       = "yes"   // a yesno answer
	No        = "no"    // a yesno answer
)

// Scale bounds of the numeric question types.
const (
	NPSMin, NPSMax       = 0, 10
	LikertMin, LikertMax = 1, 5
)

// Metric tags a later computation looks a question up by (Survey.ByMetric),
// so custom surveys may use other question ids.
const (
	MetricENPS             = "enps"               // nps: alumni eNPS
	MetricReturnIntent     = "return_intent"      // likert: wish to come back
	MetricTrueReason       = "true_reason"        // single, taxonomy reasons: the real main reason for leaving
	MetricNewJobComparison = "new_job_comparison" // single: better / same / worse / not_working
	MetricNewJobBetterIn   = "new_job_better_in"  // multi, taxonomy reasons: where the new job is better
	MetricRetainable       = "retainable"         // single: yes / maybe / no, could we have kept you
	MetricRetentionLever   = "retention_lever"    // text: what would have kept you
	MetricAlumniInterest   = "alumni_interest"    // multi: network / referral / side_work / events
	MetricImprove          = "improve"            // text: what we should improve
	MetricWentWell         = "went_well"          // text: what was good
	MetricMessage          = "message"            // text: a free message
	MetricViewChange       = "view_change"        // single: better / same / worse since the last wave
	MetricViewChangeReason = "view_change_reason" // text: why the view changed
)

// Privacy vocabulary.
const (
	// MinGroupSizePlaceholder is replaced in the privacy notice by the minimum group size.
	MinGroupSizePlaceholder = "{min_group_size}"
	// SeeAggregates is the right to see aggregated figures of groups of at least the minimum size.
	SeeAggregates = "aggregates"
	// SeeMaskedComments is the right to read free-text answers with personal details masked.
	SeeMaskedComments = "masked_comments"
	// minPrivacyGroupSize is the floor a survey file may set: below it a
	// "group" result is close to an individual answer.
	minPrivacyGroupSize = 3
)

const (
	defaultLocale   = "ja"
	englishLocale   = "en"
	taxonomyReasons = "reasons"
)

// metricRule is what a metric tag demands of its question.
type metricRule struct {
	typ     Type
	reasons bool // choices must come from the reason taxonomy
}

// metrics maps each known metric tag to the question shape its computation expects.
var metrics = map[string]metricRule{
	MetricENPS:             {typ: NPS},
	MetricReturnIntent:     {typ: Likert},
	MetricTrueReason:       {typ: Single, reasons: true},
	MetricNewJobComparison: {typ: Single},
	MetricNewJobBetterIn:   {typ: Multi, reasons: true},
	MetricRetainable:       {typ: Single},
	MetricRetentionLever:   {typ: Text},
	MetricAlumniInterest:   {typ: Multi},
	MetricImprove:          {typ: Text},
	MetricWentWell:         {typ: Text},
	MetricMessage:          {typ: Text},
	MetricViewChange:       {typ: Single},
	MetricViewChangeReason: {typ: Text},
}

// L10n is a string in Japanese and English; every user-facing string of a survey is one.
type L10n struct {
	JA string
	EN string
}

// In returns the string for locale: English for "en" and "en-…", Japanese otherwise.
func (t L10n) In(locale string) string {
	if lang(locale) == englishLocale {
		return t.EN
	}
	return t.JA
}

// lang reduces a locale ("en-US", "ja_JP", "") to the two languages surveys carry.
func lang(locale string) string {
	l := strings.ToLower(locale)
	if l == englishLocale || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return englishLocale
	}
	return defaultLocale
}

// Survey is one loaded, validated survey definition.
type Survey struct {
	ID        string
	Version   int
	File      string // the file it was loaded from, for messages
	Title     L10n
	Intro     L10n
	Privacy   Privacy
	Questions []*Question

	byID map[string]*Question
}

// Privacy is the survey's promise to respondents about who sees their answers.
type Privacy struct {
	// MinGroupSize is the smallest group whose results are shown; dashboards
	// must use the larger of this and the tenant's own minimum.
	MinGroupSize int
	HR           []string // what HR sees: "aggregates", "masked_comments"
	Leadership   []string // what leadership sees: only "aggregates"
	Notice       L10n     // shown to respondents; contains "{min_group_size}"
}

// Question is one question of a survey.
type Question struct {
	ID       string
	Type     Type
	Text     L10n
	Help     L10n // optional hint under the question; empty when absent
	Required bool
	ShowIf   *Condition // nil: always shown
	Choices  []Choice   // single and multi, without the "other" choice
	Other    *L10n      // label of the "other" choice with free text; nil when not offered
	Taxonomy string     // "reasons" when the choice codes are reason codes
	Low      L10n       // label of the lowest point (likert, optional for nps)
	High     L10n       // label of the highest point
	Metric   string     // a Metric* tag, or ""
	Driver   string     // likert hindsight ratings: the reason code this rating measures
	Line     int        // line in File, for messages
}

// Choice is one option of a single or multi question.
type Choice struct {
	Code  string
	Label L10n
}

// Condition shows a question only when an earlier question's answer is one of In.
// For a multi question any selected code counts; numbers are compared in decimal.
type Condition struct {
	Question string
	In       []string
}

// Question returns the question with the given id.
func (s *Survey) Question(id string) (*Question, bool) {
	q, ok := s.byID[id]
	return q, ok
}

// ByMetric returns the question tagged with the given metric.
func (s *Survey) ByMetric(metric string) (*Question, bool) {
	for _, q := range s.Questions {
		if q.Metric == metric {
			return q, true
		}
	}
	return nil, false
}

// Drivers returns the hindsight rating questions (those with a driver tag) in survey order.
func (s *Survey) Drivers() []*Question {
	var out []*Question
	for _, q := range s.Questions {
		if q.Driver != "" {
			out = append(out, q)
		}
	}
	return out
}

// PrivacyNotice returns the privacy notice in locale with the minimum group size
// filled in: the larger of the survey's and the tenant's, so the promise is never understated.
func (s *Survey) PrivacyNotice(locale string, tenantMinGroup int) string {
	n := max(s.Privacy.MinGroupSize, tenantMinGroup)
	return strings.ReplaceAll(s.Privacy.Notice.In(locale), MinGroupSizePlaceholder, strconv.Itoa(n))
}

// AllChoices returns the question's choices including the "other" choice when offered.
func (q *Question) AllChoices() []Choice {
	if q.Other == nil {
		return q.Choices
	}
	return append(slices.Clip(q.Choices), Choice{Code: OtherCode, Label: *q.Other})
}

// hasCode reports whether code is a valid answer code of the choice question q.
func (q *Question) hasCode(code string) bool {
	if code == OtherCode {
		return q.Other != nil
	}
	for _, c := range q.Choices {
		if c.Code == code {
			return true
		}
	}
	return false
}

// Catalog is the set of loaded surveys.
type Catalog struct {
	byID map[string]*Survey
}

// Get returns the survey with the given id.
func (c *Catalog) Get(id string) (*Survey, bool) {
	s, ok := c.byID[id]
	return s, ok
}

// All returns every survey, sorted by id.
func (c *Catalog) All() []*Survey {
	out := make([]*Survey, 0, len(c.byID))
	for _, s := range c.byID {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Survey) int { return strings.Compare(a.ID, b.ID) })
	return out
}
