package db

import (
	"fmt"
	"math"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// FTS5Density is the name of an FTS5 auxiliary function every SQLite connection has:
// FTS5Density(table) is, for the row a full-text query matched, how often the query's
// phrases occur in it over the square root of its length in tokens — the search's score
// (internal/search: occurrences over the square root of the text's length in terms), read
// from the index's own position lists and row sizes instead of from the appeal's text.
// FTS5's bm25() is no substitute: it counts every phrase's rows across the whole index on
// every query.
const FTS5Density = "ys_density"

// registerDensity gives the connection h the FTS5Density function. FTS5's extension API
// is reached as its documentation says — SELECT fts5(?1) with a pointer bound — and the
// function is a Go function of the shape modernc's translated C calls through a pointer
// (as its own built-ins, fts5Bm25Function among them, are registered).
func registerDensity(h uintptr) error {
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
	name, err := libc.CString(FTS5Density)
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
	rc = (*(*func(*libc.TLS, uintptr, uintptr, uintptr, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{create})))(tls, api, name, 0, densityFunc, 0)
	if rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("db: FTS5's API: create %s: code %d", FTS5Density, rc)
	}
	return nil
}

// densityFunc is density as the C pointer FTS5 calls (a top-level function's value is a
// pointer to its code that never moves: what modernc's own registrations pass).
var densityFunc = func() uintptr {
	f := density
	return *(*uintptr)(unsafe.Pointer(&f))
}()

// density is FTS5Density's body: xInstCount and xColumnSize(-1) of the current row.
func density(tls *libc.TLS, pAPI, pFts, pCtx uintptr, _ int32, _ uintptr) {
	bp := tls.Alloc(8) // instances at bp, tokens at bp+4
	defer tls.Free(8)
	api := cmem[sqlite3.TFts5ExtensionApi](pAPI)
	rc := (*(*func(*libc.TLS, uintptr, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{api.FxInstCount})))(tls, pFts, bp)
	if rc == sqlite3.SQLITE_OK {
		rc = (*(*func(*libc.TLS, uintptr, int32, uintptr) int32)(unsafe.Pointer(&struct{ uintptr }{api.FxColumnSize})))(tls, pFts, -1, bp+4)
	}
	if rc != sqlite3.SQLITE_OK {
		sqlite3.Xsqlite3_result_error_code(tls, pCtx, rc)
		return
	}
	inst, tokens := *cmem[int32](bp), *cmem[int32](bp + 4)
	if tokens <= 0 {
		sqlite3.Xsqlite3_result_double(tls, pCtx, 0)
		return
	}
	sqlite3.Xsqlite3_result_double(tls, pCtx, float64(inst)/math.Sqrt(float64(tokens)))
}

// cmem is the C memory at p as a *T. The memory is modernc's libc's (tls.Alloc, malloc, a
// structure SQLite allocated), never the Go heap's, so no garbage collector moves or frees
// it under the pointer — what vet's check of uintptr conversions guards against.
func cmem[T any](p uintptr) *T { return (*T)(unsafe.Add(unsafe.Pointer(nil), p)) }
