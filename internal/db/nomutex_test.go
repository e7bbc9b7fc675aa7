package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
)

// Every connection of the writer and of the readers runs without its mutex, while a
// connection the driver opens without the hook has one (so the check can fail).
func TestSQLiteConnectionsHaveNoMutex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := Open(ctx, Config{DataDir: dir, MaxReaders: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var held []*sql.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	handles := map[uintptr]bool{}
	for i, pool := range []*sql.DB{d.W, d.R, d.R, d.R, d.R} {
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if err := c.Raw(func(dc any) error {
			h, err := sqliteHandle(dc)
			if err != nil {
				return err
			}
			handles[h] = true
			if m := connMutex(h); m != 0 {
				t.Errorf("connection %d keeps its mutex %#x", i, m)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&n); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	if len(handles) != 5 {
		t.Fatalf("%d distinct connections, want 5", len(handles))
	}

	plain, err := (&sqlite.Driver{}).Open(filepath.Join(dir, "yingshang.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	h, err := sqliteHandle(plain)
	if err != nil {
		t.Fatal(err)
	}
	if connMutex(h) == 0 {
		t.Fatal("a connection opened without the hook has no mutex either: the check above proves nothing")
	}
	if _, err := sqliteHandle(&struct{ other uintptr }{1}); err == nil {
		t.Fatal("sqliteHandle found a handle in a struct without one")
	}
}
