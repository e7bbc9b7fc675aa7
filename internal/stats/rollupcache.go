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
// stepping, 93 % of the ranking's cost), and the hot spots sum the intake roll-up's days
// by category and district (hundreds of milliseconds for a year at a million appeals).
// The roll-ups change only when the roll-up job commits a batch (once a minute at most,
// RollupEvery), and every such transaction adds one to stats_watermark.version
// (setWatermark). So the sums are kept per query and period with the version they were
// read at, and a request whose version has not moved reuses them: it is the same answer,
// not an older one. What does not come from the roll-ups (names, the catalogue's tree,
// the settings) is read at every request. A request that reads a newer version sums
// again; requests for the same sums and version that arrive together share one reading
// (singleflight). The version is read before the sums, so kept sums are never older than
// their version says (a roll-up committing in between only makes them newer).

// rollupCacheMax bounds the sums kept (a ranking's period is a map of a few hundred
// departments' counters, ~30 KB; a year's hot spots a few thousand cells). Past it, sums
// of older versions go first, then any.
const rollupCacheMax = 128

type rollupEntry struct {
	version int64
	value   any // read only once stored
}

type rollupCache struct {
	mu      sync.Mutex
	entries map[string]rollupEntry
	flight  singleflight.Group
	// hits and misses count answers from the cache and sums read (tests).
	hits, misses int64
}

// get returns the sums of key as of version, reading them with read when the cache
// holds none of that version.
func (c *rollupCache) get(ctx context.Context, key string, version int64, read func(ctx context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && e.version == version {
		c.hits++
		c.mu.Unlock()
		return e.value, nil
	}
	c.mu.Unlock()
	v, err, _ := c.flight.Do(key+"@"+strconv.FormatInt(version, 10), func() (any, error) {
		// A flight that ended between the look-up above and this one has stored it.
		c.mu.Lock()
		if e, ok := c.entries[key]; ok && e.version >= version {
			c.hits++
			c.mu.Unlock()
			return e.value, nil
		}
		c.mu.Unlock()
		// The request that reads does so without the others' deadlines: they share its
		// answer, and a cancelled first caller would fail them all.
		v, err := read(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.put(key, rollupEntry{version: version, value: v})
		return v, nil
	})
	return v, err
}

func (c *rollupCache) put(key string, e rollupEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.misses++
	if c.entries == nil {
		c.entries = map[string]rollupEntry{}
	}
	if old, ok := c.entries[key]; ok && old.version > e.version {
		return // newer sums were stored meanwhile
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= rollupCacheMax {
		for k, old := range c.entries {
			if old.version < e.version {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < rollupCacheMax {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}

// stats returns the hits and misses so far.
func (c *rollupCache) stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// periodKey names the sums of query over period p for kind.
func periodKey(query string, p Period, kind appeal.Kind) string {
	return query + "/" + strconv.Itoa(int(p.From)) + "/" + strconv.Itoa(int(p.To)) + "/" + string(kind)
}
