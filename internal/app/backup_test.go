package app_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"yingshang/internal/app"
	"yingshang/internal/app/apptest"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory"
)

// tableHashes returns, per table of ours, the row count and a hash of every row in order.
func tableHashes(t *testing.T, d *db.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`
	if d.Engine == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'`
	}
	rows, err := d.R.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]string{}
	for _, tb := range tables {
		r, err := d.R.QueryContext(ctx, `SELECT * FROM `+tb)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		var lines []string
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			lines = append(lines, b.String())
		}
		r.Close()
		sort.Strings(lines)
		h := sha256.New()
		for _, l := range lines {
			h.Write([]byte(l + "\n"))
		}
		out[tb] = fmt.Sprintf("%d:%s", len(lines), hex.EncodeToString(h.Sum(nil))[:16])
	}
	return out
}

// restored opens a restored copy of e's database.
func restored(t *testing.T, e *apptest.Env, file string) *db.DB {
	t.Helper()
	ctx := context.Background()
	if e.App.DB.Engine == db.SQLite {
		dir := t.TempDir()
		if err := app.Restore(ctx, app.Config{DataDir: dir}, file, false); err != nil {
			t.Fatal(err)
		}
		d, err := db.Open(ctx, db.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	base := dbtest.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	var rb [6]byte
	_, _ = rand.Read(rb[:])
	name := "ys_restore_" + hex.EncodeToString(rb[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	if err := app.Restore(ctx, app.Config{DBURL: u.String()}, file, false); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := e.App.DB.R.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	d, err := db.Open(ctx, db.Config{URL: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestBackupRestoreIdentical(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 300}, func(t *testing.T, e *apptest.Env) {
		if e.App.DB.Engine == db.Postgres {
			if _, err := exec.LookPath("pg_dump"); err != nil {
				t.Skip("pg_dump not installed")
			}
		}
		ctx := context.Background()
		file := filepath.Join(t.TempDir(), "backup.bin")
		if err := app.Backup(ctx, e.App.DB, file); err != nil {
			t.Fatal(err)
		}
		if err := app.Backup(ctx, e.App.DB, file); err == nil {
			t.Fatal("a second backup overwrote the first")
		}
		want := tableHashes(t, e.App.DB)
		got := tableHashes(t, restored(t, e, file))
		if len(want) < 10 {
			t.Fatalf("only %d tables seen", len(want))
		}
		for tb, h := range want {
			if got[tb] != h {
				t.Errorf("table %s: restored %s, source %s", tb, got[tb], h)
			}
		}
	})
}

func TestBackupDuringWritesIsConsistent(t *testing.T) {
	apptest.Each(t, apptest.Options{}, func(t *testing.T, e *apptest.Env) {
		if e.App.DB.Engine == db.Postgres {
			if _, err := exec.LookPath("pg_dump"); err != nil {
				t.Skip("pg_dump not installed")
			}
		}
		ctx := context.Background()
		var stop atomic.Bool
		var wg sync.WaitGroup
		var written atomic.Int64
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if _, err := e.App.Directory.CreateOrg(ctx, auth.System(), directory.OrgInput{Kind: auth.OrgBank, Name: fmt.Sprintf("测试银行%05d", i)}); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		}()
		for written.Load() < 20 {
			if t.Failed() {
				break
			}
		}
		file := filepath.Join(t.TempDir(), "backup.bin")
		err := app.Backup(ctx, e.App.DB, file)
		stop.Store(true)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		r := restored(t, e, file)
		// A snapshot: every org in the copy has its audit entry, and the chain verifies.
		var orgs, audits int
		_ = r.R.QueryRow(`SELECT COUNT(*) FROM orgs WHERE kind = 'bank'`).Scan(&orgs)
		_ = r.R.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'org.create'`).Scan(&audits)
		if orgs < 20 || orgs != audits-1 { // the federation's creation is the extra entry
			t.Fatalf("restored %d banks with %d org.create entries", orgs, audits)
		}
		res, err := auditVerify(r)
		if err != nil || res != "" {
			t.Fatalf("restored audit chain: %v %s", err, res)
		}
	})
}

func auditVerify(d *db.DB) (string, error) {
	res, err := auditLog(d).Verify(context.Background())
	if err != nil {
		return "", err
	}
	if res.Bad != nil {
		return res.Reason, nil
	}
	return "", nil
}
