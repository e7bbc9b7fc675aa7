package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// TestCrashSafety drives intake at full speed, kills the server with SIGKILL at random
// moments, restarts it, and checks what a crash must never do: lose an appeal whose
// creation was acknowledged, leave a half-written one visible, reuse a number, stall the
// background work, or corrupt the database.
func TestCrashSafety(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) { crashSafety(t, engine) })
	}
}

type acked struct {
	number, title string
}

func crashSafety(t *testing.T, engine db.Engine) {
	w := where{data: t.TempDir()}
	if engine == db.Postgres {
		w.db = dbtest.NewPostgresSchema(t)
	}
	kills := 3
	if full() {
		kills = 12
	}
	cli(t, w, "demo", "--enterprises=300", "--appeals=20")
	token := strings.TrimSpace(cli(t, w, "token", "create", "--user=operator1", "--scope=write", "--name=crash"))
	env := []string{"YINGSHANG_JOB_LEASE=3s"}

	var mu sync.Mutex
	var ack []acked
	var attempts, failures int
	var enterprises []int64
	for round := 0; round < kills; round++ {
		s := start(t, w, fmt.Sprintf("serve-%02d.log", round), env...)
		c := &client{base: "http://" + s.addr, token: token, hc: &http.Client{Timeout: 10 * time.Second}}
		if enterprises == nil {
			var page struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
			}
			c.getJSON(t, "/api/v1/enterprises?limit=20", &page)
			for _, e := range page.Items {
				enterprises = append(enterprises, e.ID)
			}
			if len(enterprises) == 0 {
				t.Fatal("no enterprises in the demo city")
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		busy := make(chan struct{}) // closed at the round's first acknowledgment
		var once sync.Once
		var wg sync.WaitGroup
		for wkr := 0; wkr < 8; wkr++ {
			wg.Add(1)
			go func(wkr int) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					title := fmt.Sprintf("崩溃测试 %d-%d-%d 用电增容", round, wkr, i)
					body := map[string]any{"kind": "appeal", "category": "utilities", "title": title,
						"body": "第" + strconv.Itoa(i) + "次：厂房用电增容申请两个月未获答复。", "enterprise_org_id": enterprises[(wkr+i)%len(enterprises)],
						"contact_name": "王经理", "contact_phone": "13812345678"}
					st, b, err := c.do(ctx, "POST", "/api/v1/appeals", body, map[string]string{"Idempotency-Key": title})
					mu.Lock()
					attempts++
					if err == nil && st == http.StatusCreated {
						var a struct {
							Number string `json:"number"`
						}
						if json.Unmarshal(b, &a) == nil && a.Number != "" {
							ack = append(ack, acked{number: a.Number, title: title})
							once.Do(func() { close(busy) })
						}
					} else {
						failures++
						if err == nil && st != http.StatusCreated && ctx.Err() == nil {
							t.Errorf("intake answered %d: %s", st, b)
						}
					}
					mu.Unlock()
					if err != nil {
						return // the server is gone
					}
				}
			}(wkr)
		}
		// Kill at a random moment of a busy server: counted from its first acknowledged
		// intake, not from its start — on PostgreSQL a fresh process opens and prepares
		// its connections first, and a kill 300 ms after the start once found 6 appeals
		// acknowledged in three rounds.
		select {
		case <-busy:
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: no intake acknowledged in 30 s", round)
		}
		time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
		s.kill(t)
		cancel()
		wg.Wait()
	}
	if len(ack) < kills*5 {
		t.Fatalf("only %d acknowledged appeals in %d rounds: the load did not run", len(ack), kills)
	}
	t.Logf("%d kills; %d requests, %d acknowledged, %d cut off by a kill", kills, attempts, len(ack), failures)

	// Restart once more: everything acknowledged is there, whole.
	restart := time.Now()
	s := start(t, w, "serve-final.log", env...)
	c := &client{base: "http://" + s.addr, token: token, hc: &http.Client{Timeout: 10 * time.Second}}
	for i, a := range ack {
		if i%7 != 0 && i != len(ack)-1 { // every 7th and the last through the API; all of them in SQL below
			continue
		}
		var got struct {
			Number   string `json:"number"`
			Title    string `json:"title"`
			Timeline []any  `json:"timeline"`
		}
		c.getJSON(t, "/api/v1/appeals/"+a.number, &got)
		if got.Title != a.title || len(got.Timeline) == 0 {
			t.Errorf("acknowledged %s came back as %q with %d timeline steps", a.number, got.Title, len(got.Timeline))
		}
	}
	d := openDB(t, w)
	checkWhole(t, d, ack)
	waitBackground(t, d, restart)
	s.stop(t)
	if engine == db.SQLite {
		var res string
		if err := d.W.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
			t.Fatalf("integrity_check: %q %v", res, err)
		}
	}
}

func openDB(t *testing.T, w where) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Config{DataDir: w.data, URL: w.db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// checkWhole: every acknowledged appeal is stored with its title; no appeal lacks its
// creation step or its audit entry (nothing half-written is visible); numbers are unique;
// no title was stored twice (a retry never duplicates).
func checkWhole(t *testing.T, d *db.DB, ack []acked) {
	t.Helper()
	titles := map[string]string{}
	rows, err := d.R.Query(`SELECT number, title FROM appeals WHERE title LIKE '崩溃测试%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, ti string
		_ = rows.Scan(&n, &ti)
		if prev, dup := titles[ti]; dup {
			t.Errorf("title %q stored twice (%s and %s)", ti, prev, n)
		}
		titles[ti] = n
	}
	rows.Close()
	for _, a := range ack {
		if titles[a.title] != a.number {
			t.Errorf("acknowledged %s (%s) is stored as %q", a.number, a.title, titles[a.title])
		}
	}
	var total, distinct, orphans, unaudited, unindexed int
	q := func(sql string, v *int) {
		if err := d.R.QueryRow(sql).Scan(v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q(`SELECT COUNT(*) FROM appeals`, &total)
	q(`SELECT COUNT(DISTINCT number) FROM appeals`, &distinct)
	q(`SELECT COUNT(*) FROM appeals a WHERE NOT EXISTS (SELECT 1 FROM appeal_events e WHERE e.appeal_id = a.id AND e.action = 'create')`, &orphans)
	q(`SELECT COUNT(*) FROM appeals a WHERE a.title LIKE '崩溃测试%' AND NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.object_type = 'appeal' AND l.object_id = CAST(a.id AS TEXT) AND l.action = 'appeal.create')`, &unaudited)
	// The search index is written in the creating transaction: every appeal is in it (on
	// SQLite in one of the FTS5 tables or still in the pending table).
	idx := `SELECT COUNT(*) FROM appeals a WHERE NOT EXISTS (SELECT 1 FROM appeal_fts f WHERE f.rowid = a.id)
		AND NOT EXISTS (SELECT 1 FROM appeal_fts_live l WHERE l.rowid = a.id)
		AND NOT EXISTS (SELECT 1 FROM appeal_fts_pending p WHERE p.appeal_id = a.id)`
	if d.Engine == db.Postgres {
		idx = `SELECT COUNT(*) FROM appeals a WHERE NOT EXISTS (SELECT 1 FROM appeal_search f WHERE f.appeal_id = a.id)`
	}
	q(idx, &unindexed)
	if unindexed != 0 {
		t.Errorf("%d appeals missing from the search index", unindexed)
	}
	if total != distinct {
		t.Errorf("%d appeals but %d distinct numbers", total, distinct)
	}
	if orphans != 0 || unaudited != 0 {
		t.Errorf("half-written appeals visible: %d without a creation step, %d without an audit entry", orphans, unaudited)
	}
	t.Logf("%d appeals stored (%d of them crash-test intake), numbers unique, each whole", total, len(titles))
}

// waitBackground: after the restart the background work resumes — no job is left in the
// hands of a killed process past its lease, and the minute's deadline sweep runs.
func waitBackground(t *testing.T, d *db.DB, restart time.Time) {
	t.Helper()
	deadline := time.Now().Add(100 * time.Second)
	for {
		var stuck, swept int
		now := db.Millis(time.Now())
		_ = d.R.QueryRow(`SELECT COUNT(*) FROM jobs WHERE state = 'running' AND locked_until < $1`, now-5000).Scan(&stuck)
		_ = d.R.QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = 'appeal.sweep' AND state = 'done' AND finished_at >= $1`, db.Millis(restart)).Scan(&swept)
		if stuck == 0 && swept > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("background work did not resume: %d jobs stuck past their lease, %d sweeps since the restart", stuck, swept)
		}
		time.Sleep(500 * time.Millisecond) // waiting for the minute's sweep slot, bounded
	}
}
