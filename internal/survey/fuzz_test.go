package survey

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary bytes as a survey file: Load must never panic, and
// must return either a catalog or errors that all name the file.
func FuzzLoad(f *testing.F) {
	// Small seeds only: the fuzzer minimises every new input for up to a minute
	// by default, and the ~10 kB shipped files make that crawl.
	f.Add(formSurvey)
	f.Add(head + "  - &x {id: a, type: text, text: {ja: あ, en: A}}\n  - *x\n  - <<: *x\n")
	f.Add("a: &a [*a]\n")
	f.Add("---\n---\n")
	f.Add("id: t\nversion: 99999999999999999999999\n")
	f.Add(head + "  - {id: a, type: nps, show_if: {question: a, in: [[1]]}, low: {}, high: []}\n")
	f.Fuzz(func(t *testing.T, body string) {
		c, err := Load(fstest.MapFS{"t.yaml": {Data: []byte(body)}})
		if (c == nil) == (err == nil) {
			t.Fatalf("Load returned catalog %v and error %v", c, err)
		}
		for _, le := range LoadErrors(err) {
			if le.File != "t.yaml" || le.Msg == "" {
				t.Fatalf("bad error %#v", le)
			}
		}
		if c != nil {
			// A survey that loads must also take any form without panicking.
			s, _ := c.Get("t")
			s.Validate(url.Values{"a": {body}}, "en")
		}
	})
}

// FuzzValidate sends arbitrary form values to a survey: Validate must never
// panic, and answers it accepts must survive Form → Validate unchanged.
func FuzzValidate(f *testing.F) {
	s, errs := Parse("t.yaml", []byte(formSurvey))
	if errs != nil {
		f.Fatal(errs)
	}
	f.Add("2", "other", "x", "network\nother", "yes", "note")
	f.Add("9", "growth", "", "events", "no", "\r\n")
	f.Add("-0", "manager", "\xff", "", "", strings.Repeat("あ", 10))
	f.Fuzz(func(t *testing.T, score, why, other, interest, agree, note string) {
		form := url.Values{
			"score": {score}, "why": {why}, "why.other": {other}, "detail": {note},
			"interest": strings.Split(interest, "\n"), "interest.other": {other},
			"agree": {agree}, "agree_more": {note}, "note": {note},
		}
		a, errs := s.Validate(form, "ja")
		if errs != nil {
			return
		}
		again, errs := s.Validate(s.Form(a), "ja")
		if errs != nil || !reflect.DeepEqual(a, again) {
			t.Fatalf("round trip changed %#v into %#v (%v)", a, again, errs)
		}
	})
}
