package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"yingshang/internal/i18n"
)

// viewport is the window a tab emulates.
type viewport struct {
	name          string
	width, height int
	mobile        bool
}

var (
	desktop = viewport{name: "desktop", width: 1280, height: 900}
	phone   = viewport{name: "phone", width: 375, height: 812, mobile: true}
)

// actionTimeout bounds every single browser step; a step only takes this long when the
// page is broken.
const actionTimeout = 20 * time.Second

// cspWatch runs in its own world before any page script. It turns every Content Security
// Policy violation (inline style or script, foreign origin) into a console error, so the
// tab's console check catches it even where Chromium reports it only as an event.
const cspWatch = `document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') +
    ' in ' + e.sourceFile + ':' + e.lineNumber + (e.sample ? ' (' + e.sample + ')' : ''));
}, true);`

var catalogOnce = sync.OnceValues(i18n.Load)

// Tab is one browser tab in a fresh browser context (own cookies and storage) of the shared
// browser. Every method fails the test when the browser step fails. A console error, an
// uncaught exception or a CSP violation on any page fails the test; so does an ERROR line
// in the server's log. On failure the page's screenshot and HTML are saved under
// testdata-out/e2e/.
type Tab struct {
	t    *testing.T
	s    *suite
	ctx  context.Context
	vp   viewport
	step string
	cat  *i18n.Catalog

	serverFrom int // the server's output before this test

	// everyPage, when set, runs on every page the tab loads (e.g. a layout check).
	everyPage func()

	mu       sync.Mutex
	problems []string
	expected map[string]bool // URLs whose error status the test asked for
}

// newTab opens a tab with the viewport vp.
func newTab(t *testing.T, vp viewport) *Tab {
	t.Helper()
	s := env(t)
	cat, err := catalogOnce()
	if err != nil {
		t.Fatalf("i18n catalog: %v", err)
	}
	b := &Tab{t: t, s: s, vp: vp, step: "open", cat: cat, serverFrom: s.serverOut.Len(), expected: map[string]bool{}}
	ctx, cancel := chromedp.NewContext(s.browserCtx, chromedp.WithNewBrowserContext(), chromedp.WithListener(b.listen))
	t.Cleanup(cancel)
	b.ctx = ctx
	// The first Do creates the tab and binds it to ctx, so it runs without a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a browser tab: %v", err)
	}
	t.Cleanup(b.finish)
	opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if vp.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	b.do("set up the tab",
		chromedp.EmulateViewport(int64(vp.width), int64(vp.height), opts...),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
				Source: cspWatch, WorldName: "e2e-csp-watch"})
			return err
		}),
	)
	return b
}

// Step names what the test does next: it labels failures and the saved screenshots.
func (b *Tab) Step(name string) {
	b.t.Helper()
	b.checkConsole()
	b.step = name
	b.t.Logf("step: %s", name)
}

// Fatalf fails the test at the current step.
func (b *Tab) Fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf("[%s] %s", b.step, fmt.Sprintf(format, args...))
}

// Errorf marks the test failed at the current step and goes on.
func (b *Tab) Errorf(format string, args ...any) {
	b.t.Helper()
	b.t.Errorf("[%s] %s", b.step, fmt.Sprintf(format, args...))
}

// T translates key in lang, failing when the catalog lacks it (a test must not compare a
// key with itself).
func (b *Tab) T(lang, key string, data ...any) string {
	b.t.Helper()
	if !b.cat.Has(lang, key) {
		b.Fatalf("catalog has no %s in %s", key, lang)
	}
	return b.cat.T(lang, key, data...)
}

// do runs browser steps with a timeout.
func (b *Tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](b *Tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// js quotes a Go string for a JavaScript expression.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// navigate runs the actions, waits for the page they load and checks its status.
func (b *Tab) navigate(what string, want int, actions ...chromedp.Action[chromedp.Void]) *network.Response {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		b.Fatalf("%s: no page loaded", what)
	}
	if int(resp.Status) != want {
		b.Fatalf("%s: %s answered %d, want %d", what, resp.URL, resp.Status, want)
	}
	b.checkConsole()
	if b.everyPage != nil {
		b.everyPage()
	}
	return resp
}

// Open navigates to path and expects 200.
func (b *Tab) Open(path string) *network.Response {
	b.t.Helper()
	return b.navigate("open "+path, http.StatusOK, chromedp.Navigate(b.s.baseURL+path))
}

// OpenStatus navigates to path and expects the status want (e.g. 403): the browser's
// "failed to load resource" log line for it is then expected too.
func (b *Tab) OpenStatus(path string, want int) *network.Response {
	b.t.Helper()
	if want >= 400 {
		b.expect(b.s.baseURL + path)
	}
	return b.navigate("open "+path, want, chromedp.Navigate(b.s.baseURL+path))
}

// Follow clicks the element sel (a link or a submit button) and waits for the next page,
// which must answer 200.
func (b *Tab) Follow(sel string) *network.Response {
	b.t.Helper()
	return b.navigate("click "+sel, http.StatusOK, chromedp.Click(chromedp.CSS(sel)))
}

// Click clicks sel without expecting a new page.
func (b *Tab) Click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Tap touches sel, as a finger on a phone does.
func (b *Tab) Tap(sel string) {
	b.t.Helper()
	b.do("tap "+sel, chromedp.Tap(chromedp.CSS(sel)))
}

// Type replaces the value of the input sel by typing text.
func (b *Tab) Type(sel, text string) {
	b.t.Helper()
	b.do("type into "+sel, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Choose picks value in the <select> sel the way a person does (the value changes, then
// the change event fires) and waits for the page it loads: a select with
// data-autosubmit submits its form itself; otherwise the form's own submit button is
// pressed.
func (b *Tab) Choose(sel, value string) *network.Response {
	b.t.Helper()
	expr := fmt.Sprintf(`(function () {
  var s = document.querySelector(%s);
  if (!s) { throw new Error('no element ' + %s); }
  if (!Array.prototype.some.call(s.options, function (o) { return o.value === %s; })) { throw new Error('no option ' + %s); }
  s.value = %s;
  s.dispatchEvent(new Event('input', {bubbles: true}));
  s.dispatchEvent(new Event('change', {bubbles: true}));
  if (!s.hasAttribute('data-autosubmit')) {
    var btn = s.form.querySelector('button[type=submit], button:not([type]), input[type=submit]');
    if (btn) { btn.click(); } else { s.form.requestSubmit(); }
  }
  return true;
})()`, js(sel), js(sel), js(value), js(value), js(value))
	return b.navigate(fmt.Sprintf("choose %q in %s", value, sel), http.StatusOK, chromedp.Evaluate[chromedp.Void](expr))
}

// Search types text into the input sel and presses Enter, as a person searching does, and
// waits for the results page.
func (b *Tab) Search(sel, text string) *network.Response {
	b.t.Helper()
	b.do("clear "+sel, chromedp.Clear(chromedp.CSS(sel)))
	return b.navigate(fmt.Sprintf("search %q in %s", text, sel), http.StatusOK, chromedp.SendKeys(chromedp.CSS(sel), text+"\r"))
}

// Text is the visible text of the first sel, waiting for it to appear.
func (b *Tab) Text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Texts are the trimmed text contents of every sel now in the page.
func (b *Tab) Texts(sel string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%s), function (e) { return e.textContent.replace(/\s+/g, ' ').trim(); })`, js(sel)))
}

// Attrs are the values of attribute name of every sel now in the page.
func (b *Tab) Attrs(sel, name string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%s), function (e) { return e.getAttribute(%s) || ''; })`, js(sel), js(name)))
}

// Count is the number of sel now in the page.
func (b *Tab) Count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%s).length`, js(sel)))
}

// Visible reports whether the first sel is rendered (not display:none, not hidden).
func (b *Tab) Visible(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`(function () {
  var e = document.querySelector(%s);
  if (!e) { return false; }
  var st = getComputedStyle(e);
  return e.getClientRects().length > 0 && st.visibility !== 'hidden';
})()`, js(sel)))
}

// Path is the current path and query.
func (b *Tab) Path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search`)
}

// Query is the current URL's query.
func (b *Tab) Query() url.Values {
	b.t.Helper()
	v, err := url.ParseQuery(strings.TrimPrefix(eval[string](b, `location.search`), "?"))
	if err != nil {
		b.Fatalf("query: %v", err)
	}
	return v
}

// Lang is the page's <html lang>.
func (b *Tab) Lang() string {
	b.t.Helper()
	return eval[string](b, `document.documentElement.lang`)
}

// Title is the document's title.
func (b *Tab) Title() string {
	b.t.Helper()
	return eval[string](b, `document.title`)
}

// FitsWidth checks that nothing scrolls sideways in the viewport.
func (b *Tab) FitsWidth() {
	b.t.Helper()
	sw := eval[int](b, `document.documentElement.scrollWidth`)
	if sw > b.vp.width {
		wide := eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll('body *')).filter(function (e) {
  var r = e.getBoundingClientRect(); return r.right > %d + 0.5 && r.width > 0;
}).slice(0, 8).map(function (e) { return e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' right=' + Math.round(e.getBoundingClientRect().right); })`, b.vp.width))
		b.Errorf("%s: page is %d px wide in a %d px viewport (scrolls sideways); widest: %v", b.Path(), sw, b.vp.width, wide)
	}
}

// Login signs in through the login page and, when asked, the second factor: on the
// enrolment page it reads the secret shown for the authenticator app and remembers it; on
// later sign-ins it types the code the authenticator would show now. It reports whether
// this sign-in enrolled the second factor.
func (b *Tab) Login(username, password string) (enrolled bool) {
	b.t.Helper()
	b.Open("/login")
	b.Type("#f-username", username)
	b.Type("#f-password", password)
	b.Follow("[data-testid=login-submit]")
	if strings.HasPrefix(b.Path(), "/login/mfa") {
		var secret string
		if b.Count("[data-testid=totp-secret]") > 0 {
			secret = b.Text("[data-testid=totp-secret]")
			if secret == "" {
				b.Fatalf("the enrolment page shows an empty TOTP secret")
			}
			b.s.remember(username, secret)
			enrolled = true
		} else if secret = b.s.secret(username); secret == "" {
			b.Fatalf("%s must give a TOTP code but enrolled outside this run: no secret known", username)
		}
		code, err := b.s.codeAt(username, secret)
		if err != nil {
			b.Fatalf("totp code: %v", err)
		}
		b.Type("#f-code", code)
		b.Follow("[data-testid=mfa-submit]")
	}
	if p := b.Path(); strings.HasPrefix(p, "/login") || strings.HasPrefix(p, "/account/password") {
		b.Fatalf("%s is not signed in: the browser is at %s (%s)", username, p, b.Texts(".form-error, .error, .flash"))
	}
	return enrolled
}

// Logout signs out through the user menu.
func (b *Tab) Logout() {
	b.t.Helper()
	b.Click("details.user-menu > summary")
	b.Follow("[data-testid=logout]")
	if p := b.Path(); p != "/login" {
		b.Fatalf("after signing out the browser is at %s, want /login", p)
	}
}

// SwitchLang follows the language link of lang and checks the page came back in it, at
// the same address.
func (b *Tab) SwitchLang(lang string) {
	b.t.Helper()
	before := b.Path()
	b.Follow("[data-testid=lang-" + lang + "]")
	if got := b.Lang(); got != lang {
		b.Fatalf("after switching to %s the page says lang=%q", lang, got)
	}
	if after := b.Path(); after != before {
		b.Errorf("switching the language moved from %s to %s", before, after)
	}
}

// listen runs in the tab's event loop: it must be quick and send no command.
func (b *Tab) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			b.problem("console.%s: %s%s", ev.Type, argsText(ev.Args), stackPlace(ev.StackTrace))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + strings.SplitN(d.Exception.Description, "\n", 2)[0]
		}
		b.problem("uncaught exception: %s at %s:%d", text, d.URL, d.LineNumber+1)
	case *log.EventEntryAdded:
		e := ev.Entry
		if e == nil || e.Level != log.EntryLevelError {
			return
		}
		if e.Source == log.EntrySourceNetwork && b.isExpected(e.URL) {
			return
		}
		b.problem("%s error: %s (%s)", e.Source, e.Text, e.URL)
	case *page.EventJavascriptDialogOpening:
		// No page of the product opens alert/confirm/prompt: one that does ran a script
		// it should not have (a stored payload). The dialog stays open; the test fails.
		b.problem("a JavaScript %s dialog opened: %q", ev.Type, ev.Message)
	}
}

func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		if len(a.Value) > 0 && json.Unmarshal(a.Value, &s) == nil {
			parts = append(parts, s)
		} else if len(a.Value) > 0 {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}

func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" at %s:%d", f.URL, f.LineNumber+1)
}

func (b *Tab) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

func (b *Tab) expect(u string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expected[u] = true
}

func (b *Tab) isExpected(u string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.expected[u]
}

// takeProblems returns and forgets the console problems seen so far.
func (b *Tab) takeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

// checkConsole fails the test on the console problems seen so far.
func (b *Tab) checkConsole() {
	b.t.Helper()
	if p := b.takeProblems(); len(p) > 0 {
		b.t.Errorf("[%s] the browser console reported:\n  %s", b.step, strings.Join(p, "\n  "))
	}
}

var serverErrorLine = regexp.MustCompile(`(?m)^.*level=ERROR.*$`)

// finish runs at the end of the test: the last console check, the server's errors, and on
// failure the screenshot, the HTML and the server's output.
func (b *Tab) finish() {
	b.t.Helper()
	b.checkConsole()
	out := b.s.serverOut.Since(b.serverFrom)
	if errs := serverErrorLine.FindAllString(out, -1); len(errs) > 0 {
		b.t.Errorf("the server logged errors during the test:\n  %s", strings.Join(errs, "\n  "))
	}
	if !b.t.Failed() {
		return
	}
	b.saveArtefacts()
	b.t.Logf("server output during the test:\n%s", out)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// saveArtefacts writes a full-page screenshot and the page's HTML for the current step.
func (b *Tab) saveArtefacts() {
	b.t.Helper()
	dir := filepath.Join(b.s.root, "testdata-out", "e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("save artefacts: %v", err)
		return
	}
	base := filepath.Join(dir, unsafeName.ReplaceAllString(b.t.Name(), "_")+"-"+strings.Trim(unsafeName.ReplaceAllString(b.step, "-"), "-"))
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		b.t.Logf("screenshot: %v", err)
	} else if err := os.WriteFile(base+".png", png, 0o644); err != nil {
		b.t.Logf("screenshot: %v", err)
	} else {
		b.t.Logf("screenshot: %s.png", base)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err != nil {
		b.t.Logf("page HTML: %v", err)
	} else if err := os.WriteFile(base+".html", []byte(html), 0o644); err != nil {
		b.t.Logf("page HTML: %v", err)
	} else {
		b.t.Logf("page HTML: %s.html", base)
	}
}
