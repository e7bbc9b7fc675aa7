package appeal

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"yingshang/internal/db"
)

// CatalogueTTL is how long a process reuses the dispatch catalogue it read, as it does
// the settings (settingsTTL): a queue page filtered by a category asked for the category
// by its code and then for its subtree — two of the page's three statements on
// PostgreSQL, planned at every run —, and every intake asked for its category. A change
// made in this process (CreateCategory, UpdateCategory, SetDefaultDepartments,
// EnsureDefaults) is seen at once, once committed; one made by another process sharing
// the database within the TTL.
const CatalogueTTL = 10 * time.Second

// catalogue is the dispatch catalogue as read at one moment; it is never changed, and
// what leaves it is copied.
type catalogue struct {
	byID     map[int64]Category
	byCode   map[string]int64
	children map[int64][]int64 // each category's children in id order
}

// catalogueCache holds the catalogue this process last read.
type catalogueCache struct {
	mu  sync.Mutex
	c   *catalogue
	at  time.Time
	gen uint64 // bumped by forget: a read that began before it is not kept
}

// catalogue returns the catalogue, read again when the copy is older than the TTL.
// Inside a transaction it is read through it and not kept: the transaction may have
// changed it.
func (s *Service) catalogue(ctx context.Context) (*catalogue, error) {
	now := s.now()
	inTx := db.InTx(ctx)
	cc := &s.cat
	cc.mu.Lock()
	c, at, gen := cc.c, cc.at, cc.gen
	cc.mu.Unlock()
	if !inTx && c != nil && now.Sub(at) < CatalogueTTL && !now.Before(at) {
		return c, nil
	}
	c, err := s.readCatalogue(ctx)
	if err != nil || inTx {
		return c, err
	}
	cc.mu.Lock()
	if cc.gen == gen {
		cc.c, cc.at = c, now
	}
	cc.mu.Unlock()
	return c, nil
}

// forgetCatalogue drops this process's copy once the transaction in ctx commits.
func (s *Service) forgetCatalogue(ctx context.Context) {
	db.AfterCommit(ctx, func() {
		s.cat.mu.Lock()
		s.cat.c = nil
		s.cat.gen++
		s.cat.mu.Unlock()
	})
}

func (s *Service) readCatalogue(ctx context.Context) (*catalogue, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT `+categoryCols+` FROM appeal_categories`)
	if err != nil {
		return nil, fmt.Errorf("appeal: catalogue: %w", err)
	}
	defer rows.Close()
	c := &catalogue{byID: map[int64]Category{}, byCode: map[string]int64{}, children: map[int64][]int64{}}
	for rows.Next() {
		cat, err := scanCategory(rows)
		if err != nil {
			return nil, fmt.Errorf("appeal: catalogue: %w", err)
		}
		c.byID[cat.ID], c.byCode[cat.Code] = cat, cat.ID
		if cat.ParentID != 0 {
			c.children[cat.ParentID] = append(c.children[cat.ParentID], cat.ID)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appeal: catalogue: %w", err)
	}
	for _, ids := range c.children {
		slices.Sort(ids)
	}
	return c, nil
}

// get returns a copy of category id (its limits its own).
func (c *catalogue) get(id int64) (Category, bool) {
	cat, ok := c.byID[id]
	if !ok {
		return Category{}, false
	}
	cat.Limits = cat.Limits.clone()
	return cat, true
}

// clone copies the limits a set points to.
func (ls LimitSet) clone() LimitSet {
	for _, l := range []**Limit{&ls.Claim, &ls.Handle, &ls.Callback} {
		if *l != nil {
			c := **l
			*l = &c
		}
	}
	return ls
}

// subtree lists category id and its descendants down to maxCategoryDepth levels below
// it, the category first and then level by level, each level in id order (as
// categoryTreeSQL did); none when it does not exist.
func (c *catalogue) subtree(id int64) []int64 {
	if _, ok := c.byID[id]; !ok {
		return nil
	}
	out := []int64{id}
	level := []int64{id}
	for depth := 0; depth < maxCategoryDepth && len(level) > 0; depth++ {
		var next []int64
		for _, p := range level {
			next = append(next, c.children[p]...)
		}
		slices.Sort(next)
		out = append(out, next...)
		level = next
	}
	return out
}
