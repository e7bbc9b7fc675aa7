package audit_test

import (
	"context"
	"fmt"
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

func TestChainDetectsChangesAndRemovals(t *testing.T) {
	for _, c := range []struct {
		name, q string
		badID   int64
	}{
		{"changed summary", `UPDATE audit_log SET summary = '{"after":"forged"}' WHERE id = 3`, 3},
		{"removed entry", `DELETE FROM audit_log WHERE id = 2`, 3},
		{"removed tail", `DELETE FROM audit_log WHERE id = 5`, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				l := audit.New(d, func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC) })
				for i := 1; i <= 5; i++ {
					if err := l.Record(ctx, who{int64(i)}, "thing.change", "thing", fmt.Sprint(i), audit.Change{After: i}); err != nil {
						t.Fatal(err)
					}
				}
				res, err := l.Verify(ctx)
				if err != nil || res.Bad != nil || res.Checked != 5 {
					t.Fatalf("clean chain: %+v %v", res, err)
				}
				tamper(t, d, c.q)
				res, err = l.Verify(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if res.Bad == nil || res.Bad.ID != c.badID {
					t.Fatalf("tampered chain: got %+v, want bad entry %d", res, c.badID)
				}
			})
		})
	}
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
