package dashboard

import (
	"fmt"
	"strings"
)

// Lang reduces a requested language to the two the dashboards carry: "en" or "ja".
func Lang(locale string) string {
	l := strings.ToLower(locale)
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return "en"
	}
	return "ja"
}

// messages are the dashboard's own UI strings (page and panel titles come from the definition files).
var messages = map[string]L10n{
	"app":                     {JA: "アルムナイパルス", EN: "alumnipulse"},
	"filters":                 {JA: "絞り込み", EN: "Filters"},
	"apply":                   {JA: "適用", EN: "Apply"},
	"reset":                   {JA: "解除", EN: "Clear"},
	"any":                     {JA: "すべて", EN: "All"},
	"f.period":                {JA: "期間", EN: "Period"},
	"f.wave":                  {JA: "ウェーブ", EN: "Wave"},
	"f.department":            {JA: "部署", EN: "Department"},
	"f.exit_type":             {JA: "退職区分", EN: "Exit type"},
	"f.tenure_band":           {JA: "在籍期間", EN: "Tenure"},
	"period.all":              {JA: "全期間", EN: "All time"},
	"period.12m":              {JA: "直近12か月", EN: "Last 12 months"},
	"period.24m":              {JA: "直近24か月", EN: "Last 24 months"},
	"period.fy":               {JA: "今年度（%d年度）", EN: "This fiscal year (FY%d)"},
	"period.fyN":              {JA: "%d年度", EN: "FY%d (Apr %d – Mar %d)"},
	"wave.3m":                 {JA: "退職3か月後", EN: "3 months after exit"},
	"wave.6m":                 {JA: "退職6か月後", EN: "6 months after exit"},
	"exit.voluntary":          {JA: "自己都合", EN: "Voluntary"},
	"exit.involuntary":        {JA: "会社都合", EN: "Involuntary"},
	"exit.retirement":         {JA: "定年", EN: "Retirement"},
	"exit.contract_end":       {JA: "契約満了", EN: "Contract end"},
	"show_table":              {JA: "データ表を表示", EN: "Show data table"},
	"hide_table":              {JA: "データ表を隠す", EN: "Hide data table"},
	"panel_error":             {JA: "このパネルを計算できませんでした。時間をおいて再読み込みしてください。", EN: "This panel could not be computed. Please reload in a moment."},
	"panel_timeout":           {JA: "このパネルの計算が時間内に終わりませんでした。", EN: "This panel took too long to compute."},
	"suppressed":              {JA: "回答者が%d人未満のため表示しません。", EN: "Not shown: fewer than %d respondents."},
	"hidden_cells":            {JA: "%d件のセルは回答者が%d人未満のため非表示（n<%d）。", EN: "%d cells hidden: fewer than %d respondents (n<%d)."},
	"hidden_points":           {JA: "%d点は回答者が%d人未満のため非表示。", EN: "%d points hidden: fewer than %d respondents."},
	"hidden_flow":             {JA: "少人数の流れ（計%d人）は非表示。", EN: "Small flows (%d people in all) are hidden."},
	"comments_withheld":       {JA: "この条件の回答者は%d人未満のため、コメントは表示しません。", EN: "Comments are not shown for groups of fewer than %d respondents."},
	"comments_none":           {JA: "該当するコメントはありません。", EN: "No comments match."},
	"comments_masked":         {JA: "コメントは個人が特定されないよう加工済みです。閲覧は記録されます。", EN: "Comments are masked so no one can be identified. Viewing is logged."},
	"no_data":                 {JA: "データがありません。", EN: "No data yet."},
	"n":                       {JA: "n=%d", EN: "n=%d"},
	"ci":                      {JA: "95%信頼区間", EN: "95% CI"},
	"definition":              {JA: "定義", EN: "Definition"},
	"value":                   {JA: "値", EN: "Value"},
	"people":                  {JA: "人数", EN: "People"},
	"change":                  {JA: "前期比", EN: "Change"},
	"standard":                {JA: "開示基準", EN: "Standard"},
	"export":                  {JA: "エクスポート", EN: "Export"},
	"export_note":             {JA: "エクスポートは監査ログに記録されます。", EN: "Exports are recorded in the audit log."},
	"print":                   {JA: "印刷", EN: "Print"},
	"ignored_filter":          {JA: "認識できない絞り込み条件を無視しました: %s", EN: "Ignored a filter that was not understood: %s"},
	"filtered_by":             {JA: "絞り込み中", EN: "Filtered by"},
	"lang_switch":             {JA: "English", EN: "日本語"},
	"sign_out":                {JA: "ログアウト", EN: "Sign out"},
	"chart_of":                {JA: "%sのグラフ", EN: "Chart: %s"},
	"themes":                  {JA: "テーマ", EN: "Themes"},
	"sentiment.positive":      {JA: "肯定的", EN: "Positive"},
	"sentiment.negative":      {JA: "否定的", EN: "Negative"},
	"sentiment.neutral":       {JA: "中立", EN: "Neutral"},
	"sentiment.mixed":         {JA: "混在", EN: "Mixed"},
	"co_mentions":             {JA: "同時言及数", EN: "Mentioned together"},
	"node_a":                  {JA: "テーマA", EN: "Theme A"},
	"node_b":                  {JA: "テーマB", EN: "Theme B"},
	"label":                   {JA: "項目", EN: "Item"},
	"main_nav":                {JA: "ダッシュボード", EN: "Dashboards"},
	"skip":                    {JA: "本文へ移動", EN: "Skip to content"},
	"error_not_found_title":   {JA: "ページが見つかりません", EN: "Page not found"},
	"error_not_found":         {JA: "そのダッシュボードはありません。", EN: "There is no such dashboard page."},
	"error_forbidden_title":   {JA: "このページは表示できません", EN: "You cannot open this page"},
	"error_forbidden":         {JA: "あなたの権限ではこのページを表示できません。", EN: "Your role may not open this page."},
	"error_unavailable_title": {JA: "一時的に表示できません", EN: "Temporarily unavailable"},
	"error_unavailable":       {JA: "ただいま表示できません。しばらくしてから再度お試しください。", EN: "This page cannot be shown right now. Please try again shortly."},
	"error_format_title":      {JA: "出力できません", EN: "Cannot export"},
	"error_format":            {JA: "その形式・項目では出力できません。", EN: "That item cannot be exported in that format."},
}

// T returns the UI string key in lang, formatted with args. An unknown key comes back as itself, so a
// missing translation shows up on the page instead of vanishing.
func T(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.In(lang)
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
