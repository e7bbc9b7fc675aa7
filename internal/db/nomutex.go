package db

import (
	"fmt"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// modernc's driver opens every SQLite connection SQLITE_OPEN_FULLMUTEX (hard-coded in its
// conn.go, no option), so every call into a connection — each sqlite3_step and each of a
// row's sqlite3_column_* calls — takes and releases the connection's recursive mutex, a
// Go sync.Mutex with two atomic operations around it in modernc's libc. database/sql never
// uses one driver connection from two goroutines at once (it holds the connection's lock
// around every call into it and its statements), so that mutex guards nothing here: the
// hook below frees it after the connection opens and leaves the handle's mutex NULL, which
// is what SQLITE_OPEN_NOMUTEX does (SQLite skips a NULL mutex). The process-wide mutexes
// (memory, the VFS, the page cache) stay; sqlite3_interrupt, which the driver calls from
// another goroutine when a context ends, takes no mutex in either mode.
// BenchmarkOperatorQueue/sqlite: 1,900–2,764 → 2,796–3,598 pages/s. The same hook gives
// each connection the search's FTS5 score function (fts5.go).
func init() {
	sqlite.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		h, err := sqliteHandle(c)
		if err != nil {
			return err
		}
		if err := dropConnMutex(h); err != nil {
			return err
		}
		return registerInstances(h)
	})
}

// sqliteHandle is the sqlite3* of one of modernc's driver connections (its field db). A
// driver release that renames the field fails every open with this error, not silently.
func sqliteHandle(c any) (uintptr, error) {
	v := reflect.ValueOf(c)
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("db"); f.IsValid() && f.Kind() == reflect.Uintptr && f.Uint() != 0 {
			return uintptr(f.Uint()), nil
		}
	}
	return 0, fmt.Errorf("db: no SQLite handle in the driver's connection %T", c)
}

// dropConnMutex frees the connection h's mutex and leaves it without one.
func dropConnMutex(h uintptr) error {
	tls := libc.NewTLS()
	defer tls.Close()
	m := sqlite3.Xsqlite3_db_mutex(tls, h)
	if m == 0 {
		return nil
	}
	libc.Xmemset(tls, h+unsafe.Offsetof(sqlite3.Tsqlite3{}.Fmutex), 0, libc.Tsize_t(unsafe.Sizeof(m)))
	if sqlite3.Xsqlite3_db_mutex(tls, h) != 0 {
		return fmt.Errorf("db: the SQLite connection's mutex is not where this build of the driver puts it")
	}
	sqlite3.Xsqlite3_mutex_free(tls, m)
	return nil
}

// connMutex is the connection h's mutex (0: none), for tests.
func connMutex(h uintptr) uintptr {
	tls := libc.NewTLS()
	defer tls.Close()
	return sqlite3.Xsqlite3_db_mutex(tls, h)
}
