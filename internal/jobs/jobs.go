// Package jobs is the durable background queue: jobs are rows in the application's own
// database, enqueued inside the transaction of the change that causes them (so a change
// and its follow-up work commit or vanish together), claimed with a lease by any number
// of worker processes (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer), retried
// with exponential backoff, and de-duplicated by an optional unique key so one event never
// fires twice. Periodic work is a job whose unique key names its time slot.
//
// Why not river: river keeps its own schema and migrations beside ours and drives SQLite
// through many writer connections, which fights the single-writer design of internal/db.
// This queue is a few hundred lines over the same tables, transactions and tests as
// everything else (docs/adr/0002-job-queue.md).
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"yingshang/internal/db"
)

// Job is a claimed unit of work.
type Job struct {
	ID       int64
	Kind     string
	Payload  json.RawMessage
	Attempts int
}

// Handler does one job; an error retries it later, until MaxAttempts.
type Handler func(ctx context.Context, j Job) error

// Periodic is work that runs every Every, once across all processes per slot.
type Periodic struct {
	Kind  string
	Every time.Duration
}

// Queue enqueues and works jobs.
type Queue struct {
	db       *db.DB
	log      *slog.Logger
	now      func() time.Time
	worker   string
	handlers map[string]Handler
	periodic []Periodic
	lease    time.Duration
	poll     time.Duration
	wake     chan struct{}
	metrics  *metrics
	wg       sync.WaitGroup
}

type metrics struct {
	done    *prometheus.CounterVec
	failed  *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// Options configure a queue.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Lease is how long a claimed job stays ours before another worker may take it.
	Lease time.Duration
	// Poll is how often an idle worker looks for due jobs.
	Poll     time.Duration
	Registry prometheus.Registerer
}

// New returns a queue; register handlers before Run.
func New(d *db.DB, o Options) *Queue {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease == 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Poll == 0 {
		o.Poll = time.Second
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	q := &Queue{db: d, log: o.Logger, now: o.Now, worker: hex.EncodeToString(b[:]), handlers: map[string]Handler{},
		lease: o.Lease, poll: o.Poll, wake: make(chan struct{}, 1)}
	q.metrics = &metrics{
		done:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yingshang_jobs_done_total", Help: "Jobs completed, by kind."}, []string{"kind"}),
		failed:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yingshang_jobs_failed_total", Help: "Job attempts that failed, by kind."}, []string{"kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "yingshang_job_duration_seconds", Help: "Job run time, by kind.", Buckets: prometheus.DefBuckets}, []string{"kind"}),
	}
	if o.Registry != nil {
		o.Registry.MustRegister(q.metrics.done, q.metrics.failed, q.metrics.latency)
		o.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "yingshang_jobs_pending", Help: "Jobs waiting to run."}, func() float64 {
			n, _ := q.Pending(context.Background())
			return float64(n)
		}))
	}
	return q
}

// Handle registers the handler of a kind.
func (q *Queue) Handle(kind string, h Handler) { q.handlers[kind] = h }

// Every registers periodic work of kind (its handler must be registered too).
func (q *Queue) Every(kind string, every time.Duration) {
	q.periodic = append(q.periodic, Periodic{Kind: kind, Every: every})
}

// EnqueueOpts refine an enqueue.
type EnqueueOpts struct {
	// UniqueKey makes the enqueue a no-op when a job with the same key exists (ever).
	UniqueKey string
	// RunAt delays the job (zero: now).
	RunAt time.Time
	// MaxAttempts defaults to 10.
	MaxAttempts int
}

// Enqueue adds a job inside the transaction in ctx (or on its own). It reports whether a
// job was added (false when the unique key already existed).
func (q *Queue) Enqueue(ctx context.Context, kind string, payload any, o EnqueueOpts) (bool, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return false, fmt.Errorf("jobs: encode %s: %w", kind, err)
	}
	runAt := o.RunAt
	if runAt.IsZero() {
		runAt = q.now()
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 10
	}
	var key any
	if o.UniqueKey != "" {
		key = o.UniqueKey
	}
	res, err := q.db.Q(ctx).ExecContext(ctx, `INSERT INTO jobs (kind, payload, unique_key, run_at, max_attempts, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		kind, string(b), key, db.Millis(runAt), o.MaxAttempts, db.Millis(q.now()))
	if err != nil {
		return false, fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		db.AfterCommit(ctx, q.Wake)
	}
	return n > 0, nil
}

// Wake makes an idle worker look for jobs now.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Pending counts jobs not yet done.
func (q *Queue) Pending(ctx context.Context) (int, error) {
	var n int
	err := q.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running')`).Scan(&n)
	return n, err
}

// claim takes up to n due jobs: pending ones whose time has come, and running ones whose
// lease ran out (their worker died).
func (q *Queue) claim(ctx context.Context, n int) ([]Job, error) {
	now := db.Millis(q.now())
	lockedUntil := db.Millis(q.now().Add(q.lease))
	sub := `SELECT id FROM jobs WHERE (state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until < $1)
		ORDER BY run_at, id LIMIT ` + strconv.Itoa(n)
	if q.db.Engine == db.Postgres {
		sub += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := q.db.W.QueryContext(ctx, `UPDATE jobs SET state = 'running', locked_by = $2, locked_until = $3, attempts = attempts + 1
		WHERE id IN (`+sub+`) RETURNING id, kind, payload, attempts`, now, q.worker, lockedUntil)
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var p string
		if err := rows.Scan(&j.ID, &j.Kind, &p, &j.Attempts); err != nil {
			return nil, err
		}
		j.Payload = json.RawMessage(p)
		out = append(out, j)
	}
	return out, rows.Err()
}

// backoff grows 2^attempts seconds, capped at an hour.
func backoff(attempts int) time.Duration {
	d := time.Duration(math.Pow(2, float64(min(attempts, 12)))) * time.Second
	return min(d, time.Hour)
}

func (q *Queue) finish(ctx context.Context, j Job, runErr error) error {
	now := q.now()
	if runErr == nil {
		_, err := q.db.W.ExecContext(ctx, `UPDATE jobs SET state = 'done', finished_at = $1, locked_by = '', last_error = '' WHERE id = $2 AND locked_by = $3`,
			db.Millis(now), j.ID, q.worker)
		return err
	}
	msg := runErr.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	_, err := q.db.W.ExecContext(ctx, `UPDATE jobs SET
		state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
		run_at = $1, last_error = $2, locked_by = '', finished_at = CASE WHEN attempts >= max_attempts THEN CAST($3 AS BIGINT) ELSE 0 END
		WHERE id = $4 AND locked_by = $5`,
		db.Millis(now.Add(backoff(j.Attempts))), msg, db.Millis(now), j.ID, q.worker)
	return err
}

// RunOnce claims and runs due jobs until none is left (tests and the bench tool call it to
// drain the queue deterministically). It returns how many jobs ran.
func (q *Queue) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for {
		if err := q.schedulePeriodic(ctx); err != nil {
			return total, err
		}
		batch, err := q.claim(ctx, 16)
		if err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		for _, j := range batch {
			q.run(ctx, j)
			total++
		}
	}
}

func (q *Queue) run(ctx context.Context, j Job) {
	h, ok := q.handlers[j.Kind]
	var err error
	start := time.Now()
	if !ok {
		err = fmt.Errorf("jobs: no handler for kind %q", j.Kind)
	} else {
		err = safeRun(ctx, h, j)
	}
	q.metrics.latency.WithLabelValues(j.Kind).Observe(time.Since(start).Seconds())
	if err != nil {
		q.metrics.failed.WithLabelValues(j.Kind).Inc()
		q.log.Warn("job failed", "kind", j.Kind, "id", j.ID, "attempt", j.Attempts, "err", err)
	} else {
		q.metrics.done.WithLabelValues(j.Kind).Inc()
	}
	if ferr := q.finish(context.WithoutCancel(ctx), j, err); ferr != nil {
		q.log.Error("job finish", "kind", j.Kind, "id", j.ID, "err", ferr)
	}
}

func safeRun(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: handler panicked: %v", p)
		}
	}()
	return h(ctx, j)
}

// schedulePeriodic enqueues the current slot of every periodic kind; the slot's unique key
// lets exactly one process's enqueue win.
func (q *Queue) schedulePeriodic(ctx context.Context) error {
	now := q.now()
	for _, p := range q.periodic {
		slot := now.Truncate(p.Every)
		key := p.Kind + "@" + strconv.FormatInt(slot.UnixMilli(), 10)
		if _, err := q.Enqueue(ctx, p.Kind, map[string]int64{"slot": slot.UnixMilli()}, EnqueueOpts{UniqueKey: key, RunAt: slot, MaxAttempts: 3}); err != nil {
			return err
		}
	}
	return nil
}

// Run works jobs with n goroutines until ctx ends.
func (q *Queue) Run(ctx context.Context, n int) {
	for i := 0; i < n; i++ {
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			q.loop(ctx)
		}()
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		q.janitor(ctx)
	}()
}

// Wait blocks until the workers stopped after their context ended.
func (q *Queue) Wait() { q.wg.Wait() }

func (q *Queue) loop(ctx context.Context) {
	t := time.NewTicker(q.poll)
	defer t.Stop()
	for {
		if err := q.schedulePeriodic(ctx); err != nil && ctx.Err() == nil {
			q.log.Warn("jobs: schedule", "err", err)
		}
		batch, err := q.claim(ctx, 4)
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			q.log.Warn("jobs: claim", "err", err)
		}
		for _, j := range batch {
			q.run(ctx, j)
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-q.wake:
		}
	}
}

// janitor removes finished jobs after a month so the table stays small.
func (q *Queue) janitor(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		cutoff := db.Millis(q.now().Add(-30 * 24 * time.Hour))
		if _, err := q.db.W.ExecContext(ctx, `DELETE FROM jobs WHERE state = 'done' AND finished_at < $1`, cutoff); err != nil && ctx.Err() == nil {
			q.log.Warn("jobs: janitor", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
