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
// copies of its appeals' terms (internal/search) go anywhere among the copies' row sizes
// (FTS5's docsize B-tree, keyed by rowid: about 300 MB at ten million appeals), and a
// rebuild's merges read back segments written minutes before. The ten-million figures
// that led to it (about 6,500 appeals/s against 1,300 over the same stretch with 512 MB)
// were taken while FTS5's deletes of merged segments still scanned the whole index
// (FixFTSStats), which a larger cache partly absorbed; docs/benchmarks.md has the rebuild
// with both.
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
