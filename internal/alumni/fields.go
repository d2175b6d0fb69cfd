package alumni

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fieldID indexes the fields of a Record in the tables below.
type fieldID int

const (
	fEmployeeCode fieldID = iota
	fName
	fEmail
	fDepartment
	fJobFamily
	fGrade
	fGender
	fHireDate
	fExitDate
	fExitType
	fExitReason
	fRegrettable
	fRehireEligible
	fLocale
	fConsent
	numFields
)

// fieldSpec describes one field: its canonical name, Japanese label (for messages) and the header names
// HR systems use for it. Aliases are compared after normKey, so width, case, spaces and _ - ・ do not matter.
type fieldSpec struct {
	name     string
	ja       string
	required bool
	pii      bool
	aliases  []string
}

var fieldSpecs = [numFields]fieldSpec{
	fEmployeeCode: {name: FieldEmployeeCode, ja: "社員番号", required: true, aliases: []string{
		"社員番号", "従業員番号", "社員コード", "従業員コード", "社員no", "社員id", "従業員id", "職員番号", "社員cd",
		"employee code", "employee id", "employee no", "employee number", "emp code", "emp id", "staff id"}},
	fName: {name: FieldName, ja: "氏名", pii: true, aliases: []string{
		"氏名", "名前", "姓名", "社員名", "従業員名", "氏名(漢字)", "full name"}},
	fEmail: {name: FieldEmail, ja: "メールアドレス", pii: true, aliases: []string{
		"メールアドレス", "個人メール", "個人メールアドレス", "私用メール", "私用メールアドレス", "連絡先メールアドレス",
		"メール", "e-mail", "email address", "personal email", "personal email address", "mail"}},
	fDepartment: {name: FieldDepartment, ja: "部署", aliases: []string{
		"部署", "所属", "部門", "所属部署", "部署名", "所属部門", "所属名", "dept"}},
	fJobFamily: {name: FieldJobFamily, ja: "職種", aliases: []string{
		"職種", "職群", "職種名", "job category", "job function"}},
	fGrade: {name: FieldGrade, ja: "等級", aliases: []string{
		"等級", "グレード", "資格等級", "職能等級", "level"}},
	fGender:   {name: FieldGender, ja: "性別", aliases: []string{"性別", "sex"}},
	fHireDate: {name: FieldHireDate, ja: "入社日", aliases: []string{"入社日", "入社年月日", "入社日付", "join date", "start date", "hired on"}},
	fExitDate: {name: FieldExitDate, ja: "退職日", required: true, aliases: []string{
		"退職日", "退職年月日", "退社日", "離職日", "退職日付", "leave date", "leaving date", "termination date", "left on"}},
	fExitType: {name: FieldExitType, ja: "退職区分", aliases: []string{
		"退職区分", "退職種別", "退職事由区分", "離職区分", "退職形態", "termination type", "leave type"}},
	fExitReason: {name: FieldExitReason, ja: "退職理由", aliases: []string{
		"退職理由", "離職理由", "退職事由", "退社理由", "termination reason", "leave reason", "reason for leaving"}},
	fRegrettable: {name: FieldRegrettable, ja: "惜しい人材", aliases: []string{
		"惜しい人材", "惜しまれる退職", "惜しまれ退職", "引き留め対象", "regrettable loss", "regretted"}},
	fRehireEligible: {name: FieldRehireEligible, ja: "再雇用可", aliases: []string{
		"再雇用可", "再雇用可否", "再雇用", "再入社可", "再入社可否", "rehire", "rehirable", "eligible for rehire"}},
	fLocale: {name: FieldLocale, ja: "言語", aliases: []string{"言語", "使用言語", "連絡言語", "language", "lang"}},
	fConsent: {name: FieldConsent, ja: "同意", aliases: []string{
		"同意", "アルムナイ同意", "連絡同意", "アルムナイ連絡同意", "consent to contact", "alumni consent"}},
}

// fieldByKey maps a normalised header name (or JSON key) to its field.
var fieldByKey = func() map[string]fieldID {
	m := make(map[string]fieldID)
	for id, f := range fieldSpecs {
		m[normKey(f.name)] = fieldID(id)
		for _, a := range f.aliases {
			m[normKey(a)] = fieldID(id)
		}
	}
	return m
}()

// fieldByName maps a canonical field name to its spec.
var fieldByName = func() map[string]fieldSpec {
	m := make(map[string]fieldSpec, numFields)
	for _, f := range fieldSpecs {
		m[f.name] = f
	}
	return m
}()

// normKey folds a header or coded value for lookup: NFKC (full-width → ASCII, half-width kana → full),
// lower case, a trailing "(…)" annotation such as "退職日(YYYY/MM/DD)" dropped, and spaces and the
// separators _ - ・ . * ※ removed, so "Employee Code", "employee_code" and "ＥＭＰＬＯＹＥＥ－ＣＯＤＥ" meet.
func normKey(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	if i := strings.LastIndexByte(s, '('); i > 0 && strings.HasSuffix(strings.TrimSpace(s), ")") {
		s = s[:i]
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || strings.ContainsRune("_-・.*※", r) {
			return -1
		}
		return r
	}, s)
}

// lookupTable builds a normalised-key map from pairs of (value, labels…).
func lookupTable[V comparable](entries map[V][]string) map[string]V {
	m := make(map[string]V)
	for v, labels := range entries {
		for _, l := range labels {
			m[normKey(l)] = v
		}
	}
	return m
}

var genders = lookupTable(map[Gender][]string{
	// ISO/IEC 5218 codes 0, 1, 2, 9 are what payroll systems often export.
	GenderMale:    {"男", "男性", "m", "male", "man", "1"},
	GenderFemale:  {"女", "女性", "f", "female", "woman", "2"},
	GenderOther:   {"その他", "other", "x", "ノンバイナリー", "non-binary", "nonbinary"},
	GenderUnknown: {"回答しない", "無回答", "未回答", "不明", "未設定", "unknown", "prefer not to say", "n/a", "0", "9"},
})

var booleans = lookupTable(map[bool][]string{
	true:  {"はい", "○", "◯", "〇", "✓", "✔", "true", "t", "1", "yes", "y", "可", "有", "あり", "対象", "済"},
	false: {"いいえ", "×", "✕", "✗", "false", "f", "0", "no", "n", "否", "不可", "無", "なし", "対象外"},
})

var locales = lookupTable(map[string][]string{
	LocaleJA: {"ja", "ja-jp", "ja_jp", "jp", "jpn", "japanese", "日本語"},
	LocaleEN: {"en", "en-us", "en-gb", "en_us", "eng", "english", "英語"},
})

// exitTypes holds exact labels. 希望退職 (a company's call for early retirement) and 退職勧奨 count as
// involuntary: the company initiated them, and counting them as voluntary would inflate voluntary and
// regrettable turnover. A standing 早期退職制度 chosen by the employee counts as voluntary.
var exitTypes = lookupTable(map[ExitType][]string{
	ExitVoluntary: {"voluntary", "自己都合", "自己都合退職", "依願退職", "辞職", "転職", "早期退職", "resignation",
		"resigned", "quit"},
	ExitInvoluntary: {"involuntary", "会社都合", "会社都合退職", "解雇", "普通解雇", "懲戒解雇", "整理解雇", "諭旨解雇",
		"希望退職", "早期希望退職", "退職勧奨", "dismissal", "dismissed", "terminated", "termination", "layoff", "laid off",
		"redundancy"},
	ExitRetirement: {"retirement", "retired", "定年", "定年退職"},
	ExitContractEnd: {"contract_end", "contract end", "end of contract", "契約満了", "期間満了", "契約期間満了",
		"任期満了", "雇止め", "雇い止め"},
})

// exitTypeKeywords catch longer texts ("自己都合による退職") that no exact label matches; first match wins.
var exitTypeKeywords = []struct {
	word string
	t    ExitType
}{
	{"希望退職", ExitInvoluntary}, {"勧奨", ExitInvoluntary}, {"会社都合", ExitInvoluntary}, {"解雇", ExitInvoluntary},
	{"自己都合", ExitVoluntary}, {"定年", ExitRetirement}, {"満了", ExitContractEnd}, {"雇止", ExitContractEnd},
}

// reasons maps the taxonomy's own codes and Japanese labels, and the labels HR pick lists use, to codes.
// Stated family and health reasons are personal: the candour gap analysis compares them with what people say
// at 3 months.
var reasons = lookupTable(map[Reason][]string{
	ReasonCompensation: {"compensation", "給与・報酬", "給与", "報酬", "給料", "年収", "賃金", "待遇", "給与・待遇",
		"収入", "pay", "salary"},
	ReasonEvaluation: {"evaluation", "評価・昇進", "評価", "人事評価", "昇進", "昇格", "評価制度", "promotion"},
	ReasonGrowth: {"growth", "キャリア・成長", "キャリアアップ", "スキルアップ", "キャリア", "成長", "キャリア形成",
		"独立", "起業", "独立・起業", "career", "career change", "career growth"},
	ReasonManager:       {"manager", "上司・マネジメント", "上司", "マネジメント", "上司との関係"},
	ReasonRelationships: {"relationships", "人間関係", "職場の人間関係", "同僚"},
	ReasonWorkload: {"workload", "業務量・労働時間", "業務量", "労働時間", "残業", "長時間労働", "激務", "休日",
		"hours"},
	ReasonFlexibility: {"flexibility", "働き方の柔軟性", "働き方", "リモートワーク", "在宅勤務", "勤務地", "転勤",
		"勤務形態"},
	ReasonCulture:    {"culture", "組織文化・風土", "組織文化", "社風", "風土", "企業文化"},
	ReasonStrategy:   {"strategy", "経営・事業の将来性", "将来性", "会社の将来性", "経営方針", "将来への不安", "事業の将来性"},
	ReasonJobContent: {"job_content", "仕事内容・やりがい", "仕事内容", "業務内容", "やりがい", "仕事のやりがい"},
	ReasonBenefits:   {"benefits", "福利厚生・制度", "福利厚生", "制度"},
	ReasonOnboarding: {"onboarding", "受け入れ・教育", "教育", "研修", "受け入れ", "教育体制", "研修制度"},
	ReasonPersonal: {"personal", "個人的事情", "一身上の都合", "家庭の事情", "家庭の都合", "家族の事情", "結婚", "出産",
		"育児", "子育て", "介護", "転居", "引越し", "引っ越し", "配偶者の転勤", "病気", "体調不良", "健康上の理由", "療養",
		"進学", "留学", "帰国", "family", "health", "relocation", "personal reasons"},
	ReasonAlumni: {"alumni", "アルムナイ・再入社", "再入社", "出戻り"},
	// Recognised, but no reason stated: code "" without a warning.
	"": {"その他", "other", "特になし", "なし", "不明", "未回答", "無回答", "-"},
})

// reasonKeywords catch free-text reasons ("キャリアアップのため", "親の介護") no label matches; first match
// wins, so the more specific words come first.
var reasonKeywords = []struct {
	word string
	r    Reason
}{
	{"一身上", ReasonPersonal}, {"家庭", ReasonPersonal}, {"家族", ReasonPersonal}, {"介護", ReasonPersonal},
	{"結婚", ReasonPersonal}, {"出産", ReasonPersonal}, {"育児", ReasonPersonal}, {"転居", ReasonPersonal},
	{"引越", ReasonPersonal}, {"引っ越", ReasonPersonal}, {"体調", ReasonPersonal}, {"健康", ReasonPersonal},
	{"病気", ReasonPersonal},
	{"上司", ReasonManager}, {"人間関係", ReasonRelationships},
	{"給与", ReasonCompensation}, {"給料", ReasonCompensation}, {"年収", ReasonCompensation}, {"報酬", ReasonCompensation},
	{"待遇", ReasonCompensation},
	{"評価", ReasonEvaluation}, {"昇進", ReasonEvaluation}, {"昇格", ReasonEvaluation},
	{"キャリア", ReasonGrowth}, {"スキル", ReasonGrowth}, {"成長", ReasonGrowth}, {"起業", ReasonGrowth}, {"独立", ReasonGrowth},
	{"残業", ReasonWorkload}, {"労働時間", ReasonWorkload}, {"業務量", ReasonWorkload}, {"激務", ReasonWorkload},
	{"リモート", ReasonFlexibility}, {"在宅", ReasonFlexibility}, {"転勤", ReasonFlexibility}, {"働き方", ReasonFlexibility},
	{"社風", ReasonCulture}, {"風土", ReasonCulture}, {"文化", ReasonCulture},
	{"将来性", ReasonStrategy}, {"経営", ReasonStrategy},
	{"仕事内容", ReasonJobContent}, {"業務内容", ReasonJobContent}, {"やりがい", ReasonJobContent},
	{"福利厚生", ReasonBenefits},
	{"研修", ReasonOnboarding}, {"教育", ReasonOnboarding},
}

// lookup finds s in a table built by lookupTable. Most cells are already in normal form ("はい", "男性"), so
// the raw value is tried before paying for normKey. found is false for cells that are blank after folding.
func lookup[V comparable](table map[string]V, s string) (v V, found, blank bool) {
	if v, ok := table[s]; ok && s != "" {
		return v, true, false
	}
	k := normKey(s)
	v, ok := table[k]
	return v, ok && k != "", k == ""
}

// exitTypeOf maps an exit-type cell to an ExitType; ok is false when nothing matches.
func exitTypeOf(s string) (ExitType, bool) {
	if t, ok, _ := lookup(exitTypes, s); ok {
		return t, true
	}
	k := normKey(s)
	for _, kw := range exitTypeKeywords {
		if strings.Contains(k, kw.word) {
			return kw.t, true
		}
	}
	return "", false
}

// reasonOf maps a stated exit reason to a taxonomy code; ok is false when nothing matches. "Other" and
// reasons that only restate the exit type (定年, 契約満了, 解雇) are recognised with code "".
func reasonOf(s string) (Reason, bool) {
	if r, ok, blank := lookup(reasons, s); ok || blank {
		return r, true
	}
	k := normKey(s)
	if _, ok := exitTypes[k]; ok {
		return "", true
	}
	for _, kw := range reasonKeywords {
		if strings.Contains(k, kw.word) {
			return kw.r, true
		}
	}
	return "", false
}
