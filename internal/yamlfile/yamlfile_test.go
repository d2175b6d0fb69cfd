package yamlfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecoderReportsEveryProblemWithItsPlace(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string // Error() of each problem, in order
	}{
		{"empty", "", []string{"f.yaml:1: empty thing file"}},
		{"null", "~\n", []string{"f.yaml:1: empty thing file"}},
		{"two documents", "a: 1\n---\nb: 2\n", []string{"f.yaml:2: a thing file holds one YAML document; found another"}},
		{"syntax", "a: 1\nb: [\n", []string{"f.yaml:2: invalid YAML near this line: did not find expected node content"}},
		{"fields", "titel: x\nid: \"\"\nid2: [1]\n", []string{
			`f.yaml:1: titel: unknown key "titel" (did you mean "title"?)`,
			"f.yaml:2: id: must not be empty",
			"f.yaml:3: id2: must be a single value, found a list",
			`f.yaml:1: title: missing required key "title"`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Decoder{File: "f.yaml", Kind: "thing"}
			if root := d.Document([]byte(tc.data)); root != nil {
				m := d.Fields(root, "", "title", "id", "id2")
				if v, ok := m["id"]; ok {
					d.Str(v, "id")
				}
				if v, ok := m["id2"]; ok {
					d.Str(v, "id2")
				}
				d.Need(m, root, "", "title")
			}
			var got []string
			for _, e := range Errors(Join(d.Errs)) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestErrorsFindsWrappedProblems(t *testing.T) {
	a, b := &Error{File: "a", Msg: "x"}, &Error{File: "b", Line: 2, Field: "f", Msg: "y"}
	err := fmt.Errorf("load: %w", errors.Join(a, fmt.Errorf("more: %w", b)))
	if got := Errors(err); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Errors = %v", got)
	}
	if Join(nil) != nil || Errors(nil) != nil {
		t.Error("no problems must give no error")
	}
}
