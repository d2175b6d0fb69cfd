package yamlfile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
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

func TestLoadAllReportsEveryFile(t *testing.T) {
	parse := func(name string, data []byte) (string, []*Error) {
		d := &Decoder{File: name, Kind: "thing"}
		root := d.Document(data)
		if root == nil {
			return "", d.Errs
		}
		id := d.Str(d.Fields(root, "", "id")["id"], "id")
		if errs := d.Done(root, id); errs != nil {
			return "", errs
		}
		return id, nil
	}
	good := fstest.MapFS{"a.yaml": {Data: []byte("id: a\n")}, "b.yaml": {Data: []byte("id: b\n")}, "note.txt": {}}
	if got, err := LoadAll(good, "thing", 100, parse); err != nil || strings.Join(got, ",") != "a,b" {
		t.Errorf("LoadAll = %v, %v", got, err)
	}
	bad := fstest.MapFS{
		"a.yaml": {Data: []byte("id: b\n")},                            // id and name differ
		"b.yaml": {Data: []byte("id: b\n" + strings.Repeat("#", 100))}, // too large
		"c.yaml": {Data: []byte("id: c\n")},
	}
	got, err := LoadAll(bad, "thing", 100, parse)
	var msgs []string
	for _, e := range Errors(err) {
		msgs = append(msgs, e.Error())
	}
	want := []string{`a.yaml:1: id: id "b" must match the file name "a.yaml"`, "b.yaml: file larger than 100 bytes"}
	if got != nil || strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("LoadAll = %v\n%s\nwant\n%s", got, strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	if _, err := LoadAll(fstest.MapFS{}, "thing", 100, parse); err == nil || !strings.Contains(err.Error(), "no *.yaml thing files") {
		t.Errorf("no files: %v", err)
	}
}
