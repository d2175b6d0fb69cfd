package textanalysis

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome/v2/tokenizer"
)

// token is one morpheme of the normalised text with the few features the pipeline reads.
type token struct {
	surface string
	base    string // dictionary form, orthographic variants folded (see canon)
	pos     string // 品詞 (名詞, 動詞, …)
	pos1    string // 細分類1 (一般, サ変接続, 固有名詞, 接尾, …)
	pos2    string // 細分類2 (人名, 地域, …)
	start   int    // byte offsets in the normalised text
	end     int
	sent    int  // sentence index
	clause  int  // clause index, counted over the whole answer (see sentimentItems)
	user    bool // from the HR user dictionary (a fixed compound)
	unknown bool // not in the dictionary (kagome guessed the part of speech)
	masked  bool // overlaps a PII span: never a term, never matched by a rule
	quoted  bool // inside 「」 or 『』: someone else's words

	kBase, kSurf, kPre1, kPre2 int32 // phrase lookup keys (keyTable.keyTokens)
}

// canon folds orthographic variants of dictionary forms so that rules need one spelling.
var canon = map[string]string{
	"よい": "良い", "いい": "良い", "善い": "良い",
	"無い": "ない", "無し": "なし",
	"出来る": "できる", "分かる": "わかる", "解る": "わかる",
	"欲しい": "ほしい", "辛い": "つらい", "凄い": "すごい", "素晴しい": "素晴らしい",
	"子供": "子ども", "こども": "子ども", "頂く": "いただく", "下さる": "くださる",
	"易い": "やすい", "おもしろい": "面白い", "うれしい": "嬉しい",
	"有難い": "ありがたい", "酷い": "ひどい", "キツい": "きつい", "やさしい": "優しい",
	"あたたかい": "温かい", "すばらしい": "素晴らしい", "あきらめる": "諦める",
	"こわい": "怖い", "ぎすぎす": "ギスギス", "あいまい": "曖昧", "おすすめ": "お勧め", "オススメ": "お勧め",
	"お薦め": "お勧め", "すすめる": "勧める", "薦める": "勧める", "繋がり": "つながり", "付く": "つく",
	"ほんとう": "本当", "ほんと": "本当", "生かす": "活かす", "引越し": "引っ越し", "引越": "引っ越し",
	"引越す": "引っ越す", "有休": "有給", "手当て": "手当", "いちばん": "一番",
	"ぜんぜん": "全然", "がんばる": "頑張る", "わくわく": "ワクワク", "まったく": "全く", "とっても": "とても", "めちゃ": "めちゃくちゃ", "じゅうぶん": "十分",
	"充分": "十分",
}

func canonical(s string) string {
	if c, ok := canon[s]; ok {
		return c
	}
	return s
}

// chunkBytes is how much text one kagome call gets: whole sentences up to this size. One call per answer is
// much cheaper than one per sentence; the bound keeps the lattice small for pasted walls of text.
const chunkBytes = 4096

// tokenize runs kagome over the sentences of the normalised text and gives every token its sentence.
// White space between sentences is dropped.
func (a *Analyzer) tokenize(text string, sents []span) []token {
	return a.appendTokens(make([]token, 0, len(text)/4+4), text, sents)
}

// appendTokens is tokenize appending to toks (a reused buffer).
func (a *Analyzer) appendTokens(toks []token, text string, sents []span) []token {
	for first := 0; first < len(sents); {
		last := first
		for last+1 < len(sents) && sents[last+1].end-sents[first].start <= chunkBytes {
			last++
		}
		base := sents[first].start
		si, depth := first, 0 // depth: quotation depth, per sentence so that a stray 「 cannot swallow the answer
		for _, kt := range a.tok.Tokenize(text[base:sents[last].end]) {
			if kt.Class == tokenizer.DUMMY || kt.Surface == "" {
				continue
			}
			start := base + kt.Position
			for si < last && start >= sents[si].end {
				si, depth = si+1, 0
			}
			if start < sents[si].start || start >= sents[si].end {
				continue // white space between sentences
			}
			t := token{surface: kt.Surface, start: start, end: start + len(kt.Surface), sent: si}
			switch kt.Class {
			case tokenizer.USER:
				t.user, t.pos, t.pos1, t.base = true, "名詞", "一般", t.surface
			case tokenizer.UNKNOWN:
				t.unknown = true
				fallthrough
			default:
				t.pos, t.pos1, t.pos2, t.base = a.features(kt.Class, kt.ID)
				if t.base == "" || t.base == "*" {
					t.base = t.surface
				}
			}
			t.base = canonical(t.base)
			switch t.surface {
			case "「", "『":
				depth++
			case "」", "』":
				if depth > 0 {
					depth--
				}
			default:
				t.quoted = depth > 0
			}
			if t.pos == "助動詞" && (t.base == "ぬ" || t.base == "ん") {
				t.base = "ない" // ず, ません: one negation form for rules and the lexicon
			}
			toks = append(toks, t)
		}
		first = last + 1
	}
	return toks
}

// features reads part of speech and dictionary form straight from the dictionary tables: Token.FeatureAt
// and Token.BaseForm cost a map lookup and bounds juggling per call, a quarter of the pipeline's time.
func (a *Analyzer) features(class tokenizer.TokenClass, id int) (pos, pos1, pos2, base string) {
	d := a.dict
	var f []string
	baseAt := a.unkBase
	if class == tokenizer.KNOWN {
		ids := d.POSTable.POSs[id]
		names := d.POSTable.NameList
		for i, p := range ids {
			switch i {
			case 0:
				pos = names[p]
			case 1:
				pos1 = names[p]
			case 2:
				pos2 = names[p]
			}
		}
		if pos != "動詞" && pos != "形容詞" && pos != "助動詞" || d.Contents == nil || id >= len(d.Contents) {
			// words that do not inflect are their own dictionary form; skipping the contents table
			// saves a cache miss per token
			return pos, pos1, pos2, ""
		}
		f, baseAt = d.Contents[id], a.knownBase-len(ids)
	} else {
		if id >= len(d.UnkDict.Contents) {
			return "", "", "", ""
		}
		f = d.UnkDict.Contents[id]
		if len(f) > 2 {
			pos, pos1, pos2 = f[0], f[1], f[2]
		}
	}
	if baseAt >= 0 && baseAt < len(f) {
		base = f[baseAt]
	}
	return pos, pos1, pos2, base
}

// matches reports whether the token is the phrase element e, by folded dictionary form or by surface.
func (t *token) matches(e elem) bool { return t.base == e.base || t.surface == e.surface }

// isAuxiliary reports politeness and aspect helpers that a phrase may skip (追いつかない matches
// 追いついていない, ついていけない matches ついていけません).
func (t *token) isAuxiliary() bool {
	switch t.pos {
	case "助動詞":
		return t.base == "ます"
	case "助詞":
		return t.pos1 == "接続助詞" && (t.surface == "て" || t.surface == "で")
	case "動詞":
		return t.pos1 == "非自立" && (t.base == "いる" || t.base == "おる" || t.base == "しまう")
	}
	return false
}

// isNounCore reports whether t can be (part of) a noun term: 一般, サ変接続, 形容動詞語幹, 固有名詞 other than
// person names, or an HR dictionary entry.
func (t *token) isNounCore() bool {
	if t.masked || t.pos != "名詞" {
		return false
	}
	if t.user {
		return true
	}
	switch t.pos1 {
	case "一般", "サ変接続", "形容動詞語幹":
	case "固有名詞":
		if t.pos2 == "人名" {
			return false
		}
	default:
		return false
	}
	return hasLetter(t.surface) && !isShortKana(t.surface)
}

// isSuffix reports a noun suffix that belongs to the preceding noun (退職+金, 具体+的, 効率+化).
func (t *token) isSuffix() bool {
	return !t.masked && t.pos == "名詞" && t.pos1 == "接尾" &&
		(t.pos2 == "一般" || t.pos2 == "サ変接続" || t.pos2 == "形容動詞語幹")
}

// isPrefix reports a prefix that belongs to the following noun (再+雇用, 非+効率).
func (t *token) isPrefix() bool {
	return !t.masked && t.pos == "接頭詞" && t.pos1 == "名詞接続"
}

// isContentWord reports an independent verb or adjective (kept by dictionary form).
func (t *token) isContentWord() bool {
	return !t.masked && (t.pos == "動詞" || t.pos == "形容詞") && t.pos1 == "自立" && !isShortKana(t.base)
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// isShortKana reports a one-character hiragana/katakana word, which is never a useful term.
func isShortKana(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n == len(s) && (unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || r == 'ー')
}

// lowerASCII lower-cases ASCII letters only (AWS → aws) and leaves Japanese untouched.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return strings.Map(func(r rune) rune {
				if 'A' <= r && r <= 'Z' {
					return r + ('a' - 'A')
				}
				return r
			}, s)
		}
	}
	return s
}
