package alumni

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// fixedNow pins the clock so "exit date too far ahead" does not depend on when tests run.
func fixedNow() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

type row struct {
	rec      Record
	problems []RowError
}

// readAll drains a Reader (or JSONReader) and fails the test on a final error.
func readAll(t *testing.T, next func() (Record, []RowError, error)) []row {
	t.Helper()
	var rows []row
	for {
		rec, problems, err := next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row{rec, problems})
	}
}

func openReader(t *testing.T, path string, opts ReaderOptions) *Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	rd, err := NewReader(f, opts)
	if err != nil {
		t.Fatalf("NewReader(%s): %v", path, err)
	}
	return rd
}

// jaRecords are the records of testdata/ja_utf8_bom.csv and its Shift_JIS twin.
var jaRecords = []Record{
	{EmployeeCode: "E0001", Name: "山田 太郎", Email: "taro.yamada@example.jp", Department: "営業部", JobFamily: "営業",
		Grade: "G3", Gender: GenderMale, HireDate: MakeDate(2015, 4, 1), ExitDate: MakeDate(2025, 3, 31),
		ExitType: ExitVoluntary, ExitReason: ReasonPersonal, ExitReasonText: "一身上の都合", Regrettable: true,
		RehireEligible: true, Locale: LocaleJA, Consent: true},
	{EmployeeCode: "E0002", Name: "佐藤 花子", Email: "hanako@example.com", Department: "開発部", JobFamily: "エンジニア",
		Grade: "G4", Gender: GenderFemale, HireDate: MakeDate(2018, 4, 1), ExitDate: MakeDate(2024, 12, 31),
		ExitType: ExitVoluntary, ExitReason: ReasonGrowth, ExitReasonText: "キャリアアップ", Regrettable: true,
		RehireEligible: true, Locale: LocaleEN, Consent: true},
	{EmployeeCode: "E0003", Name: "鈴木 一郎", Department: "人事部", JobFamily: "人事", Grade: "G5",
		Gender: GenderUnknown, HireDate: MakeDate(1988, 4, 1), ExitDate: MakeDate(2023, 3, 31),
		ExitType: ExitRetirement, ExitReasonText: "定年", Locale: LocaleJA},
	{EmployeeCode: "E0004", Name: "高橋 美咲", Email: "misaki.t@example.co.jp", Department: "営業部,第1課", JobFamily: "営業",
		Grade: "G2", Gender: GenderOther, HireDate: MakeDate(2021, 10, 1), ExitDate: MakeDate(2024, 6, 30),
		ExitType: ExitContractEnd, ExitReason: ReasonPersonal, ExitReasonText: "家庭の事情", Locale: LocaleJA},
	{EmployeeCode: "E0005", Name: "イトウ ケン", Email: "ito@example.jp", Department: "開発部", JobFamily: "エンジニア",
		Grade: "G3", Gender: GenderMale, HireDate: MakeDate(2020, 4, 1), ExitDate: MakeDate(2025, 1, 15),
		ExitType: ExitInvoluntary, ExitReason: ReasonCompensation, ExitReasonText: "給与・報酬", RehireEligible: true,
		Locale: LocaleJA, Consent: true},
	{EmployeeCode: "E0006", Name: "渡辺 翔", Email: "sho@example.jp", Department: "開発部", JobFamily: "エンジニア",
		Grade: "G3", Gender: GenderMale, HireDate: MakeDate(2019, 5, 1), ExitDate: MakeDate(2024, 9, 30),
		ExitType: ExitVoluntary, ExitReason: ReasonManager, ExitReasonText: "上司との関係\n（詳細は面談記録）",
		Regrettable: true, Locale: LocaleJA, Consent: true},
	{EmployeeCode: "E0007", Name: "中村 陽子", Email: "yoko@example.jp", Department: "総務部", JobFamily: "総務",
		Grade: "G1", Gender: GenderFemale, HireDate: MakeDate(2018, 4, 1), ExitDate: MakeDate(2025, 3, 31),
		ExitType: ExitContractEnd, ExitReason: ReasonPersonal, ExitReasonText: "介護", Locale: LocaleJA},
}

// jaLines are the physical lines the rows of the Japanese files start on (E0006 spans two lines).
var jaLines = []int{2, 3, 4, 5, 6, 7, 9}

func TestReaderJapaneseFiles(t *testing.T) {
	tests := []struct {
		file string
		enc  Encoding
	}{
		{"testdata/ja_utf8_bom.csv", EncodingUTF8},
		{"testdata/ja_sjis.csv", EncodingShiftJIS},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rd := openReader(t, tt.file, ReaderOptions{})
			rows := readAll(t, rd.Next)
			if got := rd.Encoding(); got != tt.enc {
				t.Errorf("Encoding = %q; want %q", got, tt.enc)
			}
			if len(rows) != len(jaRecords) {
				t.Fatalf("got %d rows; want %d", len(rows), len(jaRecords))
			}
			for i, r := range rows {
				if len(r.problems) > 0 {
					t.Errorf("row %d: unexpected problems %v", i, r.problems)
				}
				if !reflect.DeepEqual(r.rec, jaRecords[i]) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, r.rec, jaRecords[i])
				}
			}
			if len(rd.Warnings()) != 0 {
				t.Errorf("Warnings = %v", rd.Warnings())
			}
			st, _ := os.Stat(tt.file)
			if got := rd.BytesRead(); got != st.Size() {
				t.Errorf("BytesRead at EOF = %d; want the file size %d", got, st.Size())
			}
		})
	}
}

func TestReaderLinesAcrossQuotedNewlines(t *testing.T) {
	// A problem on the row after a two-line quoted cell must name its physical line.
	data, err := os.ReadFile("testdata/ja_utf8_bom.csv")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("H30.4.1"), []byte("H30.4.31"), 1)
	rd, err := NewReader(bytes.NewReader(data), ReaderOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, rd.Next)
	last := rows[len(rows)-1].problems
	if len(last) != 1 || last[0].Line != jaLines[6] || last[0].Column != "入社日" || last[0].Kind != KindBadDate {
		t.Errorf("problems of the last row = %+v; want one bad_date on line %d, column 入社日", last, jaLines[6])
	}
}

func TestReaderEnglishFile(t *testing.T) {
	rd := openReader(t, "testdata/en_utf8.csv", ReaderOptions{DefaultLocale: LocaleEN})
	rows := readAll(t, rd.Next)
	want := []Record{
		{EmployeeCode: "A-100", Name: "Alex Smith", Email: "alex@example.com", Department: "Sales", JobFamily: "Sales",
			Grade: "L3", Gender: GenderMale, HireDate: MakeDate(2019, 4, 1), ExitDate: MakeDate(2025, 3, 31),
			ExitType: ExitVoluntary, ExitReason: ReasonCompensation, ExitReasonText: "compensation", Regrettable: true,
			RehireEligible: true, Locale: LocaleEN, Consent: true},
		{EmployeeCode: "A-101", Name: "Kim Lee", Email: "kim.lee@example.org", Department: "Engineering",
			JobFamily: "Engineer", Grade: "L4", Gender: GenderFemale, HireDate: MakeDate(2017, 10, 1),
			ExitDate: MakeDate(2024, 12, 20), ExitType: ExitInvoluntary, ExitReason: ReasonStrategy,
			ExitReasonText: "strategy", Locale: LocaleEN},
		{EmployeeCode: "A-102", Name: "Sam Ito", Email: "sam@example.net", Department: "Finance", JobFamily: "Analyst",
			Grade: "L2", Gender: GenderUnknown, HireDate: MakeDate(2022, 1, 10), ExitDate: MakeDate(2025, 2, 28),
			ExitType: ExitContractEnd, Locale: LocaleJA, Consent: true},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows; want %d", len(rows), len(want))
	}
	for i := range want {
		if len(rows[i].problems) > 0 || !reflect.DeepEqual(rows[i].rec, want[i]) {
			t.Errorf("row %d:\n got %+v %v\nwant %+v", i, rows[i].rec, rows[i].problems, want[i])
		}
	}
	w := rd.Warnings()
	if len(w) != 1 || w[0].Kind != KindUnknownColumn || w[0].Column != "Notes" || !w[0].Warning || w[0].Line != 1 {
		t.Errorf("Warnings = %+v; want one unknown_column warning for Notes", w)
	}
	if rd.Encoding() != EncodingUTF8 {
		t.Errorf("Encoding = %q", rd.Encoding())
	}
}

func TestReaderBadRows(t *testing.T) {
	rd := openReader(t, "testdata/bad_rows.csv", ReaderOptions{MaxRowBytes: 512})
	rows := readAll(t, rd.Next)
	type want struct {
		line    int
		kind    Kind
		column  string
		value   string
		reason  string // substring of Error()
		warning bool
	}
	wants := []want{
		{3, KindBadDate, "退職日", "2025/13/01", "invalid date: month 13 out of range", false},
		{4, KindExitBeforeHire, "退職日", "2019/3/31", "exit date is before the hire date 2020-04-01", false},
		{5, KindBadEmail, "メールアドレス", "", "not a valid e-mail address", false},
		{6, KindBadExitType, "退職区分", "円満退社", "exit type not recognised", false},
		{7, KindUnknownReason, "退職理由", "宇宙飛行士になる", "warning: exit reason not recognised", true},
		{8, KindMissing, "社員番号", "", "employee code is required", false},
		{9, KindDuplicate, "社員番号", "B001", "employee code already used on line 2", false},
		{10, KindBadBool, "惜しい人材", "たぶん", "expected はい/いいえ", false},
		{11, KindBadLocale, "言語", "fr", "language must be ja", false},
		{12, KindFieldCount, "", "", "4 fields where the header has 14", false},
		{13, KindParse, "", "", `a " inside an unquoted value`, false},
		{14, KindDateRange, "退職日", "2099/3/31", "exit date more than a year after today (2025-06-01)", false},
		{15, KindDateRange, "入社日", "1930/4/1", "date before 1940-01-01", false},
		{16, KindUnknownGender, "性別", "火星人", "gender not recognised", true},
		{17, KindMissing, "退職日", "", "exit date is required", false},
		{18, KindBadDate, "退職日", "平成31年5月1日", "平成 ended on 2019-04-30", false},
		{20, KindRowTooLong, "", "", "row longer than 512 bytes, skipped", false},
		{24, KindBadEmail, "メールアドレス", "", "not a valid e-mail address", false},
		{24, KindBadBool, "惜しい人材", "まる", "expected はい/いいえ", false},
		{25, KindParse, "", "", "malformed quoted value", false},
	}
	var got []RowError
	var valid []string
	for _, r := range rows {
		got = append(got, r.problems...)
		if !HasErrors(r.problems) {
			valid = append(valid, r.rec.EmployeeCode)
		}
	}
	if len(got) != len(wants) {
		for _, g := range got {
			t.Log(g.Error())
		}
		t.Fatalf("got %d problems; want %d", len(got), len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if g.Line != w.line || g.Kind != w.kind || g.Column != w.column || g.Value != w.value || g.Warning != w.warning ||
			!strings.Contains(g.Error(), w.reason) {
			t.Errorf("problem %d = %+v\n  %s\nwant line %d kind %s column %q value %q warning %v reason %q",
				i, g, g.Error(), w.line, w.kind, w.column, w.value, w.warning, w.reason)
		}
	}
	// B006 and B014 only have warnings; the blank line 19 is skipped; B019's quoted newline is kept.
	if want := []string{"B001", "B006", "B014", "B018", "B019"}; !reflect.DeepEqual(valid, want) {
		t.Errorf("usable records = %v; want %v", valid, want)
	}
	if r := rows[len(rows)-3]; r.rec.EmployeeCode != "B019" || r.rec.Name != "複数行\n正常" {
		t.Errorf("quoted multi-line row = %+v", r.rec)
	}
}

func TestRowErrorsNeverEchoPII(t *testing.T) {
	data, err := os.ReadFile("testdata/bad_rows.csv")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(bytes.NewReader(data), ReaderOptions{Now: fixedNow, MaxRowBytes: 512})
	if err != nil {
		t.Fatal(err)
	}
	var pii []string
	var messages []string
	for {
		rec, problems, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Name != "" {
			pii = append(pii, rec.Name)
		}
		if rec.Email != "" {
			pii = append(pii, rec.Email)
		}
		for _, p := range problems {
			messages = append(messages, p.Error())
		}
	}
	pii = append(pii, "secret.person(at)example.jp", "bad@@example.jp", "引用\"符子")
	all := strings.Join(messages, "\n")
	for _, s := range pii {
		if strings.Contains(all, s) {
			t.Errorf("an error message contains PII %q:\n%s", s, all)
		}
	}
	if len(messages) < 15 {
		t.Errorf("only %d messages; the PII check is not exercising the bad file", len(messages))
	}
}

func TestHeaderErrors(t *testing.T) {
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "empty file"},
		{"missing both", "氏名,メールアドレス\n", "missing required columns: employee_code (社員番号), exit_date (退職日)"},
		{"missing exit", "社員番号,氏名\nA,B\n", "missing required columns: exit_date (退職日)"},
		{"duplicate", "社員番号,従業員番号,退職日\n", "several columns for one field: 社員番号 / 従業員番号 → employee_code"},
		{"too long", "社員番号," + strings.Repeat("x", 600) + ",退職日\n", "header row longer than the 512-byte row limit"},
		{"not on line 1", "\n社員番号,退職日\n", "header must be on line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.csv), ReaderOptions{MaxRowBytes: 512})
			var he *HeaderError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewReader error = %v; want a *HeaderError containing %q", err, tt.want)
			}
		})
	}
}

func TestHeaderAliases(t *testing.T) {
	tests := []struct {
		header string
		want   Record
	}{
		{"employee_code,exit_date,email", Record{EmployeeCode: "X1", ExitDate: MakeDate(2025, 3, 31), Email: "a@b.jp"}},
		{"Employee Code,Exit Date,EMAIL", Record{EmployeeCode: "X1", ExitDate: MakeDate(2025, 3, 31), Email: "a@b.jp"}},
		{"ＥＭＰＬＯＹＥＥ－ＣＯＤＥ,ｅｘｉｔ＿ｄａｔｅ,E-Mail", Record{EmployeeCode: "X1", ExitDate: MakeDate(2025, 3, 31), Email: "a@b.jp"}},
		{"従業員番号,退職日（YYYY/MM/DD）,個人メール", Record{EmployeeCode: "X1", ExitDate: MakeDate(2025, 3, 31), Email: "a@b.jp"}},
		{"※社員コード,退職年月日,私用メールアドレス", Record{EmployeeCode: "X1", ExitDate: MakeDate(2025, 3, 31), Email: "a@b.jp"}},
		{" 社員番号 ,退職日,所属", Record{EmployeeCode: "X1", ExitDate: MakeDate(2025, 3, 31), Department: "a@b.jp"}},
	}
	for _, tt := range tests {
		rd, err := NewReader(strings.NewReader(tt.header+"\nX1,2025/3/31,a@b.jp\n"), ReaderOptions{Now: fixedNow})
		if err != nil {
			t.Errorf("header %q: %v", tt.header, err)
			continue
		}
		rec, problems, err := rd.Next()
		tt.want.Gender, tt.want.Locale = GenderUnknown, LocaleJA
		if err != nil || len(problems) > 0 || !reflect.DeepEqual(rec, tt.want) {
			t.Errorf("header %q: got %+v %v %v; want %+v", tt.header, rec, problems, err, tt.want)
		}
	}
}

func TestFieldAliasesAreUnambiguous(t *testing.T) {
	owner := map[string]string{}
	for _, f := range fieldSpecs {
		for _, a := range append([]string{f.name}, f.aliases...) {
			k := normKey(a)
			if prev, ok := owner[k]; ok && prev != f.name {
				t.Errorf("header %q (key %q) names both %s and %s", a, k, prev, f.name)
			}
			owner[k] = f.name
		}
	}
}

func TestShiftJISDetectedAfterLongASCIIPrefix(t *testing.T) {
	// English headers and 8 KB of ASCII rows before the first Japanese name: a fixed-prefix sniff would
	// call this UTF-8 and garble every name.
	var b strings.Builder
	b.WriteString("employee_code,name,exit_date\n")
	for i := 0; b.Len() < 8<<10; i++ {
		fmt.Fprintf(&b, "A%04d,Taro,2025-03-31\n", i)
	}
	b.WriteString("J0001,山田 花子,令和7年3月31日\n")
	sjis, _, err := transform.String(japanese.ShiftJIS.NewEncoder(), b.String())
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(strings.NewReader(sjis), ReaderOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, rd.Next)
	last := rows[len(rows)-1]
	if last.rec.Name != "山田 花子" || last.problems != nil || last.rec.ExitDate != MakeDate(2025, 3, 31) {
		t.Errorf("last row = %+v %v", last.rec, last.problems)
	}
	if rd.Encoding() != EncodingShiftJIS {
		t.Errorf("Encoding = %q", rd.Encoding())
	}
}

func TestEncodingOverride(t *testing.T) {
	sjis, err := os.ReadFile("testdata/ja_sjis.csv")
	if err != nil {
		t.Fatal(err)
	}
	// Forcing Shift_JIS reads the file exactly as detection does.
	rd, err := NewReader(bytes.NewReader(sjis), ReaderOptions{Encoding: EncodingShiftJIS, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if rows := readAll(t, rd.Next); len(rows) != len(jaRecords) || !reflect.DeepEqual(rows[0].rec, jaRecords[0]) {
		t.Errorf("forced Shift_JIS: %d rows, first %+v", len(rows), rows[0].rec)
	}
	// Forcing UTF-8 on Shift_JIS bytes garbles the header: no required column is found.
	_, err = NewReader(bytes.NewReader(sjis), ReaderOptions{Encoding: EncodingUTF8})
	var he *HeaderError
	if !errors.As(err, &he) || len(he.Missing) != 2 {
		t.Errorf("forced UTF-8 on Shift_JIS: err = %v; want both required columns missing", err)
	}
	// A UTF-8 file with one Shift_JIS cell: the cell is reported, not silently garbled.
	name, _, _ := transform.String(japanese.ShiftJIS.NewEncoder(), "山田")
	mixed := "社員番号,氏名,退職日,部署\n"
	for i := range 10 { // enough UTF-8 before the bad cell for detection to settle on UTF-8
		mixed += fmt.Sprintf("A%d,佐藤,2025/3/31,営業部\n", i)
	}
	mixed += "B1," + name + ",2025/3/31,営業部\n"
	rd, err = NewReader(strings.NewReader(mixed), ReaderOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, rd.Next)
	if len(rows) != 11 || rows[0].problems != nil {
		t.Fatalf("rows = %+v", rows)
	}
	p := rows[10].problems
	if len(p) != 1 || p[0].Kind != KindEncoding || p[0].Line != 12 || p[0].Column != "氏名" || p[0].Value != "" {
		t.Errorf("mixed encoding problems = %+v; want one encoding error on 氏名 (no value: PII)", p)
	}
}

func TestParseEncoding(t *testing.T) {
	for in, want := range map[string]Encoding{"": EncodingAuto, "AUTO": EncodingAuto, "utf8": EncodingUTF8,
		"UTF-8": EncodingUTF8, "sjis": EncodingShiftJIS, "CP932": EncodingShiftJIS, "Windows-31J": EncodingShiftJIS} {
		if got, err := ParseEncoding(in); err != nil || got != want {
			t.Errorf("ParseEncoding(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseEncoding("euc-jp"); err == nil {
		t.Error("ParseEncoding(euc-jp) succeeded")
	}
	if _, err := NewReader(strings.NewReader("a\n"), ReaderOptions{Encoding: "latin1"}); err == nil {
		t.Error("NewReader accepted an unknown encoding")
	}
}

func TestReaderTSVAndLimits(t *testing.T) {
	long := strings.Repeat("9", 65)
	in := "社員番号\t退職日\t入社日\n" +
		"T1\t2025/3/31\t2025/3/31\n" + // same-day exit is fine
		long + "\t2025/3/31\t\n" +
		"T\x012\t2025/3/31\t\n"
	rd, err := NewReader(strings.NewReader(in), ReaderOptions{Comma: '\t', Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, rd.Next)
	if len(rows) != 3 || rows[0].problems != nil || rows[0].rec.ExitDate != MakeDate(2025, 3, 31) {
		t.Fatalf("rows = %+v", rows)
	}
	for i, wantReason := range []string{"", "longer than 64 bytes", "control characters"} {
		if i == 0 {
			continue
		}
		p := rows[i].problems
		if len(p) != 1 || p[0].Kind != KindBadValue || !strings.Contains(p[0].Reason, wantReason) {
			t.Errorf("row %d problems = %+v; want bad_value %q", i, p, wantReason)
		}
	}
	if _, err := NewReader(strings.NewReader(in), ReaderOptions{Comma: '、'}); err == nil {
		t.Error("a non-ASCII separator was accepted")
	}
}

func TestReaderGiantRowsStayBounded(t *testing.T) {
	// A 4 MB line with no newline, then an unterminated quote that runs to the end of a long file: both are
	// skipped with row_too_long, the rows around them survive with correct line numbers.
	var b bytes.Buffer
	b.WriteString("社員番号,退職日,退職理由\n")
	b.WriteString("G1,2025/3/31,給与\n")
	b.WriteString("G2,2025/3/31," + strings.Repeat("長", 4<<20/3) + "\n")
	b.WriteString("G3,2025/3/31,給与\n")
	b.WriteString("G4,2025/3/31,\"引用開始\n")
	for range 30000 {
		b.WriteString("G5,2025/3/31,給与\n")
	}
	rd, err := NewReader(&b, ReaderOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, rd.Next)
	var summary []string
	for _, r := range rows {
		if len(r.problems) > 0 {
			summary = append(summary, fmt.Sprintf("%d:%s", r.problems[0].Line, r.problems[0].Kind))
		} else {
			summary = append(summary, r.rec.EmployeeCode)
		}
	}
	want := []string{"G1", "3:row_too_long", "G3", "5:row_too_long"}
	if !reflect.DeepEqual(summary, want) {
		t.Errorf("rows = %v; want %v", summary, want)
	}
}

func TestValueMappings(t *testing.T) {
	types := map[string]ExitType{
		"自己都合": ExitVoluntary, "自己都合退職": ExitVoluntary, "依願退職": ExitVoluntary, "自己都合による退職": ExitVoluntary,
		"Voluntary": ExitVoluntary, "会社都合": ExitInvoluntary, "解雇": ExitInvoluntary, "懲戒解雇": ExitInvoluntary,
		"希望退職": ExitInvoluntary, "退職勧奨による退職": ExitInvoluntary, "layoff": ExitInvoluntary, "定年": ExitRetirement,
		"定年退職": ExitRetirement, "retirement": ExitRetirement, "契約満了": ExitContractEnd, "期間満了": ExitContractEnd,
		"雇止め": ExitContractEnd, "contract_end": ExitContractEnd, "Contract End": ExitContractEnd,
	}
	for in, want := range types {
		if got, ok := exitTypeOf(in); !ok || got != want {
			t.Errorf("exitTypeOf(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got, ok := exitTypeOf("円満退社"); ok {
		t.Errorf("exitTypeOf(円満退社) = %q; want no match", got)
	}
	reasons := map[string]Reason{
		"給与・報酬": ReasonCompensation, "給与報酬": ReasonCompensation, "評価・昇進": ReasonEvaluation,
		"キャリア・成長": ReasonGrowth, "上司・マネジメント": ReasonManager, "人間関係": ReasonRelationships,
		"業務量・労働時間": ReasonWorkload, "働き方の柔軟性": ReasonFlexibility, "組織文化・風土": ReasonCulture,
		"経営・事業の将来性": ReasonStrategy, "仕事内容・やりがい": ReasonJobContent, "福利厚生・制度": ReasonBenefits,
		"受け入れ・教育": ReasonOnboarding, "個人的事情": ReasonPersonal, "アルムナイ・再入社": ReasonAlumni,
		"一身上の都合": ReasonPersonal, "一身上の都合により": ReasonPersonal, "家庭の事情": ReasonPersonal,
		"結婚": ReasonPersonal, "介護": ReasonPersonal, "親の介護のため": ReasonPersonal, "転居": ReasonPersonal,
		"キャリアアップ": ReasonGrowth, "キャリアアップのため": ReasonGrowth, "残業が多い": ReasonWorkload,
		"上司との人間関係": ReasonManager, "job_content": ReasonJobContent, "Compensation": ReasonCompensation,
		"ｷｬﾘｱｱｯﾌﾟ": ReasonGrowth,
	}
	for in, want := range reasons {
		if got, ok := reasonOf(in); !ok || got != want {
			t.Errorf("reasonOf(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"その他", "特になし", "定年", "契約満了"} {
		if got, ok := reasonOf(in); !ok || got != "" {
			t.Errorf("reasonOf(%q) = %q, %v; want recognised with no code", in, got, ok)
		}
	}
	for _, in := range []string{"宇宙飛行士になる", "円満"} {
		if got, ok := reasonOf(in); ok {
			t.Errorf("reasonOf(%q) = %q; want no match", in, got)
		}
	}
	bools := map[string]bool{"はい": true, "いいえ": false, "○": true, "〇": true, "×": false, "true": true,
		"FALSE": false, "1": true, "0": false, "yes": true, "No": false, "可": true, "否": false, "不可": false,
		"１": true, "ＹＥＳ": true}
	for in, want := range bools {
		if got, ok := booleans[normKey(in)]; !ok || got != want {
			t.Errorf("booleans[%q] = %v, %v; want %v", in, got, ok, want)
		}
	}
	genders := map[string]Gender{"男": GenderMale, "男性": GenderMale, "M": GenderMale, "ｍ": GenderMale,
		"女": GenderFemale, "女性": GenderFemale, "F": GenderFemale, "Female": GenderFemale, "その他": GenderOther,
		"回答しない": GenderUnknown, "無回答": GenderUnknown, "1": GenderMale, "2": GenderFemale, "9": GenderUnknown}
	for in, want := range genders {
		if got := genderOf(in); got != want {
			t.Errorf("gender %q = %q; want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"ja": LocaleJA, "日本語": LocaleJA, "ja-JP": LocaleJA, "EN": LocaleEN,
		"English": LocaleEN, "en_US": LocaleEN} {
		if got := locales[normKey(in)]; got != want {
			t.Errorf("locale %q = %q; want %q", in, got, want)
		}
	}
}

func genderOf(s string) Gender { return genders[normKey(s)] }

func TestLabelTablesAreUnambiguous(t *testing.T) {
	// lookupTable silently keeps one of two values for a repeated label; make sure there are none.
	check := func(name string, entries map[string][]string) {
		owner := map[string]string{}
		for v, labels := range entries {
			for _, l := range labels {
				if prev, ok := owner[normKey(l)]; ok && prev != v {
					t.Errorf("%s: label %q maps to both %s and %s", name, l, prev, v)
				}
				owner[normKey(l)] = v
			}
		}
	}
	check("exit types", stringKeys(exitTypes))
	check("reasons", stringKeys(reasons))
	check("genders", stringKeys(genders))
	check("booleans", stringKeys(booleans))
}

// stringKeys inverts a built table back to value → labels so collisions between labels of different values
// show up as keys seen under two values. Built tables already lost collisions, so the test rebuilds them.
func stringKeys[V comparable](m map[string]V) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		out[fmt.Sprint(v)] = append(out[fmt.Sprint(v)], k)
	}
	return out
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"社員番号,退職日\nA,2025/3/31\n", "employee_code,exit_date,email\n\"a\nb\",R7.3.31,x@y.jp\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data), ReaderOptions{Now: fixedNow, MaxRowBytes: 64})
		if err != nil {
			return
		}
		for range len(data) + 2 {
			_, problems, err := rd.Next()
			if err == io.EOF {
				if rd.BytesRead() != int64(len(data)) {
					t.Fatalf("BytesRead = %d at EOF; want %d", rd.BytesRead(), len(data))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				if p.Line < 2 {
					t.Fatalf("problem on line %d: %v", p.Line, p)
				}
			}
		}
		t.Fatal("Next did not reach EOF")
	})
}
