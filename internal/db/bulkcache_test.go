package db

import (
	"strings"
	"testing"
)

func TestIndexCacheFollowsAvailableMemory(t *testing.T) {
	const meminfo = "MemTotal:       24683620 kB\nMemFree:         3720000 kB\nMemAvailable:   23287400 kB\nBuffers:           12345 kB\n"
	if got := memAvailableMB(strings.NewReader(meminfo)); got != 22741 {
		t.Errorf("MemAvailable read as %d MB, want 22741", got)
	}
	for _, bad := range []string{"", "MemTotal: 100 kB\n", "MemAvailable: lots kB\n", "MemAvailable: -5 kB\n"} {
		if got := memAvailableMB(strings.NewReader(bad)); got != 0 {
			t.Errorf("memAvailableMB(%q) = %d, want 0", bad, got)
		}
	}
	for _, c := range []struct{ avail, want int }{
		{0, BulkCacheMB},         // unknown
		{2000, BulkCacheMB},      // small machine: never below a load's cache
		{8192, 1024},             // an eighth
		{22741, maxIndexCacheMB}, // bounded
	} {
		if got := indexCacheMB(c.avail); got != c.want {
			t.Errorf("indexCacheMB(%d) = %d, want %d", c.avail, got, c.want)
		}
	}
	if got := IndexCacheMB(); got < BulkCacheMB || got > maxIndexCacheMB {
		t.Errorf("IndexCacheMB() = %d, outside [%d, %d]", got, BulkCacheMB, maxIndexCacheMB)
	}
}
