package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"

	"yingshang/internal/db"
)

// Backup writes a consistent copy of the live database to out while the server runs.
// SQLite: VACUUM INTO from a read snapshot (writers go on; WAL keeps the snapshot).
// PostgreSQL: pg_dump's custom format from its own snapshot, limited to our schema.
func Backup(ctx context.Context, d *db.DB, out string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s exists; choose a new file", out)
	}
	if d.Engine == db.SQLite {
		// A connection without query_only: VACUUM INTO counts as a write to the target.
		conn, err := sql.Open("sqlite", "file:"+d.Path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			return err
		}
		defer conn.Close()
		abs, err := filepath.Abs(out)
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `VACUUM INTO $1`, abs); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return nil
	}
	base, schema, err := pgTarget(ctx, d)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--schema="+schema, "--file="+out, "--dbname="+base)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("backup: pg_dump: %v: %s", err, b)
	}
	return nil
}

// pgTarget returns the connection URL without the search_path parameter (libpq tools do
// not know it) and the schema our tables live in.
func pgTarget(ctx context.Context, d *db.DB) (string, string, error) {
	var schema string
	if err := d.R.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", "", err
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		return "", "", err
	}
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}

// Restore puts a backup in place of an empty database. SQLite: the server must be stopped;
// the file is checked (integrity_check) and copied over data/yingshang.db. PostgreSQL:
// pg_restore into the database of dbURL, which must not hold our schema yet.
func Restore(ctx context.Context, cfg Config, in string, force bool) error {
	if _, err := os.Stat(in); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if db.IsPostgresURL(cfg.DBURL) {
		u, err := url.Parse(cfg.DBURL)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Del("search_path")
		u.RawQuery = q.Encode()
		cmd := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--exit-on-error", "--dbname="+u.String(), in)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("restore: pg_restore: %v: %s", err, b)
		}
		return nil
	}
	check, err := sql.Open("sqlite", "file:"+in+"?mode=ro")
	if err != nil {
		return err
	}
	var res string
	err = check.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res)
	check.Close()
	if err != nil || res != "ok" {
		return fmt.Errorf("restore: %s is not a sound SQLite database (%v %s)", in, err, res)
	}
	dir := cfg.DataDir
	if dir == "" {
		dir = "data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	target := filepath.Join(dir, "yingshang.db")
	if st, err := os.Stat(target); err == nil && st.Size() > 0 && !force {
		return fmt.Errorf("restore: %s exists; stop the server and pass --force to replace it", target)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	tmp := target + ".restore"
	if err := copyFile(in, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, target)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
