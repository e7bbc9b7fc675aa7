package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are plain SQL files, one folder per engine, numbered NNNNN_name.sql. Every
// domain owns its own numbers (see docs/architecture.md) so parallel work never collides.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

func (d *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations/"+string(d.Engine))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	// Each domain owns its numbers, so a database may hold 00009 before 00005 arrives:
	// such a missing migration is applied, not refused.
	opts = append(opts, goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	if d.Engine == Postgres {
		dialect = goose.DialectPostgres
		// Several `serve` processes may start together: an advisory lock lets one migrate.
		l, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	return goose.NewProvider(dialect, d.W, sub, opts...)
}

// Migrate applies every pending migration and returns how many it applied.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	p, err := d.provider()
	if err != nil {
		return 0, fmt.Errorf("db: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("db: migrate: %w", err)
	}
	return len(res), d.FixFTSStats(ctx)
}

// MigrateTo applies migrations up to and including version (used by the upgrade test).
func (d *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrationStatus reports the database's version and the newest embedded one.
func (d *DB) MigrationStatus(ctx context.Context) (current, target int64, err error) {
	p, err := d.provider()
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}

// ErrMigrationsPending says the database is behind the binary.
var ErrMigrationsPending = errors.New("db: migrations pending")

// CheckCurrent returns nil when every embedded migration is applied (readiness). A
// missing earlier number counts as pending (parts own their number ranges).
func (d *DB) CheckCurrent(ctx context.Context) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return err
	}
	if pending {
		cur, target, _ := p.GetVersions(ctx)
		return fmt.Errorf("%w: at %d of %d, or an earlier one missing", ErrMigrationsPending, cur, target)
	}
	return nil
}

// RollBack undoes the one migration version (the upgrade test uses it to make a database
// of the schema before that migration).
func (d *DB) RollBack(ctx context.Context, version int64) error {
	p, err := d.provider()
	if err != nil {
		return err
	}
	_, err = p.ApplyVersion(ctx, version, false)
	return err
}
