// Package search is the full-text search of Yingshang: Chinese text indexed as CJK
// bigrams (tokens.go) in the database's own engine — an FTS5 table on SQLite, a tsvector
// with a GIN index on PostgreSQL — so both engines find the same appeals for the same
// query, and every two-character word is found. See docs/search.md.
//
// The appeal service feeds the index inside the transaction that creates or answers an
// appeal (Engine implements appeal.Indexer), so the index never holds an appeal that does
// not exist and never misses one that does; Rebuild re-indexes after a bulk import. On
// SQLite that write goes to a pending table, which a background folder moves into FTS5 in
// batches (pending.go): search reads both, so an appeal is found from its commit on.
// Answers go through the appeal service's own access rules (Appeals).
package search

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"yingshang/internal/db"
)

// Engine is the search index over one database. It is safe for concurrent use.
type Engine struct {
	db    *db.DB
	prep  *db.Prepared
	freqs pgFreqs // PostgreSQL: the most common terms' shares (pgTermFreqs)
	// live counts the appeals in SQLite's live table, for sealing it (sealLive).
	live struct {
		sync.Mutex
		known bool
		docs  int64
	}
}

const (
	putSQLite   = `INSERT OR REPLACE INTO appeal_fts_pending (appeal_id, terms) VALUES ($1, $2)`
	putFTS      = `INSERT OR REPLACE INTO appeal_fts (rowid, terms) VALUES ($1, $2)`
	putLive     = `INSERT OR REPLACE INTO appeal_fts_live (rowid, terms) VALUES ($1, $2)`
	putPostgres = `INSERT INTO appeal_search (appeal_id, tsv) VALUES ($1, CAST($2 AS tsvector))
		ON CONFLICT (appeal_id) DO UPDATE SET tsv = EXCLUDED.tsv`
	putPostgresBatch = `INSERT INTO appeal_search (appeal_id, tsv)
		SELECT i, CAST(t AS tsvector) FROM unnest(CAST($1 AS bigint[]), CAST($2 AS text[])) AS u(i, t)
		ON CONFLICT (appeal_id) DO UPDATE SET tsv = EXCLUDED.tsv`
)

// New returns the engine over d.
func New(d *db.DB) *Engine {
	e := &Engine{db: d}
	e.prep = d.Prepare(putSQLite, putFTS, putLive, putEnt, putEntL)
	return e
}

// Document is the indexed form of an appeal's text: a tsvector on PostgreSQL, the term
// list between spaces for SQLite's pending table (see pending.go). PutAppeal stores it.
func (e *Engine) Document(title, body string) string {
	terms := Terms(title + "\n" + body)
	if e.db.Engine == db.Postgres {
		return tsvector(terms)
	}
	return " " + strings.Join(terms, " ") + " "
}

// PutAppeal (re)indexes appeal id with doc, the Document of its title and body (the body
// includes the replies when there are any). It joins the transaction in ctx. scopeOrgID
// is not stored: access is decided by the appeal service at answer time. On SQLite the
// appeal goes to the pending table, where search finds it at once and Fold moves it into
// FTS5.
func (e *Engine) PutAppeal(ctx context.Context, id, scopeOrgID int64, doc string) error {
	q := putSQLite
	if e.db.Engine == db.Postgres {
		q = putPostgres
	}
	if _, err := e.prep.Exec(ctx, q, id, doc); err != nil {
		return fmt.Errorf("search: index appeal %d: %w", id, err)
	}
	return nil
}

// A rebuild after a bulk import indexes bulkBatch appeals per transaction and leaves the
// merging to FTS5's crisis merges (64 segments of a level at once): at ten million
// appeals, merging four at a time after every batch of 2,000 rewrote the index six times
// over and slowed to 2,900 appeals/s. The catch-up job on a live database indexes
// liveBatch at a time, so that intake waits at most a moment.
var (
	bulkBatch = 20_000
	liveBatch = 2000
)

// Rebuild indexes every appeal with id ≥ fromID from the appeals table (title, body and
// the reply) in large transactions, calling progress after each with the number done so
// far, and compacts the index after a large run (compactAfter). It returns how many
// appeals it indexed.
// Used after a bulk import and to repair an index; CatchUp is the live variant.
//
// The writer gets a bulk load's page cache meanwhile (db.BulkCacheMB; Rebuild runs in the
// import and bench commands, not in serve): an enterprise's copy (copies.go) goes
// anywhere in its table's row sizes (FTS5's docsize B-tree, keyed by rowid), and with the
// writer's usual 16 MB those pages were read back from the kernel at every insert.
func (e *Engine) Rebuild(ctx context.Context, fromID int64, progress func(done int)) (int, error) {
	restore, err := e.db.BulkWriter(ctx, false)
	if err != nil {
		return 0, fmt.Errorf("search: rebuild: %w", err)
	}
	defer restore()
	n, err := e.rebuild(ctx, fromID, progress, bulkBatch)
	if err2 := e.mergeSettings(context.WithoutCancel(ctx), false); err == nil {
		err = err2
	}
	return n, err
}

// FTS5 settings of the history's tables (appeal_fts and its copies, entBase) for a bulk
// rebuild and for the rest of the time. FTS5 writes a transaction's new terms as a
// segment at its commit, and a new segment every hashsize bytes before it (1 MB by
// default), and merges a level's segments once crisismerge of them are there (64, the
// migrations' value), reading them back and deleting them. During a rebuild a
// transaction's terms are one segment (bulkHashSize holds a bulkBatch's) and no level is
// merged below bulkCrisisMerge segments (FTS5 allows 2,000 in all): a rebuild of ten
// million writes 500 segments a table, which its compaction merges once (a million
// appeals rebuilt in 121.0 / 127.6 → 99.5 / 98.4 s, measured while FTS5's deletes still
// scanned the index, db.FixFTSStats). The catch-up (small runs beside intake) and
// everything after a rebuild use the usual settings, which any run of the catch-up
// writes back should a rebuild have been stopped before it restored them.
const (
	bulkCrisisMerge = 1000
	bulkHashSize    = 64 << 20
	liveCrisisMerge = 64
	liveHashSize    = 1 << 20
)

// mergeSettings writes the bulk or the usual merge settings (above) of the history's
// tables on SQLite.
func (e *Engine) mergeSettings(ctx context.Context, bulk bool) error {
	if e.db.Engine != db.SQLite {
		return nil
	}
	crisis, hash := liveCrisisMerge, liveHashSize
	if bulk {
		crisis, hash = bulkCrisisMerge, bulkHashSize
	}
	for _, t := range []string{"appeal_fts", entBase} {
		for _, kv := range []struct {
			k string
			v int
		}{{"crisismerge", crisis}, {"hashsize", hash}} {
			if _, err := e.db.W.ExecContext(ctx, `INSERT INTO `+t+` (`+t+`, rank) VALUES ($1, $2)`, kv.k, kv.v); err != nil {
				return fmt.Errorf("search: %s of %s: %w", kv.k, t, err)
			}
		}
	}
	return nil
}

func (e *Engine) rebuild(ctx context.Context, fromID int64, progress func(done int), batch int) (int, error) {
	if err := e.mergeSettings(ctx, batch == bulkBatch); err != nil {
		return 0, err
	}
	done := 0
	next := fromID
	type doc struct {
		id, org                int64
		title, body, replyText string
	}
	for {
		rows, err := e.db.R.QueryContext(ctx, `SELECT id, title, body, reply_text, COALESCE(enterprise_org_id, 0) FROM appeals WHERE id >= $1 ORDER BY id LIMIT $2`, next, batch)
		if err != nil {
			return done, fmt.Errorf("search: rebuild: %w", err)
		}
		var docs []doc
		for rows.Next() {
			var d doc
			if err := rows.Scan((*db.Int64)(&d.id), &d.title, &d.body, &d.replyText, (*db.Int64)(&d.org)); err != nil {
				rows.Close()
				return done, fmt.Errorf("search: rebuild: %w", err)
			}
			docs = append(docs, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, fmt.Errorf("search: rebuild: %w", err)
		}
		if len(docs) == 0 {
			if done < compactAfter {
				return done, nil
			}
			return done, e.compact(ctx)
		}
		err = e.db.WithTx(ctx, func(ctx context.Context) error {
			// PostgreSQL takes the batch as two arrays in one statement (one statement per
			// appeal made the index of ten million appeals take most of an hour).
			// SQLite gets the enterprises' copies too (copies.go), in rowid order after the
			// appeals.
			var ids []int64
			var vecs []string
			var copies []copyDoc
			for _, d := range docs {
				if e.db.Engine == db.Postgres {
					ids, vecs = append(ids, d.id), append(vecs, tsvector(Terms(indexedText(d.title, d.body, d.replyText))))
					continue
				}
				terms := strings.Join(Terms(indexedText(d.title, d.body, d.replyText)), " ")
				if _, err := e.prep.Exec(ctx, putFTS, d.id, terms); err != nil {
					return fmt.Errorf("search: index appeal %d: %w", d.id, err)
				}
				if cp, ok := copyRowid(d.org, d.id); ok {
					copies = append(copies, copyDoc{cp, terms})
				}
			}
			if err := e.putCopies(ctx, putEnt, copies); err != nil {
				return err
			}
			if len(ids) > 0 {
				if _, err := e.db.Q(ctx).ExecContext(ctx, putPostgresBatch, ids, vecs); err != nil {
					return fmt.Errorf("search: index appeals %d–%d: %w", ids[0], ids[len(ids)-1], err)
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done += len(docs)
		next = docs[len(docs)-1].id + 1
		if progress != nil {
			progress(done)
		}
	}
}

// compactAfter is how many appeals a Rebuild indexes before it compacts the index (the
// catch-up's small runs leave it as it is).
var compactAfter = 100_000

// mergePages is how many leaf pages one step of compactSteps writes at least (400 MB): a
// step is a transaction of its own, and holds SQLite's only writer that long. Each step
// pays for setting the merge up again, which grows with the index (about 3 s at a
// million appeals): the million-appeal index of about 48,000 pages merged in 8.9 s as one step,
// 13.5 s in 2 steps of 40,000 pages, 19.4 s in 3 of 16,000, 45.5 s in 12 of 4,000.
var mergePages = 100_000

// compactSteps merges every segment of the SQLite index into one, as 'optimize' does, in
// steps of mergePages leaf pages, each its own transaction: FTS5's 'merge' command with a
// negative page count starts the merge of all segments, and each positive one goes on
// with it, until a step does nothing (SQLite's total changes move by less than 2, as
// FTS5's documentation says). FTS5's 'optimize' does the same work in pieces of 1,000
// pages, setting the merge up again for each: at 1,150,000 appeals (36 segments after the
// rebuild) it took 163.7 s against 8.9 s here, and at ten million it was unfinished after
// 40 minutes. A step ends only between terms.
func (e *Engine) compactSteps(ctx context.Context, table string) (steps int, err error) {
	for pages := -mergePages; ; pages = mergePages {
		did, err := e.mergeStep(ctx, table, pages)
		if err != nil {
			return steps, fmt.Errorf("search: compact: %w", err)
		}
		if !did {
			return steps, nil
		}
		steps++
	}
}

// mergeStep runs one FTS5 'merge' of pages leaf pages in table (appeal_fts or entBase)
// and reports whether it merged anything. The writer's connection is held for the step
// only.
func (e *Engine) mergeStep(ctx context.Context, table string, pages int) (bool, error) {
	conn, err := e.db.W.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var before, after int64
	if err := conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
		return false, err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO `+table+` (`+table+`, rank) VALUES ('merge', $1)`, pages); err != nil {
		return false, err
	}
	if err := conn.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
		return false, err
	}
	return after-before >= 2, nil
}

// compact merges the index (and the enterprises' copies) after a large rebuild: FTS5 keeps each transaction's terms as a
// segment of its own and a query reads every segment (merged into one: at 1,000,000
// appeals, 融资 within one enterprise 217 ms → 30 ms), in steps (compactSteps) at any size;
// PostgreSQL's GIN index gets its pending entries merged and the planner its statistics
// (VACUUM does not block writers).
func (e *Engine) compact(ctx context.Context) error {
	if e.db.Engine == db.SQLite {
		for _, t := range []string{"appeal_fts", entBase} {
			if _, err := e.compactSteps(ctx, t); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := e.db.W.ExecContext(ctx, `VACUUM ANALYZE appeal_search`); err != nil {
		return fmt.Errorf("search: compact: %w", err)
	}
	return nil
}

// A Hit is a matching appeal and its relevance (higher is better).
type Hit struct {
	ID    int64
	Score float64
}

// Match returns up to max appeals matching q, the most relevant first. Among very many
// matches it ranks the newest max of them (a hotline looks for recent cases first; a
// ranking of all million matches of 企业 would help nobody and cost seconds).
func (e *Engine) Match(ctx context.Context, q Query, max int) ([]Hit, error) {
	if q.Empty() || max <= 0 {
		return nil, nil
	}
	var hits []Hit
	var err error
	if e.db.Engine == db.Postgres {
		hits, err = e.pgNewest(ctx, q, false, max, true)
	} else {
		hits, err = e.ftsHits(ctx, q.fts5(), max, true)
	}
	if err != nil {
		return nil, err
	}
	if e.db.Engine == db.SQLite {
		if hits, err = e.withPending(ctx, q, hits, max); err != nil {
			return nil, err
		}
	}
	rankHits(hits)
	return hits, nil
}

// CatchUp indexes the appeals newer than the newest indexed one (appeals written by a bulk
// import, or all of them in a database that had appeals before the index existed), in
// small transactions: it runs as periodic background work beside
// intake; with nothing to do it costs two index look-ups.
func (e *Engine) CatchUp(ctx context.Context) (int, error) {
	indexed, newest, err := e.Behind(ctx)
	if err != nil || newest <= indexed {
		return 0, err
	}
	return e.rebuild(ctx, indexed+1, nil, liveBatch)
}

// Behind returns the newest indexed appeal id and the newest appeal id: the index is
// complete when they are equal.
func (e *Engine) Behind(ctx context.Context) (indexed, newest int64, err error) {
	if e.db.Engine == db.Postgres {
		if err := e.db.R.QueryRowContext(ctx, `SELECT COALESCE(MAX(appeal_id), 0) FROM appeal_search`).Scan(&indexed); err != nil {
			return 0, 0, fmt.Errorf("search: catch up: %w", err)
		}
	} else {
		tables, err := e.ftsTables(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("search: catch up: %w", err)
		}
		for _, t := range tables {
			n, err := e.newestIn(ctx, t)
			if err != nil {
				return 0, 0, fmt.Errorf("search: catch up: %w", err)
			}
			indexed = max(indexed, n)
		}
		var p int64
		if err := e.db.R.QueryRowContext(ctx, `SELECT COALESCE(MAX(appeal_id), 0) FROM appeal_fts_pending`).Scan(&p); err != nil {
			return 0, 0, fmt.Errorf("search: catch up: %w", err)
		}
		indexed = max(indexed, p)
	}
	if err := e.db.R.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM appeals`).Scan(&newest); err != nil {
		return 0, 0, fmt.Errorf("search: catch up: %w", err)
	}
	return indexed, newest, nil
}

// any returns the newest max appeals holding at least one of terms.
func (e *Engine) any(ctx context.Context, terms []string, max int) ([]int64, error) {
	var q Query
	for _, t := range terms {
		q.Groups = append(q.Groups, []string{t})
		q.Prefix = append(q.Prefix, false)
	}
	var hits []Hit
	var err error
	if e.db.Engine == db.Postgres {
		hits, err = e.pgNewest(ctx, q, true, max, false)
	} else {
		hits, err = e.ftsHits(ctx, strings.ReplaceAll(q.fts5(), " AND ", " OR "), max, false)
	}
	if err != nil {
		return nil, fmt.Errorf("search: similar: %w", err)
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	if e.db.Engine == db.SQLite {
		return e.anyPending(ctx, terms, ids, max)
	}
	return ids, nil
}
