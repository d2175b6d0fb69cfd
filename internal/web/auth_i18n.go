package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// authText holds the sign-in pages' strings in Japanese and English, by key. Templates read them as
// {{.L.key}}; TestAuthTextComplete checks both languages have every key.
var authText = map[string]map[string]string{
	"ja": {
		"lang_name":          "日本語",
		"other_language":     "English",
		"nav_label":          "アカウント",
		"signed_in_as":       "ログイン中:",
		"login_title":        "ログイン",
		"field_tenant":       "会社ID",
		"field_tenant_help":  "管理者から案内された会社のID（半角英小文字）です。",
		"field_email":        "メールアドレス",
		"field_password":     "パスワード",
		"field_code":         "認証コード（6桁）",
		"field_code_help":    "2段階認証を設定している方のみ、認証アプリに表示されるコードを入力してください。",
		"sign_in":            "ログイン",
		"sign_out":           "ログアウト",
		"err_invalid":        "会社ID、メールアドレスまたはパスワードが正しくありません。",
		"err_code_required":  "2段階認証が有効です。認証アプリの6桁のコードを入力してください（パスワードも再入力してください）。",
		"err_code_invalid":   "認証コードが正しくないか、すでに使用されています。",
		"err_locked":         "ログインの失敗が続いたため、一時的にロックしました。しばらくしてからお試しください。",
		"err_rate_limited":   "この接続元からのログイン失敗が多すぎます。しばらくしてからお試しください。",
		"err_unavailable":    "ただいま処理できません。少し時間をおいてもう一度お試しください。",
		"err_session":        "ログインの有効期限が切れたか、ログアウトしています。もう一度ログインしてください。",
		"notice_signed_out":  "ログアウトしました。",
		"notice_password":    "パスワードを設定しました。ログインしてください。",
		"notice_totp":        "2段階認証を有効にしました。次回のログインから認証コードが必要です。",
		"invite_title":       "パスワードの設定",
		"invite_intro":       "%s さん、alumnipulse へようこそ。ログインに使うパスワードを設定してください。",
		"field_new_password": "新しいパスワード",
		"password_help":      "10文字以上。長めのフレーズがおすすめです。",
		"field_confirm":      "新しいパスワード（確認）",
		"set_password":       "パスワードを設定",
		"err_mismatch":       "確認用のパスワードが一致しません。",
		"err_password_short": "パスワードは10文字以上にしてください。",
		"err_password_long":  "パスワードが長すぎます。",
		"invite_invalid":     "この招待リンクは無効か、使用済みか、期限切れです。管理者に再発行を依頼してください。",
		"totp_title":         "2段階認証",
		"totp_enabled":       "2段階認証は有効です。ログインのたびに認証アプリのコードが必要です。",
		"totp_disabled":      "2段階認証は設定されていません。設定すると、パスワードに加えて認証アプリのコードが必要になり、アカウントを守れます。",
		"totp_begin":         "設定を始める",
		"totp_step1":         "認証アプリ（Google Authenticator、Microsoft Authenticator など）でこのQRコードを読み取ってください。",
		"totp_qr_alt":        "認証アプリ用のQRコード",
		"totp_manual":        "読み取れない場合は、次のキーを手入力してください:",
		"totp_link":          "このデバイスの認証アプリで開く",
		"totp_step2":         "アプリに表示された6桁のコードを入力して、設定を完了してください。",
		"totp_confirm":       "確認して有効にする",
		"audit_title":        "監査ログ",
		"audit_caption":      "最近の操作（新しい順、最大%d件）",
		"audit_at":           "日時",
		"audit_actor":        "実行者",
		"audit_action":       "操作",
		"audit_target":       "対象",
		"audit_detail":       "詳細",
		"audit_empty":        "記録はまだありません。",
		"forbidden_title":    "アクセスできません",
		"forbidden":          "このページを表示する権限がありません。",
		"csrf_title":         "フォームの有効期限切れ",
		"csrf":               "フォームの確認に失敗しました。ページを再読み込みしてからもう一度送信してください。",
		"signin_again":       "ログインし直す",
		"error_title":        "エラー",
	},
	"en": {
		"lang_name":          "English",
		"other_language":     "日本語",
		"nav_label":          "Account",
		"signed_in_as":       "Signed in as",
		"login_title":        "Sign in",
		"field_tenant":       "Company ID",
		"field_tenant_help":  "Your company's ID (lower-case letters), as your administrator told you.",
		"field_email":        "E-mail address",
		"field_password":     "Password",
		"field_code":         "Authentication code (6 digits)",
		"field_code_help":    "Only if you have set up two-step sign-in: the code your authenticator app shows.",
		"sign_in":            "Sign in",
		"sign_out":           "Sign out",
		"err_invalid":        "The company ID, e-mail address or password is not right.",
		"err_code_required":  "Two-step sign-in is on: enter the 6-digit code from your authenticator app (and your password again).",
		"err_code_invalid":   "The authentication code is wrong or was already used.",
		"err_locked":         "Too many failed sign-ins: the account is locked for a while. Please try again later.",
		"err_rate_limited":   "Too many failed sign-ins from your network. Please try again later.",
		"err_unavailable":    "We cannot do this right now. Please try again in a moment.",
		"err_session":        "Your session has ended. Please sign in again.",
		"notice_signed_out":  "You have signed out.",
		"notice_password":    "Your password is set. Please sign in.",
		"notice_totp":        "Two-step sign-in is on. You will need a code from your app the next time you sign in.",
		"invite_title":       "Set your password",
		"invite_intro":       "Welcome to alumnipulse, %s. Choose the password you will sign in with.",
		"field_new_password": "New password",
		"password_help":      "At least 10 characters. A longer phrase is best.",
		"field_confirm":      "New password (again)",
		"set_password":       "Set password",
		"err_mismatch":       "The two passwords are not the same.",
		"err_password_short": "The password must be at least 10 characters.",
		"err_password_long":  "The password is too long.",
		"invite_invalid":     "This invitation link is invalid, already used or expired. Ask your administrator for a new one.",
		"totp_title":         "Two-step sign-in",
		"totp_enabled":       "Two-step sign-in is on: every sign-in asks for a code from your authenticator app.",
		"totp_disabled":      "Two-step sign-in is off. Turn it on to protect your account with a code from an authenticator app as well as your password.",
		"totp_begin":         "Set it up",
		"totp_step1":         "Scan this QR code with your authenticator app (Google Authenticator, Microsoft Authenticator, …).",
		"totp_qr_alt":        "QR code for your authenticator app",
		"totp_manual":        "If you cannot scan it, type in this key:",
		"totp_link":          "Open in an authenticator app on this device",
		"totp_step2":         "Enter the 6-digit code the app shows to finish.",
		"totp_confirm":       "Check and turn on",
		"audit_title":        "Audit log",
		"audit_caption":      "Recent actions (newest first, at most %d)",
		"audit_at":           "When",
		"audit_actor":        "Who",
		"audit_action":       "Action",
		"audit_target":       "Target",
		"audit_detail":       "Detail",
		"audit_empty":        "Nothing recorded yet.",
		"forbidden_title":    "Not allowed",
		"forbidden":          "Your role may not see this page.",
		"csrf_title":         "Form expired",
		"csrf":               "We could not verify this form. Reload the page and send it again.",
		"signin_again":       "Sign in again",
		"error_title":        "Error",
	},
}

const (
	authLangCookie = "ap_lang"
	ctxLang        = "lang" // the page language, once chosen for a request
)

// authLang picks the page language: a valid ?lang= (remembered in a cookie), else the cookie, else ja.
func authLang(c *gin.Context) string {
	if l := c.GetString(ctxLang); l != "" {
		return l
	}
	l := "ja"
	if q := c.Query("lang"); authText[q] != nil {
		l = q
		http.SetCookie(c.Writer, &http.Cookie{Name: authLangCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil})
	} else if ck, err := c.Cookie(authLangCookie); err == nil && authText[ck] != nil {
		l = ck
	}
	c.Set(ctxLang, l)
	return l
}

// authLangSwitch returns the other language and a link to the current page in it.
func authLangSwitch(c *gin.Context, lang string) (string, string) {
	other := "en"
	if lang == "en" {
		other = "ja"
	}
	q := url.Values{}
	for k, v := range c.Request.URL.Query() {
		if k == "next" || k == "tenant" {
			q[k] = v
		}
	}
	q.Set("lang", other)
	return other, c.Request.URL.Path + "?" + q.Encode()
}
