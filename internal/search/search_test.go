package search_test

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/search"
)

type doc struct {
	id                  int64
	number, text        string
	enterprise, chamber int64
}

func allAppeals(t *testing.T, e *apptest.Env) []doc {
	t.Helper()
	rows, err := e.App.DB.R.QueryContext(context.Background(),
		`SELECT id, number, title, body, reply_text, COALESCE(enterprise_org_id, 0), COALESCE(chamber_org_id, 0) FROM appeals ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []doc
	for rows.Next() {
		var d doc
		var title, body, reply string
		if err := rows.Scan(&d.id, &d.number, &title, &body, &reply, &d.enterprise, &d.chamber); err != nil {
			t.Fatal(err)
		}
		d.text = strings.ToLower(title + "\n" + body + "\n" + reply)
		out = append(out, d)
	}
	return out
}

// frequentWords are the most frequent two-character Han words of the texts, with 融资,
// 用电 and 拖欠 first when the texts hold them.
func frequentWords(docs []doc, n int) []string {
	count := map[string]int{}
	for _, d := range docs {
		seen := map[string]bool{}
		rs := []rune(d.text)
		for i := 0; i+1 < len(rs); i++ {
			if unicode.Is(unicode.Han, rs[i]) && unicode.Is(unicode.Han, rs[i+1]) {
				w := string(rs[i : i+2])
				if !seen[w] {
					seen[w] = true
					count[w]++
				}
			}
		}
	}
	var words []string
	for w := range count {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if count[words[i]] != count[words[j]] {
			return count[words[i]] > count[words[j]]
		}
		return words[i] < words[j]
	})
	var out []string
	for _, w := range []string{"融资", "用电", "拖欠"} {
		if count[w] > 0 {
			out = append(out, w)
		}
	}
	for _, w := range words {
		if len(out) >= n {
			break
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// fold moves every pending appeal into the index and finishes its merges, as the
// background loop does (SQLite; nothing to do on PostgreSQL).
func fold(t *testing.T, e *apptest.Env) {
	t.Helper()
	for {
		moved, err := e.App.Search.Fold(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if moved == 0 {
			break
		}
	}
	if e.App.DB.Engine == db.SQLite {
		var n int
		if err := e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM appeal_fts_pending`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("after folding %d appeals are pending (%v)", n, err)
		}
	}
}

// matchIDs are the ids of the engine's Match of q for at most max appeals.
func matchIDs(t *testing.T, e *apptest.Env, q string, max int) []int64 {
	t.Helper()
	hits, err := e.App.Search.Match(context.Background(), search.ParseQuery(q), max)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

func numbers(t *testing.T, e *apptest.Env, a auth.Actor, q string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		page, err := e.App.Search.Appeals(context.Background(), a, e.App.Appeal, search.AppealQuery{Q: q, Limit: 100, Cursor: cursor})
		if err != nil {
			t.Fatalf("search %q as %s: %v", q, a.Username, err)
		}
		for _, h := range page.Items {
			out = append(out, h.Number)
		}
		if page.Next == "" {
			if page.Total != len(out) {
				t.Errorf("search %q as %s: total %d, pages gave %d", q, a.Username, page.Total, len(out))
			}
			return out
		}
		cursor = page.Next
	}
}

// Every two-character word finds exactly the appeals whose title, text or reply holds it
// (the oracle is a plain substring test over the stored texts), on both engines; the
// scope of an enterprise, a department and a chamber applies; a reply becomes findable in
// the transaction that writes it.
func TestSearchFindsWhatTheTextsHold(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, findsWhatTheTextsHold)
}

// The same with SQLite's live table sealed after every fold of seven appeals (sealLive):
// the hits come from some twenty sealed tables, and an appeal answered after its table was
// sealed leaves it for the live one, found once.
func TestSearchFindsWhatTheTextsHoldSealed(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, func(t *testing.T, e *apptest.Env) {
		if e.App.DB.Engine != db.SQLite {
			t.Skip("SQLite's live table")
		}
		defer search.SetSeal(1, 7)()
		findsWhatTheTextsHold(t, e)
		var n int
		if err := e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'appeal_fts_sealed_[0-9]*'
			AND name NOT LIKE '%\_data' ESCAPE '\' AND name NOT LIKE '%\_idx' ESCAPE '\' AND name NOT LIKE '%\_docsize' ESCAPE '\'
			AND name NOT LIKE '%\_config' ESCAPE '\'`).Scan(&n); err != nil || n < 20 {
			t.Errorf("%d sealed tables (%v), want at least 20", n, err)
		}
		// The newest few matches come from the newest tables, the older ones unread or read:
		// exactly the newest max holders of each word — also when the newest table holds
		// the oldest holders of a word, indexed again (as a reply does) after the others.
		ctx := context.Background()
		docs := allAppeals(t, e)
		words := frequentWords(docs, 6)
		again := 0
		for _, d := range docs {
			if again == 3 {
				break
			}
			if !strings.Contains(d.text, words[0]) {
				continue
			}
			var title, body, reply string
			if err := e.App.DB.R.QueryRow(`SELECT title, body, reply_text FROM appeals WHERE id = $1`, d.id).Scan(&title, &body, &reply); err != nil {
				t.Fatal(err)
			}
			if reply != "" {
				body += "\n\n" + reply
			}
			if err := e.App.Search.PutAppeal(ctx, d.id, d.enterprise, e.App.Search.Document(title, body)); err != nil {
				t.Fatal(err)
			}
			again++
		}
		fold(t, e)
		for _, w := range words {
			var holders []int64
			for i := len(docs) - 1; i >= 0; i-- {
				if strings.Contains(docs[i].text, w) {
					holders = append(holders, docs[i].id)
				}
			}
			for _, max := range []int{1, 3, 10, 1000} {
				got := matchIDs(t, e, w, max)
				slices.Sort(got)
				want := slices.Clone(holders[:min(max, len(holders))])
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%q, the newest %d: %v, want %v", w, max, got, want)
				}
			}
		}
		// Each appeal is in one table: an answered appeal's entry left its sealed table.
		rows, err := e.App.DB.R.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'appeal\_fts%\_docsize' ESCAPE '\'`)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, `SELECT id FROM `+name)
		}
		rows.Close()
		var twice []int64
		rows, err = e.App.DB.R.Query(`SELECT id FROM (` + strings.Join(parts, ` UNION ALL `) + `) GROUP BY id HAVING COUNT(*) > 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			twice = append(twice, id)
		}
		rows.Close()
		if len(parts) < 20 || len(twice) > 0 {
			t.Errorf("%d index tables; appeals in more than one: %v", len(parts), twice)
		}
	})
}

func findsWhatTheTextsHold(t *testing.T, e *apptest.Env) {
	ctx := context.Background()
	if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 150, 7); err != nil {
		t.Fatal(err)
	}
	docs := allAppeals(t, e)
	op := e.Actor("operator1")
	words := frequentWords(docs, 20)
	if len(words) < 20 || !slices.Contains(words, "融资") {
		t.Fatalf("the demo texts hold too few words: %v", words)
	}
	// First with the appeals as intake left them (on SQLite in the pending table),
	// then folded into the index: the same hits both times.
	// On PostgreSQL the third time walks only the newest 5 appeals first, so that most
	// hits come from the bucketed index.
	for _, phase := range []string{"as filed", "folded", "older than the window"} {
		if phase == "folded" {
			fold(t, e)
		}
		if phase == "older than the window" {
			defer search.SetPGProbe(5, 2)()
		}
		for _, w := range words {
			var want []string
			for _, d := range docs {
				if strings.Contains(d.text, w) {
					want = append(want, d.number)
				}
			}
			got := numbers(t, e, op, w)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s, %q: found %d %v, the texts hold it in %d %v", phase, w, len(got), got, len(want), want)
			}
		}
	}
	// Ranked: an appeal with the word in its title and twice in its text comes first.
	ent := e.Demo.Orgs["ent1"]
	if ent == 0 {
		ent = docs[0].enterprise
	}
	cat, err := e.App.Appeal.CategoryByCode(ctx, op, "finance")
	if err != nil {
		t.Fatal(err)
	}
	best, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: cat.ID,
		Title: "融资担保费率过高", Body: "企业申请融资担保，融资成本偏高，希望降低担保费率。", EnterpriseOrgID: ent,
		ContactName: "李会计", ContactPhone: "13800001111"})
	if err != nil {
		t.Fatal(err)
	}
	fold(t, e)
	page, err := e.App.Search.Appeals(ctx, op, e.App.Appeal, search.AppealQuery{Q: "融资 担保"})
	if err != nil || len(page.Items) == 0 || page.Items[0].Number != best.Number {
		t.Errorf("融资 担保: first hit %v (err %v), want %s", page.Items, err, best.Number)
	}
	// A phrase: 担保费率 is found, 费率担保 (the same bigrams in another order) is not.
	if got := numbers(t, e, op, "担保费率"); !slices.Contains(got, best.Number) {
		t.Errorf("担保费率 misses %s: %v", best.Number, got)
	}
	if got := numbers(t, e, op, "费率担保"); slices.Contains(got, best.Number) {
		t.Errorf("费率担保 finds %s", best.Number)
	}
	// A word only in the reply is found once the reply is written.
	const replyWord = "贴息"
	if got := numbers(t, e, op, replyWord+"窗口"); len(got) != 0 {
		t.Fatalf("%s窗口 already found: %v", replyWord, got)
	}
	gxj, fgw := e.Demo.Orgs["gxj"], e.Demo.Orgs["fgw"]
	ap, err := e.App.Appeal.Accept(ctx, op, best.ID, best.Version, "")
	if err != nil {
		t.Fatal(err)
	}
	if ap, err = e.App.Appeal.Dispatch(ctx, op, ap.ID, ap.Version, appeal.DispatchInput{LeadOrgID: gxj}); err != nil {
		t.Fatal(err)
	}
	dept := e.Actor("gxj1")
	if ap, err = e.App.Appeal.Claim(ctx, dept, ap.ID, ap.Version, ""); err != nil {
		t.Fatal(err)
	}
	if _, err = e.App.Appeal.Reply(ctx, dept, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved,
		Text: "已协调合作银行给予" + replyWord + "窗口期支持，担保费率降至1%。"}); err != nil {
		t.Fatal(err)
	}
	if got := numbers(t, e, op, replyWord+"窗口"); !slices.Equal(got, []string{best.Number}) {
		t.Errorf("%s窗口 after the reply: %v, want [%s]", replyWord, got, best.Number)
	}
	// Re-indexed but not yet folded, the appeal is found once, not once per copy.
	if got := numbers(t, e, op, "担保费率"); len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
		t.Errorf("担保费率 after the reply lists an appeal twice: %v", got)
	}
	fold(t, e)
	if got := numbers(t, e, op, replyWord+"窗口"); !slices.Equal(got, []string{best.Number}) {
		t.Errorf("%s窗口 after the reply, folded: %v, want [%s]", replyWord, got, best.Number)
	}
	// Scope: the department finds it, another department and another enterprise do not;
	// the enterprise finds only its own appeals.
	if got := numbers(t, e, dept, "担保费率"); !slices.Contains(got, best.Number) {
		t.Errorf("the lead department does not find its appeal: %v", got)
	}
	var fgwUser string
	for u := range e.Demo.Users {
		if u == "fgw1" {
			fgwUser = u
		}
	}
	if fgwUser != "" {
		if got := numbers(t, e, e.Actor(fgwUser), "担保费率"); slices.Contains(got, best.Number) {
			t.Errorf("another department (%d) finds %s", fgw, best.Number)
		}
	}
	// The enterprise's search reads its own appeals one by one: the same hits as the
	// index gives, within its scope.
	owner := e.Actor("ent1")
	docs = allAppeals(t, e)
	for _, w := range words[:8] {
		var want []string
		for _, d := range docs {
			if d.enterprise == owner.OrgID && strings.Contains(d.text, w) {
				want = append(want, d.number)
			}
		}
		got := numbers(t, e, owner, w)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("ent1's %q: found %v, its texts hold it in %v", w, got, want)
		}
	}
	if owner.OrgID == ent && !slices.Contains(numbers(t, e, owner, "担保费率"), best.Number) {
		t.Errorf("ent1 does not find its own %s", best.Number)
	}
	// Bad input is a validation error, never a crash.
	for _, q := range []string{"", "  ", "！？"} {
		if _, err := e.App.Search.Appeals(ctx, op, e.App.Appeal, search.AppealQuery{Q: q}); err == nil {
			t.Errorf("query %q: no error", q)
		}
	}
	if _, err := e.App.Search.Appeals(ctx, op, e.App.Appeal, search.AppealQuery{Q: "融资", Cursor: "x"}); err == nil {
		t.Error("a bad cursor is accepted")
	}
	if _, err := e.App.Search.Appeals(ctx, e.Actor("analyst1"), e.App.Appeal, search.AppealQuery{Q: "融资"}); err == nil {
		t.Error("an analyst searches appeals")
	}
}

// The API answers as the OpenAPI document says (apptest validates every response), with
// problem+json for bad input; the catch-up job indexes appeals written behind the
// service's back (a bulk import) and an index emptied by hand.
func TestSearchAPIAndCatchUp(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 60, 3); err != nil {
			t.Fatal(err)
		}
		c := e.APIClient("operator1", "read")
		var page struct {
			Items []struct {
				Number, Title string
			} `json:"items"`
			Total int `json:"total"`
		}
		r := c.Get("/api/v1/search?type=appeal&q=" + url.QueryEscape("企业"))
		if r.Status != http.StatusOK {
			t.Fatalf("search: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &page)
		if page.Total == 0 || len(page.Items) == 0 {
			t.Fatalf("企业 finds nothing: %s", r.Body)
		}
		before := page.Total
		for _, bad := range []string{"q=", "q=%E8%9E%8D&type=person", "q=x&limit=0", "q=x&limit=abc", "q=x&cursor=-1"} {
			if r := c.Get("/api/v1/search?" + bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
				t.Errorf("%s: %d %s", bad, r.Status, r.Header.Get("Content-Type"))
			}
		}
		if r := e.APIClient("analyst1", "read").Get("/api/v1/search?q=" + url.QueryEscape("企业")); r.Status != http.StatusForbidden {
			t.Errorf("analyst: %d", r.Status)
		}
		// Empty the index by hand: the catch-up job restores it.
		del := `DELETE FROM appeal_fts`
		if e.App.DB.Engine == db.Postgres {
			del = `DELETE FROM appeal_search`
		}
		if _, err := e.App.DB.W.ExecContext(ctx, del); err != nil {
			t.Fatal(err)
		}
		if e.App.DB.Engine == db.SQLite {
			for _, del := range []string{`DELETE FROM appeal_fts_pending`, `DELETE FROM appeal_fts_live`} {
				if _, err := e.App.DB.W.ExecContext(ctx, del); err != nil {
					t.Fatal(err)
				}
			}
		}
		c.Get("/api/v1/search?q="+url.QueryEscape("企业")).JSON(t, &page)
		if page.Total != 0 {
			t.Fatalf("an empty index finds %d", page.Total)
		}
		n, err := e.App.Search.CatchUp(ctx)
		if err != nil || n != len(allAppeals(t, e)) {
			t.Fatalf("CatchUp = %d, %v; want every appeal", n, err)
		}
		c.Get("/api/v1/search?q="+url.QueryEscape("企业")).JSON(t, &page)
		if page.Total != before {
			t.Errorf("after the catch-up 企业 finds %d, before %d", page.Total, before)
		}
		if n, err := e.App.Search.CatchUp(ctx); err != nil || n != 0 {
			t.Errorf("a second CatchUp = %d, %v; want nothing to do", n, err)
		}
		// An appeal of the rebuilt history re-indexed with other text (a reply, as the
		// appeal service does it): once folded, the new text finds it, once, and the old
		// text no longer does.
		docs := allAppeals(t, e)
		first := docs[0]
		if err := e.App.DB.WithTx(ctx, func(ctx context.Context) error {
			return e.App.Search.PutAppeal(ctx, first.id, 0, e.App.Search.Document("窨井盖缺失", "园区道路窨井盖缺失多日"))
		}); err != nil {
			t.Fatal(err)
		}
		fold(t, e)
		op := e.Actor("operator1")
		if got := numbers(t, e, op, "窨井"); !slices.Equal(got, []string{first.number}) {
			t.Errorf("窨井 after re-indexing %s: %v", first.number, got)
		}
		old := frequentWords([]doc{first}, 1)
		if len(old) == 0 || strings.Contains("窨井盖缺失 园区道路窨井盖缺失多日", old[0]) {
			t.Fatalf("no word of %s's old text to look for: %v", first.number, old)
		}
		if got := numbers(t, e, op, old[0]); slices.Contains(got, first.number) {
			t.Errorf("%s still finds %s by its old text", old[0], first.number)
		}
	})
}

// Similar finds the earlier appeal about the same problem (other words, same gist) and
// not an unrelated one, within the asker's scope.
func TestSimilarAppeals(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		op := e.Actor("operator1")
		cat, err := e.App.Appeal.CategoryByCode(ctx, op, "utilities")
		if err != nil {
			t.Fatal(err)
		}
		file := func(ent int64, title, body string) appeal.Appeal {
			ap, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: cat.ID, Title: title, Body: body,
				EnterpriseOrgID: ent, ContactName: "周工", ContactPhone: "13900002222"})
			if err != nil {
				t.Fatal(err)
			}
			return ap
		}
		ent1 := e.Actor("ent1").OrgID
		var other int64
		if err := e.App.DB.R.QueryRowContext(ctx, `SELECT id FROM orgs WHERE kind = 'enterprise' AND id <> $1 ORDER BY id LIMIT 1`, ent1).Scan(&other); err != nil {
			t.Fatal(err)
		}
		if other == 0 {
			t.Fatal("no second enterprise in the demo city")
		}
		first := file(other, "园区厂房频繁停电影响生产", "我司位于高新区的厂房近一个月频繁停电，生产线多次中断。")
		unrelated := file(other, "出口退税迟迟未到账", "我司申报的出口退税已三个月未到账，资金周转困难。")
		mine := file(ent1, "厂房频繁停电", "本月厂房停电四次，生产线中断。")
		// As filed (pending on SQLite) and folded into the index: the same answer.
		for _, phase := range []string{"as filed", "folded"} {
			if phase == "folded" {
				fold(t, e)
			}
			hits, err := e.App.Search.Similar(ctx, op, e.App.Appeal, "厂区频繁停电，影响生产", "最近频繁停电，生产线中断", 0, 5, 20)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.Number)
				if h.Percent < 20 || h.Percent > 100 {
					t.Errorf("%s is %d%% alike", h.Number, h.Percent)
				}
			}
			if !slices.Contains(got, first.Number) || !slices.Contains(got, mine.Number) || slices.Contains(got, unrelated.Number) {
				t.Errorf("%s, operator's similar: %v; want %s and %s, not %s", phase, got, first.Number, mine.Number, unrelated.Number)
			}
		}
		// The appeal itself is left out of its own similar ones.
		hits, _ := e.App.Search.Similar(ctx, op, e.App.Appeal, first.Title, first.Body, first.ID, 5, 20)
		for _, h := range hits {
			if h.Number == first.Number {
				t.Error("an appeal is similar to itself")
			}
		}
		// ent1 sees its own appeal, never the other enterprise's.
		hits, err = e.App.Search.Similar(ctx, e.Actor("ent1"), e.App.Appeal, "厂区频繁停电，影响生产", "", 0, 5, 20)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Number)
		}
		if !slices.Equal(got, []string{mine.Number}) {
			t.Errorf("ent1's similar: %v, want only [%s]", got, mine.Number)
		}
	})
}

// The pages: /search for each role within its scope, the intake hints fragment, and the
// similar appeals on an appeal's page.
func TestSearchPages(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		op := e.Actor("operator1")
		cat, err := e.App.Appeal.CategoryByCode(ctx, op, "finance")
		if err != nil {
			t.Fatal(err)
		}
		ent1 := e.Actor("ent1").OrgID
		var other int64
		if err := e.App.DB.R.QueryRowContext(ctx, `SELECT id FROM orgs WHERE kind = 'enterprise' AND id <> $1 ORDER BY id LIMIT 1`, ent1).Scan(&other); err != nil {
			t.Fatal(err)
		}
		file := func(ent int64, title string) appeal.Appeal {
			ap, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: cat.ID, Title: title,
				Body: title + "，请帮助协调。", EnterpriseOrgID: ent, ContactName: "陈总", ContactPhone: "13700003333"})
			if err != nil {
				t.Fatal(err)
			}
			return ap
		}
		theirs := file(other, "科技型企业知识产权质押融资难")
		mine := file(ent1, "知识产权质押融资额度偏低")
		login := func(u string) *apptest.Client {
			c := e.Client()
			c.Login(u, apptest.DemoPassword)
			return c
		}
		opc, entc := login("operator1"), login("ent1")
		r := opc.Get("/search?q=" + url.QueryEscape("质押融资"))
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `data-testid="search-table"`) ||
			!strings.Contains(r.Body, theirs.Number) || !strings.Contains(r.Body, mine.Number) {
			t.Errorf("operator's search page: %d, both numbers shown: %v %v", r.Status, strings.Contains(r.Body, theirs.Number), strings.Contains(r.Body, mine.Number))
		}
		r = entc.Get("/search?q=" + url.QueryEscape("质押融资"))
		if r.Status != http.StatusOK || strings.Contains(r.Body, theirs.Number) || !strings.Contains(r.Body, mine.Number) {
			t.Errorf("ent1's search page: %d, shows the other's %v, its own %v", r.Status, strings.Contains(r.Body, theirs.Number), strings.Contains(r.Body, mine.Number))
		}
		r = opc.Get("/search?q=" + url.QueryEscape("！！"))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请输入要检索的字词") {
			t.Errorf("punctuation only: %d", r.Status)
		}
		r = opc.Get("/search?q=" + url.QueryEscape("不存在的词汇组合"))
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `data-testid="search-empty"`) {
			t.Errorf("nothing found: %d", r.Status)
		}
		if r := login("analyst1").Get("/search?q=x"); r.Status != http.StatusForbidden {
			t.Errorf("analyst: %d", r.Status)
		}
		// The intake hint: the operator sees both, the enterprise only its own.
		hint := "/appeals/similar?title=" + url.QueryEscape("知识产权质押融资") + "&body="
		if r := opc.Get(hint); !strings.Contains(r.Body, theirs.Number) || !strings.Contains(r.Body, mine.Number) {
			t.Errorf("operator's hint: %d %s", r.Status, r.Body)
		}
		if r := entc.Get(hint); strings.Contains(r.Body, theirs.Number) || !strings.Contains(r.Body, mine.Number) || !strings.Contains(r.Body, "您之前提过类似的诉求") {
			t.Errorf("ent1's hint: %d %s", r.Status, r.Body)
		}
		if r := opc.Get("/appeals/similar?title=x"); r.Status != http.StatusOK || strings.Contains(r.Body, "similar-list") {
			t.Errorf("a hint for one letter: %d %s", r.Status, r.Body)
		}
		// The appeal page lists the other as similar.
		if r := opc.Get("/appeals/" + mine.Number); !strings.Contains(r.Body, `data-testid="similar-appeals"`) || !strings.Contains(r.Body, theirs.Number) {
			t.Errorf("the appeal page's similar appeals miss %s", theirs.Number)
		}
	})
}

// Relevance orders the matches: an appeal about the word (it fills a short text) comes
// before a newer one that mentions it once in a long text, on both engines, whether the
// appeals are still pending or folded into the index.
func TestSearchRanksByRelevance(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 20}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		op := e.Actor("operator1")
		cat, err := e.App.Appeal.CategoryByCode(ctx, op, "finance")
		if err != nil {
			t.Fatal(err)
		}
		file := func(title, body string) string {
			ap, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: cat.ID, Title: title,
				Body: body, EnterpriseName: "星沙测试企业有限公司", DistrictCode: "430104", ContactName: "陈总", ContactPhone: "13700003333"})
			if err != nil {
				t.Fatal(err)
			}
			return ap.Number
		}
		about := file("窨井盖缺失", "窨井盖缺失，窨井盖被盗，请尽快补装窨井盖。")
		long := strings.Repeat("园区道路年久失修，雨天积水严重，企业员工出行不便，货车进出困难，影响正常生产经营。", 6)
		mention := file("园区道路积水", long+"另有一处窨井盖松动。")
		for _, stage := range []string{"pending", "folded"} {
			if stage == "folded" {
				fold(t, e)
			}
			got := numbers(t, e, op, "窨井盖")
			if len(got) != 2 || got[0] != about || got[1] != mention {
				t.Errorf("%s: 窨井盖 ranks %v, want %s then %s", stage, got, about, mention)
			}
		}
	})
}

// A rebuild of a large run compacts the SQLite index into one segment, in steps of a few
// pages each (here one page, so it takes many), and a small run leaves the batches'
// segments; either way search finds the same appeals.
func TestRebuildCompactsTheIndex(t *testing.T) {
	e := apptest.New(t, db.SQLite, apptest.Options{Demo: 40})
	ctx := context.Background()
	if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 60, 3); err != nil {
		t.Fatal(err)
	}
	fold(t, e)
	docs := allAppeals(t, e)
	words := frequentWords(docs, 3)
	op := e.Actor("operator1")
	want := map[string][]string{}
	for _, w := range words {
		want[w] = numbers(t, e, op, w)
		if len(want[w]) == 0 {
			t.Fatalf("%s finds nothing before the rebuild", w)
		}
	}
	segments := func() int {
		t.Helper()
		var segs int
		if err := e.App.DB.R.QueryRowContext(ctx, `SELECT COUNT(DISTINCT segid) FROM appeal_fts_idx`).Scan(&segs); err != nil {
			t.Fatal(err)
		}
		return segs
	}
	same := func(stage string) {
		t.Helper()
		for _, w := range words {
			if got := numbers(t, e, op, w); !slices.Equal(got, want[w]) {
				t.Errorf("%s, %s: %v, before %v", stage, w, got, want[w])
			}
		}
	}
	for _, c := range []struct {
		name         string
		after, batch int
		want         func(n int) bool
	}{
		{"large run", 20, 10, func(n int) bool { return n == 1 }},
		// A rebuild's transactions are a segment each, not merged 64 at a time.
		{"one a transaction", len(docs) + 1, 1, func(n int) bool { return n == len(docs) }},
		{"small run", len(docs) + 1, 10, func(n int) bool { return n > 1 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer search.SetRebuild(c.batch, c.after)()
			// Merges four segments at a time unless the rebuild sets its own.
			for _, q := range []string{`INSERT INTO appeal_fts (appeal_fts) VALUES ('delete-all')`,
				`DELETE FROM appeal_fts_live`, `DELETE FROM appeal_fts_pending`,
				`INSERT INTO appeal_fts (appeal_fts, rank) VALUES ('crisismerge', 4)`} {
				if _, err := e.App.DB.W.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			n, err := e.App.Search.Rebuild(ctx, 1, nil)
			if err != nil || n != len(docs) {
				t.Fatalf("Rebuild = %d, %v; want %d", n, err, len(docs))
			}
			if segs := segments(); !c.want(segs) {
				t.Errorf("%d appeals in batches of %d, compacted after %d: %d segments", n, c.batch, c.after, segs)
			}
			same("after the rebuild")
			// The usual merge settings are back for the catch-up and the folder.
			for _, table := range []string{"appeal_fts", "appeal_fts_ent"} {
				var crisis, hash int
				if err := e.App.DB.R.QueryRowContext(ctx, `SELECT (SELECT v FROM `+table+`_config WHERE k = 'crisismerge'),
					(SELECT v FROM `+table+`_config WHERE k = 'hashsize')`).Scan(&crisis, &hash); err != nil {
					t.Fatal(err)
				}
				if crisis != 64 || hash != 1<<20 {
					t.Errorf("%s after the rebuild: crisismerge %d, hashsize %d", table, crisis, hash)
				}
			}
		})
	}
	// The small run's segments, merged one page at a time.
	before := segments()
	steps, err := search.CompactSteps(ctx, e.App.Search, 1)
	if err != nil {
		t.Fatal(err)
	}
	if segs := segments(); segs != 1 || steps < 2 {
		t.Errorf("%d segments merged in %d steps into %d", before, steps, segs)
	}
	same("after the steps")
	if again, err := search.CompactSteps(ctx, e.App.Search, 1); err != nil || again != 0 {
		t.Errorf("a merged index merged again: %d steps, %v", again, err)
	}
}

// On PostgreSQL a search reads the bucketed index one bucket of 10,000 ids at a time,
// newest first, after walking the newest appeals (pgNewest). With appeals in buckets 0,
// 9, 10, 25 and 73, whether it walks on or reads buckets, it returns exactly the newest max
// appeals holding a word, for max below and above the number of holders, and the newest
// holding either of two words for the similar appeals' look-up.
func TestPostgresSearchReadsBucketsNewestFirst(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, func(t *testing.T, e *apptest.Env) {
		if e.App.DB.Engine != db.Postgres {
			t.Skip("PostgreSQL's bucketed index")
		}
		ctx := context.Background()
		for i, start := range []int64{0, 99_990, 250_000, 730_000} {
			if start > 0 {
				if _, err := e.App.DB.W.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('appeals', 'id'), $1)`, start); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 25, uint64(i+1)); err != nil {
				t.Fatal(err)
			}
			if start == 250_000 {
				// A phrase, and an appeal holding each of its bigrams but not the phrase:
				// the bucketed index holds terms alone, the phrase is tested on the text.
				op := e.Actor("operator1")
				cat, err := e.App.Appeal.CategoryByCode(ctx, op, "finance")
				if err != nil {
					t.Fatal(err)
				}
				for _, body := range []string{"担保公司的担保费率过高，企业负担重。", "担保公司收取保费，费率过高。"} {
					if _, err := e.App.Appeal.Create(ctx, op, appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: cat.ID, Title: "融资担保问题",
						Body: body, EnterpriseName: "长沙担保测试企业", DistrictCode: "430104", ContactName: "王经理", ContactPhone: "13812345678"}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		docs := allAppeals(t, e)
		buckets := map[int64]bool{}
		for _, d := range docs {
			buckets[d.id/10_000] = true
		}
		if len(buckets) != 5 {
			t.Fatalf("appeals in buckets %v, want 0, 9, 10, 25 and 73", buckets)
		}
		newest := func(holds func(text string) bool, max int) []int64 {
			var out []int64
			for i := len(docs) - 1; i >= 0 && len(out) < max; i-- {
				if holds(docs[i].text) {
					out = append(out, docs[i].id)
				}
			}
			return out
		}
		words := append(frequentWords(docs, 12), "担保费率")
		// Before ANALYZE the search knows no term's share; after it, the buckets a
		// statement reads are bounded by the word's share (pgBucketCap): the same answers.
		for _, analyzed := range []bool{false, true} {
			if analyzed {
				if _, err := e.App.DB.W.ExecContext(ctx, `ANALYZE appeal_search`); err != nil {
					t.Fatal(err)
				}
				search.ForgetPGFreqs(e.App.Search)
				var share float64
				if err := e.App.DB.R.QueryRowContext(ctx, `SELECT u.f FROM pg_stats s,
					unnest(CAST(CAST(s.most_common_elems AS text) AS text[]), s.most_common_elem_freqs) AS u(e, f)
					WHERE s.schemaname = current_schema() AND s.tablename = 'appeal_search' AND s.attname = 'tsv' AND u.e = $1`, words[0]).Scan(&share); err != nil {
					t.Fatalf("%q not among the most common terms after ANALYZE: %v", words[0], err)
				}
				if got, want := search.PGBucketCap(ctx, e.App.Search, words[0], 1000), int64(math.Ceil(2000/(share*10_000))); got != want || got < 1 {
					t.Errorf("bound for %q (share %.3f): %d buckets, want %d", words[0], share, got, want)
				}
				if got := search.PGBucketCap(ctx, e.App.Search, "无此词语", 1000); got != 0 {
					t.Errorf("bound for a word the statistics do not list: %d, want 0 (none)", got)
				}
			}
			for _, p := range []struct {
				probe int64
				share float64
			}{{3, 2}, {3, 0.01}, {4000, 0.05}} {
				restore := search.SetPGProbe(p.probe, p.share)
				for _, w := range words {
					for _, max := range []int{1, 7, 1000} {
						got := matchIDs(t, e, w, max)
						slices.SortFunc(got, func(a, b int64) int { return cmp.Compare(b, a) })
						want := newest(func(s string) bool { return strings.Contains(s, w) }, max)
						if !slices.Equal(got, want) {
							t.Errorf("probe %d share %v, %q, max %d: %v, want %v", p.probe, p.share, w, max, got, want)
						}
					}
				}
				a, b := words[0], words[len(words)-1]
				got, err := search.Any(ctx, e.App.Search, []string{a, b}, 9)
				if err != nil {
					t.Fatal(err)
				}
				want := newest(func(s string) bool { return strings.Contains(s, a) || strings.Contains(s, b) }, 9)
				if !slices.Equal(got, want) {
					t.Errorf("probe %d share %v, %q or %q: %v, want %v", p.probe, p.share, a, b, got, want)
				}
				restore()
			}
		}
	})
}

// PostgreSQL's search index keeps at most 256 kB of new entries in its pending list
// (migration 00020), which every search reads whole: with the default 4 MB, searches after
// a few thousand intakes ran at two thirds of the rate.
func TestPostgresSearchIndexKeepsAShortPendingList(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		if e.App.DB.Engine != db.Postgres {
			t.Skip("PostgreSQL's GIN index")
		}
		var list string
		if err := e.App.DB.R.QueryRowContext(context.Background(), `SELECT COALESCE(array_to_string(c.reloptions, ' '), '') FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = 'appeal_search_bucketed'`).
			Scan(&list); err != nil {
			t.Fatal(err)
		}
		if opts := strings.Fields(list); !slices.Contains(opts, "gin_pending_list_limit=256") {
			t.Errorf("appeal_search_bucketed's options %q, want gin_pending_list_limit=256", opts)
		}
	})
}

// The live FTS5 table merges sixteen segments at a time (migration 00021): with FTS5's
// four, its merges under a steady intake took a third of the server's CPU at ten million
// appeals.
func TestSQLiteLiveIndexMergesSixteenAtATime(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		if e.App.DB.Engine != db.SQLite {
			t.Skip("SQLite's FTS5 table")
		}
		var v int
		if err := e.App.DB.R.QueryRowContext(context.Background(), `SELECT v FROM appeal_fts_live_config WHERE k = 'automerge'`).
			Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != 16 {
			t.Errorf("appeal_fts_live's automerge is %d, want 16", v)
		}
	})
}

// Searches whose candidates differ leave the readers' prepared statements as they were:
// a statement holding a list of ids is made for one call and not kept (db.RQOnce). Kept,
// a thousand searches filled the cache with parsed programs used once.
func TestSearchesKeepNoStatementPerCall(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, func(t *testing.T, e *apptest.Env) {
		if e.App.DB.Engine != db.SQLite {
			t.Skip("PostgreSQL's statements are kept by pgx, per connection")
		}
		ctx := context.Background()
		if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 150, 7); err != nil {
			t.Fatal(err)
		}
		fold(t, e)
		op := e.Actor("operator1")
		words := frequentWords(allAppeals(t, e), 12)
		// Two rounds over the same words: the first prepares the fixed statements of a
		// search (the index's match, the pending table's, …) once.
		for round := 0; round < 2; round++ {
			for _, w := range words {
				if got := numbers(t, e, op, w); len(got) == 0 {
					t.Fatalf("%q found nothing", w)
				}
			}
		}
		kept := e.App.DB.PreparedReads()
		for _, w := range words {
			for _, other := range words {
				if other != w {
					numbers(t, e, op, w+" "+other)
				}
			}
		}
		// The pairs' fixed statements differ from the single words' (two terms): allow
		// one round of them, not one per search.
		got := e.App.DB.PreparedReads()
		t.Logf("%d statements kept after the single words, %d after %d searches of pairs", kept, got, len(words)*(len(words)-1))
		if got > kept+len(words) || kept == 0 {
			t.Errorf("%d statements kept after %d searches of pairs, %d before", got, len(words)*(len(words)-1), kept)
		}
	})
}
