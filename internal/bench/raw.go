package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"yingshang/internal/db"
)

// rawWindow is how long the raw transaction rate is measured.
const rawWindow = 5 * time.Second

// RawTxRate measures the database's own rate of one-row write transactions — BEGIN,
// INSERT one row, COMMIT, from concurrency goroutines, with the connection settings the
// application uses — on the same database the benchmark measures, in a scratch table it
// drops afterwards. API intake is reported as a share of it: what is left after HTTP,
// access checks, validation, the number, the timeline, the audit entry and the search
// index is the application's own cost.
func RawTxRate(ctx context.Context, cfg db.Config, concurrency int) (float64, error) {
	d, err := db.Open(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	// A run stopped during the measurement leaves the table behind.
	if _, err := d.W.ExecContext(ctx, `DROP TABLE IF EXISTS bench_raw`); err != nil {
		return 0, err
	}
	if _, err := d.W.ExecContext(ctx, `CREATE TABLE bench_raw (id BIGINT PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("bench: raw table: %w", err)
	}
	defer func() { _, _ = d.W.ExecContext(context.WithoutCancel(ctx), `DROP TABLE bench_raw`) }()
	var next, done atomic.Int64
	var firstErr error
	var once sync.Once
	stop := time.Now().Add(rawWindow)
	start := time.Now()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) && ctx.Err() == nil {
				id := next.Add(1)
				err := d.WithTx(ctx, func(ctx context.Context) error {
					_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO bench_raw (id, v) VALUES ($1, $2)`, id, "小微企业贷款审批难")
					return err
				})
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, fmt.Errorf("bench: raw transactions: %w", firstErr)
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}
