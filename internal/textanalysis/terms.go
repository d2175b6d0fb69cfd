package textanalysis

import (
	"math"
	"slices"
	"strings"
)

// Compound nouns are scored with Nakagawa's LR: a noun that joins other nouns in many known compounds
// (評価 in 評価制度, 人事評価, 評価基準) is a good compound part. The known compounds are the HR user
// dictionary, the multi-noun words of the theme rules and lexicon, and the tenant's ForceKeep list.
//
//	LR(N1…Nn) = ( Π (L(Ni)+1)(R(Ni)+1) )^(1/2n)
//
// where L and R count the distinct known compounds with a noun left / right of Ni. A run of nouns is kept
// as one term when it is a known compound or its LR reaches compoundThreshold (some part is a known
// compound former); otherwise its nouns are kept one by one. Score 1 means no part is known.
const compoundThreshold = 1.15

// maxCompoundParts bounds a compound; longer noun runs are lists, not terms.
const maxCompoundParts = 4

type compoundStats struct {
	left, right map[string]int
	known       map[string]bool
}

func newCompoundStats(compounds [][]string) *compoundStats {
	cs := &compoundStats{left: map[string]int{}, right: map[string]int{}, known: map[string]bool{}}
	for _, parts := range compounds {
		key := strings.Join(parts, "")
		if len(parts) < 2 || cs.known[key] {
			continue
		}
		cs.known[key] = true
		for i, p := range parts {
			if i > 0 {
				cs.left[p]++
			}
			if i < len(parts)-1 {
				cs.right[p]++
			}
		}
	}
	return cs
}

// lr returns the LR score of a noun run.
func (cs *compoundStats) lr(parts []string) float64 {
	var logSum float64
	for _, p := range parts {
		logSum += math.Log(float64(cs.left[p]+1)) + math.Log(float64(cs.right[p]+1))
	}
	return math.Exp(logSum / float64(2*len(parts)))
}

// nounRuns returns the runs of two or more compound-able nouns in toks (for the compound statistics).
func nounRuns(toks []token, userParts map[string][]string) [][]string {
	var out [][]string
	var run []string
	flush := func() {
		if len(run) >= 2 {
			out = append(out, run)
		}
		run = nil
	}
	for i := range toks {
		t := &toks[i]
		switch {
		case t.user && len(userParts[t.surface]) > 1:
			flush()
			out = append(out, userParts[t.surface])
		case t.isNounCore():
			run = append(run, t.surface)
		default:
			flush()
		}
	}
	flush()
	return out
}

// unit is one noun of a run with its prefix and suffixes (再+入社, 退職+金).
type unit struct {
	text  string // surface with affixes
	core  string // the noun itself
	affix bool
}

// terms returns the content words of an answer: nouns and compounds, independent verbs and adjectives by
// dictionary form; without stop words, person names and anything masked; lower-cased ASCII; each once,
// in order of appearance.
func (a *Analyzer) terms(text string, toks []token) []string {
	var out []string
	emit := func(s string) {
		s = lowerASCII(s)
		// answers have tens of terms: a linear scan beats a map
		if s == "" || a.ignore[s] || a.stop[s] && !a.keep[s] || slices.Contains(out, s) {
			return
		}
		out = append(out, s)
	}
	emitUnit := func(u unit) {
		if !u.affix && a.stop[u.core] && !a.keep[u.core] {
			return
		}
		emit(u.text)
	}
	for i := 0; i < len(toks); {
		var units []unit
		j := i
		for j < len(toks) && toks[j].sent == toks[i].sent {
			start := j
			if toks[j].isPrefix() && j+1 < len(toks) && toks[j+1].isNounCore() && toks[j+1].sent == toks[j].sent {
				j++
			}
			if !toks[j].isNounCore() {
				j = start
				break
			}
			core := toks[j].surface
			j++
			for j < len(toks) && toks[j].isSuffix() && toks[j].sent == toks[start].sent {
				j++
			}
			units = append(units, unit{text: text[toks[start].start:toks[j-1].end], core: core, affix: j-start > 1})
		}
		if len(units) == 0 {
			t := &toks[i]
			if t.isContentWord() {
				emit(t.base)
			}
			i++
			continue
		}
		i = j
		if len(units) == 1 {
			emitUnit(units[0])
			continue
		}
		var whole strings.Builder
		cores := make([]string, len(units))
		for k, u := range units {
			whole.WriteString(u.text)
			cores[k] = u.core
		}
		w := whole.String()
		if len(units) <= maxCompoundParts && (a.keep[lowerASCII(w)] || a.stats.known[w] || a.stats.lr(cores) >= compoundThreshold) {
			emit(w)
			continue
		}
		for _, u := range units {
			emitUnit(u)
		}
	}
	return out
}
