package alumni

import (
	"reflect"
	"strings"
	"testing"
)

func TestJSONReader(t *testing.T) {
	in := `[
	  {"employee_code": "J1", "name": "山田 太郎", "email": "taro@example.jp", "department": "営業部",
	   "gender": "男性", "hire_date": "2015-04-01", "exit_date": "令和7年3月31日", "exit_type": "自己都合",
	   "exit_reason": "キャリアアップ", "regrettable": true, "rehire_eligible": "○", "locale": "ja", "consent": 1},
	  {"社員番号": 1002, "退職日": "2025/3/31", "メールアドレス": "bad-address", "同意": "たぶん", "favourite_colour": "blue"},
	  "not an object",
	  {"employee_code": "J1", "exit_date": "2025-02-30", "hire_date": null, "grade": ["G3"]},
	  {"employee_code": "J4", "exit_date": "2025-03-31", "社員番号": "J5"}
	]`
	jr, err := NewJSONReader(strings.NewReader(in), ReaderOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, jr.Next)
	if len(rows) != 5 {
		t.Fatalf("got %d rows; want 5", len(rows))
	}
	want0 := Record{EmployeeCode: "J1", Name: "山田 太郎", Email: "taro@example.jp", Department: "営業部",
		Gender: GenderMale, HireDate: MakeDate(2015, 4, 1), ExitDate: MakeDate(2025, 3, 31), ExitType: ExitVoluntary,
		ExitReason: ReasonGrowth, ExitReasonText: "キャリアアップ", Regrettable: true, RehireEligible: true,
		Locale: LocaleJA, Consent: true}
	if rows[0].problems != nil || !reflect.DeepEqual(rows[0].rec, want0) {
		t.Errorf("element 0 = %+v %v", rows[0].rec, rows[0].problems)
	}
	if rows[1].rec.EmployeeCode != "1002" {
		t.Errorf("numeric employee code = %q; want 1002", rows[1].rec.EmployeeCode)
	}
	type want struct {
		index         int
		column, field string
		kind          Kind
		message       string
	}
	wants := [][]want{
		1: {
			{1, "favourite_colour", "", KindUnknownColumn, `record 1, field "favourite_colour": warning: unknown field, ignored`},
			{1, "メールアドレス", FieldEmail, KindBadEmail, `record 1, field "メールアドレス" (email): not a valid e-mail address`},
			{1, "同意", FieldConsent, KindBadBool, `record 1, field "同意" (consent): expected はい/いいえ, ○/×, yes/no, true/false or 1/0: "たぶん"`},
		},
		2: {{2, "", "", KindParse, "record 2: element is not a JSON object"}},
		3: {
			{3, "grade", FieldGrade, KindBadValue, `record 3, field "grade": expected a string, number, boolean or null`},
			{3, "employee_code", FieldEmployeeCode, KindDuplicate, `record 3, field "employee_code": employee code already used on record 0: "J1"`},
			{3, "exit_date", FieldExitDate, KindBadDate, `record 3, field "exit_date": invalid date: day 30 out of range for 2025-02: "2025-02-30"`},
		},
		4: {{4, "社員番号", FieldEmployeeCode, KindParse, `record 4, field "社員番号" (employee_code): field given twice (also as employee_code)`}},
	}
	for i, ws := range wants {
		got := rows[i].problems
		if len(got) != len(ws) {
			t.Errorf("element %d problems = %v; want %d", i, got, len(ws))
			continue
		}
		for k, w := range ws {
			g := got[k]
			if g.Line != 0 || g.Index != w.index || g.Column != w.column || g.Field != w.field || g.Kind != w.kind ||
				g.Error() != w.message {
				t.Errorf("element %d problem %d = %+v\n  %s\nwant %+v", i, k, g, g.Error(), w)
			}
		}
	}
	if jr.BytesRead() != int64(len(in)) {
		t.Errorf("BytesRead = %d; want %d", jr.BytesRead(), len(in))
	}
}

func TestJSONReaderMalformed(t *testing.T) {
	for _, in := range []string{`{"employee_code": "A"}`, `[{"employee_code": "A"`, `[{"employee_code": "A"} {`, ``} {
		jr, err := NewJSONReader(strings.NewReader(in), ReaderOptions{})
		if err != nil {
			continue
		}
		var final error
		for range 5 {
			if _, _, final = jr.Next(); final != nil {
				break
			}
		}
		if final == nil || final.Error() == "EOF" {
			t.Errorf("input %q: final error %v; want a JSON syntax error", in, final)
		}
	}
}
