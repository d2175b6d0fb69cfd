package survey

// Reason is one code of the shared reason and theme taxonomy: the same codes
// label exit reasons from the HRIS, survey choices and free-text themes.
type Reason struct {
	Code  string
	Label L10n
}

// Reasons is the shared taxonomy, in the order forms and charts list it.
var Reasons = []Reason{
	{"compensation", L10n{JA: "給与・報酬", EN: "Pay and rewards"}},
	{"evaluation", L10n{JA: "評価・昇進", EN: "Evaluation and promotion"}},
	{"growth", L10n{JA: "キャリア・成長", EN: "Career and growth"}},
	{"manager", L10n{JA: "上司・マネジメント", EN: "Manager and management"}},
	{"relationships", L10n{JA: "人間関係", EN: "Working relationships"}},
	{"workload", L10n{JA: "業務量・労働時間", EN: "Workload and working hours"}},
	{"flexibility", L10n{JA: "働き方の柔軟性", EN: "Flexible working"}},
	{"culture", L10n{JA: "組織文化・風土", EN: "Culture and climate"}},
	{"strategy", L10n{JA: "経営・事業の将来性", EN: "Leadership and business outlook"}},
	{"job_content", L10n{JA: "仕事内容・やりがい", EN: "The work itself and its meaning"}},
	{"benefits", L10n{JA: "福利厚生・制度", EN: "Benefits and policies"}},
	{"onboarding", L10n{JA: "受け入れ・教育", EN: "Onboarding and training"}},
	{"personal", L10n{JA: "個人的事情", EN: "Personal circumstances"}},
	{"alumni", L10n{JA: "アルムナイ・再入社", EN: "Alumni and rehiring"}},
}

// ReasonByCode returns the taxonomy entry for code.
func ReasonByCode(code string) (Reason, bool) {
	for _, r := range Reasons {
		if r.Code == code {
			return r, true
		}
	}
	return Reason{}, false
}
