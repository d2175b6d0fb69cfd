package web

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

func newBrowser(t *testing.T) (context.Context, *Console) {
	t.Helper()
	ctx := NewBrowser(t, 360, 800)
	errs := WatchConsole(t, ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800, chromedp.EmulateMobile)); err != nil {
		t.Fatalf("emulate a phone: %v", err)
	}
	return ctx, errs
}

// typeText types text into a field as an input method commits it (which is how Japanese reaches a page).
func typeText(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Focus(chromedp.CSS(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return err
		}),
	)
}

func scriptsDisabled(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	})
}

// run runs an action with a deadline and fails the test on error.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	run(t, ctx, what, chromedp.Steps(steps...))
}

func js(t *testing.T, ctx context.Context, expr string) bool {
	t.Helper()
	return run(t, ctx, expr, chromedp.Evaluate[bool](expr))
}

// screenshot saves a full-page screenshot, from the top, to artifacts/screenshots at the repository root.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	js(t, ctx, `window.scrollTo(0, 0), true`)
	shot := run(t, ctx, "screenshot", chromedp.FullScreenshot(100))
	dir := filepath.Join("..", "..", "artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

func TestSurveyInBrowser(t *testing.T) {
	f := newSurveyFixture(t, fixtureOptions{})
	inv1, token1 := f.invitation("acme", "E1", "3m")
	inv2, token2 := f.invitation("acme", "E2", "3m")
	ctx, errs := newBrowser(t)
	base := f.http.URL
	const comment = "評価制度をもっと透明にしてほしいです。上司との1on1は本当に助かりました。"

	// Answer in Japanese, watching the conditional question and the progress bar follow.
	do(t, ctx, "open the form",
		chromedp.Navigate(base+"/s/"+token1),
		chromedp.WaitVisible(chromedp.ID("progress")))
	progress := run(t, ctx, "progress", chromedp.Text(chromedp.ID("progress-text")))
	betterHiddenBefore := js(t, ctx, `document.getElementById('q-new_job_better_in').hidden`)
	condNoteShown := js(t, ctx, `getComputedStyle(document.getElementById('cond-new_job_better_in')).display !== 'none'`)
	do(t, ctx, "answer",
		click(`label[for="f-would_recommend-9"]`),
		click(`label[for="f-return_intent-4"]`),
		click(`#f-true_reason-growth`),
		click(`label[for="f-hindsight_manager-5"]`),
		click(`#f-new_job_comparison-better`))
	betterHiddenAfter := js(t, ctx, `document.getElementById('q-new_job_better_in').hidden`)
	do(t, ctx, "answer more",
		click(`#f-new_job_better_in-growth`),
		click(`#f-alumni_interest-network`),
		typeText(`#f-improve`, comment))
	progressAfter := run(t, ctx, "progress", chromedp.Text(chromedp.ID("progress-text")))
	if progress != "0 / 16 問に回答済み" || progressAfter != "8 / 17 問に回答済み" {
		t.Errorf("progress %q then %q", progress, progressAfter)
	}
	if !betterHiddenBefore || betterHiddenAfter || condNoteShown {
		t.Errorf("show_if: hidden before %t, after %t; note shown with script %t", betterHiddenBefore, betterHiddenAfter, condNoteShown)
	}

	screenshot(t, ctx, "survey-form-360.png")
	if js(t, ctx, `document.documentElement.scrollWidth > 360`) {
		t.Error("the page is wider than 360 px: it scrolls sideways on a phone")
	}

	// Submit, see the thanks page.
	do(t, ctx, "submit", click(`button.submit`), chromedp.WaitVisible(chromedp.CSS(`.thanks`)))
	screenshot(t, ctx, "survey-thanks-360.png")
	location := run(t, ctx, "location", chromedp.Location())
	thanks := run(t, ctx, "heading", chromedp.Text(chromedp.CSS(`h1`)))
	if !strings.HasSuffix(location, "/s/"+token1+"/thanks") || thanks != "ご回答ありがとうございました" {
		t.Errorf("after submit: %s %q", location, thanks)
	}
	if r := f.latest(inv1); r["would_recommend"].Num != 9 || r["improve"].Text != comment || !r["new_job_better_in"].Answered {
		t.Errorf("stored: would_recommend %v, improve %q", r["would_recommend"].Num, r["improve"].Text)
	}

	// Come back: the answers are there; change one and submit again.
	do(t, ctx, "come back", click(`a.button.secondary`), chromedp.WaitVisible(chromedp.ID("survey-form")))
	nine := js(t, ctx, `document.getElementById('f-would_recommend-9').checked`)
	growth := js(t, ctx, `document.getElementById('f-new_job_better_in-growth').checked`)
	text := run(t, ctx, "text", chromedp.Value(chromedp.CSS(`#f-improve`)))
	if !nine || !growth || text != comment {
		t.Errorf("prefilled: 9 %t, growth %t, text %q", nine, growth, text)
	}
	do(t, ctx, "edit",
		click(`label[for="f-would_recommend-10"]`),
		typeText(`#f-message`, "ありがとうございました。"),
		click(`button.submit`),
		chromedp.WaitVisible(chromedp.CSS(`.thanks`)))
	if r := f.latest(inv1); r["would_recommend"].Num != 10 || r["message"].Text != "ありがとうございました。" || r["improve"].Text != comment {
		t.Errorf("after edit: would_recommend %v, message %q", r["would_recommend"].Num, r["message"].Text)
	}

	// Another invitation: a required answer missing. The message shows, the other answers stay.
	do(t, ctx, "second invitation",
		chromedp.Navigate(base+"/s/"+token2),
		chromedp.WaitVisible(chromedp.ID("survey-form")),
		click(`label[for="f-return_intent-4"]`),
		typeText(`#f-went_well`, "チームの皆さんが温かかったです。"),
		click(`button.submit`),
		chromedp.WaitVisible(chromedp.ID("error-summary")))
	screenshot(t, ctx, "survey-errors-360.png")
	summaryFocused := js(t, ctx, `document.activeElement && document.activeElement.id === 'error-summary'`)
	errText := run(t, ctx, "error", chromedp.Text(chromedp.ID("err-would_recommend")))
	four := js(t, ctx, `document.getElementById('f-return_intent-4').checked`)
	kept := run(t, ctx, "kept", chromedp.Value(chromedp.CSS(`#f-went_well`)))
	// The summary's link takes the keyboard to the field.
	do(t, ctx, "follow the summary", click(`#error-summary a`))
	linkFocuses := js(t, ctx, `document.activeElement && document.activeElement.id === 'f-would_recommend-0'`)
	if !summaryFocused || !strings.Contains(errText, "この質問への回答は必須です。") || !four || kept != "チームの皆さんが温かかったです。" || !linkFocuses {
		t.Errorf("error page: summary focused %t, message %q, kept 4 %t, text %q, link focuses field %t",
			summaryFocused, errText, four, kept, linkFocuses)
	}
	if rows := f.latest(inv2); len(rows) != 0 {
		t.Errorf("the invalid form stored %d rows", len(rows))
	}

	// Without script the form still works: conditional questions show with their note.
	_, token3 := f.invitation("acme", "E4", "3m")
	do(t, ctx, "no script",
		scriptsDisabled(true),
		chromedp.Navigate(base+"/s/"+token3),
		chromedp.WaitReady(chromedp.ID("survey-form")),
		scriptsDisabled(false))
	noJSBetterShown := js(t, ctx, `!document.getElementById('q-new_job_better_in').hidden && !document.documentElement.classList.contains('js')`)
	noJSNote := js(t, ctx, `getComputedStyle(document.getElementById('cond-new_job_better_in')).display !== 'none' && document.getElementById('progress').hidden`)
	if !noJSBetterShown || !noJSNote {
		t.Errorf("without script: conditional question shown %t, note shown and progress bar hidden %t", noJSBetterShown, noJSNote)
	}

	// The one expected entry: the browser logs the 422 of the form sent with a missing answer.
	expected := "log (network): Failed to load resource: the server responded with a status of 422 (Unprocessable Entity) " + base + "/s/" + token2
	if e := slices.DeleteFunc(errs.List(), func(m string) bool { return m == expected }); len(e) > 0 {
		t.Errorf("console errors (a CSP violation is one):\n%s", strings.Join(e, "\n"))
	}
}
