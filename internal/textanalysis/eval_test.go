package textanalysis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// devSet is the labelled development set: $ALUMNIPULSE_DEV_SET, or the shared folder beside the repository
// root (../shared from the root), which is ../../../shared from this package. It is not part of the
// repository (it is not ours to publish), so a checkout without it skips the quality test and says so.
func devSet() string {
	if p := os.Getenv("ALUMNIPULSE_DEV_SET"); p != "" {
		return p
	}
	return "../../../shared/data/comments-dev.jsonl"
}

// TestDevSetQuality runs Evaluate on the development set and holds the analyser to the quality goals.
func TestDevSetQuality(t *testing.T) {
	f, err := os.Open(devSet())
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("ALUMNIPULSE_DEV_SET") == "" {
		t.Skipf("no development set beside the repository (%v); set ALUMNIPULSE_DEV_SET to run the quality test", err)
	}
	if err != nil {
		t.Fatalf("open the development set: %v", err)
	}
	defer f.Close()
	rep := evaluateLogged(t, f)
	if rep.Answers != 150 {
		t.Errorf("evaluated %d answers, want 150", rep.Answers)
	}
	for _, g := range []struct {
		name      string
		got, goal float64
	}{
		{"theme micro-F1", rep.ThemeMicro.F1, 0.90},
		{"sentiment accuracy", rep.SentimentAccuracy, 0.88},
		{"PII recall", rep.PIIRecall, 0.98},
		{"PII precision", rep.PIIPrecision, 0.90},
	} {
		if g.got < g.goal {
			t.Errorf("%s = %.3f, goal %.2f", g.name, g.got, g.goal)
		}
	}
}

// TestOwnSetQuality holds the analyser to floors on two sets written for this package with other words
// than the development set (synonyms, registers, negation, contrast, comparisons with the new job), each
// labelled before the analyser was run on it. They guard against rules that only fit the development
// set's wording. First looks (README, Quality): comments-own.jsonl 0.755 theme micro-F1, 0.604 sentiment,
// PII recall 0.939; comments-holdout.jsonl, kept out of the rule pass that fitted the own set, 0.800 and
// 0.692 (0.791 and 0.631 with the rules before that pass).
func TestOwnSetQuality(t *testing.T) {
	for _, set := range []struct {
		file           string
		answers        int
		themes, sentim float64
		everyTheme     bool
	}{
		{"testdata/comments-own.jsonl", 207, 0.90, 0.85, true},
		{"testdata/comments-holdout.jsonl", 65, 0.88, 0.82, false},
	} {
		t.Run(set.file, func(t *testing.T) {
			f, err := os.Open(set.file)
			if err != nil {
				t.Fatalf("open the test set: %v", err)
			}
			defer f.Close()
			rep := evaluateLogged(t, f)
			if rep.Answers != set.answers {
				t.Errorf("evaluated %d answers, want %d", rep.Answers, set.answers)
			}
			for _, g := range []struct {
				name      string
				got, goal float64
			}{
				{"theme micro-F1", rep.ThemeMicro.F1, set.themes},
				{"sentiment accuracy", rep.SentimentAccuracy, set.sentim},
				{"PII recall", rep.PIIRecall, 0.98},
				{"PII precision", rep.PIIPrecision, 0.90},
			} {
				if g.got < g.goal {
					t.Errorf("%s = %.3f, goal %.2f", g.name, g.got, g.goal)
				}
			}
			if !set.everyTheme {
				return
			}
			// every theme of the taxonomy is labelled in the set, so none may silently stop matching
			for _, c := range Codes {
				if p := rep.Themes[c]; p.TP+p.FN == 0 || p.F1 < 0.6 {
					t.Errorf("theme %s: F1 %.3f over %d gold answers, want ≥ 0.6", c, p.F1, p.TP+p.FN)
				}
			}
		})
	}
}

func TestEvaluateReport(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"a","question":"good","wave":"3m","text":"給料が良かった。田中さんに感謝。","themes":["compensation","relationships"],"sentiment":"positive","pii":[{"text":"田中さん","kind":"person"}]}`,
		``,
		`{"id":"b","question":"improve","wave":"6m","text":"残業が多すぎる。","themes":["workload","culture"],"sentiment":"negative","pii":[]}`,
		`{"id":"c","question":"message","wave":"6m","text":"特になし","themes":[],"sentiment":"positive","pii":[{"text":"090-1111-2222","kind":"phone"}]}`,
	}, "\n")
	rep, err := Evaluate(context.Background(), strings.NewReader(in), testAnalyzer(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Answers != 3 {
		t.Errorf("Answers = %d, want 3", rep.Answers)
	}
	// themes: compensation, relationships and workload found, culture missed
	if m := rep.ThemeMicro; m.TP != 3 || m.FP != 0 || m.FN != 1 {
		t.Errorf("theme micro counts = %+v, want TP 3, FP 0, FN 1", m)
	}
	if rep.Themes["culture"].FN != 1 || rep.Themes["compensation"].F1 != 1 {
		t.Errorf("per-theme counts wrong: culture %+v compensation %+v", rep.Themes["culture"], rep.Themes["compensation"])
	}
	// sentiment: c is neutral, gold positive
	if rep.Confusion[Positive][Neutral] != 1 || rep.SentimentAccuracy < 0.66 || rep.SentimentAccuracy > 0.67 {
		t.Errorf("sentiment accuracy %.3f, confusion %v", rep.SentimentAccuracy, rep.Confusion)
	}
	// PII: 田中さん found (the predicted span 田中 overlaps it); the phone is not in the text
	if rep.PIIGold != 2 || rep.PIIFound != 1 || rep.PIIPredicted != 1 || rep.PIICorrect != 1 {
		t.Errorf("PII counts gold %d found %d predicted %d correct %d", rep.PIIGold, rep.PIIFound, rep.PIIPredicted, rep.PIICorrect)
	}

	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	var sum map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("last line %q is not JSON: %v", lines[len(lines)-1], err)
	}
	for _, k := range []string{"theme_micro_f1", "sentiment_accuracy", "pii_recall", "pii_precision"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary lacks %s: %v", k, sum)
		}
	}
	if len(sum) != 4 || sum["pii_recall"] != 0.5 {
		t.Errorf("summary = %v", sum)
	}
	jsonLines := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "{") {
			jsonLines++
		}
	}
	if jsonLines != 1 {
		t.Errorf("report has %d JSON lines, want exactly 1", jsonLines)
	}
	if !strings.Contains(out.String(), "Sentiment: accuracy") || !strings.Contains(out.String(), "culture") {
		t.Errorf("report lacks sections:\n%s", out.String())
	}
}

func TestEvaluateBadLines(t *testing.T) {
	good := `{"id":"a","text":"良い","themes":[],"sentiment":"positive","pii":[]}`
	for _, c := range []struct {
		name, in, want string
	}{
		{"syntax", good + "\n{\"id\": \"b\", \n", "line 2"},
		{"unknown theme", good + "\n\n" + `{"id":"c","text":"x","themes":["pay"],"sentiment":"neutral"}`, "line 3"},
		{"bad sentiment", `{"id":"d","text":"x","themes":[],"sentiment":"happy"}`, "line 1"},
		{"missing text", `{"id":"e","themes":[],"sentiment":"neutral"}`, "line 1"},
		{"empty", "\n\n", "no answers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Evaluate(context.Background(), strings.NewReader(c.in), testAnalyzer(t))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want one naming %q", err, c.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, strings.NewReader(good), testAnalyzer(t)); err == nil {
		t.Error("Evaluate ignored a cancelled context")
	}
}

// evaluateLogged evaluates a labelled set and logs the report.
func evaluateLogged(t *testing.T, r io.Reader) *EvalReport {
	t.Helper()
	rep, err := Evaluate(context.Background(), r, testAnalyzer(t))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	return rep
}
