package textanalysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Codes lists the theme codes of the shared reason taxonomy, in display order.
var Codes = []string{
	"compensation", "evaluation", "growth", "manager", "relationships", "workload", "flexibility",
	"culture", "strategy", "job_content", "benefits", "onboarding", "personal", "alumni",
}

// Theme describes one theme of a rule set, for dashboards.
type Theme struct {
	Code string `json:"code"`
	JA   string `json:"ja"`
	EN   string `json:"en"`
}

// RuleError reports an invalid rule or lexicon file; Line and Field say where.
type RuleError struct {
	File  string // "themes" or "lexicon"
	Line  int
	Field string // path of the offending field, e.g. themes[2].rules[0].within
	Msg   string
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("%s line %d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// themeRule is one compiled rule of a theme.
type themeRule struct {
	weight float64
	near   bool
	within int
	unless []string
}

type compiledTheme struct {
	Theme
	rules   []themeRule
	exclude []string
}

// ruleRef is the payload of a theme phrase: which rule, and for a near rule which side.
type ruleRef struct{ theme, rule, side int }

const (
	sideAny = iota
	sideA
	sideB
)

// themeSet is a compiled coding-rule file.
type themeSet struct {
	version string
	themes  []compiledTheme
	phrases *phraseSet
	refs    []ruleRef
}

// yaml shapes of the rule file

type themeFile struct {
	Version string      `yaml:"version"`
	Themes  []yaml.Node `yaml:"themes"`
}

type themeDoc struct {
	Code    string      `yaml:"code"`
	JA      string      `yaml:"ja"`
	EN      string      `yaml:"en"`
	Rules   []yaml.Node `yaml:"rules"`
	Exclude []string    `yaml:"exclude"`
}

type ruleDoc struct {
	Any    []string   `yaml:"any"`
	Near   [][]string `yaml:"near"`
	Within int        `yaml:"within"`
	Weight *float64   `yaml:"weight"`
	Unless []string   `yaml:"unless"`
}

// checkKeys rejects unknown keys of a mapping node, naming the line, so a typo (wihtin) is not ignored.
func checkKeys(file string, n *yaml.Node, path string, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return &RuleError{file, n.Line, path, "must be a mapping"}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return &RuleError{file, k.Line, path + "." + k.Value, "unknown field (allowed: " + strings.Join(allowed, ", ") + ")"}
		}
	}
	return nil
}

// keyLine returns the line of key in mapping n, or the mapping's own line.
func keyLine(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return n.Line
}

// decodeErr converts a yaml error into a RuleError at the node's line.
func decodeErr(file string, n *yaml.Node, path string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")
	return &RuleError{file, n.Line, path, msg}
}

// parseThemes compiles a coding-rule file.
func (a *Analyzer) parseThemes(src []byte) (*themeSet, error) {
	const file = "themes"
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, &RuleError{File: file, Line: yamlErrLine(err), Field: "(file)", Msg: err.Error()}
	}
	if len(root.Content) == 0 {
		return nil, &RuleError{file, 1, "(file)", "empty rule file"}
	}
	doc := root.Content[0]
	if err := checkKeys(file, doc, "", "version", "themes"); err != nil {
		return nil, err
	}
	var tf themeFile
	if err := doc.Decode(&tf); err != nil {
		return nil, decodeErr(file, doc, "(file)", err)
	}
	if strings.TrimSpace(tf.Version) == "" {
		return nil, &RuleError{file, keyLine(doc, "version"), "version", "must be set (bump it when rules change)"}
	}
	if len(tf.Themes) == 0 {
		return nil, &RuleError{file, keyLine(doc, "themes"), "themes", "no themes"}
	}
	ts := &themeSet{version: tf.Version, phrases: newPhraseSet(a.keys)}
	seen := map[string]int{}
	for ti := range tf.Themes {
		tn := &tf.Themes[ti]
		path := fmt.Sprintf("themes[%d]", ti)
		if err := checkKeys(file, tn, path, "code", "ja", "en", "rules", "exclude"); err != nil {
			return nil, err
		}
		var td themeDoc
		if err := tn.Decode(&td); err != nil {
			return nil, decodeErr(file, tn, path, err)
		}
		if !slices.Contains(Codes, td.Code) {
			return nil, &RuleError{file, keyLine(tn, "code"), path + ".code",
				fmt.Sprintf("unknown theme code %q (known: %s)", td.Code, strings.Join(Codes, ", "))}
		}
		if line, dup := seen[td.Code]; dup {
			return nil, &RuleError{file, keyLine(tn, "code"), path + ".code",
				fmt.Sprintf("theme %q already defined at line %d", td.Code, line)}
		}
		seen[td.Code] = keyLine(tn, "code")
		if td.JA == "" || td.EN == "" {
			return nil, &RuleError{file, tn.Line, path, "ja and en labels are required"}
		}
		if len(td.Rules) == 0 {
			return nil, &RuleError{file, keyLine(tn, "rules"), path + ".rules", "no rules"}
		}
		ct := compiledTheme{Theme: Theme{Code: td.Code, JA: td.JA, EN: td.EN}, exclude: normList(td.Exclude)}
		themeIdx := len(ts.themes)
		for ri := range td.Rules {
			rn := &td.Rules[ri]
			rpath := fmt.Sprintf("%s.rules[%d]", path, ri)
			if err := checkKeys(file, rn, rpath, "any", "near", "within", "weight", "unless"); err != nil {
				return nil, err
			}
			var rd ruleDoc
			if err := rn.Decode(&rd); err != nil {
				return nil, decodeErr(file, rn, rpath, err)
			}
			r := themeRule{weight: 1, unless: normList(rd.Unless)}
			if rd.Weight != nil {
				r.weight = *rd.Weight
				if !(r.weight > 0 && r.weight <= 1) || math.IsNaN(r.weight) {
					return nil, &RuleError{file, keyLine(rn, "weight"), rpath + ".weight", "must be in (0, 1]"}
				}
			}
			ruleIdx := len(ct.rules)
			addWord := func(w string, side int, field string) error {
				p, ok := a.phraseOf(w)
				if !ok {
					return &RuleError{file, keyLine(rn, field), rpath + "." + field, "empty word"}
				}
				ts.refs = append(ts.refs, ruleRef{themeIdx, ruleIdx, side})
				ts.phrases.add(p, len(ts.refs)-1)
				return nil
			}
			switch {
			case len(rd.Any) > 0 && len(rd.Near) > 0:
				return nil, &RuleError{file, rn.Line, rpath, "a rule has either any or near, not both"}
			case len(rd.Any) > 0:
				if rd.Within != 0 {
					return nil, &RuleError{file, keyLine(rn, "within"), rpath + ".within", "within belongs to near rules"}
				}
				for _, w := range rd.Any {
					if err := addWord(w, sideAny, "any"); err != nil {
						return nil, err
					}
				}
			case len(rd.Near) > 0:
				if len(rd.Near) != 2 || len(rd.Near[0]) == 0 || len(rd.Near[1]) == 0 {
					return nil, &RuleError{file, keyLine(rn, "near"), rpath + ".near", "needs two non-empty word lists"}
				}
				if rd.Within < 1 || rd.Within > 50 {
					return nil, &RuleError{file, keyLine(rn, "within"), rpath + ".within", "must be between 1 and 50 tokens"}
				}
				r.near, r.within = true, rd.Within
				for side, list := range rd.Near {
					for _, w := range list {
						if err := addWord(w, sideA+side, "near"); err != nil {
							return nil, err
						}
					}
				}
			default:
				return nil, &RuleError{file, rn.Line, rpath, "a rule needs any or near"}
			}
			ct.rules = append(ct.rules, r)
		}
		ts.themes = append(ts.themes, ct)
	}
	return ts, nil
}

// yamlErrLine digs the line number out of a yaml syntax error ("yaml: line 12: …").
func yamlErrLine(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	return line
}

// normList normalises free-text words of a rule file (unless, exclude).
func normList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(Normalize(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// themeMention is where a theme was found: the tokens that matched.
type themeMention struct {
	theme int
	toks  []int
}

// matchThemes applies the rule set to the tokens of one answer and returns the themes that reach weight 1,
// in rule-file order, each with the token positions that matched.
func (a *Analyzer) matchThemes(text string, sents []span, toks []token) []themeMention {
	ts := a.themes
	// near-rule words found, by (theme, rule, side); few per answer, so a flat slice beats a map
	type nearHit struct{ theme, rule, side, tok, sent int }
	score := make([]float64, len(ts.themes))
	where := make([][]int, len(ts.themes))
	var counted [][3]int // (theme, rule, phrase) counted once per answer; few per answer, so a slice
	var near []nearHit
	sentOK := func(sent int, th *compiledTheme, r *themeRule) bool {
		s := text[sents[sent].start:sents[sent].end]
		return !containsAny(s, th.exclude) && !containsAny(s, r.unless)
	}
	ts.phrases.find(toks, a.userParts, func(m phraseMatch) {
		for _, p := range ts.phrases.payloads[m.phrase] {
			ref := ts.refs[p]
			th := &ts.themes[ref.theme]
			r := &th.rules[ref.rule]
			sent := toks[m.start].sent
			if !sentOK(sent, th, r) {
				continue
			}
			if ref.side != sideAny {
				near = append(near, nearHit{ref.theme, ref.rule, ref.side, m.start, sent})
				continue
			}
			if k := [3]int{ref.theme, ref.rule, m.phrase}; !slices.Contains(counted, k) {
				counted = append(counted, k)
				score[ref.theme] += r.weight
			}
			where[ref.theme] = append(where[ref.theme], m.start)
		}
	})
	var done [][2]int // (theme, rule) near rules already scored
	for _, x := range near {
		if x.side != sideA || slices.Contains(done, [2]int{x.theme, x.rule}) {
			continue
		}
		done = append(done, [2]int{x.theme, x.rule})
		r := &ts.themes[x.theme].rules[x.rule]
		found := false
		for _, a := range near {
			if a.theme != x.theme || a.rule != x.rule || a.side != sideA {
				continue
			}
			for _, b := range near {
				if b.theme == x.theme && b.rule == x.rule && b.side == sideB && a.sent == b.sent && a.tok != b.tok &&
					abs(a.tok-b.tok) <= r.within {
					where[x.theme] = append(where[x.theme], a.tok, b.tok)
					found = true
				}
			}
		}
		if found {
			score[x.theme] += r.weight
		}
	}
	var out []themeMention
	for i := range ts.themes {
		if score[i] >= 1-1e-9 {
			out = append(out, themeMention{theme: i, toks: where[i]})
		}
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
