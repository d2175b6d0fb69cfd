package demo

import (
	"math/rand/v2"
	"strings"

	"github.com/alumnipulse/alumnipulse/internal/alumni"
	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// trueReasons is what people say three months later: personal reasons shrink, pay, managers, growth and
// evaluation come out (the candour gap DESIGN.md describes).
var trueReasons = []weighted[string]{
	{"compensation", 0.21}, {"growth", 0.17}, {"manager", 0.14}, {"evaluation", 0.11}, {"workload", 0.09},
	{"strategy", 0.07}, {"job_content", 0.06}, {"culture", 0.05}, {"flexibility", 0.04}, {"relationships", 0.03},
	{"personal", 0.03},
}

// drivers are the hindsight-rating question ids with how strongly each moves would-recommend.
var drivers = []struct {
	id     string
	reason string
	weight float64
	base   float64
}{
	{"hindsight_pay", "compensation", 0.9, 2.6},
	{"hindsight_manager", "manager", 1.2, 3.3},
	{"hindsight_growth", "growth", 1.0, 3.0},
	{"hindsight_workload", "workload", 0.6, 2.9},
	{"hindsight_flexibility", "flexibility", 0.4, 3.6},
	{"hindsight_culture", "culture", 0.8, 3.5},
	{"hindsight_strategy", "strategy", 0.5, 3.1},
}

// improveTexts are things people ask the company to fix, by theme.
var improveTexts = map[string][]string{
	"compensation": {"同業他社と比べて給与水準が低く、昇給の幅も小さかったです。", "年収の伸びが見えず、生活を考えると転職せざるを得ませんでした。",
		"成果を出しても賞与にほとんど反映されない点は見直してほしいです。"},
	"growth": {"三年目以降のキャリアパスが見えませんでした。", "研修の機会が少なく、成長できている実感がありませんでした。",
		"新しい技術に挑戦できる機会をもっと増やしてほしいです。"},
	"manager": {"上司との1on1が形だけで、相談しても取り合ってもらえませんでした。", "田中部長のマネジメントは一方的で、意見を言いにくかったです。",
		"管理職の育成にもっと力を入れてほしいと思います。"},
	"evaluation": {"評価基準が曖昧で、上司によって点数の付け方がバラバラでした。", "評価面談でフィードバックがほとんどなく、納得感がありませんでした。",
		"昇進の基準を明確にしてほしいです。"},
	"workload": {"残業が常態化していて、繁忙期は体力的に限界でした。", "人員が足りず、一人当たりの業務量が多すぎました。",
		"有給休暇が取りづらい雰囲気は改善してほしいです。"},
	"strategy":      {"会社の方向性が頻繁に変わり、将来に不安を感じました。", "経営陣からの説明が少なく、事業の先行きが見えませんでした。"},
	"job_content":   {"ルーティン業務が中心で、やりがいを感じにくかったです。", "希望していた仕事内容とのギャップが大きかったです。"},
	"culture":       {"前例踏襲の文化が強く、新しい提案が通りにくかったです。", "部署間の連携が悪く、縦割りの雰囲気がありました。"},
	"flexibility":   {"リモートワークの制度はあっても実際には使いにくかったです。", "フレックスの利用に上司の許可が必要で、柔軟に働けませんでした。"},
	"relationships": {"チーム内のコミュニケーションが少なく、孤立しているように感じました。"},
	"onboarding":    {"入社直後の受け入れ体制が整っておらず、最初の数か月は戸惑いました。"},
	"benefits":      {"住宅手当などの福利厚生がもう少し充実しているとありがたかったです。"},
}

// goodTexts are what people valued.
var goodTexts = []string{
	"同じチームのメンバーに本当に恵まれました。困ったときにすぐ相談できる雰囲気がありました。",
	"若手にも大きな仕事を任せてもらえ、短期間で大きく成長できました。",
	"リモートと出社を自分で選べたのはありがたかったです。",
	"佐藤さんをはじめ、先輩方が丁寧に仕事を教えてくださいました。",
	"お客様の課題に向き合う姿勢は今でも自分の財産になっています。",
	"研修制度が充実していて、基礎をしっかり身につけられました。",
	"福利厚生が手厚く、安心して働ける環境でした。",
	"風通しがよく、役職に関係なく意見を言える文化が好きでした。",
}

var messageTexts = []string{
	"お世話になりました。機会があればまた一緒にお仕事したいです。",
	"皆さんのご活躍をお祈りしています。",
	"アルムナイのイベントがあればぜひ参加したいです。",
	"副業という形でお手伝いできることがあれば声をかけてください。",
	"特になし",
	"鈴木課長、最後まで気にかけていただきありがとうございました。",
}

var keptTexts = map[string]string{
	"compensation": "給与の見直しがあれば残っていたと思います。",
	"growth":       "異動や新しい役割への挑戦の機会があれば残っていました。",
	"manager":      "上司が変わっていれば、辞めなかったかもしれません。",
	"evaluation":   "評価にもっと納得感があれば続けていたと思います。",
	"workload":     "業務量の調整や増員があれば続けられたと思います。",
	"flexibility":  "リモートワークがもっと使えれば残っていたと思います。",
}

// answers3m generates one alumnus's 3-month answers. sat is their latent satisfaction in [0, 1].
func answers3m(r *rand.Rand, rec alumni.Record, sat float64) (survey.Answers, string) {
	a := survey.Answers{}
	reason := pick(r, trueReasons)
	if rec.ExitReason != "" && rec.ExitReason != alumni.ReasonPersonal && r.Float64() < 0.45 {
		reason = string(rec.ExitReason) // people who gave a concrete reason at exit often repeat it
	}
	score := 0.0
	for _, d := range drivers {
		v := d.base + (sat-0.5)*2.2*d.weight + r.NormFloat64()*0.7
		if d.reason == reason {
			v -= 1.2
		}
		n := clamp(int(v+0.5), 1, 5)
		a[d.id] = survey.Value{Number: n}
		score += d.weight * float64(n)
	}
	score /= 5.9 // sum of weights
	rec10 := clamp(int((score-1)/4*10+2.2+r.NormFloat64()*1.5+0.5), 0, 10)
	a["would_recommend"] = survey.Value{Number: rec10}
	a["return_intent"] = survey.Value{Number: clamp(int(1+sat*4+r.NormFloat64()*0.8+0.5), 1, 5)}
	a["true_reason"] = survey.Value{Choices: []string{reason}}
	switch {
	case r.Float64() < 0.62:
		a["new_job_comparison"] = survey.Value{Choices: []string{"better"}}
		a["new_job_better_in"] = survey.Value{Choices: []string{reason}}
	case r.Float64() < 0.7:
		a["new_job_comparison"] = survey.Value{Choices: []string{"same"}}
	default:
		a["new_job_comparison"] = survey.Value{Choices: []string{"worse"}}
	}
	kept := pick(r, []weighted[string]{{"yes", 0.3}, {"maybe", 0.4}, {"no", 0.3}})
	a["could_have_kept"] = survey.Value{Choices: []string{kept}}
	if kept != "no" && r.Float64() < 0.5 {
		if t, ok := keptTexts[reason]; ok {
			a["what_would_have_kept"] = survey.Value{Text: t}
		}
	}
	var interest []string
	for _, c := range []string{"network", "referral", "side_work", "events"} {
		if r.Float64() < 0.15+sat*0.5 {
			interest = append(interest, c)
		}
	}
	if len(interest) > 0 {
		a["alumni_interest"] = survey.Value{Choices: interest}
	}
	if texts, ok := improveTexts[reason]; ok && r.Float64() < 0.75 {
		a["improve"] = survey.Value{Text: join(r, texts, improveTexts)}
	}
	if r.Float64() < 0.55 {
		a["went_well"] = survey.Value{Text: goodTexts[r.IntN(len(goodTexts))]}
	}
	if r.Float64() < 0.35 {
		a["message"] = survey.Value{Text: messageTexts[r.IntN(len(messageTexts))]}
	}
	return a, reason
}

// answers6m moves the 3-month answers a little: time softens views for most and hardens them for some.
func answers6m(r *rand.Rand, prev survey.Answers) survey.Answers {
	a := survey.Answers{}
	drift := r.NormFloat64()*0.6 + 0.25
	for id, v := range prev {
		switch id {
		case "improve", "went_well", "message", "what_would_have_kept":
			continue
		}
		a[id] = v
	}
	for _, d := range drivers {
		a[d.id] = survey.Value{Number: clamp(prev[d.id].Number+int(drift+r.NormFloat64()*0.4), 1, 5)}
	}
	a["would_recommend"] = survey.Value{Number: clamp(prev["would_recommend"].Number+int(drift*1.5+r.NormFloat64()), 0, 10)}
	a["return_intent"] = survey.Value{Number: clamp(prev["return_intent"].Number+int(drift+r.NormFloat64()*0.5), 1, 5)}
	view := "same"
	if drift > 0.6 {
		view = "better"
	} else if drift < -0.4 {
		view = "worse"
	}
	a["view_change"] = survey.Value{Choices: []string{view}}
	if r.Float64() < 0.4 {
		a["went_well"] = survey.Value{Text: goodTexts[r.IntN(len(goodTexts))]}
	}
	if r.Float64() < 0.4 {
		reason := prev["true_reason"].Choices[0]
		if texts, ok := improveTexts[reason]; ok {
			a["improve"] = survey.Value{Text: texts[r.IntN(len(texts))]}
		}
	}
	return a
}

// join makes a comment of one to two sentences, sometimes touching a second theme.
func join(r *rand.Rand, main []string, all map[string][]string) string {
	s := main[r.IntN(len(main))]
	if r.Float64() < 0.3 {
		keys := []string{"workload", "evaluation", "growth", "manager", "compensation", "culture"}
		other := all[keys[r.IntN(len(keys))]]
		if t := other[r.IntN(len(other))]; !strings.Contains(s, t) {
			s += t
		}
	}
	return s
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }
