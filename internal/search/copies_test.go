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

// An enterprise's search on SQLite reads its copies in the index (copies.go): for every
// enterprise with appeals and a dozen words it finds exactly its own appeals whose texts
// hold the word, scored as their texts score — with the appeals spread over some twenty
// sealed tables, the live one and the pending rows, an answered one among them. With the
// copies gone it finds nothing (it reads them, not the rows); a database from before the
// copies (the mark above every appeal) is searched row by row and gives the same, and so
// does every step of the backfill, which ends with the mark at 1 and every copy written.
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
			if err := e.App.DB.R.QueryRow(`SELECT below FROM appeal_fts_copies_below`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if b := below(); b != 1 {
			t.Fatalf("a database indexed with its copies has the mark at %d", b)
		}
		// Without the copies (the mark still at 1), nothing is found: the search reads them.
		fold(t, e)
		tables := ftsTables(t, e)
		copies := func() int {
			n := 0
			for _, tb := range tables {
				var k int
				if err := e.App.DB.R.QueryRow(`SELECT COUNT(*) FROM ` + tb + `_docsize WHERE id >= 4294967296`).Scan(&k); err != nil {
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
			if _, err := e.App.DB.W.Exec(`DELETE FROM ` + tb + ` WHERE rowid >= 4294967296`); err != nil {
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
		if _, err := e.App.DB.W.Exec(`UPDATE appeal_fts_copies_below SET below = (SELECT MAX(id) + 1 FROM appeals)`); err != nil {
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
		tables = ftsTables(t, e)
		if n := copies(); n != withEnterprise {
			t.Errorf("after the backfill %d copies for %d appeals with an enterprise", n, withEnterprise)
		}
		check("backfilled")
		// The operator's search never answers with a copy.
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

// ftsTables are SQLite's FTS5 tables of appeals.
func ftsTables(t *testing.T, e *apptest.Env) []string {
	t.Helper()
	rows, err := e.App.DB.R.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%' AND name LIKE 'appeal\_fts%' ESCAPE '\'`)
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
