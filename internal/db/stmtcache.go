package db

import (
	"context"
	"database/sql"
	"sync"
)

// readCacheMax bounds the reader statement cache: the application's read statements are a
// few hundred fixed strings; text built per call (an IN list of ids) beyond the bound runs
// unprepared.
const readCacheMax = 1024

// readCache prepares SQLite read statements once per reader connection instead of at
// every call. modernc's driver parses every ad-hoc statement, and parsing was 14% of the
// serving process's CPU under API intake (pprof, 100,000 appeals); pgx caches statements
// per connection by itself, so PostgreSQL needs none of this. A *sql.Stmt is safe for
// concurrent use and prepares itself on each pool connection the first time it runs there.
type readCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newReadCache(d *sql.DB) *readCache {
	return &readCache{db: d, m: map[string]*sql.Stmt{}}
}

// stmt returns q prepared, or nil (cache full, or q did not prepare: the plain call then
// reports the error).
func (c *readCache) stmt(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[q]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if len(c.m) >= readCacheMax {
		return nil
	}
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil
	}
	c.m[q] = st
	return st
}

func (c *readCache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

func (c *readCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// ExecContext implements Querier (the readers are query-only; kept for the interface).
func (c *readCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, q, args...)
}

// QueryContext implements Querier.
func (c *readCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

// QueryRowContext implements Querier.
func (c *readCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}
