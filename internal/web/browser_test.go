package web

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests of this package (the survey form) and of web_test (the dashboards) share these.

// ChromiumPath is Debian's chromium; `make test` installs it (.ci/devenv browser).
const ChromiumPath = "/usr/bin/chromium"

// NewBrowser returns a context for a headless Chromium with a fresh profile and a window of the given size,
// started with the flags the machine needs (no internet: without them Chromium stalls), not yet running:
// listen on it (WatchConsole) before the first action.
func NewBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("%s not found: install it with `.ci/devenv browser` (apt-get install -y chromium)", ChromiumPath)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	return ctx
}

// Console collects what a page reports as errors: uncaught exceptions, console.error, and the browser's
// own error log entries, which include Content-Security-Policy violations.
type Console struct {
	mu   sync.Mutex
	msgs []string
}

func (c *Console) add(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

// List returns the errors so far.
func (c *Console) List() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

// Take returns the errors so far and forgets them.
func (c *Console) Take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.msgs
	c.msgs = nil
	return out
}

// WatchConsole collects the errors of the tab of ctx.
func WatchConsole(t *testing.T, ctx context.Context) *Console {
	t.Helper()
	con := &Console{}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			desc := d.Text
			if d.Exception != nil {
				desc += " " + d.Exception.Description
			}
			con.add("exception: %s at %s:%d", desc, d.URL, d.LineNumber)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				con.add("console.%s: %s", ev.Type, strings.Join(parts, " "))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				con.add("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
	}); err != nil {
		t.Fatalf("watch the browser console: %v", err)
	}
	return con
}
