package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Group commit (SQLite). SQLite has one writer, and a small transaction spends most of its
// time in COMMIT: writing its pages to the WAL, one write per page, and now and then a
// checkpoint. Measured on API intake (2 cores, 100,000 appeals): commit was a third of the
// time the writer was held. So on SQLite the outermost WithTx calls that arrive while one
// is running share a transaction: the committer goroutine begins one, gives each caller its
// turn inside a SAVEPOINT of its own — the caller runs fn in its own goroutine, as before —
// and commits once for all of them. A caller whose fn fails has only its savepoint rolled
// back; the others are unaffected. A caller's WithTx returns only after the shared commit,
// so "committed" means what it meant before: durable, and seen by every reader. Should the
// commit fail, every caller in the group gets the error and none of their work is kept.

// maxGroup bounds how many callers share one transaction.
const maxGroup = 64

// errGroupClosed answers a WithTx that arrives after Close.
var errGroupClosed = errors.New("db: closed")

// errFnPanicked tells the committer that a caller's fn panicked (the caller re-panics).
var errFnPanicked = errors.New("db: transaction function panicked")

type groupTurn struct {
	tx  *sql.Tx
	err error
}

type groupReq struct {
	turn chan groupTurn // committer → caller: run fn now, in tx
	fin  chan error     // caller → committer: fn's outcome (nil: keep its work)
	res  chan error     // committer → caller: the commit's outcome (only after fin nil)
	// redoable: the caller runs its work again when told ErrRedo, so its turn may go
	// without a savepoint (see group).
	redoable bool
	// wrote: the turn ran a statement that may write (set by the caller before fin).
	wrote bool
}

// ErrRedo tells a caller whose turn ran without a savepoint of its own (a redoable held
// transaction, HoldTx and Held.Redoable) that its group transaction was rolled back
// because a later caller in it failed after writing: none of its work was kept, and it
// should run its request again.
var ErrRedo = errors.New("db: the shared transaction was rolled back for another caller; run again")

type committer struct {
	w       *sql.DB
	stmts   map[string]*sql.Stmt // the savepoint statements, prepared on w (see exec)
	commits *atomic.Uint64       // DB.commits
	q       chan *groupReq
	stop    chan struct{}
	done    chan struct{}
	close   sync.Once
}

func newCommitter(w *sql.DB, commits *atomic.Uint64) *committer {
	c := &committer{w: w, commits: commits, stmts: map[string]*sql.Stmt{}, q: make(chan *groupReq), stop: make(chan struct{}), done: make(chan struct{})}
	for _, q := range []string{`SAVEPOINT yg`, `RELEASE yg`, `ROLLBACK TO yg`} {
		if st, err := w.Prepare(q); err == nil {
			c.stmts[q] = st
		}
	}
	go c.run()
	return c
}

// exec runs one of the savepoint statements in tx: prepared once, as database/sql
// otherwise parses an ad-hoc statement at every call, two or three times in every turn
// (one not prepared runs as it is).
func (c *committer) exec(tx *sql.Tx, q string) error {
	var err error
	if st := c.stmts[q]; st != nil {
		_, err = tx.Stmt(st).Exec()
	} else {
		_, err = tx.Exec(q)
	}
	return err
}

// shutdown stops the committer after the group under way.
func (c *committer) shutdown() {
	c.close.Do(func() { close(c.stop) })
	<-c.done
}

func (c *committer) run() {
	defer close(c.done)
	for {
		var first *groupReq
		select {
		case first = <-c.q:
		case <-c.stop:
			return
		}
		c.group(first)
	}
}

// group runs first and whoever queues behind it (up to maxGroup) in one transaction.
//
// Each caller's turn runs inside a savepoint of its own, so that a caller that fails
// loses its own work only — except a redoable caller's while every caller kept so far in
// the group is redoable too: its turn runs bare. A savepoint costs its statements and a
// copy of every page the turn changes (SQLite's sub-journal, once per savepoint), and API
// intake's turn changes about thirty pages (figures in docs/benchmarks.md, "the intake's
// turn without savepoints"). A bare turn that fails without having run a write leaves
// nothing to undo; one that fails after writing has the whole transaction rolled back,
// and the callers kept before it (all redoable) are told ErrRedo and run again.
func (c *committer) group(first *groupReq) {
	tx, err := c.w.BeginTx(context.Background(), nil)
	if err != nil {
		first.turn <- groupTurn{err: fmt.Errorf("db: begin: %w", err)}
		return
	}
	var kept []*groupReq
	var refused []*groupReq // callers whose fn failed: released when the group ends
	var broken error        // the transaction itself failed: nothing of the group is kept
	redo := false           // a bare turn failed after writing: the group is rolled back
	allRedoable := true     // every caller kept so far can run again
	for n, r := 0, first; r != nil; n++ {
		bare := r.redoable && allRedoable
		if broken == nil && !bare {
			if err := c.exec(tx, `SAVEPOINT yg`); err != nil {
				broken = err
			}
		}
		switch {
		case broken != nil:
			r.turn <- groupTurn{err: fmt.Errorf("db: group transaction: %w", broken)}
		case bare:
			r.turn <- groupTurn{tx: tx}
			if ferr := <-r.fin; ferr == nil {
				kept = append(kept, r)
			} else {
				refused = append(refused, r)
				redo = r.wrote
			}
		default:
			r.turn <- groupTurn{tx: tx}
			if ferr := <-r.fin; ferr != nil {
				refused = append(refused, r)
				if err := c.exec(tx, `ROLLBACK TO yg`); err != nil {
					broken = err
				} else if err := c.exec(tx, `RELEASE yg`); err != nil {
					broken = err
				}
			} else if err := c.exec(tx, `RELEASE yg`); err != nil {
				broken = err
				r.res <- fmt.Errorf("db: group transaction: %w", err)
			} else {
				kept = append(kept, r)
				allRedoable = allRedoable && r.redoable
			}
		}
		r = nil
		if redo {
			break
		}
		if n+1 < maxGroup {
			select {
			case r = <-c.q:
			default:
				// Nobody queued: before committing, let the goroutines ready to run on
				// this processor run once — handlers that have finished their checks
				// queue now and join this group rather than wait for its commit and begin
				// the next one. API intake at 200,000 appeals, 16 clients, 4 alternations:
				// groups of 5–7 → 11 callers, 3,461–3,627 → 3,804–3,959 appeals/s, p95
				// 8.5–9.4 → 7.2–7.6 ms (docs/benchmarks.md).
				runtime.Gosched()
				select {
				case r = <-c.q:
				default:
				}
			}
		}
	}
	// A refused caller returns only once the group has ended, like the others: what it
	// lost to (a duplicate key another caller of the group inserted) is then committed
	// and visible, as it would be had the two not shared a transaction.
	defer func() {
		for _, r := range refused {
			r.res <- nil // buffered: a caller that panicked is not waiting
		}
	}()
	if redo {
		_ = tx.Rollback()
		for _, k := range kept {
			k.res <- ErrRedo
		}
		return
	}
	if broken != nil {
		_ = tx.Rollback()
		for _, k := range kept {
			k.res <- fmt.Errorf("db: group transaction: %w", broken)
		}
		return
	}
	err = tx.Commit()
	if err != nil {
		err = fmt.Errorf("db: commit: %w", err)
	} else {
		c.commits.Add(1)
	}
	for _, k := range kept {
		k.res <- err
	}
}

// enter queues for a turn in a group transaction and waits for it. The caller then owns
// the turn: it must send its outcome on r.fin and wait for r.res.
func (c *committer) enter(ctx context.Context, redoable bool) (r *groupReq, tx *sql.Tx, err error) {
	r = &groupReq{turn: make(chan groupTurn, 1), fin: make(chan error, 1), res: make(chan error, 1), redoable: redoable}
	select {
	case c.q <- r:
	case <-c.stop:
		return nil, nil, errGroupClosed
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	t := <-r.turn
	if t.err != nil {
		return nil, nil, t.err
	}
	if err := ctx.Err(); err != nil {
		r.fin <- err
		return nil, nil, err
	}
	return r, t.tx, nil
}

// withGroupTx is WithTx on SQLite: fn runs in its turn of a shared transaction.
func (d *DB) withGroupTx(ctx context.Context, fn func(ctx context.Context) error) error {
	r, tx, err := d.group.enter(ctx, false)
	if err != nil {
		return err
	}
	st := &txState{tx: tx, quiet: true}
	tctx := context.WithValue(ctx, txKey{}, st)
	err = runTurn(tctx, st, fn, r)
	if err != nil {
		<-r.res // the group's end (see group)
		return err
	}
	if err := <-r.res; err != nil {
		return err
	}
	for _, f := range st.after {
		f()
	}
	return nil
}

// runTurn runs fn and the before-commit hooks it registered, and reports the outcome to
// the committer (which rolls back this caller's savepoint on an error). A panic in fn is
// reported too, and then continues in the caller.
func runTurn(tctx context.Context, st *txState, fn func(ctx context.Context) error, r *groupReq) (err error) {
	reported := false
	defer func() {
		if p := recover(); p != nil {
			if !reported {
				r.finish(st, errFnPanicked)
			}
			panic(p)
		}
	}()
	err = fn(tctx)
	// Hooks may register more hooks; each runs once.
	for i := 0; err == nil && i < len(st.before); i++ {
		err = st.before[i](tctx)
	}
	reported = true
	r.finish(st, err)
	return err
}

// finish reports the turn's outcome and whether it wrote to the committer.
func (r *groupReq) finish(st *txState, err error) {
	r.wrote = st.wrote
	r.fin <- err
}
