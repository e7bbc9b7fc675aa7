package db

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
)

// BulkCacheMB is a bulk load's page cache for the writer (BulkWriter).
const BulkCacheMB = 512

// maxIndexCacheMB bounds IndexCacheMB. SQLite's cache is allocated a page at a time and
// each page (4 KB and its header) takes an 8 KB block of modernc's allocator: a 2 GB
// cache held about 4.2 GB of resident memory in the ten-million rebuild.
const maxIndexCacheMB = 2048

// IndexCacheMB is the writer's page cache for rebuilding SQLite's search index after a
// bulk load: an eighth of the memory the kernel reports available, at least BulkCacheMB
// and at most 2 GB (BulkCacheMB where /proc/meminfo cannot be read). An enterprise's
// copies of its appeals' terms (internal/search) go anywhere among the copies' row sizes,
// and FTS5 reads back and deletes the small segments it merges a few minutes after
// writing them: at ten million appeals, with 512 MB those pages had left the cache
// before they were merged and every merge read them again a page at a time from the
// file — three quarters of the rebuild's time, which had slowed to about 1,300
// appeals/s; with 2 GB it kept about 6,500/s (docs/benchmarks.md).
func IndexCacheMB() int {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return BulkCacheMB
	}
	defer f.Close()
	return indexCacheMB(memAvailableMB(f))
}

// indexCacheMB is IndexCacheMB for availMB of memory available (0: unknown).
func indexCacheMB(availMB int) int {
	if availMB <= 0 {
		return BulkCacheMB
	}
	return min(maxIndexCacheMB, max(BulkCacheMB, availMB/8))
}

// memAvailableMB reads MemAvailable from a /proc/meminfo text, in MB (0: not found).
func memAvailableMB(r io.Reader) int {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		if err != nil || kb < 0 {
			return 0
		}
		return kb / 1024
	}
	return 0
}
