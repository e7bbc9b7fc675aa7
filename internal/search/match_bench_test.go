package search_test

import (
	"context"
	"os"
	"testing"

	"yingshang/internal/bench"
	"yingshang/internal/db"
	"yingshang/internal/search"
)

// BenchmarkMatchBenchWords runs the bench's 20 search words through Engine.Match against
// a database a `yingshang bench --keep` run loaded (YINGSHANG_SEARCH_BENCH_DB: its
// postgres:// URL, or sqlite:/path/to/yingshang.db); without it the benchmark is skipped.
// docs/search.md gives the command and the figures.
func BenchmarkMatchBenchWords(b *testing.B) {
	url := os.Getenv("YINGSHANG_SEARCH_BENCH_DB")
	if url == "" {
		b.Skip("YINGSHANG_SEARCH_BENCH_DB is not set")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Config{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	e := search.New(d)
	for _, w := range bench.SearchWords {
		b.Run(w, func(b *testing.B) {
			q := search.ParseQuery(w)
			for b.Loop() {
				hits, err := e.Match(ctx, q, search.MaxCandidates)
				if err != nil {
					b.Fatal(err)
				}
				if len(hits) == 0 {
					b.Fatalf("%s: no hits", w)
				}
			}
		})
	}
}
