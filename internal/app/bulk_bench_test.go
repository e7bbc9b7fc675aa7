package app_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// BenchmarkBulkLoad loads a generated history into a fresh database the way
// `yingshang bench` and `yingshang import appeals --defer-indexes` do (the rows, then the
// indexes), without the roll-up and the search index that follow. Each iteration is one
// load of YINGSHANG_BULK_N appeals (default 200,000) into a new database; it reports
// appeals/s and the seconds of writing and of building the indexes.
//
//	go test ./internal/app -run XXX -bench BenchmarkBulkLoad -benchtime 1x -count 3
func BenchmarkBulkLoad(b *testing.B) {
	n := 200_000
	if v := os.Getenv("YINGSHANG_BULK_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("YINGSHANG_BULK_N: %v", err)
		}
	}
	engines := []db.Engine{db.SQLite}
	if os.Getenv("YINGSHANG_TEST_POSTGRES") != "" {
		engines = append(engines, db.Postgres)
	}
	for _, eng := range engines {
		b.Run(string(eng), func(b *testing.B) {
			ctx := context.Background()
			var write, index, total time.Duration
			for range b.N {
				b.StopTimer()
				e := apptest.New(b, eng, apptest.Options{Demo: 2400})
				if err := e.App.PrepareDemoAppeals(ctx, e.Demo); err != nil {
					b.Fatal(err)
				}
				now := e.Clock.Now()
				gen, err := e.App.Appeal.NewBulkGenerator(ctx, appeal.GenOptions{N: n, From: now.AddDate(-5, 0, 0), To: now.Add(-time.Minute), Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := e.App.Appeal.BulkLoad(ctx, auth.CLI(), gen.Next, appeal.BulkOptions{Batch: 10_000, DeferIndexes: true, Now: now})
				if err != nil {
					b.Fatal(err)
				}
				if res.Imported != n {
					b.Fatalf("imported %d of %d", res.Imported, n)
				}
				total += res.Elapsed
				write += res.Elapsed - res.IndexBuild
				index += res.IndexBuild
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "appeals/s")
			b.ReportMetric(write.Seconds()/float64(b.N), "write-s")
			b.ReportMetric(index.Seconds()/float64(b.N), "index-s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
