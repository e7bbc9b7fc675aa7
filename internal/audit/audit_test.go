package audit_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"yingshang/internal/audit"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

type who struct{ id int64 }

func (w who) AuditID() int64    { return w.id }
func (w who) AuditName() string { return fmt.Sprintf("user%d", w.id) }
func (w who) AuditIP() string   { return "10.1.2.3" }

// tamper changes a stored entry behind the application's back, as a DBA with superuser
// rights could.
func tamper(t *testing.T, d *db.DB, q string) {
	t.Helper()
	if d.Engine == db.SQLite {
		if _, err := d.W.Exec(`DROP TRIGGER audit_log_no_update`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.Exec(`DROP TRIGGER audit_log_no_delete`); err != nil {
			t.Fatal(err)
		}
	} else if _, err := d.W.Exec(`ALTER TABLE audit_log DISABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// Entries written one after another spread over the chains (eight on PostgreSQL, one on
// SQLite); a changed entry, a removed one and a removed chain end are each found.
func TestChainDetectsChangesAndRemovals(t *testing.T) {
	for _, c := range []struct {
		name string
		// q tampers with the entries; bad is the entry Verify must report. chains lists
		// each chain's entry ids in order.
		tamper func(chains map[int][]int64) (q string, bad int64)
	}{
		{"changed summary", func(map[int][]int64) (string, int64) {
			return `UPDATE audit_log SET summary = '{"after":"forged"}' WHERE id = 3`, 3
		}},
		{"removed entry", func(chains map[int][]int64) (string, int64) {
			ids := chains[chainOf(chains, 2)] // entry 2 and the next on its chain
			return `DELETE FROM audit_log WHERE id = 2`, ids[slices.Index(ids, 2)+1]
		}},
		{"removed tail", func(chains map[int][]int64) (string, int64) {
			ids := chains[chainOf(chains, 20)] // entry 20 ends its chain
			return `DELETE FROM audit_log WHERE id = 20`, ids[len(ids)-2]
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				l := audit.New(d, func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) })
				for i := 1; i <= 20; i++ {
					if err := l.Record(ctx, who{int64(i)}, "thing.change", "thing", fmt.Sprint(i), audit.Change{After: i}); err != nil {
						t.Fatal(err)
					}
				}
				res, err := l.Verify(ctx)
				if err != nil || res.Bad != nil || res.Checked != 20 {
					t.Fatalf("clean chain: %+v %v", res, err)
				}
				chains := chainsOf(t, d)
				if want := map[db.Engine]int{db.SQLite: 1, db.Postgres: 8}[d.Engine]; len(chains) != want {
					t.Fatalf("20 entries on %d chains, want %d", len(chains), want)
				}
				q, bad := c.tamper(chains)
				tamper(t, d, q)
				res, err = l.Verify(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if res.Bad == nil || res.Bad.ID != bad {
					t.Fatalf("tampered chain: got %+v, want bad entry %d", res, bad)
				}
			})
		})
	}
}

// chainsOf reads each chain's entry ids in order.
func chainsOf(t *testing.T, d *db.DB) map[int][]int64 {
	t.Helper()
	rows, err := d.R.Query(`SELECT id, chain FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int][]int64{}
	for rows.Next() {
		var id int64
		var c int
		if err := rows.Scan(&id, &c); err != nil {
			t.Fatal(err)
		}
		out[c] = append(out[c], id)
	}
	return out
}

func chainOf(chains map[int][]int64, id int64) int {
	for c, ids := range chains {
		if slices.Contains(ids, id) {
			return c
		}
	}
	return 0
}

// Transactions appending at once keep every chain whole.
func TestConcurrentAppendsKeepTheChains(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d, nil)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					err := d.WithTx(ctx, func(ctx context.Context) error {
						// two entries of one transaction stay together on one chain
						if err := l.Record(ctx, who{int64(g)}, "thing.change", "thing", fmt.Sprint(g, "-", i), nil); err != nil {
							return err
						}
						return l.Record(ctx, who{int64(g)}, "thing.note", "thing", fmt.Sprint(g, "-", i), nil)
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		res, err := l.Verify(ctx)
		if err != nil || res.Bad != nil || res.Checked != 400 {
			t.Fatalf("after concurrent appends: %+v %v", res, err)
		}
		var split int
		if err := d.R.QueryRow(`SELECT COUNT(*) FROM (SELECT object_id FROM audit_log GROUP BY object_id HAVING COUNT(DISTINCT chain) > 1) x`).Scan(&split); err != nil || split != 0 {
			t.Fatalf("%d transactions' entries split over chains (%v)", split, err)
		}
	})
}

func TestEntryRollsBackWithItsChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := audit.New(d, nil)
		_ = d.WithTx(ctx, func(ctx context.Context) error {
			if err := l.Record(ctx, who{1}, "x", "y", "1", nil); err != nil {
				t.Fatal(err)
			}
			return fmt.Errorf("the change failed")
		})
		entries, err := l.List(ctx, audit.Filter{})
		if err != nil || len(entries) != 0 {
			t.Fatalf("entries after rollback: %d %v", len(entries), err)
		}
		if err := l.Record(ctx, who{1}, "x", "y", "1", nil); err != nil {
			t.Fatal(err)
		}
		if res, _ := l.Verify(ctx); res.Bad != nil || res.Checked != 1 {
			t.Fatalf("chain after a rollback: %+v", res)
		}
		h, err := l.History(ctx, "y", "1", 10)
		if err != nil || len(h) != 1 || h[0].ActorIP != "10.1.2.3" {
			t.Fatalf("history: %+v %v", h, err)
		}
	})
}

// Migration 00017 on a log written before it (one chain, no chain column): the old
// entries become chain 1 and verify, new ones spread over the chains and verify with
// them. Rolling it back again is refused on PostgreSQL once other chains hold entries.
func TestChainsMigrationKeepsTheOldChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.RollBack(ctx, 17); err != nil {
			t.Fatal(err)
		}
		prev := ""
		var last int64
		for i := 1; i <= 3; i++ {
			e := audit.Entry{At: time.Date(2026, 5, 1, 10, i, 0, 0, time.UTC), ActorID: int64(i), ActorName: "old", Action: "thing.change",
				ObjectType: "thing", ObjectID: fmt.Sprint(i), Result: "ok", PrevHash: prev}
			e.Hash = audit.HashEntry(e)
			if err := d.W.QueryRow(`INSERT INTO audit_log (at, actor_id, actor_name, actor_ip, action, object_type, object_id, result, summary, prev_hash, hash)
				VALUES ($1, $2, $3, '', $4, $5, $6, $7, '', $8, $9) RETURNING id`, e.At.UnixMilli(), e.ActorID, e.ActorName, e.Action,
				e.ObjectType, e.ObjectID, e.Result, e.PrevHash, e.Hash).Scan(&last); err != nil {
				t.Fatal(err)
			}
			prev = e.Hash
		}
		if _, err := d.W.Exec(`UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1`, last, prev); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		l := audit.New(d, nil)
		for i := 0; i < 10; i++ {
			if err := l.Record(ctx, who{9}, "thing.change", "thing", fmt.Sprint("new-", i), nil); err != nil {
				t.Fatal(err)
			}
		}
		res, err := l.Verify(ctx)
		if err != nil || res.Bad != nil || res.Checked != 13 {
			t.Fatalf("after the upgrade: %+v %v", res, err)
		}
		chains := chainsOf(t, d)
		if !slices.Equal(chains[1][:3], []int64{1, 2, 3}) {
			t.Errorf("the old entries are not chain 1's first: %v", chains)
		}
		err = d.RollBack(ctx, 17)
		switch d.Engine {
		case db.Postgres:
			if err == nil || !strings.Contains(err.Error(), "cannot be merged back") {
				t.Errorf("rolling back with entries on eight chains: %v", err)
			}
		case db.SQLite:
			if err != nil {
				t.Errorf("rolling back one chain: %v", err)
			}
		}
	})
}

// TestHashInputUnchanged pins the bytes an entry's hash covers: entries written by older
// binaries must still verify. The hashes were computed by the first implementation
// (fmt.Fprintf of "%d:%s;" for each field).
func TestHashInputUnchanged(t *testing.T) {
	for _, c := range []struct {
		e    audit.Entry
		want string
	}{
		{audit.Entry{At: time.UnixMilli(1764201600123), ActorID: 42, ActorName: "王经理", ActorIP: "10.0.0.7", Action: "create",
			ObjectType: "appeal", ObjectID: "1001", Result: "ok", Summary: `{"after":{"title":"贷款难"}}`, PrevHash: "ab12"},
			"12260278dcad2b489cc234030551d53ffd0735d544d987dfc48da7617afc7ce1"},
		{audit.Entry{At: time.UnixMilli(0)}, "0ffe816f93f2093519fb8a8bd1b10ed3d3ebc85ee2e2b472fa51e7d1cd9504e8"},
	} {
		if got := audit.HashEntry(c.e); got != c.want {
			t.Errorf("hash of %+v = %s, want %s", c.e, got, c.want)
		}
	}
}

// BenchmarkHashEntry is an intake's entry hashed (in SQLite's single writer's turn).
//
//	go test ./internal/audit -run XXX -bench HashEntry
func BenchmarkHashEntry(b *testing.B) {
	e := audit.Entry{At: time.UnixMilli(1764201600123), ActorID: 42, ActorName: "王经理", ActorIP: "10.0.0.7", Action: "create",
		ObjectType: "appeal", ObjectID: "1001", Result: "ok", PrevHash: "12260278dcad2b489cc234030551d53ffd0735d544d987dfc48da7617afc7ce1",
		Summary: `{"after":{"category_id":3,"channel":"api","district":"430104","enterprise_name":"压测企业1有限公司","enterprise_org_id":0,"kind":"appeal","number":"ZQ20261127000001","priority":"normal","title":"小微企业贷款审批难"}}`}
	b.ReportAllocs()
	for b.Loop() {
		audit.HashEntry(e)
	}
}
