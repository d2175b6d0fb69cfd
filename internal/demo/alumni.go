// Package demo seeds a realistic demo tenant: a Japanese company with about 2,000 leavers over three
// years, their stated exit reasons, and (where the survey parts exist) invitations and answers with
// Japanese free text. Everything is deterministic for a given seed.
package demo

import (
	"io"
	"math/rand/v2"
	"time"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
)

// TenantID is the demo tenant's id.
const TenantID = "demo"

// Company is the demo tenant's name.
const Company = "さくらテクノロジー株式会社"

type weighted[T any] struct {
	v T
	w float64
}

func pick[T any](r *rand.Rand, xs []weighted[T]) T {
	var total float64
	for _, x := range xs {
		total += x.w
	}
	u := r.Float64() * total
	for _, x := range xs {
		if u < x.w {
			return x.v
		}
		u -= x.w
	}
	return xs[len(xs)-1].v
}

// Departments of the demo company, with their share of leavers.
var departments = []weighted[string]{
	{"営業本部", 0.24}, {"開発本部", 0.26}, {"カスタマーサクセス部", 0.14}, {"マーケティング部", 0.08},
	{"コーポレート本部", 0.08}, {"人事部", 0.05}, {"品質保証部", 0.08}, {"データ戦略室", 0.07},
}

var jobFamilies = map[string][]weighted[string]{
	"営業本部":       {{"営業", 0.8}, {"営業企画", 0.2}},
	"開発本部":       {{"エンジニア", 0.75}, {"プロダクトマネージャー", 0.15}, {"デザイナー", 0.10}},
	"カスタマーサクセス部": {{"カスタマーサクセス", 0.85}, {"サポート", 0.15}},
	"マーケティング部":   {{"マーケティング", 1}},
	"コーポレート本部":   {{"経理", 0.4}, {"法務", 0.2}, {"総務", 0.4}},
	"人事部":        {{"人事", 1}},
	"品質保証部":      {{"QAエンジニア", 1}},
	"データ戦略室":     {{"データサイエンティスト", 0.6}, {"データエンジニア", 0.4}},
}

var grades = []weighted[string]{{"G1", 0.18}, {"G2", 0.3}, {"G3", 0.28}, {"G4", 0.16}, {"M1", 0.06}, {"M2", 0.02}}

// Stated reasons at exit: what people say on the way out (personal reasons dominate, as surveys find).
type stated struct {
	text string
	code alumni.Reason
}

var statedReasons = []weighted[stated]{
	{stated{"一身上の都合", alumni.ReasonPersonal}, 0.34}, {stated{"家庭の事情", alumni.ReasonPersonal}, 0.14},
	{stated{"キャリアアップ", alumni.ReasonGrowth}, 0.18}, {stated{"給与・報酬", alumni.ReasonCompensation}, 0.06},
	{stated{"仕事内容・やりがい", alumni.ReasonJobContent}, 0.07}, {stated{"働き方の柔軟性", alumni.ReasonFlexibility}, 0.05},
	{stated{"上司・マネジメント", alumni.ReasonManager}, 0.02}, {stated{"人間関係", alumni.ReasonRelationships}, 0.02},
	{stated{"業務量・労働時間", alumni.ReasonWorkload}, 0.05}, {stated{"経営・事業の将来性", alumni.ReasonStrategy}, 0.03},
	{stated{"評価・昇進", alumni.ReasonEvaluation}, 0.04},
}

var exitTypes = []weighted[alumni.ExitType]{
	{alumni.ExitVoluntary, 0.86}, {alumni.ExitContractEnd, 0.07}, {alumni.ExitRetirement, 0.04}, {alumni.ExitInvoluntary, 0.03},
}

var familyNames = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
	"佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "前田", "藤田"}
var givenNames = []string{"翔太", "大輝", "拓海", "健太", "陽菜", "美咲", "さくら", "結衣", "葵", "悠斗", "蓮", "花子",
	"直樹", "恵", "真由美", "亮", "彩", "由美", "誠", "舞", "優子", "和也", "千尋", "遥"}

// Alumni generates n demo leavers with exit dates in the three years before now.
func Alumni(seed uint64, n int, now time.Time) []alumni.Record {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]alumni.Record, 0, n)
	start := now.AddDate(-3, 0, 0)
	span := now.Sub(start)
	for i := range n {
		dept := pick(r, departments)
		exit := start.Add(time.Duration(r.Int64N(int64(span))))
		tenureDays := int(r.ExpFloat64()*900) + 120
		hire := exit.AddDate(0, 0, -tenureDays)
		et := pick(r, exitTypes)
		reason := pick(r, statedReasons)
		if et == alumni.ExitRetirement {
			reason = stated{"定年退職", alumni.ReasonPersonal}
		} else if et == alumni.ExitContractEnd {
			reason = stated{"契約期間満了", ""}
		}
		gender := alumni.GenderMale
		if r.Float64() < 0.42 {
			gender = alumni.GenderFemale
		}
		locale := alumni.LocaleJA
		if r.Float64() < 0.06 {
			locale = alumni.LocaleEN
		}
		rec := alumni.Record{
			EmployeeCode:   code(i),
			Name:           familyNames[r.IntN(len(familyNames))] + " " + givenNames[r.IntN(len(givenNames))],
			Department:     dept,
			JobFamily:      pick(r, jobFamilies[dept]),
			Grade:          pick(r, grades),
			Gender:         gender,
			HireDate:       alumni.DateOf(hire),
			ExitDate:       alumni.DateOf(exit),
			ExitType:       et,
			ExitReason:     reason.code,
			ExitReasonText: reason.text,
			Regrettable:    et == alumni.ExitVoluntary && r.Float64() < 0.35,
			RehireEligible: et != alumni.ExitInvoluntary,
			Locale:         locale,
			Consent:        r.Float64() < 0.88,
		}
		if r.Float64() < 0.95 {
			rec.Email = "alumni" + code(i)[1:] + "@example.jp"
		}
		out = append(out, rec)
	}
	return out
}

func code(i int) string {
	const digits = "0123456789"
	b := []byte("E000000")
	for p, v := len(b)-1, i+10001; p > 0 && v > 0; p, v = p-1, v/10 {
		b[p] = digits[v%10]
	}
	return string(b)
}

// source feeds generated records to alumni.Store.Import.
type source struct {
	recs []alumni.Record
	i    int
}

func (s *source) Next() (alumni.Record, []alumni.RowError, error) {
	if s.i >= len(s.recs) {
		return alumni.Record{}, nil, io.EOF
	}
	s.i++
	return s.recs[s.i-1], nil, nil
}

func (s *source) BytesRead() int64 { return int64(s.i) }
