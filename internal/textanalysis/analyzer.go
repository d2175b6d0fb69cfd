// Package textanalysis analyses Japanese free-text answers of alumni surveys without any storage: it
// masks personal data, extracts terms (kagome with the IPA dictionary and an HR user dictionary), codes
// themes with an editable rule file, scores sentiment with a domain lexicon, and discovers topics (NMF)
// and term networks (co-occurrence communities) that the rules miss.
package textanalysis

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/alumnipulse/alumnipulse/internal/textanalysis/rules"
	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

// Version identifies the analyser with its default rules; bump it when the algorithm or a default data file
// changes, so stored analyses can be found and redone. Analyzer.Version adds tenant customisations.
const Version = "2026.2-1"

// Options customise an Analyzer for a tenant. The zero value gives the defaults.
type Options struct {
	ForceKeep   []string // words always kept as terms (and kept whole by the tokenizer), e.g. product names
	ForceIgnore []string // words never returned as terms, e.g. the company's own name
	ThemeRules  []byte   // coding-rule YAML; nil = the default (rules/themes.yaml)
	Lexicon     []byte   // sentiment lexicon YAML; nil = the default (rules/lexicon.yaml)
}

// Analyzer analyses answers. It holds one kagome tokenizer and compiled rules; it is safe for concurrent
// use by many goroutines (nothing is written after New).
type Analyzer struct {
	tok       *tokenizer.Tokenizer
	dict      *dict.Dict          // the tokenizer's system dictionary, read for features
	knownBase int                 // index of the dictionary form among the features of known words
	unkBase   int                 // … and of unknown words (-1: none)
	userParts map[string][]string // HR dictionary entry → its parts
	themes    *themeSet
	lex       *lexicon
	stats     *compoundStats
	keys      *keyTable
	stop      map[string]bool
	keep      map[string]bool
	ignore    map[string]bool
	version   string

	ruleCompounds [][]string // noun compounds of rule words, collected while New runs

	tokens sync.Pool // of *[]token, reused by Analyze
}

// maxPooledTokens keeps the buffers of very long answers out of the pool.
const maxPooledTokens = 4096

// ThemeHit is a theme found in an answer with the sentiment of the clauses that mention it.
type ThemeHit struct {
	Code      string  `json:"code"`
	Sentiment Label   `json:"sentiment"`
	Score     float64 `json:"score"` // in [-1, 1]
}

// Result is the analysis of one answer. Masked and Terms never contain the detected personal data.
type Result struct {
	Masked    string     `json:"masked"` // normalised text with personal data replaced (［氏名］, ［メール］…)
	Terms     []string   `json:"terms"`
	Themes    []ThemeHit `json:"themes"`
	Sentiment Label      `json:"sentiment"`
	Score     float64    `json:"score"` // in [-1, 1]
	PII       []Span     `json:"pii"`
}

// New builds an Analyzer: the IPA dictionary (loaded once per process and shared), the HR user dictionary
// plus opts.ForceKeep, and the rule files. Invalid rule files give a *RuleError.
func New(opts Options) (*Analyzer, error) {
	a := &Analyzer{
		keys:   newKeyTable(),
		stop:   map[string]bool{},
		keep:   map[string]bool{},
		ignore: map[string]bool{},
	}
	udRaw, err := fs.ReadFile(rules.FS, "userdict.txt")
	if err != nil {
		return nil, fmt.Errorf("read user dictionary: %w", err)
	}
	records, err := dict.NewUserDicRecords(bytes.NewReader(udRaw))
	if err != nil {
		return nil, fmt.Errorf("parse user dictionary: %w", err)
	}
	a.userParts = make(map[string][]string, len(records)+len(opts.ForceKeep))
	for _, r := range records {
		a.userParts[r.Text] = r.Tokens
	}
	for _, w := range opts.ForceKeep {
		w = strings.TrimSpace(Normalize(w))
		if w == "" || strings.ContainsAny(w, ",\n") {
			continue
		}
		a.keep[lowerASCII(w)] = true
		if _, dup := a.userParts[w]; !dup {
			records = append(records, dict.UserDicRecord{Text: w, Tokens: []string{w}, Yomi: []string{w}, Pos: "名詞"})
			a.userParts[w] = []string{w}
		}
	}
	for _, w := range opts.ForceIgnore {
		if w = strings.TrimSpace(Normalize(w)); w != "" {
			a.ignore[lowerASCII(w)] = true
		}
	}
	ud, err := records.NewUserDict()
	if err != nil {
		return nil, fmt.Errorf("build user dictionary: %w", err)
	}
	// ipa.Dict is a process-wide singleton, so many tenant analyzers share the ~90 MB dictionary.
	a.dict = ipa.Dict()
	a.knownBase, a.unkBase = -1, -1
	if i, ok := a.dict.ContentsMeta[dict.BaseFormIndex]; ok {
		a.knownBase = int(i)
	}
	if i, ok := a.dict.UnkDict.ContentsMeta[dict.BaseFormIndex]; ok {
		a.unkBase = int(i)
	}
	a.tok, err = tokenizer.New(a.dict, tokenizer.UserDict(ud), tokenizer.OmitBosEos())
	if err != nil {
		return nil, fmt.Errorf("build tokenizer: %w", err)
	}

	stopRaw, err := fs.ReadFile(rules.FS, "stopwords.txt")
	if err != nil {
		return nil, fmt.Errorf("read stop words: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(stopRaw))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			a.stop[w] = true
		}
	}

	themeSrc, lexSrc := opts.ThemeRules, opts.Lexicon
	if themeSrc == nil {
		if themeSrc, err = fs.ReadFile(rules.FS, "themes.yaml"); err != nil {
			return nil, fmt.Errorf("read default theme rules: %w", err)
		}
	}
	if lexSrc == nil {
		if lexSrc, err = fs.ReadFile(rules.FS, "lexicon.yaml"); err != nil {
			return nil, fmt.Errorf("read default lexicon: %w", err)
		}
	}
	if a.themes, err = a.parseThemes(themeSrc); err != nil {
		return nil, fmt.Errorf("load theme rules: %w", err)
	}
	if a.lex, err = a.parseLexicon(lexSrc); err != nil {
		return nil, fmt.Errorf("load lexicon: %w", err)
	}

	compounds := a.ruleCompounds
	for _, r := range records {
		compounds = append(compounds, r.Tokens)
	}
	a.stats = newCompoundStats(compounds)
	a.ruleCompounds = nil

	a.version = Version
	if opts.ThemeRules != nil || opts.Lexicon != nil || len(opts.ForceKeep) > 0 || len(opts.ForceIgnore) > 0 {
		h := sha256.New()
		for _, b := range [][]byte{opts.ThemeRules, opts.Lexicon} {
			h.Write(b)
			h.Write([]byte{0})
		}
		for _, l := range [][]string{opts.ForceKeep, opts.ForceIgnore} {
			h.Write([]byte(strings.Join(l, "\n")))
			h.Write([]byte{0})
		}
		a.version += "+" + hex.EncodeToString(h.Sum(nil))[:12]
	}
	return a, nil
}

// Version identifies this analyzer's algorithm and rules: the package Version, plus a digest of the
// tenant's customisations when there are any.
func (a *Analyzer) Version() string { return a.version }

// Themes lists the themes of the analyzer's rule set with their labels, in rule-file order.
func (a *Analyzer) Themes() []Theme {
	out := make([]Theme, len(a.themes.themes))
	for i, t := range a.themes.themes {
		out[i] = t.Theme
	}
	return out
}

// Analyze analyses one answer. known are names of colleagues (from the HR import) to mask wherever they
// occur, in addition to the names the analyser recognises itself.
func (a *Analyzer) Analyze(text string, known []string) Result {
	norm := Normalize(text)
	sents := splitSentences(norm)
	// token buffers are pooled: tokens never leave Analyze, and they were most of its allocation
	buf, _ := a.tokens.Get().(*[]token)
	if buf == nil {
		buf = new([]token)
	}
	toks := a.appendTokens((*buf)[:0], norm, sents)
	defer func() {
		if cap(toks) <= maxPooledTokens {
			*buf = toks
			a.tokens.Put(buf)
		}
	}()

	spans := findPII(norm, toks, known)
	if len(spans) > 0 {
		k := 0
		for i := range toks {
			for k < len(spans) && spans[k].End <= toks[i].start {
				k++
			}
			if k < len(spans) && spans[k].Start < toks[i].end {
				// from here on the token is only its placeholder: rules may match ［氏名］, nothing sees the name
				ph := spans[k].Kind.Placeholder()
				toks[i].masked, toks[i].surface, toks[i].base = true, ph, ph
			}
		}
	}
	a.keys.keyTokens(norm, toks)
	res := Result{Masked: mask(norm, spans), PII: spans}
	res.Terms = a.terms(norm, toks)

	items, marks := a.sentimentItems(toks)
	res.Sentiment, res.Score = answerSentiment(toks, items, marks)

	for _, m := range a.matchThemes(norm, sents, toks) {
		clauses := map[int]bool{}
		sentences := map[int]bool{}
		for _, ti := range m.toks {
			clauses[toks[ti].clause] = true
			sentences[toks[ti].sent] = true
		}
		pos, neg := sum(items, func(it *polarItem) bool { return clauses[toks[it.start].clause] }, false)
		if pos+neg == 0 {
			pos, neg = sum(items, func(it *polarItem) bool { return sentences[toks[it.start].sent] }, true)
		}
		hit := ThemeHit{Code: a.themes.themes[m.theme].Code, Sentiment: res.Sentiment, Score: res.Score}
		if pos+neg > 0 {
			hit.Sentiment, hit.Score = label(pos, neg)
		}
		res.Themes = append(res.Themes, hit)
	}
	slices.SortStableFunc(res.Themes, func(x, y ThemeHit) int {
		return slices.Index(Codes, x.Code) - slices.Index(Codes, y.Code)
	})
	return res
}
