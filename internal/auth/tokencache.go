package auth

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// TokenCacheTTL is how long an API token's resolution is reused. Every API request asks
// for its token and the token's user — on PostgreSQL a round trip that was one of the two
// statements of a queue page and about a tenth of the serving process's CPU (pprof, a
// million appeals, 16 clients; docs/benchmarks.md). A change made in this process —
// a token revoked, a user disabled, moved to another organisation, given other roles or
// another language — takes effect at once (tokenCache.forget after its commit); one made by
// another process sharing the database reaches this one within the TTL, as the security
// policy does (Policy).
const TokenCacheTTL = 2 * time.Second

// tokenCacheMax bounds the entries; a full cache starts again empty.
const tokenCacheMax = 10_000

// tokenCache maps a token's hash to what AuthenticateToken resolved it to. Only tokens
// that authenticated are kept: an unknown or revoked one always asks the database.
type tokenCache struct {
	gen atomic.Uint64 // bumped by forget: entries of an older generation are stale
	mu  sync.RWMutex
	m   map[string]cachedToken
}

type cachedToken struct {
	actor   Actor // without the request's IP
	last    int64 // last_used_at as stored, to refresh it once a minute
	expires int64
	gen     uint64
	at      time.Time // when it was read
}

// copyFor is the entry's actor for a request from ip, its slices its own.
func (e cachedToken) copyFor(ip string) Actor {
	a := e.actor
	a.Roles, a.Scopes, a.IP = slices.Clone(a.Roles), slices.Clone(a.Scopes), ip
	return a
}

// get returns the entry for hash when it is of the current generation and younger than
// the TTL at now.
func (c *tokenCache) get(hash string, now time.Time) (cachedToken, bool) {
	c.mu.RLock()
	e, ok := c.m[hash]
	c.mu.RUnlock()
	if !ok || e.gen != c.gen.Load() || now.Sub(e.at) >= TokenCacheTTL || now.Before(e.at) {
		return cachedToken{}, false
	}
	return e, true
}

// put keeps e; e.gen is the generation read before the database was asked, so an entry
// read across a forget is stale at once.
func (c *tokenCache) put(hash string, e cachedToken) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= tokenCacheMax {
		c.m = make(map[string]cachedToken)
	}
	c.m[hash] = e
	c.mu.Unlock()
}

// forget makes every entry stale.
func (c *tokenCache) forget() { c.gen.Add(1) }
