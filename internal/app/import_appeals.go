package app

import (
	"context"
	"fmt"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
)

// appealIndex is what a bulk load needs of the search engine: index every appeal from an
// id on, in batches (internal/search's Engine.Rebuild).
type appealIndex interface {
	Rebuild(ctx context.Context, fromID int64, progress func(done int)) (int, error)
}

// searchIndex is the search engine's rebuilder, or nil when the application has none.
func (a *App) searchIndex() appealIndex {
	if a.Search == nil {
		return nil
	}
	return a.Search
}

// BulkAfter says what completing a bulk load took.
type BulkAfter struct {
	Rollup  time.Duration
	Search  time.Duration
	Indexed int
}

// ImportAppeals imports historic appeals read from a file (appeal.ReadBulkFile), then
// rebuilds the statistics roll-up and indexes the new appeals for search.
func (a *App) ImportAppeals(ctx context.Context, actor auth.Actor, f appeal.BulkFile, o appeal.BulkOptions) (appeal.BulkResult, BulkAfter, error) {
	res, err := a.Appeal.ImportAppeals(ctx, actor, f.Rows, f.RowNums, f.Errors, o)
	if err != nil || res.Imported == 0 {
		return res, BulkAfter{}, err
	}
	after, err := a.afterBulk(ctx, res.FirstID, nil)
	return res, after, err
}

// BulkLoadAppeals writes generated rows (the benchmark) and completes the load like
// ImportAppeals; indexed, if set, follows the search indexing.
func (a *App) BulkLoadAppeals(ctx context.Context, next func() (appeal.BulkRow, bool), o appeal.BulkOptions, indexed func(done int)) (appeal.BulkResult, BulkAfter, error) {
	res, err := a.Appeal.BulkLoad(ctx, auth.CLI(), next, o)
	if err != nil || res.Imported == 0 {
		return res, BulkAfter{}, err
	}
	after, err := a.afterBulk(ctx, res.FirstID, indexed)
	return res, after, err
}

func (a *App) afterBulk(ctx context.Context, firstID int64, indexed func(done int)) (BulkAfter, error) {
	var out BulkAfter
	t := time.Now()
	if _, err := a.Stats.RebuildRollup(ctx); err != nil {
		return out, fmt.Errorf("app: roll-up after the import: %w", err)
	}
	out.Rollup = time.Since(t)
	if idx := a.searchIndex(); idx != nil {
		t = time.Now()
		n, err := idx.Rebuild(ctx, firstID, indexed)
		if err != nil {
			return out, fmt.Errorf("app: search index after the import: %w", err)
		}
		out.Search, out.Indexed = time.Since(t), n
	}
	return out, nil
}
