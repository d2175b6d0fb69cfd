package survey

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// head is a valid survey up to "questions:"; it is 10 lines long, so the first
// line of a test's questions is line 11.
const head = `id: t
version: 1
title: {ja: テスト, en: Test}
intro: {ja: はじめに, en: Intro}
privacy:
  min_group_size: 5
  hr: [aggregates, masked_comments]
  leadership: [aggregates]
  notice: {ja: "{min_group_size}人未満は表示しません", en: "Groups under {min_group_size} are hidden"}
questions:
`

// okQuestion is a valid question to put around the one under test.
const okQuestion = `  - id: ok
    type: yesno
    text: {ja: はい？, en: Yes or no}
`

func load(t *testing.T, files map[string]string) (*Catalog, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return Load(fsys)
}

func TestLoadValid(t *testing.T) {
	c, err := load(t, map[string]string{"t.yaml": head + okQuestion + `  - id: score
    type: nps
    metric: enps
    required: yes
    text: {ja: 点数, en: Score}
  - id: why
    type: single
    taxonomy: reasons
    show_if: {question: score, in: [0, 1, 2]}
    text: {ja: 理由, en: Reason}
    choices:
      - code: growth
      - code: manager
        label: {ja: 上司, en: Boss}
    other: {ja: その他, en: Other}
`})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	s, ok := c.Get("t")
	if !ok {
		t.Fatal("survey t not found")
	}
	score, _ := s.Question("score")
	if !score.Required || score.Metric != MetricENPS || score.Line != 14 {
		t.Errorf("score = %+v", score)
	}
	why, _ := s.Question("why")
	if why.ShowIf == nil || why.ShowIf.Question != "score" || strings.Join(why.ShowIf.In, ",") != "0,1,2" {
		t.Errorf("show_if = %+v", why.ShowIf)
	}
	if got := why.Choices[0].Label; got != (L10n{JA: "キャリア・成長", EN: "Career and growth"}) {
		t.Errorf("taxonomy label default = %+v", got)
	}
	if got := why.Choices[1].Label.In("en-GB"); got != "Boss" {
		t.Errorf("explicit label = %q", got)
	}
	if codes := codesOf(why.AllChoices()); codes != "growth,manager,other" {
		t.Errorf("AllChoices = %s", codes)
	}
	if _, ok := c.Get("nope"); ok {
		t.Error("Get(nope) found a survey")
	}
}

func codesOf(cs []Choice) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Code)
	}
	return strings.Join(out, ",")
}

// TestLoadErrors feeds broken surveys and checks each problem is reported with
// its line, field path and a message naming it.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		body string // whole file when it does not start with "  -", else questions after head
		line int
		field,
		msg string
	}{
		{"unknown type", `  - id: a
    type: rating
    text: {ja: あ, en: A}
`, 12, "questions[0].type", `unknown question type "rating"`},
		{"duplicate id", okQuestion + okQuestion, 14, "questions[1].id", `duplicate question id "ok" (first on line 11)`},
		{"show_if on later question", `  - id: a
    type: text
    show_if: {question: ok, equals: "yes"}
    text: {ja: あ, en: A}
` + okQuestion, 13, "questions[0].show_if.question", `"ok" comes later`},
		{"show_if on missing question", okQuestion + `  - id: a
    type: text
    show_if: {question: nope, equals: "yes"}
    text: {ja: あ, en: A}
`, 16, "questions[1].show_if.question", `unknown question "nope"`},
		{"show_if on itself", `  - id: a
    type: yesno
    show_if: {question: a, equals: "yes"}
    text: {ja: あ, en: A}
`, 13, "questions[0].show_if.question", "cannot depend on itself"},
		{"show_if yes/no value", okQuestion + `  - id: a
    type: text
    show_if: {question: ok, equals: true}
    text: {ja: あ, en: A}
`, 16, "questions[1].show_if.equals", `"true" can never be an answer to "ok": answers are yes or no`},
		{"show_if likert out of range", `  - id: r
    type: likert
    text: {ja: あ, en: A}
    low: {ja: 低, en: Low}
    high: {ja: 高, en: High}
  - id: a
    type: text
    show_if: {question: r, in: [4, 6]}
    text: {ja: あ, en: A}
`, 18, "questions[1].show_if.in[1]", "answers are whole numbers 1–5"},
		{"show_if unknown choice", `  - id: c
    type: single
    text: {ja: あ, en: A}
    choices: [{code: x, label: {ja: エ, en: X}}]
  - id: a
    type: text
    show_if: {question: c, equals: y}
    text: {ja: あ, en: A}
`, 17, "questions[1].show_if.equals", "choices are x"},
		{"show_if on text", `  - id: c
    type: text
    text: {ja: あ, en: A}
  - id: a
    type: text
    show_if: {question: c, equals: y}
    text: {ja: あ, en: A}
`, 16, "questions[1].show_if.equals", "cannot depend on a text question"},
		{"show_if both equals and in", okQuestion + `  - id: a
    type: text
    show_if: {question: ok, equals: "yes", in: ["no"]}
    text: {ja: あ, en: A}
`, 16, "questions[1].show_if", "exactly one of"},
		{"missing en", `  - id: a
    type: text
    text: {ja: あ}
`, 13, "questions[0].text.en", "missing en translation"},
		{"missing ja", `  - id: a
    type: text
    text:
      en: A
`, 14, "questions[0].text.ja", "missing ja translation"},
		{"empty translation", `  - id: a
    type: text
    text: {ja: "  ", en: A}
`, 13, "questions[0].text.ja", "must not be empty"},
		{"text not translated", `  - id: a
    type: text
    text: あ
`, 13, "questions[0].text", "both translations"},
		{"third language", `  - id: a
    type: text
    text: {ja: あ, en: A, fr: A}
`, 13, "questions[0].text.fr", `unknown key "fr"`},
		{"code outside taxonomy", `  - id: a
    type: single
    taxonomy: reasons
    text: {ja: あ, en: A}
    choices:
      - code: growth
      - code: salary
`, 17, "questions[0].choices[1].code", `"salary" is not a reason code`},
		{"duplicate choice code", `  - id: a
    type: multi
    text: {ja: あ, en: A}
    choices:
      - {code: x, label: {ja: エ, en: X}}
      - {code: x, label: {ja: エ, en: X}}
`, 16, "questions[0].choices[1].code", `duplicate choice code "x" (first on line 15)`},
		{"reserved other code", `  - id: a
    type: single
    text: {ja: あ, en: A}
    choices:
      - {code: other, label: {ja: 他, en: Other}}
`, 15, "questions[0].choices[0].code", "reserved"},
		{"choice without label", `  - id: a
    type: single
    text: {ja: あ, en: A}
    choices:
      - code: x
`, 15, "questions[0].choices[0].label", `missing required key "label"`},
		{"choices missing", `  - id: a
    type: single
    text: {ja: あ, en: A}
`, 11, "questions[0].choices", "single questions need choices"},
		{"choices on text", `  - id: a
    type: text
    text: {ja: あ, en: A}
    choices: []
`, 14, "questions[0].choices", `only single and multi questions take "choices"`},
		{"likert without high", `  - id: a
    type: likert
    text: {ja: あ, en: A}
    low: {ja: 低, en: Low}
`, 11, "questions[0].high", "missing the high end label"},
		{"likert ends equal", `  - id: a
    type: likert
    text: {ja: あ, en: A}
    low: {ja: 同, en: Same}
    high: {ja: 同, en: Same}
`, 15, "questions[0].high", "low and high labels are the same"},
		{"ends on yesno", `  - id: a
    type: yesno
    text: {ja: あ, en: A}
    low: {ja: 低, en: Low}
`, 14, "questions[0].low", `only nps and likert questions take "low"`},
		{"typo key", `  - id: a
    type: text
    text: {ja: あ, en: A}
    reqired: true
`, 14, "questions[0].reqired", `unknown key "reqired" (did you mean "required"?)`},
		{"comma in flow mapping", `  - id: a
    type: text
    text: {ja: あ, en: Yes, I do}
`, 13, "questions[0].text.I do", "put text containing"},
		{"required not bool", `  - id: a
    type: text
    text: {ja: あ, en: A}
    required: sometimes
`, 14, "questions[0].required", "must be true or false"},
		{"bad question id", `  - id: Bad-Id
    type: text
    text: {ja: あ, en: A}
`, 11, "questions[0].id", "snake_case"},
		{"missing type", `  - id: a
    text: {ja: あ, en: A}
`, 11, "questions[0].type", `missing required key "type"`},
		{"unknown metric", `  - id: a
    type: nps
    metric: enp
    text: {ja: あ, en: A}
`, 13, "questions[0].metric", `unknown metric "enp" (did you mean "enps"?)`},
		{"metric on wrong type", `  - id: a
    type: text
    metric: enps
    text: {ja: あ, en: A}
`, 13, "questions[0].metric", `metric "enps" needs a nps question, not text`},
		{"metric needs taxonomy", `  - id: a
    type: single
    metric: true_reason
    text: {ja: あ, en: A}
    choices: [{code: growth, label: {ja: 成長, en: Growth}}]
`, 13, "questions[0].metric", "needs `taxonomy: reasons`"},
		{"metric twice", `  - id: a
    type: text
    metric: message
    text: {ja: あ, en: A}
  - id: b
    type: text
    metric: message
    text: {ja: い, en: B}
`, 17, "questions[1].metric", `metric "message" is already on "a" (line 11)`},
		{"driver not a reason", `  - id: a
    type: likert
    driver: pay
    text: {ja: あ, en: A}
    low: {ja: 低, en: Low}
    high: {ja: 高, en: High}
`, 13, "questions[0].driver", `driver "pay" is not a reason code`},
		{"questions left empty", "", 10, "questions", "must be a list, found nothing"},
		{"no questions", strings.TrimSuffix(head, "\n") + " []\n", 10, "questions", "at least one question"},
		{"privacy leadership comments", `id: t
version: 1
title: {ja: テスト, en: Test}
intro: {ja: はじめに, en: Intro}
privacy:
  min_group_size: 5
  hr: [aggregates]
  leadership: [aggregates, masked_comments]
  notice: {ja: "{min_group_size}人", en: "{min_group_size} people"}
questions:
` + okQuestion, 8, "privacy.leadership[1]", `"masked_comments" is not allowed here`},
		{"privacy notice without size", `id: t
version: 1
title: {ja: テスト, en: Test}
intro: {ja: はじめに, en: Intro}
privacy:
  min_group_size: 2
  hr: [aggregates]
  leadership: [aggregates]
  notice: {ja: "少人数は非表示", en: "{min_group_size} people"}
questions:
` + okQuestion, 9, "privacy.notice.ja", "must state the minimum group size"},
		{"privacy group too small", `id: t
version: 1
title: {ja: テスト, en: Test}
intro: {ja: はじめに, en: Intro}
privacy:
  min_group_size: 2
  hr: [aggregates]
  leadership: [aggregates]
  notice: {ja: "{min_group_size}人", en: "{min_group_size} people"}
questions:
` + okQuestion, 6, "privacy.min_group_size", "must be at least 3"},
		{"id does not match file", strings.Replace(head, "id: t", "id: other", 1) + okQuestion, 1, "id", `must match the file name "t.yaml"`},
		{"missing title", strings.Replace(head, "title: {ja: テスト, en: Test}\n", "", 1) + okQuestion, 1, "title", `missing required key "title"`},
		{"empty file", "# nothing here\n", 1, "", "empty survey file"},
		{"not a mapping", "- a\n- b\n", 1, "", "must be a mapping"},
		{"two documents", head + okQuestion + "---\nid: t\n", 14, "", "one YAML document"},
		{"syntax error", "id: t\nversion: 1\ntitle: ja: x\n", 3, "", "invalid YAML near this line: mapping values are not allowed"},
		{"alias", head + "  - &x\n    id: a\n    type: text\n    text: {ja: あ, en: A}\n  - *x\n", 15, "questions[1]", "aliases are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == "" || strings.HasPrefix(body, "  -") {
				body = head + body
			}
			_, err := load(t, map[string]string{"t.yaml": body})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			var found bool
			for _, le := range LoadErrors(err) {
				if le.File == "t.yaml" && le.Line == tt.line && le.Field == tt.field && strings.Contains(le.Msg, tt.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("want t.yaml:%d: %s: …%s…\ngot:\n%v", tt.line, tt.field, tt.msg, err)
			}
		})
	}
}

// TestLoadReportsAllErrors checks that problems in several questions and files
// are all reported, not just the first.
func TestLoadReportsAllErrors(t *testing.T) {
	_, err := load(t, map[string]string{
		"t.yaml": head + `  - id: a
    type: rating
    text: {ja: あ}
  - id: a
    type: text
    text: {ja: い, en: B}
    colour: red
`,
		"u.yaml": "id: u\n",
	})
	got := LoadErrors(err)
	want := []string{
		`t.yaml:12: questions[0].type: unknown question type "rating"; known: nps, likert, single, multi, text, yesno`,
		`t.yaml:13: questions[0].text.en: missing en translation`,
		`t.yaml:14: questions[1].id: duplicate question id "a" (first on line 11)`,
		`t.yaml:17: questions[1].colour: unknown key "colour"`,
		`u.yaml:1: version: missing required key "version"`,
		`u.yaml:1: title: missing required key "title"`,
		`u.yaml:1: intro: missing required key "intro"`,
		`u.yaml:1: privacy: missing required key "privacy"`,
		`u.yaml:1: questions: missing required key "questions"`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(got), len(want), err)
	}
	for i := range want {
		if got[i].Error() != want[i] {
			t.Errorf("error %d = %q, want %q", i, got[i].Error(), want[i])
		}
	}
	var le *LoadError
	if !errors.As(err, &le) || le.File != "t.yaml" {
		t.Errorf("errors.As(*LoadError) = %v", le)
	}
}

func TestLoadNoFiles(t *testing.T) {
	if _, err := load(t, map[string]string{"readme.md": "hi"}); err == nil {
		t.Fatal("Load of a folder without surveys succeeded")
	}
}

func TestPrivacyNoticeUsesLargerMinimum(t *testing.T) {
	c, err := load(t, map[string]string{"t.yaml": head + okQuestion})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.Get("t")
	if got := s.PrivacyNotice("ja", 3); got != "5人未満は表示しません" {
		t.Errorf("tenant 3, survey 5: %q", got)
	}
	if got := s.PrivacyNotice("en", 10); got != "Groups under 10 are hidden" {
		t.Errorf("tenant 10, survey 5: %q", got)
	}
}
