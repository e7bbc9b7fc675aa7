// Package bench is `yingshang bench`: it generates a realistic history, starts the real
// server on it as a child process, drives it over HTTP at a fixed concurrency, and reports
// latencies, throughput and the server's memory — a table on stdout and JSON for the
// record (docs/benchmarks.md). Benchmarks measure; they never assert.
package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one measured scenario.
type Result struct {
	Name        string  `json:"name"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	P50ms       float64 `json:"p50_ms"`
	P95ms       float64 `json:"p95_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	// Target is the goal in words ("p95 ≤ 20 ms"), Met whether it was reached.
	Target string `json:"target,omitempty"`
	Met    *bool  `json:"met,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Op is one operation of a scenario; i counts from 0 across all workers.
type Op func(ctx context.Context, i int) error

// Run calls op n times from `concurrency` goroutines and measures each call. When ctx
// ends, no new call starts (the calls under way finish, with a context that is not
// cancelled) and the result covers the calls made.
func Run(ctx context.Context, name string, n, concurrency int, op Op) Result {
	if concurrency < 1 {
		concurrency = 1
	}
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var errs atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if ctx.Err() != nil {
					return
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				err := op(context.WithoutCancel(ctx), i)
				lat[i] = time.Since(t0)
				if err != nil {
					errs.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	made := min(int(next.Load()), n)
	r := summarise(name, lat[:made], elapsed)
	r.Concurrency = concurrency
	r.Errors = int(errs.Load())
	if firstErr != nil {
		r.Note = "first error: " + firstErr.Error()
	}
	return r
}

func summarise(name string, lat []time.Duration, elapsed time.Duration) Result {
	sorted := append([]time.Duration(nil), lat...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	q := func(p float64) float64 {
		if len(sorted) == 0 {
			return 0
		}
		i := int(math.Ceil(p*float64(len(sorted)))) - 1
		i = max(0, min(i, len(sorted)-1))
		return float64(sorted[i].Microseconds()) / 1000
	}
	r := Result{Name: name, Requests: len(lat), Seconds: elapsed.Seconds(), P50ms: q(.50), P95ms: q(.95), P99ms: q(.99), MaxMs: q(1)}
	if elapsed > 0 {
		r.PerSecond = float64(len(lat)) / elapsed.Seconds()
	}
	return r
}

// AtMost marks whether a latency (ms) stayed within a target.
func (r *Result) AtMost(target string, value, limit float64) {
	met := value <= limit
	r.Target, r.Met = target, &met
}

// AtLeast marks whether a rate stayed at or above a target.
func (r *Result) AtLeast(target string, value, limit float64) {
	met := value >= limit
	r.Target, r.Met = target, &met
}

// ErrSkipped marks a scenario that could not run (its note says why).
var ErrSkipped = errors.New("skipped")

func (r Result) String() string {
	return fmt.Sprintf("%s: %d req, %.0f/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms", r.Name, r.Requests, r.PerSecond, r.P50ms, r.P95ms, r.P99ms)
}

// A UserOp is one thing a simulated user does: its kind (the row it is reported in) and
// the request.
type UserOp struct {
	Kind string
	Do   func(ctx context.Context) error
}

// Users simulates `users` people working at once for the duration of ctx: each waits a
// think time (exponentially distributed, mean think, the first one spread over think so
// they do not start together), does what pick chooses, and starts over. This is how a
// site with that many people at their desks is loaded, unlike Run's back-to-back
// requests. The latencies come back per kind, in the order of kinds; a request under way
// when ctx ends finishes and counts.
func Users(ctx context.Context, users int, think time.Duration, seed uint64, pick func(rng *rand.Rand) UserOp, kinds []string) []Result {
	type sample struct {
		kind string
		d    time.Duration
		err  error
	}
	var mu sync.Mutex
	var all []sample
	var wg sync.WaitGroup
	start := time.Now()
	for u := 0; u < users; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(u)))
			wait := time.Duration(rng.Float64() * float64(think))
			var mine []sample
			defer func() {
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			}()
			for {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				op := pick(rng)
				t0 := time.Now()
				err := op.Do(context.WithoutCancel(ctx))
				mine = append(mine, sample{op.Kind, time.Since(t0), err})
				wait = time.Duration(rng.ExpFloat64() * float64(think))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var out []Result
	for _, k := range kinds {
		var lat []time.Duration
		errs := 0
		var first error
		for _, s := range all {
			if s.kind != k {
				continue
			}
			lat = append(lat, s.d)
			if s.err != nil {
				errs++
				if first == nil {
					first = s.err
				}
			}
		}
		r := summarise(k, lat, elapsed)
		r.Concurrency, r.Errors = users, errs
		if first != nil {
			r.Note = "first error: " + first.Error()
		}
		out = append(out, r)
	}
	return out
}
