package textanalysis

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// spelling fixes frequent misspellings that change the analysis; every replacement keeps the byte length,
// so offsets into the normalised text stay valid.
var spelling = strings.NewReplacer(
	"ずらい", "づらい", // 取りずらい → 取りづらい (otherwise kagome reads ず as negation)
	"ずらか", "づらか",
	"ずらく", "づらく",
)

// Normalize returns the form of text that the analyser works on and that Span offsets refer to:
// valid UTF-8, NFKC with width folding (全角英数 → ASCII, 半角カナ → 全角) and a few spelling fixes.
func Normalize(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	if strings.ContainsFunc(text, foldsWidth) { // most answers have no width variants: skip the pass
		text = width.Fold.String(text)
	}
	text = norm.NFKC.String(text)
	if strings.Contains(text, "ずら") {
		text = spelling.Replace(text)
	}
	return text
}

// foldsWidth reports the runes width.Fold changes: the Halfwidth and Fullwidth Forms block, the
// ideographic space and a few compatibility characters.
func foldsWidth(r rune) bool {
	return r >= 0xFF00 && r <= 0xFFEF || r == 0x3000 || r == 0x2985 || r == 0x2986 || r == 0x20A9
}

// maxSentenceBytes bounds a sentence: a longer run without punctuation is cut at a rune boundary, so the
// chunks given to kagome stay bounded (see chunkBytes) however the text is written.
const maxSentenceBytes = 2048

// span is a half-open byte range [start, end) of the normalised text.
type span struct{ start, end int }

// splitSentences cuts normalised text into sentences at 。！？!? and line breaks (and at "." after Japanese
// text), trimming surrounding white space; empty sentences are dropped.
func splitSentences(s string) []span {
	var out []span
	start := 0
	emit := func(end int) {
		a, b := start, end
		for a < b {
			r, n := utf8.DecodeRuneInString(s[a:b])
			if !isSpace(r) {
				break
			}
			a += n
		}
		for b > a {
			r, n := utf8.DecodeLastRuneInString(s[a:b])
			if !isSpace(r) {
				break
			}
			b -= n
		}
		for b-a > maxSentenceBytes {
			cut := a + maxSentenceBytes
			for cut > a && !utf8.RuneStart(s[cut]) {
				cut--
			}
			out = append(out, span{a, cut})
			a = cut
		}
		if a < b {
			out = append(out, span{a, b})
		}
	}
	prev := rune(0)
	for i, r := range s {
		if i < start { // consumed by a look-ahead below
			continue
		}
		n := utf8.RuneLen(r)
		if n < 0 {
			n = 1
		}
		switch {
		case r == '。' || r == '！' || r == '？' || r == '!' || r == '?' || r == '…':
			// keep runs of closing marks (！！, ?!) and a closing bracket with the sentence
			end := i + n
			for end < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[end:])
				if !strings.ContainsRune("!?！？。…」』)）", r2) {
					break
				}
				end += n2
			}
			emit(end)
			start = end
		case r == '\n' || r == '\r':
			emit(i)
			start = i + n
		case r == '.' && prev >= 0x3000:
			emit(i + n)
			start = i + n
		}
		prev = r
	}
	if start < len(s) {
		emit(len(s))
	}
	return out
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000' || r == '\f' || r == '\v'
}
