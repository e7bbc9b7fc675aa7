// Package db opens the storage engine (embedded SQLite or PostgreSQL), applies the embedded
// migrations of that engine and carries transactions in the context so that services can
// compose: a service's WithTx joins the transaction its caller already opened.
//
// SQL is written once with $1-style placeholders, which both modernc.org/sqlite and pgx
// accept; where the engines differ (full-text search, date bucketing) the caller asks
// Engine and picks the variant in one place.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"yingshang/internal/apperr"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Engine names the storage engine.
type Engine string

// The two engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Sentinel errors: the same values the services return (package apperr).
var (
	ErrNotFound = apperr.ErrNotFound
	ErrConflict = apperr.ErrConflict
)

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Preparer is a Querier that also prepares statements: what Q answers is one, in a
// transaction or not.
type Preparer interface {
	Querier
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// DB is an open database: a writer handle and a reader handle. On SQLite the writer is a
// single connection (SQLite allows one writer at a time; serialising in the pool is cheaper
// than retrying on SQLITE_BUSY) and the readers are a pool on the same WAL file. On
// PostgreSQL they are two pools of the same server, set up differently (pgDSN).
type DB struct {
	Engine Engine
	W      *sql.DB
	R      *sql.DB
	// Path is the SQLite file (empty on PostgreSQL).
	Path string
	// URL is the PostgreSQL connection string (empty on SQLite).
	URL string
	// group shares transactions among concurrent writers (SQLite; see group.go).
	group *committer
	// reads prepares the readers' statements once (SQLite; see stmtcache.go).
	reads *readCache
	// commits counts the transactions this process committed through WithTx (Commits).
	commits atomic.Uint64
	// generic is PostgreSQL's pool for statements bound only to ids (RQGeneric); nil on
	// SQLite.
	generic *sql.DB
}

// Commits is how many transactions this process has committed through WithTx (and
// HoldTx) so far: a cache of what the database holds is current as long as this has not
// moved, for this process's writes. It moves after the commit, before WithTx returns.
func (d *DB) Commits() uint64 { return d.commits.Load() }

// Config says where the data lives.
type Config struct {
	// URL is empty or "sqlite:" for the embedded engine, or a postgres:// URL.
	URL string
	// DataDir holds the SQLite file and attachments.
	DataDir string
	// MaxReaders bounds the reader pool (default: 2×CPUs, at least 4).
	MaxReaders int
}

// IsPostgresURL reports whether u selects PostgreSQL.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Open opens the engine that cfg selects. It does not migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if IsPostgresURL(cfg.URL) {
		return openPostgres(ctx, cfg)
	}
	if cfg.URL != "" && cfg.URL != "sqlite:" && !strings.HasPrefix(cfg.URL, "sqlite:") {
		return nil, fmt.Errorf("db: unsupported database URL %q (use postgres://… or leave empty for SQLite)", redact(cfg.URL))
	}
	return openSQLite(ctx, cfg)
}

// sqlitePragmas are applied by the driver on every new connection, so a connection the pool
// opens later gets them too. busy_timeout comes first so the others wait instead of failing
// when another process (a CLI command beside `serve`) holds the lock.
var sqlitePragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	"foreign_keys(ON)",
	"temp_store(MEMORY)",
}

// Page caches: the writer keeps 16 MB, each reader 8 MB; no mmap. With mmap_size 256 MB
// every connection mapped the file for itself and the serving process's resident memory
// counted each touched page once per connection: 868 MiB peak on a 2 GB database of
// 1,000,000 appeals, against a budget of 300 MB. Without it reads go through the kernel's
// page cache, which is shared and not the process's own.
const (
	writerCache = "cache_size(-16000)"
	readerCache = "cache_size(-8000)"
)

// WriterCheckpointPages is when the writer copies the WAL back into the database file:
// after a commit that leaves it this many pages long (SQLite's default is 1,000). The
// copy runs in the committing connection, in the single writer's time, and a longer WAL
// copies each often-written page — the right edges of the appeals' indexes, the counters
// — once for more commits. API intake at 200,000 appeals, 10 runs of 6,000 alternating
// with the binary before: median 1,039 → 1,138 appeals/s, p95 lower in 9 of 10 pairs
// (docs/benchmarks.md); the WAL then stays under about 40 MB. A checkpointer of its own
// beside the writer did no better and let the WAL grow to 400 MB under a steady intake
// (the writer restarts the WAL only when it finds it wholly copied back).
const WriterCheckpointPages = 10_000

// BulkWriter gives SQLite's writer connection a bulk load's settings until restore is
// called: a page cache of BulkCacheMB (for a load and for the search index's rebuild),
// and with mapFile the file mapped into memory as far as SQLite maps
// (its build's limit: 2 GB), so the index builds' passes over the appeals table read
// those pages without a system call and a copy each (the index builds after
// a million appeals, a 2.1 GB file: 26.0–26.5 → 23.1–23.6 s). The writer is one
// connection, so the settings are the load's alone; mapFile only for a load into a
// database nobody uses meanwhile, as the mapped pages count in this process's resident
// memory. On PostgreSQL it does nothing.
func (d *DB) BulkWriter(ctx context.Context, mapFile bool) (restore func(), err error) {
	if d.Engine != SQLite {
		return func() {}, nil
	}
	restore = func() {
		ctx := context.WithoutCancel(ctx)
		d.W.ExecContext(ctx, `PRAGMA `+writerCache)
		d.W.ExecContext(ctx, `PRAGMA mmap_size = 0`)
	}
	if _, err := d.W.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -1024*BulkCacheMB)); err != nil {
		return nil, err
	}
	if mapFile {
		if _, err := d.W.ExecContext(ctx, `PRAGMA mmap_size = 2147418112`); err != nil {
			restore()
			return nil, err
		}
	}
	return restore, nil
}

func sqliteDSN(path string, readOnly bool) string {
	v := url.Values{}
	for _, p := range sqlitePragmas {
		v.Add("_pragma", p)
	}
	if readOnly {
		v.Add("_pragma", readerCache)
		v.Add("_pragma", "query_only(1)")
	} else {
		v.Add("_pragma", writerCache)
		v.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(WriterCheckpointPages)+")")
		// BEGIN IMMEDIATE takes the write lock at the start of a transaction, so two
		// processes never deadlock upgrading read locks to write locks.
		v.Set("_txlock", "immediate")
	}
	v.Set("_time_format", "sqlite")
	return "file:" + path + "?" + v.Encode()
}

func openSQLite(ctx context.Context, cfg Config) (*DB, error) {
	dir := cfg.DataDir
	if dir == "" {
		dir = "data"
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("db: create data dir: %w", err)
	}
	path := filepath.Join(dir, "yingshang.db")
	if strings.HasPrefix(cfg.URL, "sqlite:") && len(cfg.URL) > len("sqlite:") {
		path = strings.TrimPrefix(cfg.URL, "sqlite:")
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite readers: %w", err)
	}
	n := cfg.MaxReaders
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{Engine: SQLite, W: w, R: r, Path: path, reads: newReadCache(r)}
	d.group = newCommitter(w, &d.commits)
	return d, nil
}

// pgDSN adds plan_cache_mode unless the URL sets it: force_custom_plan for the pool every
// statement may use — pgx prepares every statement, and after five runs PostgreSQL may
// keep a generic plan made without the parameters' values, while for a date range or a
// title's text (or a state, when states were bound) the value decides which index is
// right — and force_generic_plan for the pool of statements bound only to ids and keyset
// positions (generic: RQGeneric). That pool's statements are short walks of an index
// under a LIMIT, lookups by key and the search's steps on PostgreSQL; with auto a
// department's 已答复 page was planned again at every run (PostgreSQL costed the custom
// plan at half the generic one, the same plan: 0.5 ms of planning for 0.3 ms of running,
// at 200,000 appeals 1,222–1,293 → 2,019–2,307 pages/s at 16 concurrent). The pool joins
// by nested loops only, unless the URL sets enable_mergejoin or enable_hashjoin, which
// keep the index's order, so a page stops at its LIMIT whatever the statistics say. For
// a department's 已答复 page PostgreSQL merged the parts with the appeals' primary key
// read backwards from the newest appeal (2,768 appeals read for 51 rows at a million,
// 1.96 ms) instead of looking up the 51 (0.20 ms) — it expected the department's 87,102
// parts spread evenly over all appeals; and after 7,021 intakes, fewer than autovacuum
// waits for before it analyzes again, the statistics still held the 49 appeals waiting
// to be accepted at the load, and the 待受理 page hashed all 7,063 with the categories
// and organisations and sorted them for its 51 (22 ms instead of 0.2). The pool also
// prices a page read out of order at 1.1 sequential ones (random_page_cost, unless the
// URL sets it; PostgreSQL's default of 4 is a spinning disk's), as the pages a queue page
// reads are in memory or on a solid-state disk: with 4, the 全部 page of 岳麓区's closed
// complaints walked the primary key back from the newest appeal, which assumes the
// matching appeals spread evenly over the ids, and passed a day's 7,044 intakes
// elsewhere — 11,827 appeals read for a page of 51, 8.2 ms — instead of reading the 51
// from the index of district, state and kind (0.25 ms).
// It also turns JIT compilation off unless the URL sets jit: the planner
// cannot tell how many appeals a word's bucket holds, so a search statement that reads 80
// rows was estimated at 50,000 at ten million appeals, above jit_above_cost, and spent
// 10–40 ms compiling for 1 ms of work (EXPLAIN ANALYZE: 47 ms, 1 ms without JIT). For the
// same misestimate PostgreSQL started two parallel workers to read 642 rows (16 ms); so
// max_parallel_workers_per_gather is 0 unless the URL sets it. This application's
// statements are short and many users share a few cores: neither JIT nor parallel workers
// pay for themselves (maintenance — CREATE INDEX, VACUUM — has its own setting).
//
// The writer (W: transactions, and statements that write) is a pool of its own, with
// PostgreSQL's default plan_cache_mode, auto: its statements are inserts and updates by
// key and the reads of a transaction, bound to ids, and planned again at every run they
// cost the database more than they do to run — an INSERT into appeals looked up all 20
// of its indexes and the size of each (a system call per file) every time: API intake at
// a million appeals 185–213 → 231–273 appeals/s in three interleaved runs, the machine's
// CPU an intake 8.7–10.2 → 6.8–8.1 ms (docs/benchmarks.md).
func pgDSN(u string, pool pgPool) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := pu.Query()
	if q.Get("plan_cache_mode") == "" {
		q.Set("plan_cache_mode", map[pgPool]string{pgReads: "force_custom_plan", pgGeneric: "force_generic_plan", pgWrites: "auto"}[pool])
	}
	if pool == pgGeneric {
		for _, join := range []string{"enable_mergejoin", "enable_hashjoin"} {
			if q.Get(join) == "" {
				q.Set(join, "off")
			}
		}
		if q.Get("random_page_cost") == "" {
			q.Set("random_page_cost", "1.1")
		}
	}
	if q.Get("jit") == "" {
		q.Set("jit", "off")
	}
	if q.Get("max_parallel_workers_per_gather") == "" {
		q.Set("max_parallel_workers_per_gather", "0")
	}
	pu.RawQuery = q.Encode()
	return pu.String()
}

func openPostgres(ctx context.Context, cfg Config) (*DB, error) {
	n := cfg.MaxReaders
	if n <= 0 {
		n = max(8, 4*runtime.NumCPU())
	}
	var pools [3]*sql.DB // indexed by pgPool
	for i := range pools {
		p, err := sql.Open("pgx", pgDSN(cfg.URL, pgPool(i)))
		if err == nil {
			p.SetMaxOpenConns(n)
			p.SetMaxIdleConns(n)
			p.SetConnMaxIdleTime(5 * time.Minute)
			if err = p.PingContext(ctx); err != nil {
				p.Close()
			}
		}
		if err != nil {
			for _, o := range pools[:i] {
				o.Close()
			}
			return nil, fmt.Errorf("db: connect postgres %s: %w", redact(cfg.URL), err)
		}
		pools[i] = p
	}
	return &DB{Engine: Postgres, W: pools[pgWrites], R: pools[pgReads], URL: cfg.URL, generic: pools[pgGeneric]}, nil
}

// pgPool names PostgreSQL's connection pools (pgDSN).
type pgPool int

const (
	pgReads   pgPool = iota // R: plans made with the values
	pgGeneric               // RQGeneric: plans kept, no merge joins
	pgWrites                // W: PostgreSQL's defaults
)

// Close closes the handles.
func (d *DB) Close() error {
	if d.group != nil {
		d.group.shutdown()
	}
	if d.reads != nil {
		d.reads.close()
	}
	err := d.W.Close()
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	if d.generic != nil {
		err = errors.Join(err, d.generic.Close())
	}
	return err
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	return d.R.PingContext(ctx)
}

func redact(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	return pu.Redacted()
}

type txKey struct{}

type txState struct {
	tx *sql.Tx
	// quiet: the statements run without their context's Done channel (SQLite's writer
	// turn, see turnTx).
	quiet bool
	// after runs once the outermost transaction has committed.
	after []func()
	// before runs, in order, just before the outermost transaction commits (see BeforeCommit).
	before []func(context.Context) error
	// locals are per-transaction values of other packages (TxLocal).
	locals map[any]any
	// wrote: a statement that may write has run in this turn (group.go: a turn without a
	// savepoint of its own that fails after writing takes its group down with it).
	wrote bool
}

// WithTx runs fn in a transaction on the writer. If ctx already carries a transaction, fn
// joins it and the outermost WithTx commits or rolls back. fn's error rolls back.
func (d *DB) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if txOf(ctx) != nil {
		return fn(ctx)
	}
	if h := heldOf(ctx); h != nil {
		// The request's first write: it begins the held transaction (HoldTx).
		if err := h.begin(ctx); err != nil {
			return err
		}
		return fn(ctx)
	}
	first := takeFirstTx(ctx)
	if first == nil {
		return d.withTx(ctx, fn)
	}
	committed := false
	defer func() { first.finish(committed) }() // also when fn panics
	err := d.withTx(ctx, func(ctx context.Context) error {
		if err := first.fn(ctx); err != nil {
			return err
		}
		return fn(ctx)
	})
	committed = err == nil
	return err
}

// FirstTx is work that must share the transaction of whatever a request goes on to write
// (OnFirstTx).
type FirstTx struct {
	fn        func(ctx context.Context) error
	mu        sync.Mutex
	running   bool
	committed bool
}

// OnFirstTx returns a context under which the first outermost transaction runs f before
// its own work, in the same transaction: f's error fails it, and f's writes commit or roll
// back with it. Should that transaction roll back, the next one runs f again; once one
// has committed, later ones do not. The API's Idempotency-Key is claimed this way in the
// transaction that creates the object, without a transaction held open around the whole
// request (which made every intake's validation and response wait for SQLite's writer,
// and on PostgreSQL held the day's number counter locked until the commit).
func OnFirstTx(ctx context.Context, f func(ctx context.Context) error) (context.Context, *FirstTx) {
	ft := &FirstTx{fn: f}
	return context.WithValue(ctx, firstTxKey{}, ft), ft
}

// Committed reports whether f has run in a transaction that committed.
func (ft *FirstTx) Committed() bool {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.committed
}

type firstTxKey struct{}

// takeFirstTx returns the FirstTx in ctx when it is still to run (and marks it running).
func takeFirstTx(ctx context.Context) *FirstTx {
	ft, _ := ctx.Value(firstTxKey{}).(*FirstTx)
	if ft == nil {
		return nil
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.running || ft.committed {
		return nil
	}
	ft.running = true
	return ft
}

func (ft *FirstTx) finish(committed bool) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.running, ft.committed = false, committed
}

func (d *DB) withTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if d.group != nil {
		return d.withGroupTx(ctx, fn)
	}
	tx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	st := &txState{tx: tx}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	tctx := context.WithValue(ctx, txKey{}, st)
	if err := fn(tctx); err != nil {
		_ = tx.Rollback()
		return err
	}
	// Hooks may register more hooks; each runs once.
	for i := 0; i < len(st.before); i++ {
		if err := st.before[i](tctx); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	d.commits.Add(1)
	for _, f := range st.after {
		f()
	}
	return nil
}

// AfterCommit registers f to run once the transaction in ctx commits (at once when ctx
// carries no transaction). Used to wake workers only for work that really exists.
func AfterCommit(ctx context.Context, f func()) {
	if st := txOf(ctx); st != nil {
		st.after = append(st.after, f)
		return
	}
	f()
}

// BeforeCommit registers f to run inside the transaction in ctx just before the outermost
// WithTx commits (its error rolls the transaction back), or runs it at once without a
// transaction. Work that must take a lock every writer contends for — the audit chain's
// head — goes here, so the lock is held for the last statements only, not for the whole
// transaction.
func BeforeCommit(ctx context.Context, f func(context.Context) error) error {
	if st := txOf(ctx); st != nil {
		st.before = append(st.before, f)
		return nil
	}
	return f(ctx)
}

// TxLocal returns the value stored under key in the transaction in ctx, creating it with
// mk on first use; ok is false (and nothing is stored) without a transaction.
func TxLocal(ctx context.Context, key any, mk func() any) (v any, created, ok bool) {
	st := txOf(ctx)
	if st == nil {
		return nil, false, false
	}
	if st.locals == nil {
		st.locals = map[any]any{}
	}
	if v, have := st.locals[key]; have {
		return v, false, true
	}
	v = mk()
	st.locals[key] = v
	return v, true, true
}

// txOf is the transaction in ctx, or nil (also while a held transaction has not begun).
func txOf(ctx context.Context) *txState {
	st, _ := ctx.Value(txKey{}).(*txState)
	if st == nil || st.tx == nil {
		return nil
	}
	return st
}

// InTx reports whether ctx carries a transaction.
func InTx(ctx context.Context) bool {
	return txOf(ctx) != nil
}

// Q returns the handle for statements that write: the transaction in ctx, or the writer.
func (d *DB) Q(ctx context.Context) Querier {
	if st := txOf(ctx); st != nil {
		return st.querier()
	}
	return d.W
}

// RQ returns the handle for reads: the transaction in ctx (so a service sees its own
// writes), or the reader pool.
func (d *DB) RQ(ctx context.Context) Querier {
	if st := txOf(ctx); st != nil {
		return st.querier()
	}
	if d.reads != nil {
		return d.reads
	}
	return d.R
}

// RQGeneric is RQ for a statement whose bound values are only ids and keyset positions
// (an organisation, a user, a token's hash, a page's cursor) — values that never decide
// which index is right, while states, levels and categories are written into its text.
// On PostgreSQL it is a pool of its own whose statements keep a generic plan
// (force_generic_plan), join by nested loops only and price a page read out of order at
// 1.1 (pgDSN): the pool RQ uses plans every run with the values (force_custom_plan), and
// planning a queue page's statement took 0.42–0.49 ms against 0.25 ms to run it at a
// million appeals. On SQLite it is RQ.
func (d *DB) RQGeneric(ctx context.Context) Querier {
	if d.generic == nil || txOf(ctx) != nil {
		return d.RQ(ctx)
	}
	return d.generic
}

// RQOnce is RQ for a statement whose text is made for one call — a list of ids written
// into it (bind a list as JSON where it can be: InIDs). Such a text is not kept among the
// readers' prepared statements (readCache): each would hold its parsed program until the
// cache was full — a thousand searches with their candidates' ids written in filled it
// (serve's RSS 115 → 315 MiB) — leaving no room for the statements after them.
func (d *DB) RQOnce(ctx context.Context) Querier {
	if st := txOf(ctx); st != nil {
		return st.querier()
	}
	return d.R
}

// PreparedReads is how many statement texts the readers keep prepared (SQLite; 0 on
// PostgreSQL, where pgx keeps its own): the application's fixed statements, not one per
// call (see RQOnce).
func (d *DB) PreparedReads() int {
	if d.reads == nil {
		return 0
	}
	return d.reads.size()
}

// RO returns the handle for reads that need not see the caller's own uncommitted writes —
// reference data such as categories. On SQLite that is the prepared readers even inside a
// transaction, so that the writer's turn (group.go) is not spent parsing them; on
// PostgreSQL it is RQ(ctx): a second pool connection per open transaction could exhaust
// the pool.
func (d *DB) RO(ctx context.Context) Querier {
	if d.reads != nil {
		return d.reads
	}
	return d.RQ(ctx)
}

// NoRows maps sql.ErrNoRows to ErrNotFound and wraps other errors with what.
func NoRows(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || // SQLite
		strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "duplicate key value") // PostgreSQL
}

// IsNoRows reports whether err says a single-row query found nothing.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// RowsErr closes rows and returns the error that ended their iteration, if any: the end of
// every read loop.
func RowsErr(rows interface {
	Err() error
	Close() error
}) error {
	err := rows.Err()
	rows.Close()
	return err
}
