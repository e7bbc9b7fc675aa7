package appeal_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

// BenchmarkCreate files appeals one by one on SQLite (one process, one writer).
func BenchmarkCreate(b *testing.B) {
	f := newFx(b, dbtest.New(b, db.SQLite))
	in := appeal.NewAppeal{Kind: appeal.KindAppeal, CategoryID: f.catPower, Title: "厂区用电增容申请迟迟未批复",
		Body: "我公司三号厂房新增生产线，申请用电增容已两个月。", EnterpriseOrgID: f.ent1, ContactName: "王经理", ContactPhone: "13812345678"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.svc.Create(f.ctx, f.op, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appeals/s")
}

// BenchmarkClaimReply is two department moves on a dispatched appeal.
func BenchmarkClaimReply(b *testing.B) {
	f := newFx(b, dbtest.New(b, db.SQLite))
	aps := make([]appeal.Appeal, b.N)
	for i := range aps {
		aps[i] = f.dispatched()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ap := f.must(f.svc.Claim(f.ctx, f.a1, aps[i].ID, aps[i].Version, ""))
		f.must(f.svc.Reply(f.ctx, f.a1, ap.ID, ap.Version, appeal.ReplyInput{Outcome: appeal.OutcomeSolved, Text: "已解决。"}))
	}
	b.ReportMetric(2*float64(b.N)/b.Elapsed().Seconds(), "moves/s")
}

// BenchmarkGenerateHistory writes a history of 2,000 appeals per iteration.
func BenchmarkGenerateHistory(b *testing.B) {
	for _, eng := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(eng), func(b *testing.B) {
			f := newFx(b, dbtest.New(b, eng))
			from := time.Date(2024, 1, 1, 0, 0, 0, 0, calendar.Location())
			b.ResetTimer()
			total := 0
			for i := 0; i < b.N; i++ {
				res, err := appeal.GenerateHistory(f.ctx, f.svc, appeal.HistoryOptions{N: 2000, From: from.AddDate(0, i, 0), To: from.AddDate(0, i+1, 0), Seed: uint64(i)})
				if err != nil {
					b.Fatal(err)
				}
				total += res.Appeals
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "appeals/s")
		})
	}
}

// BenchmarkOperatorQueue reads the first page of 待派单 and a deep page of all appeals
// with 100,000 appeals in the database.
func BenchmarkOperatorQueue(b *testing.B) {
	for _, eng := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(eng), func(b *testing.B) {
			f := newFx(b, dbtest.New(b, eng))
			fillAppeals(b, f, 100_000)
			p, err := f.svc.List(f.ctx, f.op, appeal.QueueAll, appeal.Filter{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < 20; i++ { // page 21
				p, err = f.svc.List(f.ctx, f.op, appeal.QueueAll, appeal.Filter{Limit: 50, Cursor: p.NextCursor, SkipCount: true})
				if err != nil {
					b.Fatal(err)
				}
			}
			deep := p.NextCursor
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, c := range []struct {
					q appeal.Queue
					f appeal.Filter
				}{
					{appeal.QueueAccepted, appeal.Filter{Sort: appeal.SortDue}},
					{appeal.QueueSubmitted, appeal.Filter{}},
					{appeal.QueueAll, appeal.Filter{Cursor: deep}},
					{appeal.QueueAll, appeal.Filter{State: appeal.StateClosed, Sort: appeal.SortUpdated}},
				} {
					if _, err := f.svc.List(f.ctx, f.op, c.q, c.f); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*4)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// fillAppeals inserts n appeals directly (90% closed, the rest spread over the open
// states), for read benchmarks: the write path is measured by the others.
func fillAppeals(b *testing.B, f *fx, n int) {
	b.Helper()
	states := []string{"closed", "closed", "closed", "closed", "closed", "closed", "closed", "closed", "closed", "submitted", "accepted", "replied", "in_progress", "dispatched"}
	err := f.d.WithTx(f.ctx, func(ctx context.Context) error {
		for i := 0; i < n; i++ {
			st := states[i%len(states)]
			ms := int64(1_700_000_000_000) + int64(i)*60_000
			if _, err := f.d.Q(ctx).ExecContext(ctx, `INSERT INTO appeals (number, query_code, kind, channel, category_id, district_code, title, body,
				enterprise_org_id, enterprise_name, state, sla_due, created_at, updated_at) VALUES ($1, 'AAAAAA', 'appeal', 'hotline', $2, '430104', $3, 'b', $4, 'e', $5, $6, $7, $7)`,
				fmt.Sprintf("ZQ%08d%06d", 20000000+i/100000, i%100000), f.catPower, fmt.Sprintf("标题 %d", i), f.ent1, st, ms+86_400_000, ms); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if f.d.Engine == db.Postgres {
		_, _ = f.d.W.Exec(`ANALYZE appeals`)
	} else {
		_, _ = f.d.W.Exec(`ANALYZE`)
	}
}
