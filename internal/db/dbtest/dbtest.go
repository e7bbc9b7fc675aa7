// Package dbtest gives tests a fresh, migrated database on every engine: SQLite always, and
// PostgreSQL when YINGSHANG_TEST_POSTGRES holds a URL. Each PostgreSQL database lives in its
// own schema, dropped afterwards, so parallel runs on one server never collide. Under CI
// (CI=true) a missing PostgreSQL fails the run instead of skipping.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"yingshang/internal/db"
)

// EnvPostgres names the variable holding the PostgreSQL test server's URL.
const EnvPostgres = "YINGSHANG_TEST_POSTGRES"

// CI reports whether the tests run under CI, where optional components are required.
func CI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

// PostgresURL returns the server URL, skipping (or failing under CI) when it is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvPostgres)
	if u == "" {
		if CI() {
			t.Fatalf("%s is not set: PostgreSQL tests are required under CI", EnvPostgres)
		}
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://… to run them", EnvPostgres)
	}
	return u
}

// Each runs fn as a subtest on every available engine.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, New(t, db.SQLite)) })
	t.Run("postgres", func(t *testing.T) { fn(t, New(t, db.Postgres)) })
}

// New returns a migrated database of the given engine, closed and removed at cleanup.
func New(t testing.TB, engine db.Engine) *db.DB {
	t.Helper()
	d := Open(t, engine)
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return d
}

// Open returns an empty, unmigrated database of the given engine.
func Open(t testing.TB, engine db.Engine) *db.DB {
	t.Helper()
	ctx := context.Background()
	if engine == db.SQLite {
		d, err := db.Open(ctx, db.Config{DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	u := NewPostgresSchema(t)
	d, err := db.Open(ctx, db.Config{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// NewPostgresSchema creates an empty schema on the test server and returns a URL whose
// connections use it; the schema is dropped at cleanup.
func NewPostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String()
}
