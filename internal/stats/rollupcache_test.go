package stats_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"yingshang/internal/app/apptest"
	"yingshang/internal/appeal"
	"yingshang/internal/calendar"
	"yingshang/internal/stats"
)

// rankCounts is the ranking's counters per department.
func rankCounts(rep stats.Report) map[int64]stats.Counts {
	got := map[int64]stats.Counts{}
	for _, r := range append(rep.Rows, rep.Inactive...) {
		if r.Counts != (stats.Counts{}) {
			got[r.OrgID] = r.Counts
		}
	}
	return got
}

// The ranking and the hot spots reuse their sums while the roll-up's version stays, sum
// again once the roll-up job has written (and then equal the direct computation over the
// raw rows, not the answer before), and requests arriving together at a new version read
// the sums once.
func TestRankingFollowsRollup(t *testing.T) {
	apptest.Each(t, apptest.Options{Demo: 60}, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(5, 8))
		if _, err := e.App.LoadDemoAppeals(ctx, e.Demo, 120, 5); err != nil {
			t.Fatal(err)
		}
		e.RunJobs()
		loc := calendar.Location()
		now := e.Clock.Now().In(loc)
		from := time.Date(now.Year()-1, now.Month(), 1, 0, 0, 0, 0, loc)
		to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 30)
		p, err := stats.ParsePeriod("", from.Format("2006-01-02"), to.Format("2006-01-02"), e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		an := e.Actor("analyst1")
		rank := func(kind appeal.Kind) stats.Report {
			t.Helper()
			rep, err := e.App.Stats.Assessment(ctx, an, stats.AssessmentQuery{Period: p, Kind: kind})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		check := func(rep stats.Report, kind appeal.Kind) {
			t.Helper()
			if got, want := rankCounts(rep), direct(t, e.App.DB, from, to.AddDate(0, 0, 1), kind); !reflect.DeepEqual(got, want) {
				t.Fatalf("kind %q:\n ranking %v\n direct  %v", kind, got, want)
			}
		}

		first := rank("")
		check(first, "")
		// Every row is named as the directory names it, the government's departments and
		// the other organisations that handled parts (read in one statement).
		others := 0
		for _, r := range append(first.Rows, first.Inactive...) {
			var name, kind string
			if err := e.App.DB.R.QueryRow(`SELECT name, kind FROM orgs WHERE id = $1`, r.OrgID).Scan(&name, &kind); err != nil || r.OrgName != name {
				t.Fatalf("org %d named %q in the ranking, %q in the directory (%v)", r.OrgID, r.OrgName, name, err)
			}
			if kind != "government" {
				others++
			}
		}
		t.Logf("%d rows, %d of organisations other than the government's", len(first.Rows)+len(first.Inactive), others)
		h0, m0 := stats.RankCacheStats(e.App.Stats)
		if m0 == 0 {
			t.Fatal("the first ranking read no sums")
		}
		again := rank("")
		if h, m := stats.RankCacheStats(e.App.Stats); h != h0+1 || m != m0 {
			t.Fatalf("same version: hits %d→%d, sums read %d→%d; want one hit, no read", h0, h, m0, m)
		}
		order := func(rep stats.Report) (ids []int64) {
			for _, r := range rep.Rows {
				ids = append(ids, r.OrgID, int64(r.Rank))
			}
			return ids
		}
		if !reflect.DeepEqual(rankCounts(again), rankCounts(first)) || !reflect.DeepEqual(order(again), order(first)) {
			t.Fatal("the ranking of the same version differs")
		}
		check(rank(appeal.KindComplaint), appeal.KindComplaint) // another key: its own sums

		// Moves, then the roll-up job: a new version, summed again.
		if moved := mutate(t, e, rng) + mutate(t, e, rng) + mutate(t, e, rng); moved == 0 {
			t.Fatal("no moves")
		}
		e.RunJobs()
		_, m1 := stats.RankCacheStats(e.App.Stats)
		after := rank("")
		check(after, "")
		if reflect.DeepEqual(rankCounts(after), rankCounts(first)) {
			t.Fatal("the moves changed nothing in the ranking")
		}
		if _, m := stats.RankCacheStats(e.App.Stats); m != m1+1 {
			t.Fatalf("after the roll-up wrote: sums read %d→%d, want one read", m1, m)
		}

		// The hot spots: their totals are the appeals filed in the period, by leaf
		// category for the top ten; the same version reads no sums, newly filed appeals
		// and the roll-up job show.
		hot := func() stats.Hotspots {
			t.Helper()
			h, err := e.App.Stats.Hotspots(ctx, an, stats.HotspotQuery{Period: p})
			if err != nil {
				t.Fatal(err)
			}
			want, byLeaf := int64(0), map[int64]int64{}
			for k, n := range directIntake(t, e.App.DB, from, to.AddDate(0, 0, 1)) {
				want += n
				var cat int64
				fmt.Sscanf(k, "%d/", &cat)
				byLeaf[cat] += n
			}
			var cells int64
			for _, row := range h.ByDistrict {
				for _, n := range row {
					cells += n
				}
			}
			if h.Total != want || cells != want {
				t.Fatalf("hot spots total %d, cells %d, filed %d", h.Total, cells, want)
			}
			for _, tc := range h.Top {
				if tc.Count != byLeaf[tc.Category.ID] {
					t.Fatalf("hot spots: %s %d, filed %d", tc.Category.Code, tc.Count, byLeaf[tc.Category.ID])
				}
			}
			return h
		}
		h1 := hot()
		_, mh := stats.RankCacheStats(e.App.Stats)
		hot()
		if _, m := stats.RankCacheStats(e.App.Stats); m != mh {
			t.Fatalf("hot spots of the same version read the sums again (%d→%d)", mh, m)
		}
		if _, err := appeal.GenerateHistory(ctx, e.App.Appeal, appeal.HistoryOptions{N: 12, From: e.Clock.Now().AddDate(0, 0, -3), To: e.Clock.Now(), Seed: 4}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Stats.CatchUp(ctx); err != nil { // the roll-up job's work
			t.Fatal(err)
		}
		if h2 := hot(); h2.Total <= h1.Total {
			t.Fatalf("12 appeals filed, the hot spots' total %d → %d", h1.Total, h2.Total)
		}

		// A rebuild writes the roll-up too: 16 rankings at once read the sums once.
		if _, err := e.App.Stats.RebuildRollup(ctx); err != nil {
			t.Fatal(err)
		}
		_, m2 := stats.RankCacheStats(e.App.Stats)
		var wg sync.WaitGroup
		reps := make([]stats.Report, 16)
		errs := make([]error, 16)
		for i := range reps {
			wg.Go(func() {
				reps[i], errs[i] = e.App.Stats.Assessment(ctx, an, stats.AssessmentQuery{Period: p})
			})
		}
		wg.Wait()
		for i := range reps {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			check(reps[i], "")
		}
		if _, m := stats.RankCacheStats(e.App.Stats); m != m2+1 {
			t.Fatalf("16 rankings at a new version read the sums %d times, want once", m-m2)
		}
	})
}
