package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/jobs"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestEnqueueFollowsTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := jobs.New(d, jobs.Options{})
		var ran atomic.Int32
		q.Handle("k", func(ctx context.Context, j jobs.Job) error { ran.Add(1); return nil })
		_ = d.WithTx(ctx, func(ctx context.Context) error {
			if _, err := q.Enqueue(ctx, "k", nil, jobs.EnqueueOpts{}); err != nil {
				t.Fatal(err)
			}
			return errors.New("roll back")
		})
		if n, _ := q.RunOnce(ctx); n != 0 {
			t.Fatalf("a job of a rolled-back transaction ran (%d)", n)
		}
		for i := 0; i < 3; i++ {
			added, err := q.Enqueue(ctx, "k", map[string]int{"i": i}, jobs.EnqueueOpts{UniqueKey: "once"})
			if err != nil || added != (i == 0) {
				t.Fatalf("enqueue %d: added=%v err=%v", i, added, err)
			}
		}
		if n, err := q.RunOnce(ctx); n != 1 || err != nil || ran.Load() != 1 {
			t.Fatalf("unique job ran %d times (%v)", ran.Load(), err)
		}
	})
}

func TestRetryWithBackoffThenFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
		q := jobs.New(d, jobs.Options{Now: c.now})
		attempts := 0
		q.Handle("flaky", func(ctx context.Context, j jobs.Job) error { attempts++; return errors.New("smtp down") })
		if _, err := q.Enqueue(ctx, "flaky", nil, jobs.EnqueueOpts{MaxAttempts: 3}); err != nil {
			t.Fatal(err)
		}
		q.RunOnce(ctx)
		q.RunOnce(ctx) // not due yet: backoff
		if attempts != 1 {
			t.Fatalf("attempts %d before the backoff passed, want 1", attempts)
		}
		for i := 0; i < 5; i++ {
			c.add(time.Hour)
			q.RunOnce(ctx)
		}
		if attempts != 3 {
			t.Fatalf("attempts %d, want max 3", attempts)
		}
		var state, last string
		_ = d.R.QueryRow(`SELECT state, last_error FROM jobs`).Scan(&state, &last)
		if state != "failed" || last != "smtp down" {
			t.Fatalf("state %q error %q", state, last)
		}
	})
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
		dead := jobs.New(d, jobs.Options{Now: c.now, Lease: time.Minute})
		dead.Handle("k", func(ctx context.Context, j jobs.Job) error { panic("crash mid-job") })
		_, _ = dead.Enqueue(ctx, "k", nil, jobs.EnqueueOpts{})
		dead.RunOnce(ctx) // the panic is caught and counted as a failure: it retries later
		alive := jobs.New(d, jobs.Options{Now: c.now})
		ok := 0
		alive.Handle("k", func(ctx context.Context, j jobs.Job) error { ok++; return nil })
		c.add(time.Hour)
		alive.RunOnce(ctx)
		if ok != 1 {
			t.Fatalf("job not resumed after a crash: %d", ok)
		}
	})
}

func TestManyWorkersRunEachJobOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const n = 200
		seen := make([]atomic.Int32, n+1)
		var done sync.WaitGroup
		done.Add(n)
		var queues []*jobs.Queue
		for w := 0; w < 3; w++ { // three "processes"
			q := jobs.New(d, jobs.Options{Poll: 5 * time.Millisecond})
			q.Handle("n", func(ctx context.Context, j jobs.Job) error {
				if seen[j.ID].Add(1) == 1 {
					done.Done()
				}
				return nil
			})
			queues = append(queues, q)
		}
		for i := 0; i < n; i++ {
			if _, err := queues[i%3].Enqueue(ctx, "n", nil, jobs.EnqueueOpts{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range queues {
			q.Run(ctx, 2)
		}
		done.Wait()
		cancel()
		for _, q := range queues {
			q.Wait()
		}
		for id := 1; id <= n; id++ {
			if c := seen[id].Load(); c > 1 {
				t.Errorf("job %d ran %d times", id, c)
			}
		}
	})
}

func TestPeriodicSlotRunsOnceAcrossProcesses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 1, 5, 9, 0, 10, 0, time.UTC)}
		runs := 0
		var qs []*jobs.Queue
		for i := 0; i < 2; i++ {
			q := jobs.New(d, jobs.Options{Now: c.now})
			q.Handle("sweep", func(ctx context.Context, j jobs.Job) error { runs++; return nil })
			q.Every("sweep", time.Minute)
			qs = append(qs, q)
		}
		qs[0].RunOnce(ctx)
		qs[1].RunOnce(ctx)
		if runs != 1 {
			t.Fatalf("one slot ran %d times", runs)
		}
		c.add(time.Minute)
		qs[1].RunOnce(ctx)
		qs[0].RunOnce(ctx)
		if runs != 2 {
			t.Fatalf("two slots ran %d times", runs)
		}
	})
}
