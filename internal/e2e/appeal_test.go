package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yingshang/internal/demo/citydata"
	"yingshang/internal/i18n"
)

// The appeal closed loop (诉求闭环) with a different person at each step: an enterprise
// files on its phone → the hotline operator accepts it and dispatches it to the 工信局
// (lead) and the 发改委 (co-handler) → the co-handler answers its part → the lead returns
// it once, the operator sends it back → the lead signs for it, asks for more time, the
// operator approves → the lead replies → the enterprise rates it 不满意 → the operator has
// it redone (重办) → the second reply → the enterprise rates it 满意 → closed. The
// timeline shows every step; the public status page shows where it stands without any
// personal data; the department's drill-down from the assessment lists it.
func TestAppealLoopAcrossRoles(t *testing.T) {
	began := time.Now()
	ent := newTab(t, phone)
	ent.everyPage = ent.FitsWidth
	op := newTab(t, desktop)
	lead := newTab(t, desktop)
	co := newTab(t, desktop)
	title := "厂区用电增容申请迟迟未批复 " + began.Format("150405")

	ent.Step("the enterprise signs in on its phone")
	ent.Login("ent1", citydata.DemoPassword)
	if p := ent.Count(`#sidenav a[href="/portal/new"]`); p != 1 {
		ent.Fatalf("the enterprise's navigation has no link to file an appeal")
	}

	ent.Step("files an appeal with a photo")
	ent.Open("/portal/new")
	if v := eval[string](ent, `document.querySelector('#p-contact_phone').value`); v == "" {
		ent.Errorf("the contact phone is not filled in from the user")
	}
	selectByText(ent, "#p-category_id", "用电")
	ent.Type("#p-title", title)
	write(ent, "#p-body", "我公司三号厂房新增生产线，申请用电增容已两个月，供电公司一直未答复，影响投产。")
	photo := filepath.Join(t.TempDir(), "现场照片.png")
	writePNG(t, photo)
	ent.do("attach the photo", chromedp.SetUploadFiles(chromedp.CSS("#p-photo"), []string{photo}))
	ent.Follow("[data-testid=portal-submit]")
	number := ent.Text("[data-testid=appeal-number]")
	code := ent.Text("[data-testid=query-code]")
	if !strings.HasPrefix(number, "ZQ") || len(number) != 16 || len(code) != 6 {
		ent.Fatalf("after filing the page shows number %q and query code %q", number, code)
	}
	if f := ent.Text(".flash"); !strings.Contains(f, number) || !strings.Contains(f, code) {
		ent.Errorf("the confirmation %q does not give the number and the query code", f)
	}
	if n := ent.Count(`[data-testid=attachments] img[alt="现场照片.png"]`); n != 1 {
		ent.Errorf("the photo is not shown on the appeal's page")
	}
	ent.shot()
	page := "/appeals/" + number

	ent.Step("follows it in the portal")
	ent.Open("/portal")
	if ent.Count(`[data-testid=portal-card][data-number="`+number+`"]`) != 1 {
		ent.Fatalf("the portal does not list %s", number)
	}
	ent.shot()

	ent.Step("starting another appeal about the same problem, it is pointed to the first")
	ent.Open("/portal/new")
	ent.Type("#p-title", "用电增容申请未批复")
	ent.do("wait for the similar-appeal hint", chromedp.WaitVisible(chromedp.CSS(`[data-testid=similar-list] a[href="`+page+`"]`)))
	if h := ent.Text("[data-testid=similar-list]"); !strings.Contains(h, ent.T("zh-CN", "search.similar_mine")) {
		ent.Errorf("the hint reads %q", h)
	}
	ent.FitsWidth()
	ent.shot()

	ent.Step("searches its appeals on the phone, in Chinese and in English")
	ent.Open("/search?q=" + url.QueryEscape("用电增容"))
	if ent.Count(`[data-testid=search-table] a[href="`+page+`"]`) != 1 {
		ent.Errorf("the search for 用电增容 does not list %s", number)
	}
	bad := "/search?q=" + url.QueryEscape("！")
	ent.OpenStatus(bad, http.StatusUnprocessableEntity)
	if e := ent.Text("#s-q-err"); !strings.Contains(e, ent.T("zh-CN", "search.error.empty")) {
		ent.Errorf("a query of punctuation shows %q next to the field", e)
	}
	ent.Open("/search?q=" + url.QueryEscape("用电增容"))
	ent.SwitchLang("en")
	ent.OpenStatus(bad, http.StatusUnprocessableEntity)
	if e := ent.Text("#s-q-err"); !strings.Contains(e, ent.T("en", "search.error.empty")) {
		ent.Errorf("in English the field error reads %q", e)
	}
	ent.Open("/search?q=" + url.QueryEscape("用电增容"))
	ent.SwitchLang("zh-CN")

	op.Step("the operator finds it among the appeals to accept")
	op.Login("operator1", citydata.DemoPassword)
	op.Open("/appeals?queue=submitted")
	op.Follow(`table a[href="` + page + `"]`)
	op.expectState("submitted")

	op.Step("accepts it")
	op.Follow("[data-testid=form-accept] button[type=submit]")
	op.expectState("accepted")
	if f := op.Text(".flash"); !strings.Contains(f, number) {
		op.Errorf("no confirmation of the move: %q", f)
	}

	op.Step("dispatches it to the 工信局 with the 发改委")
	if lead := selectedText(op, "#dis-lead_org_id"); !strings.Contains(lead, "供电") {
		op.Errorf("the lead department offered for 用电 is %q, want the category's 供电公司", lead)
	}
	selectByText(op, "#dis-lead_org_id", "工业和信息化局")
	gxj := eval[string](op, `document.querySelector('#dis-lead_org_id').value`)
	selectByText(op, "#dis-co", "发展和改革委员会")
	acceptConfirms(op)
	op.Follow("[data-testid=form-dispatch] button[type=submit]")
	op.expectState("dispatched")
	if n := op.Count(`[data-clock=claim] .progress .bar`) + op.Count(`[data-clock=handle] .progress .bar`); n != 2 {
		op.Errorf("the claim and handle clocks do not run: %d bars", n)
	}
	op.shot()

	co.Step("the co-handler signs for its part and answers it")
	co.Login("fgw1", citydata.DemoPassword)
	co.Open("/appeals?queue=dept_to_claim")
	co.Follow(`table a[href="` + page + `"]`)
	co.Follow("[data-testid=form-co_claim] button[type=submit]")
	write(co, "#ca-text", "发改委已将该项目列入重点项目用电保障清单。")
	co.Follow("[data-testid=form-co_answer] button[type=submit]")
	if co.Count("[data-testid=form-co_answer]") != 0 {
		co.Errorf("the co-handler can still answer after answering")
	}

	lead.Step("the lead department returns it")
	lead.Login("gxj1", citydata.DemoPassword)
	lead.Open("/appeals?queue=dept_to_claim")
	lead.Follow(`table a[href="` + page + `"]`)
	write(lead, "#ret-reason", "用电增容属供电公司业务，建议改派。")
	acceptConfirms(lead)
	lead.Follow("[data-testid=form-return] button[type=submit]")
	lead.expectState("returned")

	op.Step("the operator refuses the return")
	op.Open("/appeals?queue=returned")
	op.Follow(`table a[href="` + page + `"]`)
	write(op, "#rr-note", "工信局牵头协调供电公司办理。")
	op.Follow("[data-testid=form-refuse_return] button[type=submit]")
	op.expectState("dispatched")

	lead.Step("the lead signs for it and asks for more time")
	lead.Open(page)
	lead.Follow("[data-testid=form-claim] button[type=submit]")
	lead.expectState("in_progress")
	lead.Type("#ext-days", "2")
	write(lead, "#ext-reason", "需协调供电公司现场勘查。")
	lead.Follow("[data-testid=form-request_extension] button[type=submit]")
	lead.expectState("extension_requested")

	op.Step("the operator approves the extension")
	op.Open("/appeals?queue=extension_requested")
	op.Follow(`table a[href="` + page + `"]`)
	if p := op.Text("[data-testid=pending-extension]"); !strings.Contains(p, "2") {
		op.Errorf("the pending request reads %q", p)
	}
	op.Follow("[data-testid=approve-extension]")
	op.expectState("in_progress")

	lead.Step("the lead replies")
	lead.Open(page)
	setValue(lead, "#rep-outcome", "partly")
	write(lead, "#rep-text", "已协调供电公司制定增容方案，下月施工。")
	lead.Follow("[data-testid=form-reply] button[type=submit]")
	lead.expectState("replied")

	ent.Step("the enterprise is not satisfied")
	ent.Open("/portal")
	if ent.Count(`[data-number="`+number+`"] [data-testid=rate-me]`) != 1 {
		ent.Errorf("the portal does not ask to rate the answer")
	}
	ent.Follow(`[data-number="` + number + `"] [data-testid=portal-open]`)
	if r := ent.Text("[data-testid=reply-text]"); !strings.Contains(r, "下月施工") {
		ent.Errorf("the enterprise reads the reply %q", r)
	}
	ent.Tap(`input[name=satisfaction][value=unsatisfied]`)
	ent.Tap(`input[name=solved][value="0"]`)
	write(ent, "#cb-note", "施工时间太晚，影响投产。")
	ent.shot()
	ent.Follow("[data-testid=form-callback] button[type=submit]")
	ent.expectState("replied")

	op.Step("the operator has it redone")
	op.Open(page)
	if l := selectedText(op, "#ro-lead_org_id"); !strings.Contains(l, "工业和信息化局") {
		op.Errorf("the redo offers the lead %q, want the 工信局 again", l)
	}
	op.Type("#ro-note", "请加快施工进度。")
	op.Follow("[data-testid=form-reopen] button[type=submit]")
	op.expectState("dispatched")

	lead.Step("the lead answers again")
	lead.Open(page)
	lead.Follow("[data-testid=form-claim] button[type=submit]")
	setValue(lead, "#rep-outcome", "solved")
	write(lead, "#rep-text", "供电公司已提前完成增容施工并送电。")
	lead.Follow("[data-testid=form-reply] button[type=submit]")
	lead.expectState("replied")

	ent.Step("the enterprise is satisfied: closed")
	ent.Open(page)
	ent.Tap(`input[name=satisfaction][value=satisfied]`)
	ent.Tap(`input[name=solved][value="1"]`)
	ent.Follow("[data-testid=form-callback] button[type=submit]")
	ent.expectState("closed")
	if ent.Count("[data-testid=form-callback]") != 0 {
		ent.Errorf("a closed appeal still offers a rating")
	}
	ent.shot()

	op.Step("the timeline shows every step")
	op.Open(page)
	want := []string{"create", "accept", "dispatch", "co_claim", "co_answer", "return", "refuse_return", "claim", "request_extension",
		"approve_extension", "reply", "callback_unsatisfied", "reopen", "claim", "reply", "callback_satisfied"}
	var got []string
	for _, a := range op.Attrs("[data-testid=timeline] li", "data-action") {
		if a != "attach" && a != "sla_warning" && a != "sla_overdue" {
			got = append(got, a)
		}
	}
	if !slices.Equal(got, want) {
		op.Errorf("the timeline reads %v, want %v", got, want)
	}
	if b := op.Text("[data-testid=appeal-state]"); !strings.Contains(b, op.T(zh, "appealui.redo_n", "N", 1)) {
		op.Errorf("the page does not count the redo: %q", b)
	}
	op.shot()

	op.Step("the assessment's drill-down lists it")
	op.Open("/stats/assessment")
	today := time.Now().In(i18n.Shanghai).Format("2006-01-02")
	op.Open("/appeals?dept=" + gxj + "&from=" + today + "&to=" + today)
	if op.Count(`table a[href="`+page+`"]`) != 1 {
		op.Errorf("the 工信局's appeals of today do not list %s", number)
	}

	pub := newTab(t, phone)
	pub.everyPage = pub.FitsWidth
	pub.Step("anyone looks it up with the number and the query code")
	pub.Open("/status")
	pub.Type("#st-number", number)
	pub.Type("#st-code", strings.ToLower(code))
	pub.Follow("[data-testid=status-submit]")
	res := pub.Text("[data-testid=status-result]")
	if !strings.Contains(res, pub.T(zh, "appeal.state.closed")) {
		pub.Errorf("the public status reads %q", res)
	}
	all := eval[string](pub, `document.querySelector('main').innerText`)
	for _, secret := range []string{title, "供电公司已提前完成", "工业和信息化局", code} {
		if strings.Contains(all, secret) {
			pub.Errorf("the public page shows %q", secret)
		}
	}
	pub.shot()
	t.Logf("the whole loop with five people took %s", time.Since(began).Round(time.Millisecond))
}

// expectState checks the appeal page's state badge.
func (b *Tab) expectState(state string) {
	b.t.Helper()
	want := b.T(zh, "appeal.state."+state)
	if got := b.Text("[data-testid=appeal-state] .badge"); got != want {
		b.Fatalf("the appeal is %q, want %q (%s)", got, want, strings.Join(b.Texts(".flash, .error"), " | "))
	}
}

// shot saves the page's screenshot and HTML when E2E_SCREENSHOTS is set (for looking at
// the pages, e.g. on the phone).
func (b *Tab) shot() {
	if os.Getenv("E2E_SCREENSHOTS") != "" {
		b.saveArtefacts()
	}
}

// acceptConfirms answers yes to the page's confirm() questions (data-confirm forms), as
// the person clicking OK would.
func acceptConfirms(b *Tab) {
	b.t.Helper()
	eval[bool](b, `(function () { window.confirm = function () { return true; }; return true; })()`)
}

// selectByText picks the option of the <select> sel whose text contains text (several
// for a multiple select: each call adds one).
func selectByText(b *Tab, sel, text string) {
	b.t.Helper()
	ok := eval[bool](b, `(function () {
  var s = document.querySelector(`+js(sel)+`);
  if (!s) { return false; }
  var o = Array.prototype.find.call(s.options, function (o) { return o.textContent.trim().indexOf(`+js(text)+`) >= 0; });
  if (!o) { return false; }
  o.selected = true;
  s.dispatchEvent(new Event('change', {bubbles: true}));
  return true;
})()`)
	if !ok {
		b.Fatalf("%s has no option %q", sel, text)
	}
}

// write types text into the textarea sel as a person does (the harness's Type clears
// the field first, which chromedp cannot do on an empty textarea).
func write(b *Tab, sel, text string) {
	b.t.Helper()
	eval[bool](b, `(function () { var e = document.querySelector(`+js(sel)+`); if (e) { e.value = ''; } return !!e; })()`)
	b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// setValue sets a <select>'s value without submitting its form.
func setValue(b *Tab, sel, value string) {
	b.t.Helper()
	if !eval[bool](b, `(function () { var s = document.querySelector(`+js(sel)+`); if (!s) { return false; } s.value = `+js(value)+`;
  s.dispatchEvent(new Event('change', {bubbles: true})); return s.value === `+js(value)+`; })()`) {
		b.Fatalf("%s cannot take the value %q", sel, value)
	}
}

// selectedText is the text of the selected option of sel.
func selectedText(b *Tab, sel string) string {
	b.t.Helper()
	return eval[string](b, `(function () { var s = document.querySelector(`+js(sel)+`); return s && s.selectedOptions.length ? s.selectedOptions[0].textContent.trim() : ''; })()`)
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: 120, B: uint8(y * 5), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
