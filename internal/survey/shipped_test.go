package survey

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/alumnipulse/alumnipulse/surveys"
)

func shipped(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(surveys.FS)
	if err != nil {
		t.Fatalf("shipped surveys do not load:\n%v", err)
	}
	return c
}

func TestShippedSurveysLoad(t *testing.T) {
	c := shipped(t)
	var ids []string
	for _, s := range c.All() {
		ids = append(ids, s.ID)
	}
	if got := strings.Join(ids, ","); got != "alumni-3m,alumni-6m" {
		t.Fatalf("shipped surveys = %s", got)
	}
}

// TestShippedSurveysOverridableFromDir loads the same files through the
// directory override a customer would use.
func TestShippedSurveysOverridableFromDir(t *testing.T) {
	dir := t.TempDir()
	data, err := surveys.FS.ReadFile("alumni-3m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/alumni-3m.yaml", data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(surveys.Open(dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("alumni-6m"); ok || len(c.All()) != 1 {
		t.Errorf("directory override should replace the shipped set, got %d surveys", len(c.All()))
	}
}

// strings of a survey with where they come from, for the translation checks.
func allStrings(s *Survey) map[string]L10n {
	out := map[string]L10n{"title": s.Title, "intro": s.Intro, "privacy.notice": s.Privacy.Notice}
	for _, q := range s.Questions {
		out[q.ID+".text"] = q.Text
		if q.Help != (L10n{}) {
			out[q.ID+".help"] = q.Help
		}
		if q.Type == Likert || q.Low != (L10n{}) {
			out[q.ID+".low"] = q.Low
			out[q.ID+".high"] = q.High
		}
		for _, c := range q.AllChoices() {
			out[q.ID+"."+c.Code] = c.Label
		}
	}
	return out
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// TestShippedSurveysTranslated checks every string has a Japanese text that is
// Japanese and an English one without Japanese script (no copy left untranslated).
func TestShippedSurveysTranslated(t *testing.T) {
	for _, s := range shipped(t).All() {
		for where, text := range allStrings(s) {
			if !hasJapanese(text.JA) {
				t.Errorf("%s %s: ja %q is not Japanese", s.ID, where, text.JA)
			}
			if text.EN == "" || hasJapanese(text.EN) {
				t.Errorf("%s %s: en %q is missing or not English", s.ID, where, text.EN)
			}
		}
	}
}

// TestShippedSurveysContent checks the questions later code relies on.
func TestShippedSurveysContent(t *testing.T) {
	c := shipped(t)
	for _, id := range []string{"alumni-3m", "alumni-6m"} {
		s, _ := c.Get(id)
		for _, m := range []string{MetricENPS, MetricReturnIntent, MetricTrueReason, MetricNewJobComparison,
			MetricRetainable, MetricRetentionLever, MetricAlumniInterest, MetricImprove, MetricWentWell, MetricMessage} {
			if _, ok := s.ByMetric(m); !ok {
				t.Errorf("%s has no %s question", id, m)
			}
		}
		var drivers []string
		for _, q := range s.Drivers() {
			drivers = append(drivers, q.Driver)
		}
		if got := strings.Join(drivers, ","); got != "compensation,manager,growth,workload,flexibility,culture,strategy" {
			t.Errorf("%s drivers = %s", id, got)
		}
		reason, _ := s.ByMetric(MetricTrueReason)
		if reason.Other == nil || slices.ContainsFunc(reason.Choices, func(c Choice) bool { return c.Code == "alumni" }) {
			t.Errorf("%s true_reason: want an other choice and no alumni code", id)
		}
		interest, _ := s.ByMetric(MetricAlumniInterest)
		if got := codesOf(interest.Choices); got != "network,referral,side_work,events" {
			t.Errorf("%s alumni_interest choices = %s", id, got)
		}
		ret, _ := s.ByMetric(MetricReturnIntent)
		if ret.Low.JA != "戻りたいと思わない" || ret.High.JA != "ぜひ戻りたい" {
			t.Errorf("%s return_intent ends = %q … %q", id, ret.Low.JA, ret.High.JA)
		}
		if p := s.Privacy; p.MinGroupSize != 5 || !slices.Equal(p.Leadership, []string{SeeAggregates}) ||
			!slices.Contains(p.HR, SeeMaskedComments) {
			t.Errorf("%s privacy = %+v", id, p)
		}
	}
	s6, _ := c.Get("alumni-6m")
	if _, ok := s6.ByMetric(MetricViewChange); !ok {
		t.Error("alumni-6m has no view_change question")
	}
	s3, _ := c.Get("alumni-3m")
	if _, ok := s3.ByMetric(MetricViewChange); ok {
		t.Error("alumni-3m asks about a change of view")
	}
}

// TestShippedSurveysShareIDs checks that a question id in both waves means the
// same question, so 3→6 month comparisons can join on it.
func TestShippedSurveysShareIDs(t *testing.T) {
	c := shipped(t)
	s3, _ := c.Get("alumni-3m")
	s6, _ := c.Get("alumni-6m")
	var only6 []string
	for _, q6 := range s6.Questions {
		q3, ok := s3.Question(q6.ID)
		if !ok {
			only6 = append(only6, q6.ID)
			continue
		}
		if q3.Type != q6.Type || q3.Metric != q6.Metric || q3.Driver != q6.Driver || q3.Text != q6.Text ||
			codesOf(q3.AllChoices()) != codesOf(q6.AllChoices()) || q3.Low != q6.Low || q3.High != q6.High {
			t.Errorf("question %s differs between alumni-3m and alumni-6m", q6.ID)
		}
	}
	if got := strings.Join(only6, ","); got != "view_change,view_change_reason" {
		t.Errorf("questions only in alumni-6m = %s", got)
	}
	if len(s6.Questions)-len(only6) != len(s3.Questions) {
		t.Errorf("alumni-6m lacks some alumni-3m questions")
	}
}
