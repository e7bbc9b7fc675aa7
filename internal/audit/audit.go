// Package audit is the append-only, hash-chained log of every change and every read of
// personal data. Each entry's hash covers its fields and the previous entry's hash, so an
// entry changed or removed behind the application's back breaks the chain at that point;
// the tables refuse UPDATE and DELETE (triggers), and `yingshang audit verify` walks the
// chain. Entries are written inside the transaction of the change they record: a change
// that rolls back leaves no trace, and a trace never exists without its change.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"yingshang/internal/db"
)

// Subject is who acted (auth.Actor implements it).
type Subject interface {
	AuditID() int64
	AuditName() string
	AuditIP() string
}

// Entry is one line of the log.
type Entry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	ActorIP    string    `json:"actor_ip"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Result     string    `json:"result"`
	Summary    string    `json:"summary"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
	// Chain is the hash chain the entry belongs to (1 on SQLite; 1–8 on PostgreSQL).
	Chain int `json:"-"`
}

// Log writes and reads the audit log.
type Log struct {
	db     *db.DB
	now    func() time.Time
	prep   *db.Prepared
	head   string // the statement that reads (and on PostgreSQL locks) a chain's head
	chains int    // how many chains transactions spread over
	next   atomic.Uint64
}

// pgChains is how many hash chains the log has on PostgreSQL (migration 00017). A
// transaction holds its chain's head locked from its append until it commits, so with one
// chain every change of every process waited for the previous one's commit; with eight,
// eight commit at once. SQLite has one writer at a time and keeps one chain.
const pgChains = 8

const (
	appendSQL = `INSERT INTO audit_log
			(at, actor_id, actor_name, actor_ip, action, object_type, object_id, result, summary, prev_hash, hash, chain)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`
	moveHeadSQL = `UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = $3`
)

// New returns the log on d; now may be nil for the wall clock. Every change of the
// platform appends here, so the three statements of an append are prepared once.
func New(d *db.DB, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	head := `SELECT last_id, last_hash FROM audit_head WHERE id = $1`
	chains := 1
	if d.Engine == db.Postgres {
		head += ` FOR UPDATE`
		chains = pgChains
	}
	return &Log{db: d, now: now, head: head, chains: chains, prep: d.Prepare(head, appendSQL, moveHeadSQL)}
}

// Change is a before/after summary of what changed.
type Change struct {
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Record appends an entry, inside the transaction in ctx (or its own). summary is encoded
// as JSON unless it is already a string.
func (l *Log) Record(ctx context.Context, who Subject, action, objectType, objectID string, summary any) error {
	return l.RecordResult(ctx, who, action, objectType, objectID, "ok", summary)
}

// RecordResult is Record with an explicit result ("ok", "denied", "failed").
func (l *Log) RecordResult(ctx context.Context, who Subject, action, objectType, objectID, result string, summary any) error {
	s, err := encodeSummary(summary)
	if err != nil {
		return err
	}
	e := Entry{
		At:         l.now().UTC().Truncate(time.Millisecond),
		ActorID:    who.AuditID(),
		ActorName:  who.AuditName(),
		ActorIP:    who.AuditIP(),
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		Result:     result,
		Summary:    s,
	}
	// Inside a transaction the entry waits for the commit: the chain's head is locked (on
	// PostgreSQL) only while the transaction's entries are appended, just before it
	// commits, so concurrent changes are serialised for a few statements, not for their
	// whole transactions. It still commits or rolls back with the change.
	if v, created, ok := db.TxLocal(ctx, l, func() any { return &pending{} }); ok {
		p := v.(*pending)
		p.entries = append(p.entries, e)
		if created {
			return db.BeforeCommit(ctx, func(ctx context.Context) error { return l.append(ctx, p.entries) })
		}
		return nil
	}
	return l.db.WithTx(ctx, func(ctx context.Context) error { return l.append(ctx, []Entry{e}) })
}

// pending are a transaction's entries not yet appended.
type pending struct{ entries []Entry }

// append chains entries onto the head of one chain (the next in turn), in the transaction
// in ctx.
func (l *Log) append(ctx context.Context, entries []Entry) error {
	chain := 1 + int(l.next.Add(1)%uint64(l.chains))
	var lastID int64
	var prev string
	if err := l.prep.WRow(ctx, l.head, chain).Scan(&lastID, &prev); err != nil {
		return fmt.Errorf("audit: read head: %w", err)
	}
	for i := range entries {
		e := &entries[i]
		e.Chain = chain
		e.PrevHash = prev
		e.Hash = hashEntry(*e)
		var actorID any
		if e.ActorID != 0 {
			actorID = e.ActorID
		}
		id, err := l.prep.Insert(ctx, appendSQL,
			db.Millis(e.At), actorID, e.ActorName, e.ActorIP, e.Action, e.ObjectType, e.ObjectID,
			e.Result, e.Summary, e.PrevHash, e.Hash, chain)
		if err != nil {
			return fmt.Errorf("audit: append: %w", err)
		}
		e.ID = id
		prev, lastID = e.Hash, e.ID
	}
	if _, err := l.prep.Exec(ctx, moveHeadSQL, lastID, prev, chain); err != nil {
		return fmt.Errorf("audit: move head: %w", err)
	}
	return nil
}

func encodeSummary(summary any) (string, error) {
	switch s := summary.(type) {
	case nil:
		return "", nil
	case string:
		return s, nil
	default:
		b, err := json.Marshal(s)
		if err != nil {
			return "", fmt.Errorf("audit: encode summary: %w", err)
		}
		return string(b), nil
	}
}

// hashEntry covers every field but the id (assigned by the database) and the hash itself.
// Fields are length-prefixed ("len:field;") so no two different entries share an input.
// The input is built in one buffer (it was written through fmt, a seventh of an append's
// time in the single writer's turn); the bytes are as before, or older chains would no
// longer verify (TestHashInputUnchanged).
func hashEntry(e Entry) string {
	fields := [...]string{
		e.PrevHash,
		strconv.FormatInt(db.Millis(e.At), 10),
		strconv.FormatInt(e.ActorID, 10),
		e.ActorName, e.ActorIP, e.Action, e.ObjectType, e.ObjectID, e.Result, e.Summary,
	}
	n := 0
	for _, f := range fields {
		n += len(f) + 8
	}
	buf := make([]byte, 0, n)
	for _, f := range fields {
		buf = strconv.AppendInt(buf, int64(len(f)), 10)
		buf = append(buf, ':')
		buf = append(buf, f...)
		buf = append(buf, ';')
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

const entryColumns = `id, at, COALESCE(actor_id, 0), actor_name, actor_ip, action, object_type, object_id, result, summary, prev_hash, hash, chain`

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at int64
	err := sc.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.ActorIP, &e.Action, &e.ObjectType,
		&e.ObjectID, &e.Result, &e.Summary, &e.PrevHash, &e.Hash, &e.Chain)
	e.At = db.FromMillis(at)
	return e, err
}

// VerifyResult reports a walk of the chain.
type VerifyResult struct {
	Checked int
	Chains  int // how many chains were walked
	// Bad is the first entry whose hash or link is wrong (nil when the chain holds).
	Bad    *Entry
	Reason string
}

// Verify walks the log in id order, in batches, and stops at the first bad entry; each
// entry must link to the one before it on its chain. It reads the chains' heads first and
// checks each chain up to its head, so entries appended while it walks (the server keeps
// running) are left for the next run instead of looking like a break.
func (l *Log) Verify(ctx context.Context) (VerifyResult, error) {
	var res VerifyResult
	type head struct {
		id   int64
		hash string
	}
	heads := map[int]head{}
	var last int64 // the highest head
	rows, err := l.db.R.QueryContext(ctx, `SELECT id, last_id, last_hash FROM audit_head`)
	if err != nil {
		return res, fmt.Errorf("audit: verify: heads: %w", err)
	}
	for rows.Next() {
		var c int
		var h head
		if err := rows.Scan(&c, &h.id, &h.hash); err != nil {
			rows.Close()
			return res, fmt.Errorf("audit: verify: heads: %w", err)
		}
		heads[c] = h
		last = max(last, h.id)
		res.Chains++
	}
	if err := db.RowsErr(rows); err != nil {
		return res, fmt.Errorf("audit: verify: heads: %w", err)
	}
	prev := map[int]string{}  // each chain's hash so far
	lastOf := map[int]int64{} // and its last entry
	var after int64
	for {
		rows, err := l.db.R.QueryContext(ctx, `SELECT `+entryColumns+` FROM audit_log WHERE id > $1 AND id <= $2 ORDER BY id LIMIT 5000`, after, last)
		if err != nil {
			return res, fmt.Errorf("audit: verify: %w", err)
		}
		n := 0
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				rows.Close()
				return res, err
			}
			n++
			after = e.ID
			h, known := heads[e.Chain]
			switch {
			case !known:
				res.Bad, res.Reason = &e, "the entry names a chain that has no head"
			case e.ID > h.id:
				continue // appended after the heads were read
			case e.PrevHash != prev[e.Chain]:
				res.Bad, res.Reason = &e, "broken link: prev_hash does not match the previous entry's hash"
			case hashEntry(e) != e.Hash:
				res.Bad, res.Reason = &e, "hash mismatch: the entry was changed after it was written"
			}
			if res.Bad != nil {
				rows.Close()
				return res, nil
			}
			res.Checked++
			prev[e.Chain], lastOf[e.Chain] = e.Hash, e.ID
		}
		if err := db.RowsErr(rows); err != nil {
			return res, err
		}
		if n == 0 {
			break
		}
	}
	for c, h := range heads {
		if h.hash != prev[c] {
			res.Reason = "the head does not match the last entry: entries at the end were removed"
			res.Bad = &Entry{ID: lastOf[c], Hash: prev[c], Chain: c}
			break
		}
	}
	return res, nil
}

// Filter selects entries for the auditor's list.
type Filter struct {
	ActorName  string
	Action     string
	ObjectType string
	ObjectID   string
	From, To   time.Time
	// BeforeID pages backwards from the newest.
	BeforeID int64
	Limit    int
}

// List returns entries newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.ActorName != "" {
		add("actor_name = ?", f.ActorName)
	}
	if f.Action != "" {
		add("action LIKE ?", f.Action+"%")
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if !f.From.IsZero() {
		add("at >= ?", db.Millis(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", db.Millis(f.To))
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	q := `SELECT ` + entryColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := l.db.RQ(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// History returns one object's entries, oldest first (the per-object history view).
func (l *Log) History(ctx context.Context, objectType, objectID string, limit int) ([]Entry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := l.db.RQ(ctx).QueryContext(ctx, `SELECT `+entryColumns+` FROM audit_log
		WHERE object_type = $1 AND object_id = $2 ORDER BY id LIMIT `+strconv.Itoa(limit), objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("audit: history: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
