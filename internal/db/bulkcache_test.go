package db_test

import (
	"context"
	"testing"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// A bulk load's writer has BulkCacheMB of page cache and, when asked, the file mapped;
// restore gives it back its usual settings.
func TestBulkWriterSettingsAndRestore(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	pragma := func(name string) int64 {
		t.Helper()
		var v int64
		if err := d.W.QueryRowContext(ctx, `PRAGMA `+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	usualCache, usualMap := pragma("cache_size"), pragma("mmap_size")
	if usualCache == -1024*db.BulkCacheMB {
		t.Fatalf("the writer's usual cache is already the bulk one (%d)", usualCache)
	}
	restore, err := d.BulkWriter(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := pragma("cache_size"); got != -1024*db.BulkCacheMB {
		t.Errorf("cache_size during the load = %d, want %d", got, -1024*db.BulkCacheMB)
	}
	if got := pragma("mmap_size"); got <= 0 {
		t.Errorf("mmap_size during the load = %d, want the file mapped", got)
	}
	restore()
	if got := pragma("cache_size"); got != usualCache {
		t.Errorf("cache_size after restore = %d, want %d", got, usualCache)
	}
	if got := pragma("mmap_size"); got != usualMap {
		t.Errorf("mmap_size after restore = %d, want %d", got, usualMap)
	}
	// Without mapFile the file stays unmapped.
	restore, err = d.BulkWriter(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	if got := pragma("mmap_size"); got != usualMap {
		t.Errorf("mmap_size without mapFile = %d, want %d", got, usualMap)
	}
}
