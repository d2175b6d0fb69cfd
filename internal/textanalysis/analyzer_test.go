package textanalysis

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/width"
)

var (
	sharedOnce sync.Once
	shared     *Analyzer
	sharedErr  error
)

// testAnalyzer returns one default Analyzer for all tests (building one loads the dictionary).
func testAnalyzer(tb testing.TB) *Analyzer {
	tb.Helper()
	sharedOnce.Do(func() { shared, sharedErr = New(Options{}) })
	if sharedErr != nil {
		tb.Fatalf("New: %v", sharedErr)
	}
	return shared
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ＡＢＣ１２３", "ABC123"},
		{"ｶﾀｶﾅ", "カタカナ"},
		{"有給が取りずらい", "有給が取りづらい"},
		{"\xff\xfe田中", "\uFFFD田中"},
		{"１on１", "1on1"},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSplitSentences(t *testing.T) {
	text := "良かった。本当に！？ありがとう\n・残業が多い\n\n「最高。」と言われた。最後"
	var got []string
	for _, s := range splitSentences(text) {
		got = append(got, text[s.start:s.end])
	}
	want := []string{"良かった。", "本当に！？", "ありがとう", "・残業が多い", "「最高。」", "と言われた。", "最後"}
	if !slices.Equal(got, want) {
		t.Errorf("splitSentences = %q, want %q", got, want)
	}
}

func TestTerms(t *testing.T) {
	a := testAnalyzer(t)
	for _, c := range []struct {
		text string
		want []string
	}{
		// HR dictionary entries stay whole; adjectives and verbs by dictionary form
		{"評価制度が曖昧でキャリア形成の機会が少なかった。", []string{"評価制度", "曖昧", "キャリア形成", "機会"}},
		{"有給休暇が取りずらい雰囲気。", []string{"有給休暇", "取る", "雰囲気"}},
		{"リモートワークができなくなり、1on1も減った。", []string{"リモートワーク", "1on1", "減る"}},
		// compounds: a part known to form compounds (研修) keeps the run; unknown runs split
		{"外部のAWS研修に行けた。", []string{"外部", "aws研修", "行ける"}},
		{"同業他社と比べて年収で差がある。", []string{"同業", "他社", "比べる", "年収", "差"}},
		{"人事評価の基準が不透明。", []string{"人事評価", "基準", "不透明"}},
		// suffixes and prefixes join their noun; stop words and numbers go
		{"退職金と具体的な説明が欲しかった。", []string{"退職金", "具体的", "説明"}},
		// person names are never terms
		{"田中さんに相談した。", []string{"相談"}},
	} {
		if got := a.Analyze(c.text, nil).Terms; !slices.Equal(got, c.want) {
			t.Errorf("Terms(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestCompoundScore(t *testing.T) {
	cs := newCompoundStats([][]string{{"評価", "制度"}, {"人事", "評価"}, {"評価", "基準"}})
	if got := cs.lr([]string{"未知", "語"}); got != 1 {
		t.Errorf("LR of unknown parts = %v, want 1", got)
	}
	// 評価: L=1 (人事評価), R=2 (評価制度, 評価基準); 面談 unknown → ((2·3)(1·1))^(1/4)
	if got, want := cs.lr([]string{"評価", "面談"}), 1.5650845800732873; fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", want) {
		t.Errorf("LR(評価 面談) = %v, want %v", got, want)
	}
	if !cs.known["評価制度"] || cs.known["評価面談"] {
		t.Errorf("known compounds wrong: %v", cs.known)
	}
}

func TestSentiment(t *testing.T) {
	a := testAnalyzer(t)
	for _, c := range []struct {
		text string
		want Label
	}{
		{"本当に良い職場でした。", Positive},
		{"特になし", Neutral},
		// negation: ない, なかった, ません, ず, なく
		{"給料は良くなかった。", Negative},
		{"職場の雰囲気は悪くない。", Positive},
		{"リモートが認められず、辞めた。", Negative},
		{"やりがいがなく、辞めた。", Negative},
		{"成長できる環境ではありませんでした。", Negative},
		{"問題なく引き継げた。", Neutral}, // shadowed: 問題なく is not praise
		{"会社に不満があったわけではありません。", Neutral},
		{"会社への不満はないです。むしろ感謝しかない。", Positive}, // しかない is not negation
		{"上がる見込みがない給料。", Negative},
		// contrast: the clause after weighs more; praise against criticism is mixed
		{"給料は良くなかったけど、人間関係には恵まれました。", Mixed},
		{"ただ、給料は低い。", Negative},
		{"評価制度を変えたのはいいけど、運用が追いついていない。", Mixed},
		// quantity words take the sign of their noun
		{"残業が多すぎる。", Negative},
		{"残業が少なかった。", Positive},
		{"給料が低い。", Negative},
		{"対応が多く、手当もなかった。", Negative}, // the noun before 多い; no 手当 at all
		{"転勤がない職種でした。", Positive},
		// absence, hedges and questions
		{"良い職場とは言えない。", Negative}, // not とは言え ("even so")
		{"体系的に学べる仕組みがなかった。", Negative},
		{"引き継ぎが不十分だったかもしれない。", Negative}, // かもしれない is no negation
		{"このままでいいのかと悩んだ。", Negative},
		{"前職がいかに激務だったか気付いた。", Negative},
		// the new employer compared with us
		{"転職先のほうが年収が高い。", Negative},
		{"給料は転職先より前の会社のほうが良かった。", Positive},
		{"新しい職場でも教わったことを活かしています。", Positive},
		{"今の職場では残業がほぼゼロで、前職の働き方がいかに異常だったか実感しています。", Negative},
		// a concession needs little to make the answer mixed
		{"給料に不満があったわけではありません。ただ、評価面談は形だけで残念でした。", Mixed},
		// a condition makes praise hypothetical
		{"勤務地を選べる制度があれば続けていたかもしれません。", Neutral},
		// words inside quotes are someone else's
		{"「最高の会社」と言われて入った。", Neutral},
	} {
		if got := a.Analyze(c.text, nil).Sentiment; got != c.want {
			t.Errorf("Sentiment(%q) = %s, want %s", c.text, got, c.want)
		}
	}
}

// evidence returns the sentiment items of text as "word:weight×contrast".
func evidence(a *Analyzer, text string) []string {
	norm := Normalize(text)
	toks := a.tokenize(norm, splitSentences(norm))
	a.keys.keyTokens(norm, toks)
	items, _ := a.sentimentItems(toks)
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s:%.2f×%.2f", toks[it.start].surface, it.w, it.contrast))
	}
	return out
}

func TestSentimentWeights(t *testing.T) {
	a := testAnalyzer(t)
	for _, c := range []struct {
		text string
		want []string
	}{
		{"残念でした。", []string{"残念:-1.00×1.00"}},
		{"本当に残念でした。", []string{"残念:-1.50×1.00"}},                          // intensifier
		{"あまり良くなかった。", []string{"良く:-0.80×1.00"}},                         // negation
		{"特に不満はありません。", []string{"不満:0.33×1.00"}},                         // intensifier softens under negation
		{"不満があったわけではない。", []string{"不満:0.30×1.00"}},                       // hedged negation
		{"良かったけど、残念でした。", []string{"良かっ:1.00×0.50", "残念:-1.00×1.00"}},     // contrast
		{"良かった。しかし、給料が低い。", []string{"良かっ:1.00×0.50", "低い:-1.00×1.00"}},   // conjunction, quantity
		{"「最高」と言われた。", []string{"最高:0.45×1.00"}},                          // quoted
		{"選べる制度があれば良かった。", []string{"選べる:0.18×1.00"}},                     // hypothetical; ば良い is no praise
		{"フォローが弱い。", []string{"弱い:-1.00×1.00"}},                           // the construction decides
		{"遅れたことは一度もない。", []string{"遅れ:0.24×1.00"}},                        // a count reaches its negation
		{"評価が上がっても変わらない。", []string{"上がっ:0.30×1.00"}},                     // concession
		{"盾になってくれて、何があっても平気だった。", []string{"盾:1.00×1.00", "て:0.50×1.00"}}, // …not beyond its phrase
		{"ミスを責めるより考えてもらえた。", []string{"責める:-0.24×1.00", "て:0.60×1.00"}},   // set aside by より
	} {
		if got := evidence(a, c.text); !slices.Equal(got, c.want) {
			t.Errorf("evidence(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	for _, txt := range []string{"最高最高最高最高最高", "最悪", "不満はないが最悪", "特になし", ""} {
		if s := a.Analyze(txt, nil).Score; s < -1 || s > 1 {
			t.Errorf("Score(%q) = %v out of [-1, 1]", txt, s)
		}
	}
}

func TestThemes(t *testing.T) {
	a := testAnalyzer(t)
	for _, c := range []struct {
		text string
		want []string
	}{
		{"評価基準が曖昧でした。", []string{"evaluation"}},
		{"残業が月80時間を超えていた。", []string{"workload"}},
		{"リモートと出社を自分で選べたのはありがたかった。", []string{"flexibility"}},
		{"夫の転勤で関西に引っ越すことになったためです。", []string{"personal"}},                    // not flexibility: unless 夫
		{"子どもの教育費を考えると転職せざるを得ませんでした。", nil},                                  // 教育費 is not 教育
		{"市場価値を上げたかった。", []string{"growth"}},                                 // longest phrase wins over 市場
		{"上司によって点数の付け方がバラバラでした。", nil},                                       // a boss named in passing
		{"上司に相談しても「みんな同じ」と言われた。", []string{"manager"}},                       // a boss and how they manage
		{"機会があればまた一緒に働きたいです。", []string{"alumni"}},                           // near rule
		{"給与に不満はなかったけど、評価が年功序列すぎた。", []string{"compensation", "evaluation"}}, // several themes
	} {
		var got []string
		for _, h := range a.Analyze(c.text, nil).Themes {
			got = append(got, h.Code)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Themes(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

func TestThemeSentiment(t *testing.T) {
	a := testAnalyzer(t)
	res := a.Analyze("給料は良くなかったけど、人間関係には恵まれました。", nil)
	got := map[string]Label{}
	for _, h := range res.Themes {
		got[h.Code] = h.Sentiment
	}
	if got["compensation"] != Negative || got["relationships"] != Positive {
		t.Errorf("theme sentiment = %v, want compensation negative and relationships positive", got)
	}
}

func TestMasking(t *testing.T) {
	a := testAnalyzer(t)
	for _, c := range []struct {
		text   string
		known  []string
		masked string
		kinds  []PIIKind
	}{
		{"田中部長、ありがとうございました。", nil, "［氏名］部長、ありがとうございました。", []PIIKind{Person}},
		{"佐藤さんと鈴木様にお礼を。", nil, "［氏名］さんと［氏名］様にお礼を。", []PIIKind{Person, Person}},
		{"山田太郎さんにもよろしく。", nil, "［氏名］さんにもよろしく。", []PIIKind{Person}},
		{"松本さんと綾瀬部長", nil, "［氏名］さんと［氏名］部長", []PIIKind{Person, Person}},                               // 松本 is tagged as a place
		{"ミッチーさんに感謝。ミッチーがいなければ辞めていた。", nil, "［氏名］さんに感謝。［氏名］がいなければ辞めていた。", []PIIKind{Person, Person}}, // once found, everywhere
		{"お客さんと派遣さんと営業部長", nil, "お客さんと派遣さんと営業部長", nil},
		{"連絡は tanaka.taro@example.co.jp まで", nil, "連絡は ［メール］ まで", []PIIKind{Email}},
		{"携帯090-1234-5678、会社03(1234)5678", nil, "携帯［電話番号］、会社［電話番号］", []PIIKind{Phone, Phone}},
		{"０９０ー１２３４ー５６７８に電話", nil, "［電話番号］に電話", []PIIKind{Phone}},
		{"社員番号 12345 と E12345", nil, "［社員番号］ と ［社員番号］", []PIIKind{EmployeeID, EmployeeID}},
		{"FY2024とISO30414と2024-04-01", nil, "FY2024とISO30414と2024-04-01", nil},
		{"のぞみちゃんが手伝ってくれた", []string{"のぞみ"}, "［氏名］ちゃんが手伝ってくれた", []PIIKind{Person}},
		{"ヤマダ ハナコに感謝", []string{"ヤマダ ハナコ"}, "［氏名］に感謝", []PIIKind{Person}},
		{"営業三課の池田です。", nil, "営業三課の［氏名］です。", []PIIKind{Person}}, // a self-introduction
		{"社員番号 K30588 の森です。", nil, "［社員番号］ の［氏名］です。", []PIIKind{EmployeeID, Person}},
		{"開発部の件です。森の中。", nil, "開発部の件です。森の中。", nil},
	} {
		res := a.Analyze(c.text, c.known)
		if res.Masked != c.masked {
			t.Errorf("Masked(%q) = %q, want %q", c.text, res.Masked, c.masked)
		}
		var kinds []PIIKind
		norm := Normalize(c.text)
		for _, s := range res.PII {
			kinds = append(kinds, s.Kind)
			if norm[s.Start:s.End] != s.Text {
				t.Errorf("span %+v does not match the text %q", s, norm[s.Start:s.End])
			}
			if utf8.RuneCountInString(norm[:s.Start]) != s.RuneStart || utf8.RuneCountInString(norm[:s.End]) != s.RuneEnd {
				t.Errorf("span %+v has wrong rune offsets", s)
			}
		}
		if !slices.Equal(kinds, c.kinds) {
			t.Errorf("PII kinds(%q) = %v, want %v", c.text, kinds, c.kinds)
		}
		for _, s := range res.PII {
			for _, term := range res.Terms {
				if strings.Contains(term, s.Text) {
					t.Errorf("term %q contains masked %q", term, s.Text)
				}
			}
		}
	}
}

func TestOptions(t *testing.T) {
	a, err := New(Options{ForceKeep: []string{"アルムナイ会", "ホゲ製品"}, ForceIgnore: []string{"残業"}})
	if err != nil {
		t.Fatal(err)
	}
	res := a.Analyze("ホゲ製品の開発と残業とアルムナイ会。", nil)
	if !slices.Contains(res.Terms, "ホゲ製品") || !slices.Contains(res.Terms, "アルムナイ会") {
		t.Errorf("ForceKeep terms missing: %q", res.Terms)
	}
	if slices.Contains(res.Terms, "残業") {
		t.Errorf("ForceIgnore term kept: %q", res.Terms)
	}
	// ignoring a term does not hide the theme
	if !slices.ContainsFunc(res.Themes, func(h ThemeHit) bool { return h.Code == "workload" }) {
		t.Errorf("themes %v lack workload", res.Themes)
	}
	if a.Version() == Version || !strings.HasPrefix(a.Version(), Version+"+") {
		t.Errorf("customised Version() = %q", a.Version())
	}
	if testAnalyzer(t).Version() != Version {
		t.Errorf("default Version() = %q, want %q", testAnalyzer(t).Version(), Version)
	}
}

func TestThemesList(t *testing.T) {
	themes := testAnalyzer(t).Themes()
	if len(themes) != len(Codes) {
		t.Fatalf("Themes() has %d themes, want %d", len(themes), len(Codes))
	}
	for i, th := range themes {
		if th.Code != Codes[i] || th.JA == "" || th.EN == "" {
			t.Errorf("theme %d = %+v", i, th)
		}
	}
}

func TestCustomRules(t *testing.T) {
	rules := []byte(`version: "acme-1"
themes:
  - code: benefits
    ja: 福利厚生
    en: Benefits
    rules:
      - any: [社員食堂]
      - near: [[ジム, スポーツクラブ], [補助, 割引]]
        within: 4
    exclude: [近所の]
`)
	a, err := New(Options{ThemeRules: rules})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]bool{
		"社員食堂が美味しかった":     true,
		"ジムの利用補助がありがたかった": true,
		"ジムは遠いが、家賃補助はあった": false, // too far apart
		"近所の社員食堂":         false, // excluded
		"残業が多い":           false, // no default rules any more
	} {
		got := len(a.Analyze(text, nil).Themes) == 1
		if got != want {
			t.Errorf("benefits(%q) = %v, want %v", text, got, want)
		}
	}
	if th := a.Themes(); len(th) != 1 || th[0].JA != "福利厚生" {
		t.Errorf("Themes() = %v", th)
	}
}

func TestRuleErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		rules string
		line  int
		field string
	}{
		{"unknown code", "version: x\nthemes:\n  - code: pay\n    ja: a\n    en: b\n    rules:\n      - any: [給与]\n", 3, "themes[0].code"},
		{"typo in a field", "version: x\nthemes:\n  - code: compensation\n    ja: a\n    en: b\n    rules:\n      - any: [給与]\n        wieght: 0.5\n", 8, "themes[0].rules[0].wieght"},
		{"near without within", "version: x\nthemes:\n  - code: compensation\n    ja: a\n    en: b\n    rules:\n      - near: [[給与], [低い]]\n", 7, "themes[0].rules[0].within"},
		{"bad weight", "version: x\nthemes:\n  - code: compensation\n    ja: a\n    en: b\n    rules:\n      - any: [給与]\n        weight: 2\n", 8, "themes[0].rules[0].weight"},
		{"duplicate theme", "version: x\nthemes:\n  - code: compensation\n    ja: a\n    en: b\n    rules:\n      - any: [給与]\n  - code: compensation\n    ja: a\n    en: b\n    rules:\n      - any: [年収]\n", 8, "themes[1].code"},
		{"no version", "themes:\n  - code: compensation\n    ja: a\n    en: b\n    rules:\n      - any: [給与]\n", 0, "version"},
		{"syntax", "version: x\nthemes: [\n", 2, "(file)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(Options{ThemeRules: []byte(c.rules)})
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RuleError", err)
			}
			if re.Field != c.field || (c.line != 0 && re.Line != c.line) {
				t.Errorf("RuleError at line %d field %q, want line %d field %q (%v)", re.Line, re.Field, c.line, c.field, err)
			}
		})
	}
	_, err := New(Options{Lexicon: []byte("version: x\npositive:\n  良い: 3\nnegative:\n  悪い: 1\nnegators: [ない]\n")})
	var re *RuleError
	if !errors.As(err, &re) || re.File != "lexicon" || re.Line != 3 || re.Field != "positive.良い" {
		t.Errorf("lexicon weight error = %v", err)
	}
}

// TestConcurrentAnalyze shares one Analyzer (one kagome tokenizer) between goroutines; run with -race.
func TestConcurrentAnalyze(t *testing.T) {
	a := testAnalyzer(t)
	texts := []string{
		"評価制度が曖昧で、上司によって点数の付け方がバラバラでした。",
		"田中部長、ありがとうございました。連絡は tanaka@example.com まで。",
		"残業が多すぎる。ただ、同僚には恵まれた。",
		"リモートワークができなくなったので転職しました。",
	}
	want := make([]Result, len(texts))
	for i, txt := range texts {
		want[i] = a.Analyze(txt, nil)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := 0; n < 25; n++ {
				i := (g + n) % len(texts)
				got := a.Analyze(texts[i], nil)
				if fmt.Sprint(got) != fmt.Sprint(want[i]) {
					errs <- fmt.Sprintf("goroutine %d: %q analysed differently", g, texts[i])
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"", "特になし", "田中部長、ありがとう", "\xff\xfe\xfd", "給料は良くなかったけど、人間関係には恵まれました。",
		"090-1234-5678 a@b.co E12345 社員番号:123", "「「「」", "。。。！？\n\n", strings.Repeat("残業", 1500),
		"ｱｲｳ１２３\u0000\u200b", "［氏名］さん",
	} {
		f.Add(s)
	}
	a := testAnalyzer(f)
	f.Fuzz(func(t *testing.T, s string) {
		res := a.Analyze(s, []string{"山田"})
		if !utf8.ValidString(res.Masked) {
			t.Errorf("Masked is not valid UTF-8: %q", res.Masked)
		}
		if res.Score < -1 || res.Score > 1 {
			t.Errorf("Score %v out of range", res.Score)
		}
		norm := Normalize(s)
		prev := 0
		for _, sp := range res.PII {
			if sp.Start < prev || sp.End <= sp.Start || sp.End > len(norm) || norm[sp.Start:sp.End] != sp.Text {
				t.Fatalf("bad span %+v in %q", sp, norm)
			}
			prev = sp.End
			for _, term := range res.Terms {
				if term == lowerASCII(sp.Text) || sp.Kind != Person && strings.Contains(term, lowerASCII(sp.Text)) {
					t.Errorf("term %q shows masked %s %q", term, sp.Kind, sp.Text)
				}
			}
		}
	})
}

// TestFoldsWidth checks the shortcut in Normalize: every rune width.Fold changes is one foldsWidth reports.
func TestFoldsWidth(t *testing.T) {
	for r := rune(0); r < 0x30000; r++ {
		if width.Fold.String(string(r)) != string(r) && !foldsWidth(r) {
			t.Errorf("width.Fold changes %U, foldsWidth misses it", r)
		}
	}
}
