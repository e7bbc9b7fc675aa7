package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The enterprise directory (一企一档): list, filters, an enterprise's page, both languages.
// It runs as soon as the server has the pages (GET /enterprises is no longer 404).
func TestEnterpriseDirectory(t *testing.T) {
	s := env(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.baseURL + "/enterprises")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		t.Skip("enterprise pages not present")
	}

	b := newTab(t, desktop)
	const rowLinks = `table tbody tr a[href^="/enterprises/"]`

	b.Step("sign in")
	b.Login("admin", adminPassword)

	b.Step("enterprise list")
	b.Follow(`#sidenav a[href="/enterprises"]`)
	if b.Count(`#sidenav a[href="/enterprises"][aria-current="page"]`) != 1 {
		b.Errorf("the navigation does not mark the enterprise list as the current page")
	}
	if b.Count("form.filters") != 1 {
		b.Fatalf("the enterprise list has no form.filters")
	}
	names := b.Texts(rowLinks)
	if len(names) < 10 {
		b.Fatalf("the demo city's enterprise list shows %d enterprises: %v", len(names), names)
	}

	for _, f := range []string{"industry", "district"} {
		b.Step("filter by " + f)
		sel := `form.filters select[name=` + f + `]`
		opts := b.Attrs(sel+" option", "value")
		i := slices.IndexFunc(opts, func(v string) bool { return v != "" })
		if i < 0 {
			b.Fatalf("the %s filter offers no choice: %v", f, opts)
		}
		b.Choose(sel, opts[i])
		if got := b.Query().Get(f); got != opts[i] {
			b.Errorf("filtering by %s=%s went to %s", f, opts[i], b.Path())
		}
		if v := eval[string](b, `document.querySelector('`+sel+`').value`); v != opts[i] {
			b.Errorf("the %s filter does not keep its value: %q, want %q", f, v, opts[i])
		}
		if f == "industry" && b.Count(rowLinks) == 0 {
			b.Errorf("no enterprise of the first industry %q in the demo city", opts[i])
		}
	}

	b.Step("search by name")
	b.Open("/enterprises")
	want := names[0]
	b.Search(`form.filters input[name=q]`, want)
	if got := b.Query().Get("q"); got != want {
		b.Errorf("searching went to %s", b.Path())
	}
	found := b.Texts(rowLinks)
	if !slices.Contains(found, want) {
		b.Fatalf("searching for %q found %v", want, found)
	}

	b.Step("open an enterprise")
	first := found[0]
	b.Follow(`table tbody tr:first-child a[href^="/enterprises/"]`)
	if p := b.Path(); !strings.HasPrefix(p, "/enterprises/") {
		b.Fatalf("the first row's link went to %s", p)
	}
	if h := b.Text("h1"); !strings.Contains(h, first) {
		b.Errorf("the enterprise page's heading %q lacks the name %q", h, first)
	}

	b.Step("switch to English")
	b.SwitchLang(en)
	if nav := b.Texts("#sidenav a"); !slices.Contains(nav, b.T(en, "nav.enterprises")) {
		b.Errorf("English navigation reads %v", nav)
	}
	if h := b.Text("h1"); !strings.Contains(h, first) {
		b.Errorf("the English enterprise page's heading %q lacks the name %q", h, first)
	}

	b.Step("switch back to Chinese")
	b.SwitchLang(zh)
	if nav := b.Texts("#sidenav a"); !slices.Contains(nav, b.T(zh, "nav.enterprises")) {
		b.Errorf("Chinese navigation reads %v", nav)
	}

	b.Step("sign out")
	b.Logout()
}
