package db

import (
	"fmt"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// FTS5Instances is the name of an FTS5 auxiliary function every SQLite connection has:
// FTS5Instances(table) is how often the phrases of the full-text query occur in the row
// it matched (FTS5's xInstCount), read from the position lists the match reads anyway.
// With the row's token count (the table's docsize shadow table) it gives the search's
// score without reading the appeal's text (internal/search). FTS5's bm25() is no
// substitute: it counts every phrase's rows across the whole index on every query.
const FTS5Instances = "ys_instances"

// registerInstances gives the connection h the FTS5Instances function. FTS5's extension API
// is reached as its documentation says — SELECT fts5(?1) with a pointer bound — and the
// function is a Go function of the shape modernc's translated C calls through a pointer
// (as its own built-ins, fts5Bm25Function among them, are registered).
func registerInstances(h uintptr) error {
	tls := libc.NewTLS()
	defer tls.Close()
	sqlText, err := libc.CString("SELECT fts5(?1)")
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, sqlText)
	ptrType, err := libc.CString("fts5_api_ptr")
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, ptrType)
	name, err := libc.CString(FTS5Instances)
	if err != nil {
		return err
	}
	defer libc.Xfree(tls, name)

	bp := tls.Alloc(16) // the statement at bp, the fts5_api pointer at bp+8
	defer tls.Free(16)
	*cmem[uintptr](bp) = 0
	*cmem[uintptr](bp + 8) = 0
	if rc := sqlite3.Xsqlite3_prepare_v2(tls, h, sqlText, -1, bp, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("db: FTS5's API: prepare: code %d", rc)
	}
	stmt := *cmem[uintptr](bp)
	rc := sqlite3.Xsqlite3_bind_pointer(tls, stmt, 1, bp+8, ptrType, 0)
	if rc == sqlite3.SQLITE_OK {
		if rc = sqlite3.Xsqlite3_step(tls, stmt); rc == sqlite3.SQLITE_ROW {
			rc = sqlite3.SQLITE_OK
		}
	}
	sqlite3.Xsqlite3_finalize(tls, stmt)
	api := *cmem[uintptr](bp + 8)
	if rc != sqlite3.SQLITE_OK || api == 0 {
		return fmt.Errorf("db: FTS5's API: code %d", rc)
	}
	create := cmem[sqlite3.Tfts5_api](api).FxCreateFunction
	rc = (*(*func(*libc.TLS, uintptr, uintptr, uintptr, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{create})))(tls, api, name, 0, instancesFunc, 0)
	if rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("db: FTS5's API: create %s: code %d", FTS5Instances, rc)
	}
	return nil
}

// instancesFunc is instances as the C pointer FTS5 calls (a top-level function's value is
// a pointer to its code that never moves: what modernc's own registrations pass).
var instancesFunc = func() uintptr {
	f := instances
	return *(*uintptr)(unsafe.Pointer(&f))
}()

// instances is FTS5Instances's body: xInstCount of the current row.
func instances(tls *libc.TLS, pAPI, pFts, pCtx uintptr, _ int32, _ uintptr) {
	bp := tls.Alloc(8)
	defer tls.Free(8)
	api := cmem[sqlite3.TFts5ExtensionApi](pAPI)
	if rc := (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{api.FxInstCount})))(tls, pFts, bp); rc != sqlite3.SQLITE_OK {
		sqlite3.Xsqlite3_result_error_code(tls, pCtx, rc)
		return
	}
	sqlite3.Xsqlite3_result_int64(tls, pCtx, int64(*cmem[int32](bp)))
}

// cmem is the C memory at p as a *T. The memory is modernc's libc's (tls.Alloc, malloc, a
// structure SQLite allocated), never the Go heap's, so no garbage collector moves or frees
// it under the pointer — what vet's check of uintptr conversions guards against.
func cmem[T any](p uintptr) *T { return (*T)(unsafe.Add(unsafe.Pointer(nil), p)) }
