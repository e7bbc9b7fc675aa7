package stats

import (
	"context"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"

	"yingshang/internal/appeal"
)

// The 三率 ranking sums the roll-up's month and day rows of every department over the
// period (countsByOrg: a year at ten million appeals is 3,648 rows, about 3 ms of SQLite
// stepping, 93 % of the ranking's cost). The roll-up changes only when the roll-up job
// commits a batch (once a minute at most, RollupEvery), and every such transaction adds
// one to stats_watermark.version (setWatermark). So the sums are kept per period and kind
// with the version they were read at, and a ranking whose version has not moved reuses
// them: it is the same answer, not an older one. A request that reads a newer version
// sums again; requests for the same period and version that arrive together share one
// sum (singleflight). The version is read before the sums, so a kept sum is never older
// than its version says (a roll-up committing in between only makes it newer).

// rankCacheMax bounds the periods kept (a period is a map of a few hundred departments'
// counters, ~30 KB). Past it, sums of older versions go first, then any.
const rankCacheMax = 128

type rankKey struct {
	from, to Day
	kind     appeal.Kind
}

type rankEntry struct {
	version int64
	counts  map[int64]Counts // read only once stored
}

type rankCache struct {
	mu      sync.Mutex
	entries map[rankKey]rankEntry
	flight  singleflight.Group
	// hits and misses count answers from the cache and sums read (tests).
	hits, misses int64
}

// counts returns the period's sums as of version, reading them with read when the cache
// holds none of that version.
func (c *rankCache) counts(ctx context.Context, k rankKey, version int64, read func(ctx context.Context) (map[int64]Counts, error)) (map[int64]Counts, error) {
	c.mu.Lock()
	if e, ok := c.entries[k]; ok && e.version == version {
		c.hits++
		c.mu.Unlock()
		return e.counts, nil
	}
	c.mu.Unlock()
	flightKey := strconv.Itoa(int(k.from)) + "/" + strconv.Itoa(int(k.to)) + "/" + string(k.kind) + "@" + strconv.FormatInt(version, 10)
	v, err, _ := c.flight.Do(flightKey, func() (any, error) {
		// A flight that ended between the look-up above and this one has stored it.
		c.mu.Lock()
		if e, ok := c.entries[k]; ok && e.version >= version {
			c.hits++
			c.mu.Unlock()
			return e.counts, nil
		}
		c.mu.Unlock()
		// The request that sums does so without the others' deadlines: they share its
		// answer, and a cancelled first caller would fail them all.
		m, err := read(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.put(k, rankEntry{version: version, counts: m})
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]Counts), nil
}

func (c *rankCache) put(k rankKey, e rankEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.misses++
	if c.entries == nil {
		c.entries = map[rankKey]rankEntry{}
	}
	if old, ok := c.entries[k]; ok && old.version > e.version {
		return // a newer sum was stored meanwhile
	}
	if _, ok := c.entries[k]; !ok && len(c.entries) >= rankCacheMax {
		for key, old := range c.entries {
			if old.version < e.version {
				delete(c.entries, key)
			}
		}
		for key := range c.entries {
			if len(c.entries) < rankCacheMax {
				break
			}
			delete(c.entries, key)
		}
	}
	c.entries[k] = e
}

// stats returns the hits and misses so far.
func (c *rankCache) stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}
