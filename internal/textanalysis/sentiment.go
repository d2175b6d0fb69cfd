package textanalysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Label is a sentiment label.
type Label string

// Sentiment labels.
const (
	Positive Label = "positive"
	Negative Label = "negative"
	Mixed    Label = "mixed"
	Neutral  Label = "neutral"
)

// Tuning of the sentiment arithmetic. These are part of the algorithm, not of the editable lexicon.
const (
	negatedPositive = -0.8 // 良くない: a negated positive is nearly as negative
	negatedNegative = -0.4 // 不満はない: a negated negative is only mildly positive (alone, not enough to be positive)
	hedgedNegative  = -0.3 // 不満があったわけではない: a hedge says even less
	beforeContrast  = 0.5  // weight of what precedes けど/しかし; the clause after weighs double
	hypothetical    = 0.3  // weight of what precedes a condition (〜があれば, 〜だったら)
	quotedSpeech    = 0.3  // weight of words inside 「」: what someone else said, not the writer's view
	neutralBelow    = 0.45 // total evidence under this is neutral
	mixedRatio      = 0.5  // the weaker side reaching this share of the stronger is mixed
	concession      = 0.2  // evidence before a contrast marker that makes the answer mixed with a clear other side
	negationReach   = 10   // tokens after a polar word that a negator may follow
	intensifyReach  = 3    // tokens before a polar word that an intensifier may precede
)

// bridgeNouns let a negation reach back over them: 上がる見込みがない, 心配する必要はない.
var bridgeNouns = map[string]bool{
	"見込み": true, "気配": true, "予定": true, "余地": true, "可能性": true, "兆し": true, "様子": true,
	"見通し": true, "保証": true, "実感": true, "感じ": true, "気": true, "必要": true, "機会": true,
}

// lexicon is a compiled polarity lexicon.
type lexicon struct {
	version   string
	polar     *phraseSet // payload: index into weights
	weights   []float64  // signed; 0 for neutral phrases, which only shadow shorter polar words
	negators  map[string]bool
	contrast  *phraseSet
	intensify map[string]float64
	within    int
	more      map[string]bool
	less      map[string]bool
	targets   *phraseSet // payload +1: good when more, -1: bad when more
}

type lexiconDoc struct {
	Version      string       `yaml:"version"`
	Positive     yaml.Node    `yaml:"positive"`
	Negative     yaml.Node    `yaml:"negative"`
	Neutral      []string     `yaml:"neutral"`
	Negators     []string     `yaml:"negators"`
	Contrast     []string     `yaml:"contrast"`
	Intensifiers yaml.Node    `yaml:"intensifiers"`
	Quantity     *quantityDoc `yaml:"quantity"`
}

type quantityDoc struct {
	Within       int      `yaml:"within"`
	More         []string `yaml:"more"`
	Less         []string `yaml:"less"`
	GoodWhenMore []string `yaml:"good_when_more"`
	BadWhenMore  []string `yaml:"bad_when_more"`
}

// parseLexicon compiles a lexicon file.
func (a *Analyzer) parseLexicon(src []byte) (*lexicon, error) {
	const file = "lexicon"
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, &RuleError{file, yamlErrLine(err), "(file)", err.Error()}
	}
	if len(root.Content) == 0 {
		return nil, &RuleError{file, 1, "(file)", "empty lexicon"}
	}
	doc := root.Content[0]
	if err := checkKeys(file, doc, "", "version", "positive", "negative", "neutral", "negators", "contrast", "intensifiers", "quantity"); err != nil {
		return nil, err
	}
	var ld lexiconDoc
	if err := doc.Decode(&ld); err != nil {
		return nil, decodeErr(file, doc, "(file)", err)
	}
	if strings.TrimSpace(ld.Version) == "" {
		return nil, &RuleError{file, keyLine(doc, "version"), "version", "must be set (bump it when the lexicon changes)"}
	}
	lx := &lexicon{
		version:   ld.Version,
		polar:     newPhraseSet(a.keys),
		negators:  map[string]bool{},
		contrast:  newPhraseSet(a.keys),
		intensify: map[string]float64{},
		more:      map[string]bool{},
		less:      map[string]bool{},
		targets:   newPhraseSet(a.keys),
	}
	seen := map[string]int{}
	for _, side := range []struct {
		field string
		node  *yaml.Node
		sign  float64
	}{{"positive", &ld.Positive, 1}, {"negative", &ld.Negative, -1}} {
		n := side.node
		if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
			return nil, &RuleError{file, keyLine(doc, side.field), side.field, "must be a non-empty mapping of word: weight"}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := side.field + "." + k.Value
			var w float64
			if err := v.Decode(&w); err != nil || !(w > 0 && w <= 2) {
				return nil, &RuleError{file, v.Line, path, "weight must be a number in (0, 2]"}
			}
			p, ok := a.phraseOf(k.Value)
			if !ok {
				return nil, &RuleError{file, k.Line, path, "empty word"}
			}
			key := phraseKey(p)
			if line, dup := seen[key]; dup {
				return nil, &RuleError{file, k.Line, path, fmt.Sprintf("same word as line %d", line)}
			}
			seen[key] = k.Line
			lx.weights = append(lx.weights, side.sign*w)
			lx.polar.add(p, len(lx.weights)-1)
		}
	}
	for _, w := range ld.Neutral {
		if p, ok := a.phraseOf(w); ok {
			lx.weights = append(lx.weights, 0)
			lx.polar.add(p, len(lx.weights)-1)
		}
	}
	if len(ld.Negators) == 0 {
		return nil, &RuleError{file, keyLine(doc, "negators"), "negators", "must list the negating forms (ない, ぬ, ん…)"}
	}
	for _, w := range ld.Negators {
		lx.negators[canonical(strings.TrimSpace(Normalize(w)))] = true
	}
	for _, w := range ld.Contrast {
		if p, ok := a.phraseOf(w); ok {
			lx.contrast.add(p, 0)
		}
	}
	if in := &ld.Intensifiers; in.Kind != 0 {
		if in.Kind != yaml.MappingNode {
			return nil, &RuleError{file, in.Line, "intensifiers", "must be a mapping of word: factor"}
		}
		for i := 0; i+1 < len(in.Content); i += 2 {
			k, v := in.Content[i], in.Content[i+1]
			var f float64
			if err := v.Decode(&f); err != nil || !(f > 1 && f <= 3) {
				return nil, &RuleError{file, v.Line, "intensifiers." + k.Value, "factor must be a number in (1, 3]"}
			}
			lx.intensify[canonical(strings.TrimSpace(Normalize(k.Value)))] = f
		}
	}
	if q := ld.Quantity; q != nil {
		ql := keyLine(doc, "quantity")
		if q.Within < 1 || q.Within > 20 {
			return nil, &RuleError{file, ql, "quantity.within", "must be between 1 and 20 tokens"}
		}
		lx.within = q.Within
		for _, l := range []struct {
			words []string
			into  map[string]bool
		}{{q.More, lx.more}, {q.Less, lx.less}} {
			for _, w := range l.words {
				if p, ok := a.phraseOf(w); ok {
					l.into[p.elems[0].base] = true
				}
			}
		}
		for _, l := range []struct {
			words []string
			sign  int
		}{{q.GoodWhenMore, 1}, {q.BadWhenMore, -1}} {
			for _, w := range l.words {
				if p, ok := a.phraseOf(w); ok {
					lx.targets.add(p, l.sign)
				}
			}
		}
	}
	return lx, nil
}

// phraseKey identifies a lexicon word by its dictionary forms, so that 良い and いい count as one word.
func phraseKey(p phrase) string {
	var b strings.Builder
	for _, e := range p.elems {
		b.WriteString(e.base)
		b.WriteByte(' ')
	}
	return b.String()
}

// polarItem is one piece of sentiment evidence over tokens [start, end).
type polarItem struct {
	start, end int
	w          float64 // signed, after negation, intensifiers and conditions
	contrast   float64 // weight factor from later contrast markers (1 when none)
}

// marker is a contrast marker: a conjunctive particle (けど, が) acts within its sentence, a conjunction
// (しかし, ただ) on everything before it.
type marker struct {
	tok  int
	conj bool
}

// sentimentItems finds the polar evidence of an answer and its contrast markers, and numbers the clauses
// of toks (a clause ends at a sentence end or a contrast marker).
func (a *Analyzer) sentimentItems(toks []token) ([]polarItem, []marker) {
	lx := a.lex
	var marks []marker
	isMark := make([]bool, len(toks))
	lx.contrast.find(toks, nil, func(m phraseMatch) {
		t := &toks[m.start]
		if m.end-m.start == 1 && t.pos1 != "接続助詞" && t.pos != "接続詞" {
			return // が as a case particle, でも as 副助詞
		}
		if m.end < len(toks) && toks[m.end].pos == "助動詞" && lx.negators[toks[m.end].base] {
			return // とは言えない ("cannot be called"), not とは言え ("even so")
		}
		marks = append(marks, marker{m.start, t.pos != "助詞"})
		isMark[m.start] = true
	})
	clause := 0
	for i := range toks {
		if i > 0 && (toks[i].sent != toks[i-1].sent || isMark[i-1]) {
			clause++
		}
		toks[i].clause = clause
	}

	newEmployerClause := newEmployerClauses(toks)

	var items []polarItem
	covered := make([]bool, len(toks))
	startsItem := make([]bool, len(toks))
	lx.polar.find(toks, nil, func(m phraseMatch) {
		for i := m.start; i < m.end; i++ {
			covered[i] = true
		}
		if w := lx.weights[lx.polar.payloads[m.phrase][0]]; w != 0 {
			items = append(items, polarItem{start: m.start, end: m.end, w: w, contrast: 1})
			startsItem[m.start] = true
		}
	})
	items = a.quantityItems(toks, items, covered, startsItem)

	for k := range items {
		it := &items[k]
		sent := toks[it.start].sent
		// negation: an odd number of negators after the word, within its clause (しかない is "only")
		neg, hedge := 0, false
		for j := it.end; j < len(toks) && j < it.end+negationReach; j++ {
			t := &toks[j]
			if t.sent != sent || t.pos == "記号" || isMark[j] || startsItem[j] {
				break
			}
			if t.pos == "名詞" && t.pos1 == "数" {
				continue // 一度もない, 一回もなかった: a count reaches through to its negation
			}
			if t.pos == "名詞" && t.pos1 != "非自立" && t.pos1 != "接尾" && t.pos1 != "代名詞" && !bridgeNouns[t.base] {
				// 成長できる環境ではない: a negated noun predicate negates what describes the noun;
				// 学べる仕組みがなかった, 相談できる人がいない: so does the noun's absence
				if copulaNegated(toks, j+1, lx.negators) || existenceNegated(toks, j+1, lx.negators) {
					neg++
				}
				break
			}
			if t.pos == "助詞" && t.pos1 == "接続助詞" && t.surface != "て" && t.surface != "で" || isConcession(toks, j) {
				break
			}
			if t.base == "わけ" {
				hedge = true
			}
			if (t.pos == "助動詞" || t.pos == "形容詞") && lx.negators[t.base] && !(j > 0 && notNegation[toks[j-1].surface]) {
				neg++
			}
		}
		if neg%2 == 1 {
			switch {
			case it.w > 0:
				it.w *= negatedPositive
			case hedge:
				it.w *= hedgedNegative
			default:
				it.w *= negatedNegative
			}
		}
		// intensifier just before the word; under negation it softens instead (特に不満はない,
		// あまり良くない)
		for j := it.start - 1; j >= 0 && j >= it.start-intensifyReach; j-- {
			t := &toks[j]
			if t.clause != toks[it.start].clause || covered[j] {
				break
			}
			f, ok := lx.intensify[t.base]
			if !ok {
				f, ok = lx.intensify[t.surface]
			}
			if ok {
				if neg%2 == 1 {
					f = 1 / f
				}
				it.w *= f
				break
			}
		}
		if toks[it.start].quoted {
			it.w *= quotedSpeech
		}
		// a condition later in the clause makes the word hypothetical (勤務地を選べる制度があれば), and so
		// do a concession (評価が上がっても) and a question (このままでいいのか)
		// (these two only within the phrase: 盾になってくれて、失敗しても… keeps 盾になる), and a
		// comparison that sets the word aside (ミスを責めるより…)
		phrase := true
		for j := it.end; j < len(toks) && toks[j].clause == toks[it.start].clause; j++ {
			if toks[j].pos == "記号" {
				phrase = false
			}
			if isCondition(&toks[j]) || phrase && (isConcession(toks, j) || isQuestion(toks, j)) ||
				j == it.end && toks[j].surface == "より" && toks[j].pos == "助詞" {
				it.w *= hypothetical
				break
			}
		}
		// praise of the new employer in a comparison is criticism of us (転職先のほうが年収も大きい)
		if from, ok := newEmployerClause[toks[it.start].clause]; ok && it.start > from && !formerEmployerBetween(toks, from, it.start) {
			it.w = -it.w
		}
		// contrast: each later marker (particle: same sentence; conjunction: anywhere) halves the weight
		n := 0
		for _, mk := range marks {
			if mk.tok >= it.end && (mk.conj || toks[mk.tok].sent == sent) {
				n++
			}
		}
		for ; n > 0 && it.contrast > beforeContrast*beforeContrast; n-- {
			it.contrast *= beforeContrast
		}
	}
	return items, marks
}

// notNegation are the words before ない that make it something else: しかない ("nothing but"),
// かもしれない ("may be").
var notNegation = map[string]bool{"しか": true, "しれ": true, "知れ": true}

// existenceNegated reports whether toks[j:] says that the noun before j is absent: がない, はなかった,
// もいない, がありません.
func existenceNegated(toks []token, j int, negators map[string]bool) bool {
	_, ok := absenceEnd(toks, j, negators)
	return ok
}

// absenceEnd returns the end of がない / もありません at toks[j:] (after its negator).
func absenceEnd(toks []token, j int, negators map[string]bool) (int, bool) {
	if j >= len(toks) || toks[j].pos != "助詞" || (toks[j].surface != "が" && toks[j].surface != "は" && toks[j].surface != "も") {
		return 0, false
	}
	j++
	for ; j < len(toks) && toks[j].pos == "副詞"; j++ { // がほとんどない, が全くなかった
	}
	if j < len(toks) && toks[j].pos == "動詞" && (toks[j].base == "ある" || toks[j].base == "いる") {
		j++
		for ; j < len(toks) && toks[j].isAuxiliary() && !negators[toks[j].base]; j++ { // ありません
		}
	}
	if j < len(toks) && (toks[j].pos == "助動詞" || toks[j].pos == "形容詞") && negators[toks[j].base] {
		return j + 1, true
	}
	return 0, false
}

// copulaNegated reports whether toks[j:] is a negated copula: ではない, じゃない, でもありません, とは言えない.
func copulaNegated(toks []token, j int, negators map[string]bool) bool {
	if j < len(toks) && toks[j].surface == "と" { // 良い職場とは言えない
		j++
		if j < len(toks) && toks[j].pos == "助詞" && (toks[j].surface == "は" || toks[j].surface == "も") {
			j++
		}
		if j < len(toks) && (toks[j].base == "言える" || toks[j].base == "言う") {
			for j++; j < len(toks) && toks[j].isAuxiliary() && !negators[toks[j].base]; j++ {
			}
			return j < len(toks) && toks[j].pos == "助動詞" && negators[toks[j].base]
		}
		return false
	}
	if j < len(toks) && (toks[j].surface == "で" || toks[j].surface == "じゃ") {
		j++
		if j < len(toks) && toks[j].pos == "助詞" && (toks[j].surface == "は" || toks[j].surface == "も") {
			j++
		}
		for ; j < len(toks) && (toks[j].isAuxiliary() || toks[j].base == "ある"); j++ { // ではありません
		}
		return j < len(toks) && (toks[j].pos == "助動詞" || toks[j].pos == "形容詞") && negators[toks[j].base]
	}
	return false
}

// newEmployers name the writer's new workplace; with は, では, が or のほうが after them, a clause
// compares it with us.
var newEmployers = map[string]bool{"転職先": true, "現職": true, "今の会社": true, "今の職場": true, "新しい会社": true,
	"新しい職場": true, "次の会社": true, "今の勤め先": true}

// newEmployerStart reports a first token of newEmployers, so that most tokens are passed over at once
// (a switch: hashing every token's surface cost 5 % of the sentiment pass).
func newEmployerStart(s string) bool {
	switch s {
	case "転職先", "転職", "現職", "今", "新しい", "次":
		return true
	}
	return false
}

// formerEmployers name us, the writer's former employer.
var formerEmployers = map[string]bool{"前職": true, "御社": true, "貴社": true, "古巣": true, "前": true, "以前": true}

// formerEmployerBetween reports a mention of the former employer in toks(from, to): 今の職場では…、前職の
// 働き方が… turns back to us.
func formerEmployerBetween(toks []token, from, to int) bool {
	for k := from + 1; k < to; k++ {
		if formerEmployers[toks[k].surface] {
			return true
		}
	}
	return false
}

// newEmployerClauses returns the clauses whose topic is the writer's new employer (転職先は…, 今の会社の
// ほうが…), each with the token where the new employer is named; not 転職先より (we are the better one)
// nor 転職先でも (the same as with us).
func newEmployerClauses(toks []token) map[int]int {
	var out map[int]int
	for i := 0; i < len(toks); i++ {
		if !newEmployerStart(toks[i].surface) {
			continue
		}
		// the name may be one token (転職先, 現職) or more (今 の 会社, 新しい 職場)
		end, name := 0, ""
		for k := i; k < len(toks) && k < i+3; k++ {
			name += toks[k].surface
			if newEmployers[name] {
				end = k + 1
			}
		}
		if end == 0 || end >= len(toks) {
			continue
		}
		next := toks[end].surface
		comparing := next == "は" || next == "が" ||
			next == "で" && end+1 < len(toks) && toks[end+1].surface == "は" ||
			next == "の" && end+1 < len(toks) && (toks[end+1].surface == "ほう" || toks[end+1].surface == "方")
		if _, seen := out[toks[i].clause]; comparing && !seen {
			if out == nil {
				out = map[int]int{}
			}
			out[toks[i].clause] = i
		}
	}
	return out
}

// isConcession reports a concessive ても / でも at toks[j] (頑張っても, 評価が上がっても): what precedes is
// granted for the argument, not the writer's finding.
func isConcession(toks []token, j int) bool {
	t := &toks[j]
	return t.pos == "助詞" && t.surface == "も" && j > 0 && toks[j-1].pos == "助詞" && toks[j-1].pos1 == "接続助詞" &&
		(toks[j-1].surface == "て" || toks[j-1].surface == "で")
}

// isQuestion reports a question particle (このままでいいのか, 良かったのか): the writer asks, not judges.
// Not いかに激務だったか, which exclaims.
func isQuestion(toks []token, j int) bool {
	t := &toks[j]
	return t.pos == "助詞" && t.surface == "か" && strings.Contains(t.pos1, "終助詞") && j > 0 &&
		(toks[j-1].surface == "の" || toks[j-1].surface == "ん")
}

// isCondition reports a conditional form: 〜ば, 〜たら, 〜なら.
func isCondition(t *token) bool {
	switch t.pos {
	case "助詞":
		return t.pos1 == "接続助詞" && t.surface == "ば"
	case "助動詞":
		return t.surface == "たら" || t.surface == "だら" || t.surface == "なら"
	}
	return false
}

// quantityItems gives quantity words (多い, 低い, 増える) the sign of the nearest target noun in their
// sentence: 残業が多い is negative, 給料が低い is negative, 残業が少ない is positive.
func (a *Analyzer) quantityItems(toks []token, items []polarItem, covered, startsItem []bool) []polarItem {
	lx := a.lex
	if lx.within == 0 {
		return items
	}
	type target struct{ tok, sign int }
	var targets []target
	lx.targets.find(toks, a.userParts, func(m phraseMatch) {
		sign := lx.targets.payloads[m.phrase][0]
		targets = append(targets, target{m.start, sign})
		// none at all is the least there can be: 手当もなかった is bad, 残業がない is good
		if end, ok := absenceEnd(toks, m.end, lx.negators); ok && !startsItem[m.start] {
			items = append(items, polarItem{start: m.start, end: end, w: -float64(sign), contrast: 1})
			startsItem[m.start] = true
		}
	})
	if len(targets) == 0 {
		return items
	}
	for i := range toks {
		t := &toks[i]
		dir := 0
		if lx.more[t.base] {
			dir = 1
		} else if lx.less[t.base] {
			dir = -1
		}
		if dir == 0 || t.masked {
			continue
		}
		// the noun a quantity word describes comes before it (残業が多い) or, attributively, right after it
		// (高い給料); 対応が多く、手当もなかった does not make 手当 many
		best, bestTok, bestDist := 0, 0, lx.within+1
		for _, tg := range targets {
			d := i - tg.tok
			if tg.tok == i+1 || tg.tok == i+2 && toks[i+1].pos == "助動詞" {
				d = 1
			}
			if toks[tg.tok].sent == t.sent && d > 0 && d < bestDist {
				best, bestTok, bestDist = tg.sign, tg.tok, d
			}
		}
		if best == 0 { // a relative clause before its noun: 上がる見込みがない給料
			for _, tg := range targets {
				if d := tg.tok - i; d > 0 && d <= lx.within && toks[tg.tok].sent == t.sent && !punctuationBetween(toks, i, tg.tok) {
					best, bestTok = tg.sign, tg.tok
					break
				}
			}
		}
		if best == 0 {
			continue
		}
		w := float64(dir * best)
		replaced := false
		for k := range items {
			switch items[k].start {
			case i:
				items[k].w = w * math.Max(1, math.Abs(items[k].w))
				replaced = true
			case bestTok:
				items[k].w = 0 // フォローが弱い: the construction decides, not the noun's own polarity
			}
		}
		if !replaced {
			items = append(items, polarItem{start: i, end: i + 1, w: w, contrast: 1})
			covered[i] = true
			startsItem[i] = true
		}
	}
	return slices.DeleteFunc(items, func(it polarItem) bool { return it.w == 0 })
}

// punctuationBetween reports a symbol (、「) between toks[i] and toks[j].
func punctuationBetween(toks []token, i, j int) bool {
	for k := i + 1; k < j; k++ {
		if toks[k].pos == "記号" {
			return true
		}
	}
	return false
}

// answerSentiment labels a whole answer. Evidence before a contrast marker weighs less; but a clear
// positive on one side of a contrast and a clear negative on the other (給与は良かったけど、評価が…) is
// mixed, whatever the balance.
func answerSentiment(toks []token, items []polarItem, marks []marker) (Label, float64) {
	l, score := label(sum(items, nil, true))
	if l != Positive && l != Negative {
		return l, score
	}
	for _, m := range marks {
		msent := toks[m.tok].sent
		before := func(it *polarItem) bool { return it.end <= m.tok && (m.conj || toks[it.start].sent == msent) }
		after := func(it *polarItem) bool { return it.start > m.tok && toks[it.start].sent == msent }
		pb, nb := sum(items, before, false)
		pa, na := sum(items, after, false)
		// a concession needs less: 不満があったわけではない。ただ… grants a little, then criticises
		if pb-nb >= concession && na-pa >= neutralBelow || nb-pb >= concession && pa-na >= neutralBelow {
			return Mixed, score
		}
	}
	return l, score
}

// label turns positive and negative evidence into a label and a score in [-1, 1].
func label(pos, neg float64) (Label, float64) {
	total := pos + neg
	score := (pos - neg) / math.Max(total, 1)
	switch {
	case total < neutralBelow:
		return Neutral, score
	case math.Min(pos, neg) >= neutralBelow && math.Min(pos, neg) >= mixedRatio*math.Max(pos, neg):
		return Mixed, score
	case pos > neg:
		return Positive, score
	default:
		return Negative, score
	}
}

// sum adds up evidence, with contrast weighting when withContrast is set.
func sum(items []polarItem, keep func(*polarItem) bool, withContrast bool) (pos, neg float64) {
	for i := range items {
		it := &items[i]
		if keep != nil && !keep(it) {
			continue
		}
		w := it.w
		if withContrast {
			w *= it.contrast
		}
		if w > 0 {
			pos += w
		} else {
			neg -= w
		}
	}
	return pos, neg
}
