package search_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"yingshang/internal/app/apptest"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/search"
)

// An enterprise's search on SQLite reads its copies (copies.go): for every enterprise with
// appeals and a dozen words it finds exactly its own appeals whose texts hold the word,
// scored as their texts score — with the appeals and their copies spread over some twenty
// sealed tables, the live ones and the pending rows, answered ones among them. With the
// copies gone it finds nothing (it reads them, not the rows); a database from before the
// copies (the mark above every appeal) is searched row by row and gives the same, and so
// does every step of the backfill, which ends with the mark at 1 and every copy written.
// An appeal written anew loses its older copy; the appeals' tables never hold a copy.
func TestEnterpriseSearchReadsItsCopies(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 40}, func(t *testing.T, e *apptest.Env) {
		if e.App.DB.Engine != db.SQLite {
			t.Skip("SQLite's index")
		}
		ctx := context.Background()
		defer search.SetSeal(1, 7)()
		defer search.SetCopiesFrom(1)()
		if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 150, 7); err != nil {
			t.Fatal(err)
		}
		fold(t, e)
		// One appeal answered after its table was sealed, and a few left pending.
		docs := allAppeals(t, e)
		for _, d := range docs[:3] {
			var title, body, reply string
			if err := e.App.DB.R.QueryRow(`SELECT title, body, reply_text FROM appeals WHERE id = $1`, d.id).Scan(&title, &body, &reply); err != nil {
				t.Fatal(err)
			}
			if err := e.App.Search.PutAppeal(ctx, d.id, d.enterprise, e.App.Search.Document(title, body+"\n\n"+reply+"追加说明")); err != nil {
				t.Fatal(err)
			}
		}
		fold(t, e)
		for _, d := range docs[len(docs)-4:] {
			var title, body string
			if err := e.App.DB.R.QueryRow(`SELECT title, body FROM appeals WHERE id = $1`, d.id).Scan(&title, &body); err != nil {
				t.Fatal(err)
			}
			if err := e.App.Search.PutAppeal(ctx, d.id, d.enterprise, e.App.Search.Document(title, body)); err != nil {
				t.Fatal(err)
			}
		}
		texts := map[int64][3]string{}
		rows, err := e.App.DB.R.Query(`SELECT id, title, body, reply_text FROM appeals`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var tx [3]string
			if err := rows.Scan(&id, &tx[0], &tx[1], &tx[2]); err != nil {
				t.Fatal(err)
			}
			texts[id] = tx
		}
		rows.Close()
		for _, d := range docs[:3] {
			tx := texts[d.id]
			tx[2] += "追加说明" // as indexed above: the reply's place holds the addition
			texts[d.id] = tx
		}
		words := frequentWords(docs, 12)
		enterprises := map[int64]bool{}
		for _, d := range docs {
			if d.enterprise != 0 {
				enterprises[d.enterprise] = true
			}
		}
		if len(enterprises) < 5 {
			t.Fatalf("%d enterprises filed the demo appeals", len(enterprises))
		}
		// check searches every enterprise for every word and compares with the texts;
		// it returns how many hits there were in all.
		check := func(stage string) int {
			t.Helper()
			total := 0
			for org := range enterprises {
				a := auth.Actor{UserID: 1, OrgID: org, Roles: []auth.Role{auth.RoleEnterprise}, Via: "session"}
				for _, w := range words {
					var want []string
					for _, d := range docs {
						tx := texts[d.id]
						if d.enterprise == org && strings.Contains(strings.ToLower(tx[0]+"\n"+tx[1]+"\n"+tx[2]), w) {
							want = append(want, d.number)
						}
					}
					page, err := e.App.Search.Appeals(ctx, a, e.App.Appeal, search.AppealQuery{Q: w, Limit: 100})
					if err != nil {
						t.Fatalf("%s: %q for %d: %v", stage, w, org, err)
					}
					var got []string
					for _, h := range page.Items {
						got = append(got, h.Number)
						tx := texts[h.ID]
						if ok, score := search.TextScore(w, tx[0], tx[1], tx[2]); !ok || h.Score < score-1e-9 {
							t.Errorf("%s: %q for %d: %s scored %.4f, its texts %.4f (%v)", stage, w, org, h.Number, h.Score, score, ok)
						}
					}
					slices.Sort(got)
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Errorf("%s: %q for enterprise %d: found %v, its texts hold it in %v", stage, w, org, got, want)
					}
					total += len(got)
				}
			}
			return total
		}
		if n := check("copies"); n < 20 {
			t.Fatalf("the enterprises' searches found %d appeals in all", n)
		}
		below := func() int64 {
			var n int64
			if err := e.App.DB.R.QueryRow(`SELECT below FROM appeal_fts_ent_below`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if b := below(); b != 1 {
			t.Fatalf("a database indexed with its copies has the mark at %d", b)
		}
		// Without the copies (the mark still at 1), nothing is found: the search reads them.
		fold(t, e)
		tables := ftsTables(t, e, true)
		if len(tables) < 10 {
			t.Fatalf("tables of copies: %v", tables)
		}
		copies := func() int {
			n := 0
			for _, tb := range ftsTables(t, e, true) {
				var k int
				if err := e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM ` + tb + `_docsize`).Scan(&k); err != nil {
					t.Fatal(err)
				}
				n += k
			}
			return n
		}
		withEnterprise := 0
		for _, d := range docs {
			if d.enterprise != 0 {
				withEnterprise++
			}
		}
		if n := copies(); n < withEnterprise {
			t.Errorf("%d copies for %d appeals with an enterprise", n, withEnterprise)
		}
		for _, tb := range tables {
			if _, err := e.App.DB.W.Exec(`DELETE FROM ` + tb); err != nil {
				t.Fatal(err)
			}
		}
		a := auth.Actor{UserID: 1, OrgID: docs[0].enterprise, Roles: []auth.Role{auth.RoleEnterprise}, Via: "session"}
		for _, w := range words {
			if page, err := e.App.Search.Appeals(ctx, a, e.App.Appeal, search.AppealQuery{Q: w}); err != nil || len(page.Items) > 0 {
				t.Fatalf("without the copies %q finds %d (%v)", w, len(page.Items), err)
			}
		}
		// As after the migration on a database indexed before: the mark above every appeal.
		if _, err := e.App.DB.W.Exec(`UPDATE appeal_fts_ent_below SET below = (SELECT MAX(id) + 1 FROM appeals)`); err != nil {
			t.Fatal(err)
		}
		check("before the backfill")
		defer search.SetSeal(1_000_000, 40)()
		steps := 0
		for {
			passed, err := e.App.Search.Backfill(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if passed == 0 {
				break
			}
			steps++
			if steps%2 == 1 {
				check("backfill step")
			}
		}
		if steps < 3 || below() != 1 {
			t.Errorf("the backfill took %d steps and left the mark at %d", steps, below())
		}
		if n := copies(); n != withEnterprise {
			t.Errorf("after the backfill %d copies for %d appeals with an enterprise", n, withEnterprise)
		}
		check("backfilled")
		// An appeal whose text is written anew after the backfill, no longer holding the
		// first word: its backfilled copy, in another table than its terms, goes with them,
		// and the word no longer finds it. (The live table of the backfill is sealed first,
		// by a fold of another appeal indexed again as it is.)
		defer search.SetSeal(1, 7)()
		var target, other doc
		for _, d := range docs {
			switch {
			case target.id == 0 && d.enterprise != 0 && strings.Contains(d.text, words[0]):
				target = d
			case other.id == 0 && d.enterprise != 0:
				other = d
			}
		}
		ot := texts[other.id]
		if err := e.App.Search.PutAppeal(ctx, other.id, other.enterprise, e.App.Search.Document(ot[0], indexedBody(ot))); err != nil {
			t.Fatal(err)
		}
		fold(t, e)
		rewritten := [3]string{"厂区道路改造", "改造期间车辆绕行，希望协调施工时间。", ""}
		if _, err := e.App.DB.W.Exec(`UPDATE appeals SET title = $1, body = $2, reply_text = '' WHERE id = $3`, rewritten[0], rewritten[1], target.id); err != nil {
			t.Fatal(err)
		}
		if err := e.App.Search.PutAppeal(ctx, target.id, target.enterprise, e.App.Search.Document(rewritten[0], rewritten[1])); err != nil {
			t.Fatal(err)
		}
		fold(t, e)
		texts[target.id] = rewritten
		check("written anew")
		if n := copies(); n != withEnterprise {
			t.Errorf("written anew: %d copies for %d appeals with an enterprise", n, withEnterprise)
		}
		// The appeals' tables hold no copy, and the operator's search never answers with one.
		for _, tb := range ftsTables(t, e, false) {
			var n int
			if err := e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM ` + tb + `_docsize WHERE id >= 4294967296`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%s holds %d copies (%v)", tb, n, err)
			}
		}
		op := e.Actor("operator1")
		for _, w := range words {
			for _, id := range matchIDs(t, e, w, 1000) {
				if id >= 1<<32 {
					t.Fatalf("%q: the operator's match holds rowid %d", w, id)
				}
			}
			if got := numbers(t, e, op, w); len(got) == 0 {
				t.Errorf("the operator finds no %q", w)
			}
		}
	})
}

// indexedBody is the body an appeal is indexed with: its body and its reply.
func indexedBody(tx [3]string) string {
	if tx[2] == "" {
		return tx[1]
	}
	return tx[1] + "\n\n" + tx[2]
}

// ftsTables are SQLite's FTS5 tables of the enterprises' copies (copies), or of appeals.
func ftsTables(t *testing.T, e *apptest.Env, copies bool) []string {
	t.Helper()
	cond := "NOT LIKE"
	if copies {
		cond = "LIKE"
	}
	rows, err := e.App.DB.R.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%' AND name LIKE 'appeal\_fts%' ESCAPE '\' AND name ` + cond + ` 'appeal\_fts\_ent%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if len(out) < 2 {
		t.Fatalf("FTS5 tables: %v", out)
	}
	return out
}
