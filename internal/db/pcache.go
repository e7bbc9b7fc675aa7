package db

import (
	"fmt"
	_ "unsafe" // go:linkname

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// modernc's SQLite is built with SQLITE_ENABLE_MEMORY_MANAGEMENT, which puts the page
// caches of all connections into one group behind one process-wide mutex
// (pcache1.separateCache = 0, "mode-2" in pcache1.c): every page a reader or the writer
// fetches or releases takes it. SQLite's usual build gives each connection a cache group
// of its own without a mutex ("mode-1"): a connection's cache is only used under that
// connection, which database/sql hands to one goroutine at a time (nomutex.go). Set
// after sqlite3_initialize and before the first connection opens, the flag makes every
// cache created from then on a group of its own. What the shared group is for — taking
// pages from one connection's cache for another under sqlite3_release_memory or a soft
// heap limit — is used by neither here.
//
//go:linkname pcache1G modernc.org/sqlite/lib._pcache1_g
var pcache1G sqlite3.TPCacheGlobal

func init() {
	if err := separatePageCaches(); err != nil {
		panic(err)
	}
}

func separatePageCaches() error {
	tls := libc.NewTLS()
	defer tls.Close()
	if rc := sqlite3.Xsqlite3_initialize(tls); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("db: sqlite3_initialize: %d", rc)
	}
	if pcache1G.FisInit == 0 {
		return fmt.Errorf("db: SQLite's page cache is not where this build of the driver puts it")
	}
	pcache1G.FseparateCache = 1
	return nil
}
