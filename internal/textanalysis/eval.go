package textanalysis

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// goldRecord is one line of a labelled JSONL file (see ../shared/data/comments-dev.jsonl).
type goldRecord struct {
	ID        string   `json:"id"`
	Question  string   `json:"question"`
	Wave      string   `json:"wave"`
	Text      *string  `json:"text"`
	Themes    []string `json:"themes"`
	Sentiment Label    `json:"sentiment"`
	PII       []struct {
		Text string  `json:"text"`
		Kind PIIKind `json:"kind"`
	} `json:"pii"`
}

// Labels lists the sentiment labels in report order.
var Labels = []Label{Positive, Negative, Mixed, Neutral}

// PRF holds counts and precision / recall / F1 for one class.
type PRF struct {
	TP, FP, FN int
	Precision  float64
	Recall     float64
	F1         float64
}

func (p *PRF) compute() {
	p.Precision = ratio(p.TP, p.TP+p.FP)
	p.Recall = ratio(p.TP, p.TP+p.FN)
	if p.Precision+p.Recall > 0 {
		p.F1 = 2 * p.Precision * p.Recall / (p.Precision + p.Recall)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// EvalError records one answer the analyser got wrong (ids and labels only: no text, which may hold PII).
type EvalError struct {
	ID        string
	What      string // "theme", "sentiment", "pii"
	Gold      string
	Predicted string
}

// EvalReport is the result of Evaluate.
type EvalReport struct {
	Answers           int
	Themes            map[string]*PRF // per theme code
	ThemeMicro        PRF
	SentimentAccuracy float64
	SentimentMacroF1  float64
	Sentiment         map[Label]*PRF
	Confusion         map[Label]map[Label]int // gold → predicted
	PIIGold           int                     // gold spans
	PIIFound          int                     // gold spans overlapped by a predicted span
	PIIPredicted      int                     // predicted spans
	PIICorrect        int                     // predicted spans overlapping a gold span
	PIIRecall         float64
	PIIPrecision      float64
	Errors            []EvalError
}

// Evaluate analyses every answer of a labelled JSONL stream with a and compares with the gold labels:
// themes (per theme and micro-averaged P/R/F1), sentiment (accuracy, macro-F1, confusion) and PII (a gold
// span is found when a predicted span overlaps one of its occurrences in the text; a predicted span is
// correct when it overlaps a gold span).
func Evaluate(ctx context.Context, r io.Reader, a *Analyzer) (*EvalReport, error) {
	rep := &EvalReport{
		Themes:    map[string]*PRF{},
		Sentiment: map[Label]*PRF{},
		Confusion: map[Label]map[Label]int{},
	}
	for _, c := range Codes {
		rep.Themes[c] = &PRF{}
	}
	for _, l := range Labels {
		rep.Sentiment[l] = &PRF{}
		rep.Confusion[l] = map[Label]int{}
	}
	correct := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		raw := strings.TrimSpace(sc.Text())
		if raw == "" {
			continue
		}
		var g goldRecord
		dec := json.NewDecoder(strings.NewReader(raw))
		if err := dec.Decode(&g); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if err := g.validate(); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		rep.Answers++
		res := a.Analyze(*g.Text, nil)

		// themes
		pred := map[string]bool{}
		for _, t := range res.Themes {
			pred[t.Code] = true
		}
		gold := map[string]bool{}
		for _, t := range g.Themes {
			gold[t] = true
		}
		for _, c := range Codes {
			p := rep.Themes[c]
			switch {
			case gold[c] && pred[c]:
				p.TP++
			case pred[c]:
				p.FP++
				rep.Errors = append(rep.Errors, EvalError{g.ID, "theme", "-", c})
			case gold[c]:
				p.FN++
				rep.Errors = append(rep.Errors, EvalError{g.ID, "theme", c, "-"})
			}
		}

		// sentiment
		rep.Confusion[g.Sentiment][res.Sentiment]++
		if g.Sentiment == res.Sentiment {
			correct++
		} else {
			rep.Errors = append(rep.Errors, EvalError{g.ID, "sentiment", string(g.Sentiment), string(res.Sentiment)})
		}

		// PII: locate each gold span in the normalised text, then compare by overlap
		norm := Normalize(*g.Text)
		var goldSpans [][2]int
		for _, gp := range g.PII {
			rep.PIIGold++
			needle := Normalize(gp.Text)
			var occ [][2]int
			for off := 0; needle != ""; {
				i := strings.Index(norm[off:], needle)
				if i < 0 {
					break
				}
				occ = append(occ, [2]int{off + i, off + i + len(needle)})
				off += i + len(needle)
			}
			goldSpans = append(goldSpans, occ...)
			found := slices.ContainsFunc(occ, func(o [2]int) bool {
				return slices.ContainsFunc(res.PII, func(s Span) bool { return s.Start < o[1] && o[0] < s.End })
			})
			if found {
				rep.PIIFound++
			} else {
				rep.Errors = append(rep.Errors, EvalError{g.ID, "pii", string(gp.Kind), "-"})
			}
		}
		for _, s := range res.PII {
			rep.PIIPredicted++
			if slices.ContainsFunc(goldSpans, func(o [2]int) bool { return s.Start < o[1] && o[0] < s.End }) {
				rep.PIICorrect++
			} else {
				rep.Errors = append(rep.Errors, EvalError{g.ID, "pii", "-", string(s.Kind)})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read line %d: %w", line+1, err)
	}
	if rep.Answers == 0 {
		return nil, fmt.Errorf("no answers to evaluate")
	}

	for _, c := range Codes {
		p := rep.Themes[c]
		p.compute()
		rep.ThemeMicro.TP += p.TP
		rep.ThemeMicro.FP += p.FP
		rep.ThemeMicro.FN += p.FN
	}
	rep.ThemeMicro.compute()
	rep.SentimentAccuracy = ratio(correct, rep.Answers)
	for _, l := range Labels {
		p := rep.Sentiment[l]
		for _, l2 := range Labels {
			n := rep.Confusion[l][l2]
			switch {
			case l == l2:
				p.TP += n
			default:
				p.FN += n
				rep.Sentiment[l2].FP += n
			}
		}
	}
	present := 0
	for _, l := range Labels {
		p := rep.Sentiment[l]
		p.compute()
		if p.TP+p.FN > 0 { // macro-F1 over labels present in the gold data
			rep.SentimentMacroF1 += p.F1
			present++
		}
	}
	if present > 0 {
		rep.SentimentMacroF1 /= float64(present)
	}
	rep.PIIRecall = ratio(rep.PIIFound, rep.PIIGold)
	rep.PIIPrecision = ratio(rep.PIICorrect, rep.PIIPredicted)
	if rep.PIIGold == 0 {
		rep.PIIRecall = 1
	}
	if rep.PIIPredicted == 0 {
		rep.PIIPrecision = 1
	}
	return rep, nil
}

func (g *goldRecord) validate() error {
	if g.ID == "" {
		return fmt.Errorf("missing id")
	}
	if g.Text == nil {
		return fmt.Errorf("%s: missing text", g.ID)
	}
	for _, t := range g.Themes {
		if !slices.Contains(Codes, t) {
			return fmt.Errorf("%s: unknown theme %q", g.ID, t)
		}
	}
	if !slices.Contains(Labels, g.Sentiment) {
		return fmt.Errorf("%s: unknown sentiment %q", g.ID, g.Sentiment)
	}
	for _, p := range g.PII {
		if p.Text == "" {
			return fmt.Errorf("%s: empty pii text", g.ID)
		}
	}
	return nil
}

// Summary is the machine-readable last line of the report.
type Summary struct {
	ThemeMicroF1      float64 `json:"theme_micro_f1"`
	SentimentAccuracy float64 `json:"sentiment_accuracy"`
	PIIRecall         float64 `json:"pii_recall"`
	PIIPrecision      float64 `json:"pii_precision"`
}

// WriteText writes a readable report and ends with exactly one JSON line of the headline figures.
func (r *EvalReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Evaluation of %d answers (analyser %s)\n\n", r.Answers, Version)
	fmt.Fprintf(&b, "Themes\n%-14s %5s %5s %5s %9s %7s %7s\n", "code", "tp", "fp", "fn", "precision", "recall", "f1")
	for _, c := range Codes {
		p := r.Themes[c]
		fmt.Fprintf(&b, "%-14s %5d %5d %5d %9.3f %7.3f %7.3f\n", c, p.TP, p.FP, p.FN, p.Precision, p.Recall, p.F1)
	}
	m := r.ThemeMicro
	fmt.Fprintf(&b, "%-14s %5d %5d %5d %9.3f %7.3f %7.3f\n\n", "micro", m.TP, m.FP, m.FN, m.Precision, m.Recall, m.F1)

	fmt.Fprintf(&b, "Sentiment: accuracy %.3f, macro-F1 %.3f\n", r.SentimentAccuracy, r.SentimentMacroF1)
	fmt.Fprintf(&b, "%-10s", "gold\\pred")
	for _, l := range Labels {
		fmt.Fprintf(&b, " %9s", l)
	}
	fmt.Fprintf(&b, " %7s\n", "f1")
	for _, g := range Labels {
		fmt.Fprintf(&b, "%-10s", g)
		for _, p := range Labels {
			fmt.Fprintf(&b, " %9d", r.Confusion[g][p])
		}
		fmt.Fprintf(&b, " %7.3f\n", r.Sentiment[g].F1)
	}
	fmt.Fprintf(&b, "\nPII: recall %.3f (%d of %d gold spans found), precision %.3f (%d of %d predicted spans correct)\n",
		r.PIIRecall, r.PIIFound, r.PIIGold, r.PIIPrecision, r.PIICorrect, r.PIIPredicted)
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "\nErrors (id what gold → predicted):\n")
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "  %s %s %s → %s\n", e.ID, e.What, e.Gold, e.Predicted)
		}
	}
	js, err := json.Marshal(Summary{
		ThemeMicroF1:      round3(r.ThemeMicro.F1),
		SentimentAccuracy: round3(r.SentimentAccuracy),
		PIIRecall:         round3(r.PIIRecall),
		PIIPrecision:      round3(r.PIIPrecision),
	})
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	b.WriteString("\n")
	b.Write(js)
	b.WriteString("\n")
	_, err = io.WriteString(w, b.String())
	return err
}

func round3(x float64) float64 {
	return float64(int64(x*1000+0.5)) / 1000
}
