package e2e

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yingshang/internal/demo/citydata"
)

// A leader's visit through the whole loop (mechanism 1): leader1 records a visit to one of
// their enterprises with two problems and a photo → both are appeals in the operators'
// 待受理 queue, supervised by the leader → the operator dispatches both; the 工信局 signs for
// the first, answers it, and the operator's callback closes it → the leader's desk shows
// one closed and one open; when the open one's deadline passes (the server's test clock
// moves; the deadline sweep runs on the moved time) it turns red on the desk and the
// leader is told.
func TestLeaderVisitThroughTheLoop(t *testing.T) {
	s := env(t)
	for _, path := range []string{"/liaison/desk", "/appeals"} {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(s.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Skipf("%s not present", path)
		}
	}
	began := time.Now()
	leader := newTab(t, desktop)
	op := newTab(t, desktop)
	dept := newTab(t, desktop)
	stamp := began.Format("150405")

	leader.Step("leader1 opens the desk and starts a visit")
	leader.Login("leader1", citydata.DemoPassword)
	leader.Follow(`#sidenav a[href="/liaison/desk"]`)
	if h := leader.Text("h1"); h != leader.T(zh, "liaison.desk.title") {
		leader.Errorf("the desk's heading is %q", h)
	}
	leader.Follow(`.page-header a[href^="/liaison/visits/new"]`)
	if leader.Count(`[data-testid=linked-orgs] input[data-kind=enterprise]`) == 0 {
		leader.Fatalf("leader1's linked enterprises are not offered")
	}
	leader.Click(`[data-testid=linked-orgs] input[data-kind=enterprise]`)
	leader.Follow("[data-testid=next]")
	enterprise := leader.Text("[data-testid=visit-orgs]")

	leader.Step("records the visit with two problems and a photo")
	write(leader, "#f-summary", "实地察看新建产线，听取企业汇报，企业反映用电和税务两个问题。")
	titles := []string{"新厂房用电增容审批慢 " + stamp, "研发费用加计扣除申报难 " + stamp}
	for i, c := range []struct{ category, body string }{
		{"用电", "三号厂房增容申请两个月未批复，影响投产。"},
		{"税", "研发费用加计扣除申报材料复杂，希望税务部门上门辅导。"},
	} {
		p := "#p" + string(rune('0'+i))
		selectByText(leader, p+"-category", c.category)
		leader.Type(p+"-title", titles[i])
		write(leader, p+"-body", c.body)
	}
	photo := filepath.Join(t.TempDir(), "走访现场.png")
	writePNG(t, photo)
	leader.do("attach the photo", chromedp.SetUploadFiles(chromedp.CSS("#f-files"), []string{photo}))
	leader.Follow("[data-testid=save-visit]")
	numbers := leader.Texts("[data-testid=visit-problems] .code")
	if len(numbers) != 2 {
		leader.Fatalf("the visit page lists %v", numbers)
	}
	if leader.Count(`#files img[alt="走访现场.png"]`) != 1 {
		leader.Errorf("the photo is not on the visit page")
	}
	if f := leader.Text(".flash"); !strings.Contains(f, "2") {
		leader.Errorf("the confirmation reads %q", f)
	}
	first, second := numbers[0], numbers[1]

	op.Step("the operator finds both in 待受理, supervised")
	op.Login("operator1", citydata.DemoPassword)
	op.Open("/appeals?queue=submitted")
	for _, n := range numbers {
		if op.Count(`table a[href="/appeals/`+n+`"]`) != 1 {
			op.Fatalf("the operators' 待受理 queue does not list %s", n)
		}
	}
	for i, n := range numbers {
		op.Step("accepts and dispatches " + n)
		op.Open("/appeals/" + n)
		if op.Count(".badge-supervised") == 0 {
			op.Errorf("%s is not shown as supervised", n)
		}
		if body := lzMain(op); !strings.Contains(body, titles[i]) || !strings.Contains(body, enterprise) {
			op.Errorf("%s does not carry the title and the visited enterprise %q", n, enterprise)
		}
		op.Follow("[data-testid=form-accept] button[type=submit]")
		selectByText(op, "#dis-lead_org_id", "工业和信息化局")
		acceptConfirms(op)
		op.Follow("[data-testid=form-dispatch] button[type=submit]")
		op.expectState("dispatched")
	}

	dept.Step("the 工信局 signs for the first and answers it")
	dept.Login("gxj1", citydata.DemoPassword)
	dept.Open("/appeals/" + first)
	dept.Follow("[data-testid=form-claim] button[type=submit]")
	setValue(dept, "#rep-outcome", "solved")
	write(dept, "#rep-text", "已协调供电公司完成增容审批，下周送电。")
	dept.Follow("[data-testid=form-reply] button[type=submit]")
	dept.expectState("replied")

	op.Step("the operator calls back: satisfied, closed")
	op.Open("/appeals/" + first)
	op.Click(`input[name=satisfaction][value=satisfied]`)
	op.Click(`input[name=solved][value="1"]`)
	op.Follow("[data-testid=form-callback] button[type=submit]")
	op.expectState("closed")

	leader.Step("the desk shows one closed, one open")
	leader.Open("/liaison/desk")
	row := func(n string) string { return `[data-testid=desk-problems] tr[data-appeal="` + n + `"]` }
	if st := leader.Attrs(row(first), "data-state"); len(st) != 1 || st[0] != "closed" {
		leader.Fatalf("the first problem is %v on the desk, want closed", st)
	}
	if st := leader.Attrs(row(second), "data-state"); len(st) != 1 || st[0] != "dispatched" {
		leader.Fatalf("the second problem is %v on the desk, want dispatched", st)
	}
	if c := leader.Attrs(row(second), "class"); c[0] == "is-overdue" {
		leader.Errorf("the open problem is overdue before its deadline")
	}
	due := leader.Attrs(`[data-testid=desk-open] tr[data-appeal="`+second+`"] [data-clock=handle] time`, "datetime")
	if len(due) != 1 {
		leader.Fatalf("the desk shows no handle deadline of %s", second)
	}
	handleDue, err := time.Parse(time.RFC3339, due[0])
	if err != nil {
		leader.Fatalf("deadline %q: %v", due[0], err)
	}
	leader.Logout()

	leader.Step("its deadline passes")
	t.Cleanup(func() {
		if err := s.moveClock(0); err != nil {
			t.Errorf("put the clock back: %v", err)
		}
	})
	offset := time.Until(handleDue) + 10*time.Minute
	if err := s.moveClock(offset); err != nil {
		t.Fatal(err)
	}
	leader.Login("leader1", citydata.DemoPassword)
	leader.Open("/liaison/desk")
	if c := leader.Attrs(row(second), "class"); len(c) != 1 || c[0] != "is-overdue" {
		leader.Fatalf("after the deadline the open problem's row is %v, want is-overdue", c)
	}
	if lv := leader.Attrs(row(second)+" [data-level]", "data-level"); len(lv) != 1 || lv[0] != "red" {
		leader.Errorf("after the deadline the open problem is %v, want red", lv)
	}
	// Overdue first: every row above it is overdue too. (The demo city's own appeals
	// run on the real clock, and one of them may be overdue as well: its callback
	// deadline passes at 17:30 Shanghai time on the day the demo's dates put it.)
	open, classes := leader.Attrs(`[data-testid=desk-open] tbody tr`, "data-appeal"), leader.Attrs(`[data-testid=desk-open] tbody tr`, "class")
	at := slices.Index(open, second)
	if at < 0 || len(classes) != len(open) {
		leader.Fatalf("the open problem %s is not among the open rows %v", second, open)
	}
	for i := range at {
		if classes[i] != "is-overdue" {
			leader.Errorf("the overdue appeal comes after %s, which is not overdue (%v)", open[i], open)
		}
	}
	if st := leader.Attrs(row(first), "data-state"); st[0] != "closed" {
		leader.Errorf("the closed one changed: %v", st)
	}

	leader.Step("the sweep, on the moved time, tells the leader")
	want := leader.T(zh, "appeal.notify.handle_overdue", "Number", second, "Due", "\x00")
	want = want[:strings.IndexByte(want, 0)]
	found := false
	for deadline := time.Now().Add(30 * time.Second); !found && time.Now().Before(deadline); {
		leader.Open("/notifications")
		for _, li := range leader.Texts(".timeline li") {
			found = found || strings.Contains(li, want)
		}
	}
	if !found {
		leader.Fatalf("no notification %q reached the leader", want)
	}
	leader.Open("/liaison/desk")
	if lv := leader.Attrs(`[data-testid=desk-open] tr[data-appeal="`+second+`"] [data-level]`, "data-level"); len(lv) != 1 || lv[0] != "red" {
		leader.Errorf("after the sweep the open appeal is %v", lv)
	}
	t.Logf("the leader's visit through the loop took %s", time.Since(began).Round(time.Millisecond))
}

// lzMain is the main column's text.
func lzMain(b *Tab) string {
	return eval[string](b, `document.querySelector('main').innerText`)
}

// The leader's pages on a 375 px phone: nothing scrolls sideways (desk, visits, the visit
// form with its problem blocks, links), and English reads as English.
func TestLeaderPagesOnAPhone(t *testing.T) {
	s := env(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.baseURL + "/liaison/desk")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Skip("liaison pages not present")
	}
	b := newTab(t, phone)
	b.everyPage = b.FitsWidth
	b.Step("sign in")
	b.Login("leader2", citydata.DemoPassword)
	b.Step("desk")
	b.Open("/liaison/desk")
	if b.Count("[data-testid=desk-orgs] tbody tr") == 0 {
		b.Errorf("leader2's desk lists no enterprises or chambers")
	}
	b.Step("visits")
	b.Open("/liaison/visits")
	b.Step("the visit form")
	b.Open("/liaison/visits/new")
	b.Tap(`[data-testid=linked-orgs] input[data-kind=enterprise]`)
	b.Follow("[data-testid=next]")
	if b.Count("[data-testid=problem-0]") != 1 {
		b.Errorf("the visit form has no problem block")
	}
	b.Step("one more problem block")
	b.Tap("#add-problem")
	b.do("wait for the third block", chromedp.WaitVisible(chromedp.CSS("[data-testid=problem-2]")))
	b.FitsWidth()
	b.Step("links in English")
	b.Open("/liaison/links")
	b.SwitchLang(en)
	if h := b.Text("h1"); h != b.T(en, "liaison.links.title") {
		b.Errorf("the English heading is %q", h)
	}
	b.SwitchLang(zh)
}
