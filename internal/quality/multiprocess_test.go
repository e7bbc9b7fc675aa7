package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yingshang/internal/db/dbtest"
)

// TestTwoProcessesOnePostgres runs two `yingshang serve` processes on one PostgreSQL
// database, as a deployment behind a load balancer does, and checks what must hold across
// them: an appeal filed on one is read on the other at once; a session made on one works
// on the other; numbers never collide under intake on both at once; each deadline alert
// is recorded and notified exactly once although both processes sweep; and intake
// throughput with two processes is reported next to one.
func TestTwoProcessesOnePostgres(t *testing.T) {
	w := where{data: t.TempDir(), db: dbtest.NewPostgresSchema(t)}
	cli(t, w, "demo", "--enterprises=200", "--appeals=10")
	token := strings.TrimSpace(cli(t, w, "token", "create", "--user=operator1", "--scope=write", "--name=two"))
	clockFile := filepath.Join(w.data, "clock-offset")
	if err := os.WriteFile(clockFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"YINGSHANG_TEST_CLOCK=1"}
	w2 := w
	s1 := startWith(t, w, "serve-1.log", []string{"--fake-clock-file=" + clockFile}, env...)
	s2 := startWith(t, w2, "serve-2.log", []string{"--fake-clock-file=" + clockFile}, env...)
	defer s1.stop(t)
	defer s2.stop(t)
	hc := &http.Client{Timeout: 15 * time.Second}
	c1 := &client{base: "http://" + s1.addr, token: token, hc: hc}
	c2 := &client{base: "http://" + s2.addr, token: token, hc: hc}
	d := openDB(t, w)
	var enterprise, gxj int64
	if err := d.R.QueryRow(`SELECT id FROM orgs WHERE kind = 'enterprise' ORDER BY id LIMIT 1`).Scan(&enterprise); err != nil {
		t.Fatal(err)
	}
	if err := d.R.QueryRow(`SELECT org_id FROM users WHERE username = 'gxj1'`).Scan(&gxj); err != nil {
		t.Fatal(err)
	}
	file := func(ctx context.Context, c *client, title string) (string, int, error) {
		body := map[string]any{"kind": "appeal", "category": "utilities", "title": title, "body": "两个进程：厂房用电增容申请未获答复。",
			"enterprise_org_id": enterprise, "contact_name": "王经理", "contact_phone": "13812345678"}
		st, b, err := c.do(ctx, "POST", "/api/v1/appeals", body, map[string]string{"Idempotency-Key": title})
		if err != nil || st != http.StatusCreated {
			return "", st, fmt.Errorf("intake: %d %v %s", st, err, b)
		}
		var a struct {
			Number string `json:"number"`
		}
		err = json.Unmarshal(b, &a)
		return a.Number, st, err
	}

	// Filed on one, read on the other at once.
	number, _, err := file(context.Background(), c1, "双进程 可见性")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Title   string `json:"title"`
		Version int64  `json:"version"`
	}
	c2.getJSON(t, "/api/v1/appeals/"+number, &got)
	if got.Title != "双进程 可见性" {
		t.Fatalf("process 2 reads %s as %q", number, got.Title)
	}

	// A session made on one works on the other.
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, Timeout: 15 * time.Second}
	resp, err := web.PostForm("http://"+s1.addr+"/login", url.Values{"username": {"ent1"}, "password": {"Changsha@2024"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = web.Get("http://" + s2.addr + "/portal")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/portal" {
		t.Fatalf("the session from process 1 on process 2: %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}

	// Intake on one process, then on both at once: every number unique.
	phase := 2 * time.Second
	if full() {
		phase = 15 * time.Second
	}
	const workers = 8
	var mu sync.Mutex
	numbers := map[string]string{}
	intake := func(name string, cs ...*client) float64 {
		ctx, cancel := context.WithTimeout(context.Background(), phase)
		defer cancel()
		var n atomic.Int64
		var wg sync.WaitGroup
		began := time.Now()
		for i, c := range cs {
			for wk := 0; wk < workers; wk++ {
				wg.Add(1)
				go func(c *client, p, wk int) {
					defer wg.Done()
					for k := 0; ; k++ {
						title := fmt.Sprintf("双进程 %s p%d w%d #%d", name, p, wk, k)
						num, st, err := file(ctx, c, title)
						if ctx.Err() != nil {
							return
						}
						if err != nil {
							t.Errorf("%s: %v (status %d)", title, err, st)
							return
						}
						n.Add(1)
						mu.Lock()
						if prev, dup := numbers[num]; dup {
							t.Errorf("number %s given twice: %q and %q", num, prev, title)
						}
						numbers[num] = title
						mu.Unlock()
					}
				}(c, i+1, wk)
			}
		}
		wg.Wait()
		return float64(n.Load()) / time.Since(began).Seconds()
	}
	one := intake("one", c1)
	two := intake("two", c1, c2)
	var stored, distinct int
	_ = d.R.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT number) FROM appeals WHERE title LIKE '双进程%'`).Scan(&stored, &distinct)
	// Requests in flight when a phase ends are cut off on the client's side but may still
	// be stored: at most one per client of each phase (8 + 16).
	if stored < len(numbers)+1 || stored > len(numbers)+1+3*workers || distinct != stored {
		t.Errorf("%d acknowledged (+1), %d stored, %d distinct numbers", len(numbers), stored, distinct)
	}
	t.Logf("intake: one process, %d clients: %.0f appeals/s; two processes, %d clients each: %.0f appeals/s (%d appeals in all, numbers unique)",
		workers, one, workers, two, len(numbers))

	// Exactly-once alerts: dispatch a few, move both processes' clock past the claim
	// deadline, let both sweep.
	var dispatched []string
	for i := 0; i < 5; i++ {
		num, _, err := file(context.Background(), c1, fmt.Sprintf("双进程 超期 %d", i))
		if err != nil {
			t.Fatal(err)
		}
		c := []*client{c1, c2}[i%2]
		var ap struct {
			Version int64 `json:"version"`
		}
		c.getJSON(t, "/api/v1/appeals/"+num, &ap)
		for _, mv := range []struct {
			action string
			body   map[string]any
		}{{"accept", map[string]any{}}, {"dispatch", map[string]any{"lead_org_id": gxj}}} {
			mv.body["version"] = ap.Version
			st, b, err := c.do(context.Background(), "POST", "/api/v1/appeals/"+num+"/"+mv.action, mv.body, nil)
			if err != nil || st != http.StatusOK {
				t.Fatalf("%s %s: %d %v %s", mv.action, num, st, err, b)
			}
			_ = json.Unmarshal(b, &ap)
		}
		dispatched = append(dispatched, num)
	}
	if err := os.WriteFile(clockFile, []byte("720h"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := "'" + strings.Join(dispatched, "','") + "'"
	links := "'/appeals/" + strings.Join(dispatched, "','/appeals/") + "'"
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var alerted int
		_ = d.R.QueryRow(`SELECT COUNT(DISTINCT a.id) FROM appeal_alerts x JOIN appeals a ON a.id = x.appeal_id WHERE a.number IN (` + in + `)`).Scan(&alerted)
		if alerted == len(dispatched) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the jump %d of %d appeals were alerted", alerted, len(dispatched))
		}
		time.Sleep(200 * time.Millisecond) // waiting for the next sweep slot, bounded
	}
	// Both processes have had their chance at the sweep once the next slot has passed too.
	var sweeps int
	_ = d.R.QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = 'appeal.sweep' AND state = 'done'`).Scan(&sweeps)
	var alerts, events, dupAlerts, dupNotes int
	_ = d.R.QueryRow(`SELECT COUNT(*) FROM appeal_alerts x JOIN appeals a ON a.id = x.appeal_id WHERE a.number IN (` + in + `)`).Scan(&alerts)
	_ = d.R.QueryRow(`SELECT COUNT(*) FROM (SELECT appeal_id, clock, level, due FROM appeal_alerts GROUP BY appeal_id, clock, level, due HAVING COUNT(*) > 1) x`).Scan(&dupAlerts)
	_ = d.R.QueryRow(`SELECT COUNT(*) FROM notify_events e JOIN appeals a ON e.key LIKE 'appeal:' || CAST(a.id AS TEXT) || ':%:red:%' WHERE a.number IN (` + in + `)`).Scan(&events)
	_ = d.R.QueryRow(`SELECT COUNT(*) FROM (SELECT user_id, title, link FROM notifications WHERE link IN (` + links + `) GROUP BY user_id, title, link HAVING COUNT(*) > 1) x`).Scan(&dupNotes)
	if alerts < len(dispatched) || dupAlerts != 0 || dupNotes != 0 || events < len(dispatched) {
		t.Errorf("alerts %d for %d appeals, duplicated alerts %d, red events %d, duplicated in-app notifications %d",
			alerts, len(dispatched), dupAlerts, events, dupNotes)
	}
	t.Logf("deadline alerts: %d for %d overdue appeals after %d sweeps by two processes; 0 duplicated alerts, 0 duplicated notifications", alerts, len(dispatched), sweeps)
}
