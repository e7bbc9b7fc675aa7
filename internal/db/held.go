package db

import (
	"context"
	"errors"
	"fmt"
)

// A Held transaction is begun by the first WithTx under its context and stays open when
// that WithTx returns, until End or Abort: whatever the request goes on to do — read back
// what it wrote, write more, store its answer — joins it, and all of it commits together.
// What the request does before its first write (decoding, checks, reads on the reader
// pool) happens before the transaction begins. On SQLite that keeps it out of the single
// writer's turn (group.go): the API's keyed intake held the turn from the first byte of
// its handler, and every other writer waited for its validation too.
//
// A Held belongs to one goroutine, the request's.
type Held struct {
	d     *DB
	st    *txState  // in the context; its tx is set when the transaction begins
	req   *groupReq // SQLite: the turn held in the group transaction
	ended bool
	// redoable: the caller runs its request again on ErrRedo (Redoable).
	redoable bool
}

// Redoable tells h that its caller runs the whole request again, from its first
// statement, when End or Abort returns ErrRedo; call it before the transaction begins.
// On SQLite its turn may then run without a savepoint of its own (group.go). A request
// is redoable when everything it does before End is in the database or is done again
// alike (its answer built in a buffer, not yet sent).
func (h *Held) Redoable() { h.redoable = true }

type heldKey struct{}

// errAborted tells the committer that a held transaction's caller gave up its work.
var errAborted = errors.New("db: held transaction aborted")

// HoldTx returns a context under which the first WithTx begins a transaction that stays
// open until h.End (commit) or h.Abort (roll back). Exactly one of them must be called;
// Abort after End does nothing, so `defer h.Abort()` guards against a panic.
func (d *DB) HoldTx(ctx context.Context) (context.Context, *Held) {
	h := &Held{d: d, st: &txState{}}
	ctx = context.WithValue(ctx, txKey{}, h.st)
	return context.WithValue(ctx, heldKey{}, h), h
}

// heldOf is the Held of ctx when its transaction is still to begin.
func heldOf(ctx context.Context) *Held {
	h, _ := ctx.Value(heldKey{}).(*Held)
	if h == nil || h.ended || h.st.tx != nil {
		return nil
	}
	return h
}

// Began reports whether a WithTx has begun the transaction.
func (h *Held) Began() bool { return h.st.tx != nil }

func (h *Held) begin(ctx context.Context) error {
	if h.d.group == nil {
		tx, err := h.d.W.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		h.st.tx = tx
		return nil
	}
	r, tx, err := h.d.group.enter(ctx, h.redoable)
	if err != nil {
		return err
	}
	h.req, h.st.tx, h.st.quiet = r, tx, true
	return nil
}

// End runs last in the transaction (in a new one when no WithTx began it; not at all
// when last is nil and none did), then the before-commit hooks, and commits. Its error is
// last's, a hook's or the commit's; on any error nothing of the transaction is kept.
func (h *Held) End(ctx context.Context, last func(ctx context.Context) error) (err error) {
	if h.ended {
		return errors.New("db: held transaction already ended")
	}
	h.ended = true
	if h.st.tx == nil {
		if last == nil {
			return nil
		}
		return h.d.WithTx(ctx, last) // h has ended: this WithTx begins a transaction of its own
	}
	tctx := context.WithValue(ctx, txKey{}, h.st)
	settled := false
	defer func() {
		if p := recover(); p != nil {
			if !settled {
				h.release(errFnPanicked)
			}
			panic(p)
		}
	}()
	if last != nil {
		err = last(tctx)
	}
	// Hooks may register more hooks; each runs once.
	for i := 0; err == nil && i < len(h.st.before); i++ {
		err = h.st.before[i](tctx)
	}
	settled = true
	if h.req != nil {
		h.req.finish(h.st, err)
		res := <-h.req.res // the group's end (see group)
		if err == nil {
			err = res
		}
	} else if err != nil {
		_ = h.st.tx.Rollback()
	} else if cerr := h.st.tx.Commit(); cerr != nil {
		err = fmt.Errorf("db: commit: %w", cerr)
	} else {
		h.d.commits.Add(1)
	}
	if err != nil {
		return err
	}
	for _, f := range h.st.after {
		f()
	}
	return nil
}

// Abort rolls back what the transaction holds (SQLite: the caller's part of the group
// transaction) and releases it. It does nothing once End or Abort has run.
func (h *Held) Abort() {
	if h.ended {
		return
	}
	h.ended = true
	h.release(errAborted)
}

// release gives up the transaction's work: the turn's savepoint rolled back (SQLite),
// or the transaction.
func (h *Held) release(why error) {
	switch {
	case h.req != nil:
		h.req.finish(h.st, why)
		<-h.req.res
	case h.st.tx != nil:
		_ = h.st.tx.Rollback()
	}
}
