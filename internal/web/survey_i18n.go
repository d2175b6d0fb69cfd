package web

import (
	"strings"
	"sync"

	"github.com/alumnipulse/alumnipulse/internal/survey"
)

// Page languages. Survey text comes in both; anything else falls back to Japanese.
const (
	langJA = "ja"
	langEN = "en"
)

// surveyMessages are the survey pages' own words; the survey's come from its definition. Placeholders in
// braces ({n}, {company}, …) are filled by fill.
var surveyMessages = map[string]survey.L10n{
	"skip":             {JA: "質問へ移動", EN: "Skip to the questions"},
	"lang_switch":      {JA: "English", EN: "日本語"},
	"lang_switch_name": {JA: "Switch to English", EN: "日本語で表示"},
	"privacy_heading":  {JA: "回答の取り扱いについて", EN: "Who sees your answers"},
	"required":         {JA: "必須", EN: "Required"},
	"required_note":    {JA: "「必須」の質問以外は、空欄のままでも送信できます。", EN: "Questions marked “Required” need an answer; you may skip any other."},
	"count":            {JA: "全{n}問（うち必須{r}問）", EN: "{n} questions ({r} required)"},
	"progress_label":   {JA: "{n} / {m} 問に回答済み", EN: "{n} of {m} answered"},
	"progress_name":    {JA: "回答の進み具合", EN: "Progress"},
	"q_number":         {JA: "問{n}", EN: "Q{n}"},
	"cond_note":        {JA: "{q}で「{labels}」とお答えの方のみ、ご回答ください。", EN: "Answer this only if you chose “{labels}” in {q}."},
	"cond_or":          {JA: "」または「", EN: "” or “"},
	"other_text":       {JA: "「その他」の内容", EN: "Please specify “Other”"},
	"yes":              {JA: "はい", EN: "Yes"},
	"no":               {JA: "いいえ", EN: "No"},
	"scale_end":        {JA: "{n}：{label}", EN: "{n}: {label}"},
	"text_limit":       {JA: "{n}文字まで", EN: "Up to {n} characters"},
	"submit":           {JA: "回答を送信する", EN: "Submit my answers"},
	"submitting":       {JA: "送信しています…", EN: "Sending…"},
	"errors_title":     {JA: "入力内容をご確認ください（{n}件）", EN: "Please check {n} answer(s)"},
	"error_prefix":     {JA: "入力内容の確認：", EN: "Please check: "},
	"save_failed": {JA: "回答を保存できませんでした。入力内容はそのまま残っていますので、お手数ですが、もう一度「回答を送信する」を押してください。",
		EN: "We could not save your answers. Everything you entered is still here: please press “Submit my answers” again."},
	"csrf_failed": {JA: "安全のため、もう一度「回答を送信する」を押してください。入力内容はそのまま残っています。うまくいかない場合は、ブラウザーでCookieを有効にしてください。",
		EN: "For your security, please press “Submit my answers” once more. Everything you entered is still here. If this keeps happening, please allow cookies in your browser."},
	"rate_limited_form": {JA: "短い時間に送信が続いたため、今回の送信は保存していません。入力内容はそのまま残っていますので、少し待ってから、もう一度「回答を送信する」を押してください。",
		EN: "This form was sent many times in a short while, so this attempt was not saved. Everything you entered is still here: please wait a moment and press “Submit my answers” again."},
	"previous_note": {JA: "前回お送りいただいた回答を表示しています。変更して送信すると、新しい回答に置き換わります。",
		EN: "These are the answers you sent before. Change anything you like and submit again to replace them."},
	"deadline":          {JA: "回答の締切：{deadline}", EN: "Closes {deadline}"},
	"optout_link":       {JA: "今後のアンケートの配信を停止する", EN: "Stop receiving these surveys"},
	"footer":            {JA: "このアンケートは{company}が実施しています。", EN: "This survey is run by {company}."},
	"thanks_title":      {JA: "ご回答ありがとうございました", EN: "Thank you for your answers"},
	"thanks_body":       {JA: "回答を保存しました。率直なお声を、より良い職場づくりに大切に活かします。", EN: "Your answers have been saved. We will put your candid views to good use."},
	"thanks_edit":       {JA: "締切（{deadline}）までは、同じリンクから回答を見直して修正できます。", EN: "Until the survey closes ({deadline}) you can review and change your answers with the same link."},
	"thanks_edit_link":  {JA: "回答を見直す・修正する", EN: "Review or change my answers"},
	"closed_title":      {JA: "このアンケートは締め切りました", EN: "This survey has closed"},
	"closed_body":       {JA: "ご関心をお寄せいただきありがとうございます。このアンケートの回答の受け付けは終了しました。", EN: "Thank you for your interest. This survey is no longer taking answers."},
	"notfound_title":    {JA: "ページが見つかりません", EN: "Page not found"},
	"notfound_body":     {JA: "リンクが途中で切れているか、正しくない可能性があります。メールに記載されたリンクを、もう一度そのまま開いてください。", EN: "The link may be incomplete or mistyped. Please open the link in your e-mail again, exactly as it is."},
	"optout_title":      {JA: "アンケートの配信停止", EN: "Stop receiving surveys"},
	"optout_body":       {JA: "{company}から元社員の方へお送りしているアンケートのメールを、今後お送りしないようにします。よろしければ、下のボタンを押してください。", EN: "We will stop sending you the alumni survey e-mails from {company}. If that is what you would like, press the button below."},
	"optout_button":     {JA: "配信を停止する", EN: "Stop the surveys"},
	"optout_back":       {JA: "アンケートに戻る", EN: "Back to the survey"},
	"optedout_title":    {JA: "配信を停止しました", EN: "You will receive no more surveys"},
	"optedout_body":     {JA: "今後、{company}から元社員向けアンケートのメールをお送りすることはありません。これまでのご協力に、心より感謝いたします。", EN: "{company} will not send you any more alumni surveys. Thank you for all your help."},
	"too_many_title":    {JA: "アクセスが集中しています", EN: "Too many requests"},
	"too_many_body":     {JA: "短い時間に多くのアクセスがあったため、一時的に受け付けを止めています。少し待ってから、もう一度お試しください。", EN: "There were too many requests in a short while. Please wait a moment and try again."},
	"unavailable_title": {JA: "ただいま表示できません", EN: "Temporarily unavailable"},
	"unavailable_body":  {JA: "一時的な問題でページを表示できませんでした。少し時間をおいてから、もう一度お試しください。", EN: "Something went wrong on our side. Please try again in a little while."},
	"optout_failed_body": {JA: "一時的な問題で配信停止の手続きができませんでした。お手数ですが、少し時間をおいてから、もう一度ボタンを押してください。",
		EN: "Something went wrong on our side and we could not stop the surveys yet. Please press the button again in a little while."},
}

// pageTexts returns every message in one language, for templates ({{.T.submit}}).
var pageTexts = sync.OnceValue(func() map[string]map[string]string {
	out := map[string]map[string]string{langJA: {}, langEN: {}}
	for k, v := range surveyMessages {
		out[langJA][k] = v.JA
		out[langEN][k] = v.EN
	}
	return out
})

func msg(lang, key string) string { return pageTexts()[lang][key] }

// fill replaces {name} placeholders: fill(s, "n", "3", "m", "10").
func fill(s string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

// pageLang reduces a locale to a page language.
func pageLang(locale string) string {
	l := strings.ToLower(locale)
	if l == langEN || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return langEN
	}
	return langJA
}

// otherLang is the language a page offers to switch to.
func otherLang(lang string) string {
	if lang == langEN {
		return langJA
	}
	return langEN
}
