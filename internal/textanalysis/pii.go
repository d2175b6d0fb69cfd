package textanalysis

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PIIKind names a kind of personal data found in free text.
type PIIKind string

// Kinds of personal data that are masked.
const (
	Person     PIIKind = "person"
	Email      PIIKind = "email"
	Phone      PIIKind = "phone"
	EmployeeID PIIKind = "employee_id"
)

// Placeholder returns the text that replaces personal data of kind k in Result.Masked.
func (k PIIKind) Placeholder() string {
	switch k {
	case Person:
		return "［氏名］"
	case Email:
		return "［メール］"
	case Phone:
		return "［電話番号］"
	case EmployeeID:
		return "［社員番号］"
	}
	return "［個人情報］"
}

// Span is personal data found in an answer. Offsets refer to Normalize(text); Text is the data itself and
// must never be shown or logged.
type Span struct {
	Kind      PIIKind `json:"kind"`
	Start     int     `json:"start"` // byte offsets in the normalised text
	End       int     `json:"end"`
	RuneStart int     `json:"rune_start"` // the same in runes (characters)
	RuneEnd   int     `json:"rune_end"`
	Text      string  `json:"text"`
}

const dashes = `\-‐‑–—―−ー`

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}`)
	// Japanese numbers: 03-1234-5678, 090 1234 5678, 0120-123-456, (03)1234-5678, +81-90-1234-5678,
	// 09012345678; the digit count is checked after matching.
	phoneRE = regexp.MustCompile(`(?:\+81[ ` + dashes + `]?\(?0?\)?|\(?0)\d{1,4}[ ` + dashes + `()]{0,2}\d{1,4}[ ` + dashes + `()]{0,2}\d{3,4}`)
	// 社員番号: 12345, 社員ID E-1234, 従業員番号は 0012
	labelledIDRE = regexp.MustCompile(`(?:社員番号|社員ID|社員id|社員コード|社員No\.?|従業員番号|従業員ID|従業員コード|職員番号|社番)[ :：]*(?:は|が|:)?[ :：]*[A-Za-z]{0,3}-?\d{3,10}`)
	idLabels     = []string{"社員", "従業員", "職員", "社番"}
	// E12345, EMP-00123: one to three letters and four to eight digits, standing alone
	bareIDRE = regexp.MustCompile(`[A-Za-z]{1,3}-?\d{4,8}`)
)

// notIDPrefix are letter prefixes of codes that are not employee ids (FY2024, ISO30414).
var notIDPrefix = map[string]bool{"FY": true, "CY": true, "ISO": true, "JIS": true, "RFC": true, "VER": true, "V": true, "Q": true, "H": true, "NO": true, "TEL": true, "FAX": true}

// honorifics follow a name: 佐藤さん, 鈴木様, 小林くん.
var honorifics = map[string]bool{"さん": true, "様": true, "さま": true, "君": true, "くん": true, "ちゃん": true, "氏": true, "殿": true, "先生": true}

// titles follow a name as a form of address: 田中部長, 高橋主任.
var titles = map[string]bool{
	"部長": true, "課長": true, "係長": true, "主任": true, "社長": true, "専務": true, "常務": true, "副社長": true,
	"本部長": true, "室長": true, "次長": true, "所長": true, "店長": true, "支店長": true, "工場長": true,
	"事業部長": true, "部長代理": true, "課長代理": true, "マネージャー": true, "マネジャー": true, "リーダー": true,
	"先輩": true, "会長": true, "取締役": true, "グループ長": true, "チーム長": true, "センター長": true, "GM": true,
	"PM": true, "統括": true, "代表": true, "副部長": true, "部門長": true, "リーダ": true, "CEO": true, "CTO": true,
}

// notNames are nouns that take さん without being names (お客さん, 派遣さん).
var notNames = map[string]bool{
	"お客": true, "客": true, "派遣": true, "業者": true, "大家": true, "皆": true, "みな": true, "パート": true,
	"バイト": true, "お隣": true, "隣": true, "近所": true, "取引先": true, "営業": true, "先方": true, "上司": true,
	"新人": true, "中途": true, "同期": true, "後輩": true, "人事": true, "総務": true, "経理": true, "現場": true,
	"本社": true, "支店": true, "部": true, "課": true, "チーム": true, "各": true, "当": true, "前": true, "元": true,
}

// findPII returns the personal data in normalised text: pattern matches, the caller's known names and
// names found by kagome (person-name tags, nouns before honorifics and titles). Spans do not overlap.
func findPII(text string, toks []token, known []string) []Span {
	var spans []Span
	add := func(kind PIIKind, s, e int) { spans = append(spans, Span{Kind: kind, Start: s, End: e}) }

	if strings.IndexByte(text, '@') >= 0 {
		for _, m := range emailRE.FindAllStringIndex(text, -1) {
			add(Email, m[0], m[1])
		}
	}
	// the regular expressions run only where they can match: they cost more than the rest of masking
	digits, letterDigit := countDigits(text)
	if digits >= 9 {
		for _, m := range phoneRE.FindAllStringIndex(text, -1) {
			if validPhone(text, m[0], m[1]) {
				add(Phone, m[0], m[1])
			}
		}
	}
	if digits >= 3 && containsAny(text, idLabels) {
		for _, m := range labelledIDRE.FindAllStringIndex(text, -1) {
			add(EmployeeID, m[0], m[1])
		}
	}
	if letterDigit {
		for _, m := range bareIDRE.FindAllStringIndex(text, -1) {
			if validBareID(text, m[0], m[1]) {
				add(EmployeeID, m[0], m[1])
			}
		}
	}
	addAll := func(name string) {
		for off := 0; name != ""; {
			i := strings.Index(text[off:], name)
			if i < 0 {
				break
			}
			add(Person, off+i, off+i+len(name))
			off += i + len(name)
		}
	}
	for _, name := range known {
		for _, n := range nameForms(name) {
			addAll(n)
		}
	}
	found := map[string]bool{}
	for i := 0; i < len(toks); i++ {
		j := nameRun(toks, i)
		if j > i {
			add(Person, toks[i].start, toks[j-1].end)
			if name := text[toks[i].start:toks[j-1].end]; utf8.RuneCountInString(name) >= 2 {
				found[name] = true
			}
			i = j - 1
		}
	}
	// a name recognised once is masked wherever else it occurs in the answer (田中部長…田中が)
	for name := range found {
		addAll(name)
	}
	return resolve(text, spans)
}

// nameRun returns the end (exclusive) of a person name starting at toks[i], or i when there is none.
func nameRun(toks []token, i int) int {
	isPersonTag := func(t *token) bool { return t.pos == "名詞" && t.pos1 == "固有名詞" && t.pos2 == "人名" }
	j := i
	for j < len(toks) && isPersonTag(&toks[j]) && toks[j].sent == toks[i].sent {
		j++
	}
	next := func(k int) *token {
		if k < len(toks) && toks[k].sent == toks[i].sent {
			return &toks[k]
		}
		return nil
	}
	if j > i { // tagged as a person name by the dictionary
		if j-i > 1 {
			return j // 姓 + 名
		}
		t := &toks[i]
		if n := next(j); n != nil && (honorifics[n.surface] || titles[n.surface]) {
			return j
		}
		// alone: a surname or given name of two or more characters, not kana-only (まこと, ひかり are words too)
		if utf8.RuneCountInString(t.surface) >= 2 && !isKanaOnly(t.surface) {
			return j
		}
		return i
	}
	if selfIntroduction(toks, i) {
		return i + 1
	}
	// an untagged noun directly before an honorific or a title: 松本さん (地域), さくらさん, 綾瀬部長
	t := &toks[i]
	n := next(i + 1)
	if n == nil || t.pos != "名詞" || notNames[t.surface] || titles[t.surface] || honorifics[t.surface] {
		return i
	}
	if i > 0 && toks[i-1].sent == t.sent && toks[i-1].pos == "接頭詞" {
		return i // お客さん, ご担当さん
	}
	switch {
	case honorifics[n.surface] && n.pos1 == "接尾":
		if t.pos1 == "固有名詞" || isUnknownLike(t) || t.pos1 == "一般" && isHiraganaOnly(t.surface) {
			return i + 1
		}
	case titles[n.surface]:
		if t.pos1 == "固有名詞" && t.pos2 != "組織" || isUnknownLike(t) && !isASCII(t.surface) {
			return i + 1
		}
	}
	return i
}

// orgSuffixes end the name of a department: 営業三課, 開発部, 大阪支店.
var orgSuffixes = []string{"課", "部", "室", "係", "班", "チーム", "グループ", "支店", "支社", "本部", "センター", "営業所", "工場"}

// selfIntroduction reports a writer naming themselves after their department or employee id: 営業三課の
// 池田です, 社員番号 K30588 の森です, 総務部の林と申します. The name may be a place-name reading (池田) or a
// one-character common noun (森, 林) after an employee id, which nothing else would take for a name
// (開発部の件です is not one).
func selfIntroduction(toks []token, i int) bool {
	t := &toks[i]
	// cheapest tests first: this runs for every token
	if t.pos != "名詞" || i+1 >= len(toks) || toks[i+1].sent != t.sent || i < 2 || toks[i-1].surface != "の" {
		return false
	}
	if notNames[t.surface] || !(t.pos1 == "固有名詞" && t.pos2 != "組織" ||
		t.pos1 == "一般" && utf8.RuneCountInString(t.surface) == 1 && !isKanaOnly(t.surface) && hasLetter(t.surface)) {
		return false
	}
	if n := &toks[i+1]; !(n.surface == "です" || n.surface == "と" && i+2 < len(toks) && (toks[i+2].base == "申す" || toks[i+2].base == "いう")) {
		return false
	}
	k := i - 1
	if k < 1 || toks[k].surface != "の" || toks[k].sent != t.sent {
		return false
	}
	for k--; k >= 0 && toks[k].pos == "記号" && toks[k].pos1 == "空白"; k-- {
	}
	if k < 0 || toks[k].sent != t.sent {
		return false
	}
	p := &toks[k]
	if p.pos1 == "数" && k > 0 && isASCII(toks[k-1].surface) && hasLetter(toks[k-1].surface) {
		return true // an employee id: K 30588
	}
	if t.pos1 != "固有名詞" {
		return false
	}
	for _, suf := range orgSuffixes {
		if strings.HasSuffix(p.surface, suf) {
			return true
		}
	}
	return false
}

// isUnknownLike reports a noun kagome did not know, typical of rare names (綾瀬, ジョナサン).
func isUnknownLike(t *token) bool { return t.unknown && t.pos == "名詞" && hasLetter(t.surface) }

func isHiraganaOnly(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Hiragana, r) {
			return false
		}
	}
	return s != ""
}

func isKanaOnly(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Hiragana, r) && !unicode.Is(unicode.Katakana, r) && r != 'ー' {
			return false
		}
	}
	return s != ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// countDigits counts ASCII digits and reports whether a letter is followed by a digit (E12345, E-123).
func countDigits(s string) (digits int, letterDigit bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; '0' <= c && c <= '9' {
			digits++
			if i > 0 && (isLetter(s[i-1]) || s[i-1] == '-' && i > 1 && isLetter(s[i-2])) {
				letterDigit = true
			}
		}
	}
	return digits, letterDigit
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// validPhone checks a phone candidate: 10–11 digits starting with 0 (or +81 and 9–10 more), not glued to
// other digits or letters.
func validPhone(text string, s, e int) bool {
	if s > 0 {
		if c := text[s-1]; isAlnum(c) || c == '-' || c == '.' {
			return false
		}
	}
	if e < len(text) {
		if c := text[e]; isAlnum(c) {
			return false
		}
	}
	digits := 0
	for i := s; i < e; i++ {
		if '0' <= text[i] && text[i] <= '9' {
			digits++
		}
	}
	if strings.HasPrefix(text[s:e], "+81") {
		digits -= 2
		if strings.Contains(text[s:e], "(0)") {
			digits--
		}
		return digits >= 9 && digits <= 10
	}
	return digits >= 10 && digits <= 11
}

func validBareID(text string, s, e int) bool {
	if s > 0 && (isAlnum(text[s-1]) || text[s-1] == '-' || text[s-1] == '_') {
		return false
	}
	if e < len(text) && (isAlnum(text[e]) || text[e] == '-') {
		return false
	}
	prefix := strings.ToUpper(strings.TrimRight(strings.TrimRightFunc(text[s:e], unicode.IsDigit), "-"))
	return !notIDPrefix[prefix]
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// nameForms returns the strings to mask for a known colleague name: the full name without spaces and each
// space-separated part of two or more characters.
func nameForms(name string) []string {
	name = strings.TrimSpace(Normalize(name))
	if name == "" {
		return nil
	}
	parts := strings.FieldsFunc(name, func(r rune) bool { return isSpace(r) || r == '・' })
	full := strings.Join(parts, "")
	out := []string{full}
	if len(parts) > 1 {
		out = append(out, strings.Join(parts, " "))
		for _, p := range parts {
			if utf8.RuneCountInString(p) >= 2 {
				out = append(out, p)
			}
		}
	}
	return out
}

// resolve orders spans, merges overlapping ones (keeping the kind of the earlier-starting, then longer,
// span) and fills texts and rune offsets.
func resolve(text string, spans []Span) []Span {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b Span) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return (b.End - b.Start) - (a.End - a.Start)
	})
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 && s.Start < out[n-1].End {
			if s.End > out[n-1].End {
				out[n-1].End = s.End
			}
			continue
		}
		out = append(out, s)
	}
	runes, prev := 0, 0
	for i := range out {
		runes += utf8.RuneCountInString(text[prev:out[i].Start])
		out[i].RuneStart = runes
		runes += utf8.RuneCountInString(text[out[i].Start:out[i].End])
		out[i].RuneEnd = runes
		prev = out[i].End
		out[i].Text = text[out[i].Start:out[i].End]
	}
	return out
}

// mask replaces spans (sorted, non-overlapping) of text by their placeholders.
func mask(text string, spans []Span) string {
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 8*len(spans))
	prev := 0
	for _, s := range spans {
		b.WriteString(text[prev:s.Start])
		b.WriteString(s.Kind.Placeholder())
		prev = s.End
	}
	b.WriteString(text[prev:])
	return b.String()
}
