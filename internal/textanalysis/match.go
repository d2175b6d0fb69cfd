package textanalysis

import (
	"strings"
	"unicode/utf8"
)

// phraseSet finds rule phrases (words or short phrases) in a token sequence. A phrase matches element by
// element (dictionary form or surface, so inflected forms match) or, where kagome segments the phrase
// differently in isolation than in a sentence, by its exact written form on token boundaries. Matching is
// leftmost-longest and non-overlapping, so a longer rule phrase (市場価値) hides shorter ones inside it.
type phraseSet struct {
	keys     *keyTable
	phrases  []phrase
	payloads [][]int        // per phrase: what it means to its owner (a rule or lexicon entry)
	byFirst  [][]int        // key of the first element's form or surface → phrase ids
	byPrefix [][]int        // key of the first two characters of the written form (or one) → phrase ids
	ids      map[string]int // written form → phrase id
}

// keyTable interns the strings phrases are looked up by, so that each token is hashed a few times per
// answer instead of a few times per rule set (lookups were a sixth of the pipeline's time).
// Keys of one or two characters are also kept by their runes: every token looks up the first one and two
// characters of the text it starts, and an integer key hashes faster than a string.
type keyTable struct {
	ids   map[string]int32
	runes map[uint64]int32 // runeKey(first, second or -1) → key
}

func newKeyTable() *keyTable { return &keyTable{ids: map[string]int32{}, runes: map[uint64]int32{}} }

// runeKey packs one or two runes (second < 0: none) into an integer key.
func runeKey(first, second rune) uint64 { return uint64(uint32(first))<<32 | uint64(uint32(second)) }

// add returns the key of s, creating it.
func (kt *keyTable) add(s string) int32 {
	k, ok := kt.ids[s]
	if !ok {
		k = int32(len(kt.ids))
		kt.ids[s] = k
		if r1, n1 := utf8.DecodeRuneInString(s); n1 > 0 && n1 == len(s) {
			kt.runes[runeKey(r1, -1)] = k
		} else if r2, n2 := utf8.DecodeRuneInString(s[n1:]); n1+n2 == len(s) {
			kt.runes[runeKey(r1, r2)] = k
		}
	}
	return k
}

// lookupRunes returns the key of the one or two runes, or -1.
func (kt *keyTable) lookupRunes(first, second rune) int32 {
	if k, ok := kt.runes[runeKey(first, second)]; ok {
		return k
	}
	return -1
}

// lookup returns the key of s, or -1 when no phrase uses s.
func (kt *keyTable) lookup(s string) int32 {
	if k, ok := kt.ids[s]; ok {
		return k
	}
	return -1
}

// keyTokens sets the lookup keys of tokens (after masking, which changes what a token reads as).
func (kt *keyTable) keyTokens(text string, toks []token) {
	for i := range toks {
		t := &toks[i]
		t.kBase = kt.lookup(t.base)
		t.kSurf = t.kBase
		if t.surface != t.base {
			t.kSurf = kt.lookup(t.surface)
		}
		t.kPre1, t.kPre2 = -1, -1
		if !t.masked && t.start < len(text) {
			// as kt.lookup(prefix2(text[t.start:])) and of its first character when it has two
			r1, n1 := utf8.DecodeRuneInString(text[t.start:])
			if t.start+n1 < len(text) {
				r2, _ := utf8.DecodeRuneInString(text[t.start+n1:])
				t.kPre2 = kt.lookupRunes(r1, r2)
				t.kPre1 = kt.lookupRunes(r1, -1)
			} else {
				t.kPre2 = kt.lookupRunes(r1, -1)
			}
		}
	}
}

func at(index [][]int, k int32) []int {
	if k < 0 || int(k) >= len(index) {
		return nil
	}
	return index[k]
}

func put(index [][]int, k int32, id int) [][]int {
	for int(k) >= len(index) {
		index = append(index, nil)
	}
	index[k] = append(index[k], id)
	return index
}

type phrase struct {
	elems []elem
	text  string // normalised written form
}

// elem is one token of a phrase as kagome reads it in isolation.
type elem struct{ base, surface string }

func newPhraseSet(keys *keyTable) *phraseSet {
	return &phraseSet{keys: keys, ids: map[string]int{}}
}

// add registers phrase p with payload and returns the phrase id.
func (ps *phraseSet) add(p phrase, payload int) int {
	id, ok := ps.ids[p.text]
	if !ok {
		id = len(ps.phrases)
		ps.ids[p.text] = id
		ps.phrases = append(ps.phrases, p)
		ps.payloads = append(ps.payloads, nil)
		first := p.elems[0]
		ps.byFirst = put(ps.byFirst, ps.keys.add(first.base), id)
		if first.surface != first.base {
			ps.byFirst = put(ps.byFirst, ps.keys.add(first.surface), id)
		}
		ps.byPrefix = put(ps.byPrefix, ps.keys.add(prefix2(p.text)), id)
	}
	ps.payloads[id] = append(ps.payloads[id], payload)
	return id
}

// phraseMatch is an occurrence of a phrase over tokens [start, end).
type phraseMatch struct{ start, end, phrase int }

// moneySuffix turns a noun into a cost (教育費, 利用料); a rule word followed by one is a different word.
func moneySuffix(t *token) bool {
	return t.isSuffix() && (t.surface == "費" || t.surface == "料" || t.surface == "代" || t.surface == "金")
}

// prefix2 returns the first two characters of s (or s when it is shorter).
func prefix2(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	if n < len(s) {
		_, n2 := utf8.DecodeRuneInString(s[n:])
		n += n2
	}
	return s[:n]
}

// find calls fn for each phrase occurrence in toks (keyed by keyTokens). userParts gives the parts of HR
// dictionary entries: a fixed compound with no rule of its own is matched part by part (有給休暇 → 有給,
// 休暇).
func (ps *phraseSet) find(toks []token, userParts map[string][]string, fn func(phraseMatch)) {
	for i := 0; i < len(toks); {
		t := &toks[i]
		best, bestEnd := -1, i
		try := func(ids []int) {
			for _, id := range ids {
				p := &ps.phrases[id]
				end, ok := matchAt(toks, i, p.elems)
				if !ok {
					end, ok = matchText(toks, i, p.text)
				}
				if ok && end > bestEnd {
					best, bestEnd = id, end
				}
			}
		}
		try(at(ps.byFirst, t.kBase))
		if t.kSurf != t.kBase {
			try(at(ps.byFirst, t.kSurf))
		}
		// phrases spelled out in the text, by their first two characters or one
		try(at(ps.byPrefix, t.kPre2))
		try(at(ps.byPrefix, t.kPre1))
		if best >= 0 {
			fn(phraseMatch{i, bestEnd, best})
			i = bestEnd
			continue
		}
		if t.user {
			for _, part := range userParts[t.surface] {
				for _, id := range at(ps.byFirst, ps.keys.lookup(part)) {
					if len(ps.phrases[id].elems) == 1 {
						fn(phraseMatch{i, i + 1, id})
					}
				}
			}
		}
		i++
	}
}

// matchAt reports whether phrase p occurs at toks[i:] within one sentence and returns its end. Auxiliary
// tokens (ます, て+いる) in the text may sit between the phrase's elements.
func matchAt(toks []token, i int, p []elem) (int, bool) {
	k := i
	for j, want := range p {
		for j > 0 && k < len(toks) && toks[k].isAuxiliary() && !toks[k].matches(want) {
			k++
		}
		if k >= len(toks) {
			return 0, false
		}
		u := &toks[k]
		if u.sent != toks[i].sent || !u.matches(want) { // masked tokens match only their placeholder
			return 0, false
		}
		k++
	}
	if k < len(toks) && moneySuffix(&toks[k]) {
		return 0, false
	}
	return k, true
}

// matchText reports whether the surfaces of toks[i:] spell text exactly, ending on a token boundary.
func matchText(toks []token, i int, text string) (int, bool) {
	off := 0
	for k := i; k < len(toks) && toks[k].sent == toks[i].sent && !toks[k].masked; k++ {
		s := toks[k].surface
		if !strings.HasPrefix(text[off:], s) {
			return 0, false
		}
		off += len(s)
		if off == len(text) {
			if k+1 < len(toks) && moneySuffix(&toks[k+1]) {
				return 0, false
			}
			return k + 1, true
		}
	}
	return 0, false
}

// phraseOf turns a rule word into a phrase: the tokens kagome gives for it, so that rules match however
// the word is inflected (恵まれる finds 恵まれました), and its written form. Called only while New builds
// the analyzer; the compound nouns of rule words are collected for the compound statistics.
func (a *Analyzer) phraseOf(word string) (phrase, bool) {
	word = strings.TrimSpace(Normalize(word))
	if word == "" {
		return phrase{}, false
	}
	// a rule may name "a person" by the mask placeholder, alone or before more words (［氏名］さん)
	for _, k := range []PIIKind{Person, Email, Phone, EmployeeID} {
		ph := k.Placeholder()
		if rest, ok := strings.CutPrefix(word, Normalize(ph)); ok {
			p := phrase{elems: []elem{{ph, ph}}, text: ph}
			if rest != "" {
				tail, ok := a.phraseOf(rest)
				if !ok {
					return phrase{}, false
				}
				p.elems = append(p.elems, tail.elems...)
				p.text += tail.text
			}
			return p, true
		}
	}
	toks := a.tokenize(word, []span{{0, len(word)}})
	a.ruleCompounds = append(a.ruleCompounds, nounRuns(toks, a.userParts)...)
	p := phrase{text: word}
	for _, t := range toks {
		if t.pos == "記号" && t.pos1 == "空白" {
			continue
		}
		p.elems = append(p.elems, elem{base: t.base, surface: t.surface})
	}
	return p, len(p.elems) > 0
}
