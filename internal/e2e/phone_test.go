package e2e

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// On a 375 px phone nothing scrolls sideways (login, second factor, user list, menu) and
// the ☰ button opens the navigation.
func TestPhoneLayout(t *testing.T) {
	b := newTab(t, phone)
	b.everyPage = b.FitsWidth

	b.Step("login page")
	b.Open("/login")
	if w := eval[int](b, `window.innerWidth`); w != phone.width {
		b.Fatalf("the phone viewport is %d px wide, want %d", w, phone.width)
	}
	if !b.Visible("[data-testid=login-submit]") {
		b.Errorf("the sign-in button is not visible on the phone")
	}

	b.Step("sign in")
	b.Login("admin", adminPassword)

	b.Step("user list")
	b.Open("/admin/users")
	if b.Count("table.table tbody tr") == 0 {
		b.Fatalf("the user list is empty")
	}
	// Below 640 px the rows are cards whose cells carry their column's name.
	if d := eval[string](b, `getComputedStyle(document.querySelector('table.table tbody tr')).display`); d == "table-row" {
		b.Errorf("the user list's rows stay table rows on a phone")
	}
	for i, l := range b.Attrs("table.table tbody tr:first-child td", "data-label") {
		if l == "" {
			b.Errorf("cell %d of the user list has no data-label", i+1)
		}
	}

	b.Step("menu closed")
	if b.Visible("#sidenav") {
		b.Errorf("the navigation is open before the ☰ button is touched")
	}
	if got := b.Attrs("[data-nav-toggle]", "aria-expanded"); len(got) != 1 || got[0] != "false" {
		b.Fatalf("navigation toggle: aria-expanded %v, want one toggle, false", got)
	}

	b.Step("menu opens")
	b.Tap("[data-nav-toggle]")
	b.do("wait for the menu", chromedp.WaitVisible(chromedp.CSS(`#sidenav a[href="/admin/users"]`)))
	if got := b.Attrs("[data-nav-toggle]", "aria-expanded"); got[0] != "true" {
		b.Errorf("the open menu's toggle says aria-expanded=%s", got[0])
	}
	b.FitsWidth()

	b.Step("menu link")
	b.navigate("tap the home link", http.StatusOK, chromedp.Tap(chromedp.CSS(`#sidenav a[href="/"]`)))
	if p := b.Path(); p != "/" {
		b.Errorf("the menu's home link went to %s", p)
	}
	if b.Visible("#sidenav") {
		b.Errorf("the menu is still open on the new page")
	}

	b.Step("sign out")
	b.Logout()
}
