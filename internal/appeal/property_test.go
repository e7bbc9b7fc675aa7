package appeal_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// TestRandomConcurrentMoves is the closed loop under fire: goroutines make random legal
// and illegal moves, by random people, often with stale versions, on a few appeals at
// once. Every refusal must be one of the domain's answers (never a database error), and
// afterwards every appeal's timeline must be a legal path through the transition table
// whose last state is the stored state, with the version, redo count and callbacks in
// agreement with the history.
func TestRandomConcurrentMoves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		// An earlier open appeal that the others may be merged into.
		orig := f.accepted()
		var ids []int64
		for i := 0; i < 5; i++ {
			ids = append(ids, f.hotline().ID)
		}
		actors := []auth.Actor{f.op, f.op2, f.a1, f.a2, f.b1, f.c1, f.e1, f.leader}
		workers, rounds := 6, 70
		if d.Engine == db.Postgres {
			rounds = 40
		}
		successes := make(map[int64]*atomic.Int64, len(ids))
		for _, id := range ids {
			successes[id] = &atomic.Int64{}
		}
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(seed uint64) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, 42))
				for i := 0; i < rounds; i++ {
					id := ids[rng.IntN(len(ids))]
					ap, err := f.svc.Get(f.ctx, f.op, id)
					if err != nil {
						t.Errorf("get: %v", err)
						return
					}
					if rng.IntN(8) == 0 {
						ap.Version-- // a stale page
					}
					// Mostly a move the table allows now, by the right party (so the appeals
					// travel deep into the loop); otherwise anything, by anyone.
					action := appeal.Moves[rng.IntN(len(appeal.Moves))]
					actor := actors[rng.IntN(len(actors))]
					if edges := appeal.Edges(ap.State); len(edges) > 0 && rng.IntN(10) < 7 {
						e := edges[rng.IntN(len(edges))]
						action, actor = e.Action, f.actorFor(e.By[rng.IntN(len(e.By))])
					}
					_, err = f.perform(ap, action, actor, orig.ID)
					switch {
					case err == nil:
						successes[id].Add(1)
					case errors.Is(err, apperr.ErrConflict), errors.Is(err, apperr.ErrIllegalMove), errors.Is(err, apperr.ErrForbidden),
						errors.Is(err, apperr.ErrNotFound), errors.Is(err, apperr.ErrInvalid):
					default:
						t.Errorf("%s on %d: an answer that is not the domain's: %v", action, id, err)
					}
				}
			}(uint64(w + 1))
		}
		wg.Wait()
		total := int64(0)
		for _, id := range ids {
			ap, err := f.svc.Get(f.ctx, f.op, id)
			if err != nil {
				t.Fatal(err)
			}
			events, err := f.svc.Timeline(f.ctx, f.op, id)
			if err != nil {
				t.Fatal(err)
			}
			state := appeal.StateSubmitted
			var moves, reopens, callbacks int64
			var returnedFrom appeal.State
			for _, ev := range events {
				if !slices.Contains(appeal.Moves, ev.Action) {
					if ev.Action != appeal.ActCreate && ev.From != ev.To {
						t.Errorf("appeal %d: step %s changed the state %s → %s", id, ev.Action, ev.From, ev.To)
					}
					continue
				}
				moves++
				if ev.From != state {
					t.Errorf("appeal %d: %s starts from %s but the appeal was %s", id, ev.Action, ev.From, state)
				}
				edge, ok := appeal.Lookup(ev.From, ev.Action)
				if !ok {
					t.Errorf("appeal %d: %s from %s is not in the transition table", id, ev.Action, ev.From)
				} else if ev.Action == appeal.ActRefuseReturn {
					if ev.To != returnedFrom {
						t.Errorf("appeal %d: refused return went to %s, returned from %s", id, ev.To, returnedFrom)
					}
				} else if edge.To != ev.To {
					t.Errorf("appeal %d: %s from %s went to %s, the table says %s", id, ev.Action, ev.From, ev.To, edge.To)
				}
				switch ev.Action {
				case appeal.ActReturn:
					returnedFrom = ev.From
				case appeal.ActReopen:
					reopens++
				case appeal.ActCallbackSatisfied, appeal.ActCallbackUnsatisfied:
					callbacks++
				}
				state = ev.To
			}
			if ap.State != state {
				t.Errorf("appeal %d: stored state %s, history ends in %s", id, ap.State, state)
			}
			if moves != successes[id].Load() {
				t.Errorf("appeal %d: %d moves in the history, %d succeeded", id, moves, successes[id].Load())
			}
			if ap.Version != 1+moves {
				t.Errorf("appeal %d: version %d after %d moves", id, ap.Version, moves)
			}
			if int64(ap.RedoCount) != reopens {
				t.Errorf("appeal %d: redo count %d, %d reopen steps", id, ap.RedoCount, reopens)
			}
			cbs, err := f.svc.Callbacks(f.ctx, f.op, id)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(cbs)) != callbacks {
				t.Errorf("appeal %d: %d callbacks stored, %d in the history", id, len(cbs), callbacks)
			}
			f.checkPartDue(id)
			total += moves
		}
		if total == 0 {
			t.Fatal("no move succeeded: the test exercised nothing")
		}
		t.Logf("%d moves succeeded out of %d attempts", total, workers*rounds)
	})
}
