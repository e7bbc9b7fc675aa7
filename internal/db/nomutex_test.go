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
	dir, conns := openHeld(t)
	handles := map[uintptr]bool{}
	for i, c := range conns {
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

// openHeld opens a database of four readers in a new directory and holds the writer's
// connection and the four readers' until the test ends.
func openHeld(t *testing.T) (string, []*sql.Conn) {
	t.Helper()
	dir := t.TempDir()
	d, err := Open(context.Background(), Config{DataDir: dir, MaxReaders: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	var conns []*sql.Conn
	for _, pool := range []*sql.DB{d.W, d.R, d.R, d.R, d.R} {
		c, err := pool.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns = append(conns, c)
	}
	return dir, conns
}
