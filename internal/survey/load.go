package survey

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/alumnipulse/alumnipulse/internal/yamlfile"
)

// maxFileSize bounds one survey file; real ones are a few tens of kilobytes.
const maxFileSize = 1 << 20

var (
	surveyIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	codePattern     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// Load reads every *.yaml file at the root of fsys as one survey each and
// validates them all. On any problem it returns a nil catalog and an error
// joining one *LoadError per problem found (see LoadErrors), across all files.
func Load(fsys fs.FS) (*Catalog, error) {
	all, err := yamlfile.LoadAll(fsys, "survey", maxFileSize, Parse)
	if err != nil {
		return nil, err
	}
	c := &Catalog{byID: make(map[string]*Survey, len(all))}
	for _, s := range all {
		c.byID[s.ID] = s
	}
	return c, nil
}

// Parse decodes and validates one survey file. name is used in errors and must
// be the survey id plus ".yaml". It returns the survey only when there are no errors.
func Parse(name string, data []byte) (*Survey, []*LoadError) {
	d := &decoder{yamlfile.Decoder{File: name, Kind: "survey"}}
	root := d.Document(data)
	if root == nil {
		return nil, d.Errs
	}
	s := d.survey(root)
	// Done reports every problem, the cross-question ones too, in file order.
	if errs := d.Done(root, s.ID); errs != nil {
		return nil, errs
	}
	return s, nil
}

// decoder reads one file: the shared walking of yaml.v3 nodes with line and field path (yamlfile),
// and this package's own structure on top.
type decoder struct {
	yamlfile.Decoder
}

// code returns a snake_case identifier.
func (d *decoder) code(n *yaml.Node, field string) string {
	v, ok := d.Scalar(n, field)
	if !ok {
		return ""
	}
	if !codePattern.MatchString(v) {
		d.Errorf(n, field, "%q must be snake_case: a lower-case letter, then lower-case letters, digits or _ (at most 64)", v)
		return ""
	}
	return v
}

func (d *decoder) integer(n *yaml.Node, field string) (int, bool) {
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		d.Errorf(n, field, "must be a whole number, found %s", yamlfile.Describe(n))
		return 0, false
	}
	return i, true
}

// boolean accepts true/false and, as yaml.v3 does for typed bools, yes/no and on/off.
func (d *decoder) boolean(n *yaml.Node, field string) bool {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		d.Errorf(n, field, "must be true or false, found %s", yamlfile.Describe(n))
		return false
	}
	return b
}

// l10n decodes a {ja: …, en: …} pair; both translations are required.
func (d *decoder) l10n(n *yaml.Node, field string) L10n {
	if n.Kind == yaml.ScalarNode {
		d.Errorf(n, field, "must give both translations, e.g. {ja: …, en: …}")
		return L10n{}
	}
	m := d.Fields(n, field, defaultLocale, englishLocale)
	if m == nil {
		return L10n{}
	}
	var t L10n
	for _, loc := range []string{defaultLocale, englishLocale} {
		v, ok := m[loc]
		if !ok {
			d.Errorf(n, yamlfile.Path(field, loc), "missing %s translation", loc)
			continue
		}
		s := d.Str(v, yamlfile.Path(field, loc))
		if loc == defaultLocale {
			t.JA = s
		} else {
			t.EN = s
		}
	}
	return t
}

func (d *decoder) survey(n *yaml.Node) *Survey {
	s := &Survey{File: d.File, byID: map[string]*Question{}}
	m := d.Fields(n, "", "id", "version", "title", "intro", "privacy", "questions")
	if m == nil {
		return s
	}
	d.Need(m, n, "", "id", "version", "title", "intro", "privacy", "questions")
	if v, ok := m["id"]; ok {
		if id, ok := d.Scalar(v, "id"); ok {
			if surveyIDPattern.MatchString(id) {
				s.ID = id
			} else {
				d.Errorf(v, "id", "%q must be lower-case letters, digits and hyphens (at most 64)", id)
			}
		}
	}
	if v, ok := m["version"]; ok {
		if ver, ok := d.integer(v, "version"); ok {
			if ver < 1 {
				d.Errorf(v, "version", "must be 1 or more")
			}
			s.Version = ver
		}
	}
	if v, ok := m["title"]; ok {
		s.Title = d.l10n(v, "title")
	}
	if v, ok := m["intro"]; ok {
		s.Intro = d.l10n(v, "intro")
	}
	if v, ok := m["privacy"]; ok {
		s.Privacy = d.privacy(v)
	}
	if v, ok := m["questions"]; ok {
		d.questions(s, v)
	}
	return s
}

func (d *decoder) privacy(n *yaml.Node) Privacy {
	const f = "privacy"
	var p Privacy
	m := d.Fields(n, f, "min_group_size", "hr", "leadership", "notice")
	if m == nil {
		return p
	}
	d.Need(m, n, f, "min_group_size", "hr", "leadership", "notice")
	if v, ok := m["min_group_size"]; ok {
		if size, ok := d.integer(v, f+".min_group_size"); ok {
			if size < minPrivacyGroupSize {
				d.Errorf(v, f+".min_group_size", "must be at least %d: smaller groups expose individuals", minPrivacyGroupSize)
			}
			p.MinGroupSize = size
		}
	}
	p.HR = d.visibility(m["hr"], f+".hr", SeeAggregates, SeeMaskedComments)
	p.Leadership = d.visibility(m["leadership"], f+".leadership", SeeAggregates)
	if v, ok := m["notice"]; ok {
		p.Notice = d.l10n(v, f+".notice")
		for _, loc := range []string{defaultLocale, englishLocale} {
			if s := p.Notice.In(loc); s != "" && !strings.Contains(s, MinGroupSizePlaceholder) {
				d.Errorf(v, f+".notice."+loc, "must state the minimum group size with %s", MinGroupSizePlaceholder)
			}
		}
	}
	return p
}

// visibility decodes a list of what a role may see, limited to allowed.
func (d *decoder) visibility(n *yaml.Node, field string, allowed ...string) []string {
	if n == nil {
		return nil
	}
	var out []string
	for i, item := range d.Seq(n, field) {
		f := fmt.Sprintf("%s[%d]", field, i)
		v, ok := d.Scalar(item, f)
		switch {
		case !ok:
		case !slices.Contains(allowed, v):
			d.Errorf(item, f, "%q is not allowed here; allowed: %s", v, strings.Join(allowed, ", "))
		case slices.Contains(out, v):
			d.Errorf(item, f, "%q is listed twice", v)
		default:
			out = append(out, v)
		}
	}
	return out
}

// questionKeys are the keys a question may have.
var questionKeys = []string{"id", "type", "text", "help", "required", "show_if", "choices", "other", "taxonomy", "low", "high", "metric", "driver"}

func (d *decoder) questions(s *Survey, n *yaml.Node) {
	items := d.Seq(n, "questions")
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		d.Errorf(n, "questions", "a survey needs at least one question")
	}
	var parsed []*rawQuestion
	index := map[string]int{} // question id → position, to tell "later" from "missing"
	for i, item := range items {
		f := fmt.Sprintf("questions[%d]", i)
		rq := d.question(item, f)
		if rq == nil {
			continue
		}
		rq.pos = i
		q := rq.q
		if q.ID != "" {
			if first, dup := s.byID[q.ID]; dup {
				d.Errorf(rq.id, f+".id", "duplicate question id %q (first on line %d)", q.ID, first.Line)
			} else {
				index[q.ID] = i
				s.byID[q.ID] = q
			}
		}
		parsed = append(parsed, rq)
		s.Questions = append(s.Questions, q)
	}
	// Cross-question checks run once every id is known.
	metricAt := map[string]*Question{}
	driverAt := map[string]*Question{}
	for _, rq := range parsed {
		q := rq.q
		if rq.showIf != nil {
			q.ShowIf = d.condition(s, index, rq)
		}
		if q.Metric != "" {
			if first, dup := metricAt[q.Metric]; dup {
				d.Errorf(rq.metric, rq.field+".metric", "metric %q is already on %q (line %d)", q.Metric, first.ID, first.Line)
			} else {
				metricAt[q.Metric] = q
			}
		}
		if q.Driver != "" {
			if first, dup := driverAt[q.Driver]; dup {
				d.Errorf(rq.driver, rq.field+".driver", "driver %q is already on %q (line %d)", q.Driver, first.ID, first.Line)
			} else {
				driverAt[q.Driver] = q
			}
		}
	}
}

// rawQuestion is a decoded question with the nodes the cross-question checks report on.
type rawQuestion struct {
	q                          *Question
	field                      string
	pos                        int
	id, showIf, metric, driver *yaml.Node
}

// question decodes one question and checks everything that needs no other question.
func (d *decoder) question(n *yaml.Node, f string) *rawQuestion {
	m := d.Fields(n, f, questionKeys...)
	if m == nil {
		return nil
	}
	q := &Question{Line: n.Line}
	rq := &rawQuestion{q: q, field: f, id: n, showIf: m["show_if"], metric: m["metric"], driver: m["driver"]}
	d.Need(m, n, f, "id", "type", "text")
	if v, ok := m["id"]; ok {
		rq.id = v
		q.ID = d.code(v, f+".id")
	}
	if v, ok := m["type"]; ok {
		if t, ok := d.Scalar(v, f+".type"); ok {
			if slices.Contains(types, Type(t)) {
				q.Type = Type(t)
			} else {
				d.Errorf(v, f+".type", "unknown question type %q; known: %s", t, typeList())
			}
		}
	}
	if v, ok := m["text"]; ok {
		q.Text = d.l10n(v, f+".text")
	}
	if v, ok := m["help"]; ok {
		q.Help = d.l10n(v, f+".help")
	}
	if v, ok := m["required"]; ok {
		q.Required = d.boolean(v, f+".required")
	}

	choice := q.Type == Single || q.Type == Multi
	scale := q.Type == NPS || q.Type == Likert
	// Keys that only fit some types are checked only once the type is known.
	onlyFor := func(key, types string, fits bool) *yaml.Node {
		v, ok := m[key]
		if !ok {
			return nil
		}
		if q.Type != "" && !fits {
			d.Errorf(v, f+"."+key, "only %s questions take %q", types, key)
			return nil
		}
		return v
	}
	if v := onlyFor("taxonomy", "single and multi", choice); v != nil {
		if t, ok := d.Scalar(v, f+".taxonomy"); ok {
			if t == taxonomyReasons {
				q.Taxonomy = t
			} else {
				d.Errorf(v, f+".taxonomy", "unknown taxonomy %q; known: %s", t, taxonomyReasons)
			}
		}
	}
	if v := onlyFor("choices", "single and multi", choice); v != nil {
		q.Choices = d.choices(v, f+".choices", q.Taxonomy == taxonomyReasons)
	} else if choice {
		if _, given := m["choices"]; !given {
			d.Errorf(n, f+".choices", "%s questions need choices", q.Type)
		}
	}
	if v := onlyFor("other", "single and multi", choice); v != nil {
		o := d.l10n(v, f+".other")
		q.Other = &o
	}
	if v := onlyFor("low", "nps and likert", scale); v != nil {
		q.Low = d.l10n(v, f+".low")
	}
	if v := onlyFor("high", "nps and likert", scale); v != nil {
		q.High = d.l10n(v, f+".high")
	}
	if scale {
		_, low := m["low"]
		_, high := m["high"]
		// An nps question may leave out both end labels; a likert one neither.
		for _, end := range []struct {
			key   string
			given bool
		}{{"low", low}, {"high", high}} {
			if !end.given && (q.Type == Likert || low != high) {
				d.Errorf(n, f+"."+end.key, "missing the %s end label: %s questions need both low and high", end.key, q.Type)
			}
		}
		if low && high && q.Low != (L10n{}) && q.Low == q.High {
			d.Errorf(m["high"], f+".high", "low and high labels are the same")
		}
	}
	if v := onlyFor("driver", "likert", q.Type == Likert); v != nil {
		if code := d.code(v, f+".driver"); code != "" {
			if _, ok := ReasonByCode(code); ok {
				q.Driver = code
			} else {
				d.Errorf(v, f+".driver", "driver %q is not a reason code; known: %s", code, reasonList())
			}
		}
	}
	if v, ok := m["metric"]; ok {
		if metric := d.code(v, f+".metric"); metric != "" {
			d.metric(q, v, f+".metric", metric)
		}
	}
	return rq
}

// metric checks a metric tag against the question shape its computation expects.
func (d *decoder) metric(q *Question, n *yaml.Node, f, metric string) {
	rule, ok := metrics[metric]
	if !ok {
		known := make([]string, 0, len(metrics))
		for k := range metrics {
			known = append(known, k)
		}
		slices.Sort(known)
		d.Errorf(n, f, "unknown metric %q%s; known: %s", metric, yamlfile.Suggest(metric, known), strings.Join(known, ", "))
		return
	}
	q.Metric = metric
	if q.Type != "" && q.Type != rule.typ {
		d.Errorf(n, f, "metric %q needs a %s question, not %s", metric, rule.typ, q.Type)
	}
	if rule.reasons && q.Type == rule.typ && q.Taxonomy != taxonomyReasons {
		d.Errorf(n, f, "metric %q needs `taxonomy: reasons`", metric)
	}
}

// choices decodes a choice list. Under the reason taxonomy every code must be a
// reason code and a label may be left out to use the taxonomy's.
func (d *decoder) choices(n *yaml.Node, f string, reasons bool) []Choice {
	items := d.Seq(n, f)
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		d.Errorf(n, f, "needs at least one choice")
	}
	var out []Choice
	seen := map[string]int{}
	for i, item := range items {
		cf := fmt.Sprintf("%s[%d]", f, i)
		m := d.Fields(item, cf, "code", "label")
		if m == nil {
			continue
		}
		var c Choice
		if v, ok := m["code"]; ok {
			c.Code = d.code(v, cf+".code")
			switch first, dup := seen[c.Code]; {
			case c.Code == "":
			case c.Code == OtherCode:
				d.Errorf(v, cf+".code", "code %q is reserved: offer it with the question's `other:` key", OtherCode)
			case dup:
				d.Errorf(v, cf+".code", "duplicate choice code %q (first on line %d)", c.Code, first)
			default:
				seen[c.Code] = v.Line
			}
		} else {
			d.Errorf(item, cf+".code", "missing required key %q", "code")
		}
		var reason Reason
		if reasons && c.Code != "" {
			r, ok := ReasonByCode(c.Code)
			if !ok {
				d.Errorf(m["code"], cf+".code", "%q is not a reason code (taxonomy: reasons); known: %s", c.Code, reasonList())
			}
			reason = r
		}
		if v, ok := m["label"]; ok {
			c.Label = d.l10n(v, cf+".label")
		} else if reasons {
			c.Label = reason.Label
		} else {
			d.Errorf(item, cf+".label", "missing required key %q", "label")
		}
		out = append(out, c)
	}
	return out
}

// condition decodes show_if: {question: id, equals: v} or {question: id, in: [v, …]}.
func (d *decoder) condition(s *Survey, index map[string]int, rq *rawQuestion) *Condition {
	n, f := rq.showIf, rq.field+".show_if"
	m := d.Fields(n, f, "question", "equals", "in")
	if m == nil {
		return nil
	}
	d.Need(m, n, f, "question")
	eq, hasEq := m["equals"]
	in, hasIn := m["in"]
	if hasEq == hasIn {
		d.Errorf(n, f, "give exactly one of `equals: value` or `in: [values]`")
	}
	c := &Condition{}
	var values []*yaml.Node
	var vf func(i int) string
	switch {
	case hasEq:
		values, vf = []*yaml.Node{eq}, func(int) string { return f + ".equals" }
	case hasIn:
		values, vf = d.Seq(in, f+".in"), func(i int) string { return fmt.Sprintf("%s.in[%d]", f, i) }
		if in.Kind == yaml.SequenceNode && len(values) == 0 {
			d.Errorf(in, f+".in", "needs at least one value")
		}
	}
	for i, v := range values {
		if s, ok := d.Scalar(v, vf(i)); ok {
			c.In = append(c.In, s)
		}
	}
	qn, ok := m["question"]
	if !ok {
		return nil
	}
	ref, ok := d.Scalar(qn, f+".question")
	if !ok {
		return nil
	}
	c.Question = ref
	target, known := s.byID[ref]
	switch pos := index[ref]; {
	case !known:
		d.Errorf(qn, f+".question", "unknown question %q", ref)
		return nil
	case pos == rq.pos:
		d.Errorf(qn, f+".question", "a question cannot depend on itself")
		return nil
	case pos > rq.pos:
		d.Errorf(qn, f+".question", "%q comes later in the survey; show_if may only refer to earlier questions", ref)
		return nil
	}
	for i, v := range c.In {
		if msg := fitsAnswer(target, v); msg != "" {
			d.Errorf(values[i], vf(i), "%q can never be an answer to %q: %s", v, ref, msg)
		}
	}
	return c
}

// fitsAnswer says why v cannot be an answer to q, or "" when it can.
func fitsAnswer(q *Question, v string) string {
	switch q.Type {
	case NPS, Likert:
		lo, hi := q.scaleBounds()
		if n, err := strconv.Atoi(v); err != nil || n < lo || n > hi || strconv.Itoa(n) != v {
			return fmt.Sprintf("answers are whole numbers %d–%d", lo, hi)
		}
	case Single, Multi:
		if !q.hasCode(v) {
			codes := make([]string, 0, len(q.Choices)+1)
			for _, c := range q.AllChoices() {
				codes = append(codes, c.Code)
			}
			return "choices are " + strings.Join(codes, ", ")
		}
	case YesNo:
		if v != Yes && v != No {
			return "answers are yes or no"
		}
	case Text:
		return "show_if cannot depend on a text question"
	}
	return ""
}

// scaleBounds returns the answer range of an nps or likert question.
func (q *Question) scaleBounds() (lo, hi int) {
	if q.Type == NPS {
		return NPSMin, NPSMax
	}
	return LikertMin, LikertMax
}

func typeList() string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func reasonList() string {
	s := make([]string, len(Reasons))
	for i, r := range Reasons {
		s[i] = r.Code
	}
	return strings.Join(s, ", ")
}
