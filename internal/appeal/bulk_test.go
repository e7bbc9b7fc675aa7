package appeal_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/stats"
)

// A bulk load of generated rows: every appeal has its number, a timeline that follows the
// loop, its lead part and its callback, and the 三率 roll-up says what the rows say.
func TestBulkLoadConsistent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		if err := f.svc.SetDefaultDepartments(f.ctx, f.admin, map[string]int64{"utilities": f.deptA, "tax": f.deptB, "market": f.deptC}); err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		rows := f.generated(appeal.GenOptions{N: 400, From: now.AddDate(-2, 0, 0), To: now, Seed: 3})
		// One row names its number; the rest are allocated around it.
		rows[10].Number = "ZQ" + rows[10].CreatedAt.In(calendar.Location()).Format("20060102") + "000777"
		// The indexes, and on PostgreSQL the foreign keys (validated), that a deferred
		// load drops and brings back.
		indexes := func() [2]int64 {
			q := `SELECT COUNT(*), 0 FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'appeal%'`
			if d.Engine == db.Postgres {
				q = `SELECT (SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename LIKE 'appeal%'),
					(SELECT COUNT(*) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
					WHERE k.contype = 'f' AND k.convalidated AND n.nspname = current_schema() AND c.relname LIKE 'appeal%')`
			}
			var n [2]int64
			if err := d.R.QueryRow(q).Scan(&n[0], &n[1]); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := indexes()
		res, err := f.svc.ImportAppeals(f.ctx, f.op, rows, nil, nil, appeal.BulkOptions{Batch: 97, Now: now, DeferIndexes: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 400 || len(res.Errors) != 0 {
			t.Fatalf("imported %d, errors %v", res.Imported, res.Errors)
		}
		if after := indexes(); after != before {
			t.Errorf("indexes and valid foreign keys on the appeal tables after a deferred load %v, before %v", after, before)
		}
		if d.Engine == db.Postgres && before[1] < 10 {
			t.Errorf("only %d foreign keys on the appeal tables", before[1])
		}
		if d.Engine == db.Postgres {
			// vacuumed, so that its pages can be marked all-visible for index-only scans
			// (whether they are depends on the other transactions of the server, so the
			// test asks whether the vacuum ran)
			var vacuums int64
			if err := d.R.QueryRow(`SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'appeal_assignments' AND schemaname = current_schema()`).
				Scan(&vacuums); err != nil || vacuums == 0 {
				t.Errorf("appeal_assignments after the load: vacuumed %d times (%v)", vacuums, err)
			}
		}
		q := func(sql string, args ...any) int64 {
			t.Helper()
			var v int64
			if err := d.R.QueryRow(sql, args...).Scan(&v); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			return v
		}
		if n := q(`SELECT COUNT(DISTINCT number) FROM appeals WHERE number LIKE 'ZQ%'`); n != 400 {
			t.Errorf("%d distinct numbers, want 400", n)
		}
		if n := q(`SELECT COUNT(*) FROM appeals WHERE number = $1`, rows[10].Number); n != 1 {
			t.Errorf("the given number %s is there %d times", rows[10].Number, n)
		}
		// A number allocated later on that day comes after the imported one.
		day := rows[10].CreatedAt.In(calendar.Location()).Format("20060102")
		if c := q(`SELECT value FROM counters WHERE name = $1`, "appeal:"+day); c < 777 {
			t.Errorf("counter of %s at %d, below the imported 777", day, c)
		}
		// The timeline: a create step for every appeal, events in time order, and the
		// state the last step reaches is the appeal's.
		if n := q(`SELECT COUNT(*) FROM appeal_events WHERE action = 'create'`); n != 400 {
			t.Errorf("%d create steps", n)
		}
		if n := q(`SELECT COUNT(*) FROM appeal_events e JOIN appeal_events p ON p.appeal_id = e.appeal_id AND p.id < e.id WHERE p.at > e.at`); n != 0 {
			t.Errorf("%d steps out of time order", n)
		}
		if n := q(`SELECT COUNT(*) FROM appeals a WHERE a.state <> (SELECT e.to_state FROM appeal_events e WHERE e.appeal_id = a.id ORDER BY e.id DESC LIMIT 1)`); n != 0 {
			t.Errorf("%d appeals whose last step does not reach their state", n)
		}
		if n := q(`SELECT COUNT(*) FROM appeals a WHERE a.lead_org_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM appeal_assignments x WHERE x.appeal_id = a.id AND x.org_id = a.lead_org_id AND x.role = 'lead')`); n != 0 {
			t.Errorf("%d dispatched appeals without their lead part", n)
		}
		closedWithVerdict := 0
		for _, r := range rows {
			if r.State == appeal.StateClosed && r.Satisfaction != "" {
				closedWithVerdict++
			}
		}
		if n := q(`SELECT COUNT(*) FROM appeal_callbacks`); n != int64(closedWithVerdict) || n == 0 {
			t.Errorf("%d callbacks, want %d", n, closedWithVerdict)
		}
		if n := q(`SELECT COUNT(*) FROM appeals WHERE state IN ('dispatched', 'in_progress') AND sla_due = 0`); n != 0 {
			t.Errorf("%d open appeals without a deadline", n)
		}
		if n := q(`SELECT COUNT(*) FROM appeal_assignments x JOIN appeals a ON a.id = x.appeal_id
			WHERE x.state IN ('dispatched', 'claimed', 'returned') AND x.sla_due <> a.sla_due`); n != 0 {
			t.Errorf("%d open parts without their appeal's deadline", n)
		}
		if n := q(`SELECT COUNT(*) FROM appeal_assignments WHERE state IN ('dispatched', 'claimed', 'returned')`); n == 0 {
			t.Error("the history has no open part")
		}
		// The roll-up: each department's called-back and satisfied counts are the rows'.
		st := stats.New(stats.Deps{DB: d, Audit: f.audit, Appeal: f.svc, Clock: f.clock})
		if _, err := st.RebuildRollup(f.ctx); err != nil {
			t.Fatal(err)
		}
		p, err := stats.ParsePeriod("", now.AddDate(-3, 0, 0).Format("2006-01-02"), now.Format("2006-01-02"), now)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := st.Assessment(f.ctx, f.admin, stats.AssessmentQuery{Period: p})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]int64{} // department → called back, satisfied
		for _, r := range rows {
			if r.State == appeal.StateClosed && r.Satisfaction != "" {
				w := want[r.LeadDept]
				w[0]++
				if r.Satisfaction != appeal.Unsatisfied {
					w[1]++
				}
				want[r.LeadDept] = w
			}
		}
		got := map[string][2]int64{}
		for _, row := range rep.Rows {
			if row.CalledBack > 0 {
				got[row.OrgName] = [2]int64{row.CalledBack, row.Satisfied}
			}
		}
		if len(got) != len(want) {
			t.Errorf("ranking has %d departments with callbacks, rows name %d: %v vs %v", len(got), len(want), got, want)
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s: ranking says called back/satisfied %v, the rows %v", name, got[name], w)
			}
		}
	})
}

// Rows with problems: nothing is written unless CleanOnly, and each problem names its
// row and field.
func TestBulkImportErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		now := f.clock.Now()
		ok := appeal.BulkRow{Kind: appeal.KindAppeal, CategoryCode: "tax", EnterpriseName: "湖南麓谷智造科技有限公司", Title: "出口退税审核时间过长",
			Body: "我公司出口退税申报已三个月未到账。", CreatedAt: now.AddDate(0, -2, 0), LeadDept: "", State: appeal.StateClosed,
			Outcome: appeal.OutcomeSolved, ReplyText: "已办结。", Satisfaction: appeal.Satisfied, ClosedAt: now.AddDate(0, -1, 0)}
		ok.LeadDept = f.b1.OrgName
		bad1 := ok
		bad1.Kind, bad1.CategoryCode = "wish", "nope"
		bad2 := ok
		bad2.ClosedAt, bad2.Number = time.Time{}, "ZQ2026"
		res, err := f.svc.ImportAppeals(f.ctx, f.op, []appeal.BulkRow{ok, bad1, bad2}, []int{2, 3, 4}, nil, appeal.BulkOptions{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			row   int
			field string
		}
		got := map[key]string{}
		for _, e := range res.Errors {
			got[key{e.Row, e.Field}] = e.Key
		}
		want := map[key]string{{3, "kind"}: "error.choice", {3, "category"}: "appeal.error.category_unknown",
			{4, "closed_at"}: "error.required", {4, "number"}: "bulk.error.number_format"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("row %d %s: %q, want %q (all: %v)", k.row, k.field, got[k], v, res.Errors)
			}
		}
		if res.Imported != 0 || res.ErrorRows != 2 || res.Clean != 1 {
			t.Fatalf("%+v", res)
		}
		var n int
		_ = d.R.QueryRow(`SELECT COUNT(*) FROM appeals`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d appeals written despite errors", n)
		}
		res, err = f.svc.ImportAppeals(f.ctx, f.op, []appeal.BulkRow{ok, bad1, bad2}, []int{2, 3, 4}, nil, appeal.BulkOptions{Now: now, CleanOnly: true})
		if err != nil || res.Imported != 1 {
			t.Fatalf("clean only: %+v %v", res, err)
		}
		if _, err := f.svc.ImportAppeals(f.ctx, f.e1, []appeal.BulkRow{ok}, nil, nil, appeal.BulkOptions{Now: now}); err == nil {
			t.Error("an enterprise user imported appeals")
		}
	})
}

// A streamed load stops at its first bad row: the rows before it are written whole (in
// their batches), nothing after it is asked for; a load whose writing fails stops asking
// for rows as well. The rows are checked on a goroutine of their own while the writer
// writes, so both ends must stop.
func TestBulkLoadStops(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		now := f.clock.Now()
		rows := f.generated(appeal.GenOptions{N: 300, From: now.AddDate(-1, 0, 0), To: now, Seed: 5})
		count := func() (n int) {
			t.Helper()
			if err := d.R.QueryRow(`SELECT COUNT(*) FROM appeals`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		rows[150].CategoryCode = "nope"
		asked := 0
		next := func() (appeal.BulkRow, bool) {
			if asked == len(rows) {
				return appeal.BulkRow{}, false
			}
			asked++
			return rows[asked-1], true
		}
		res, err := f.svc.BulkLoad(f.ctx, f.op, next, appeal.BulkOptions{Batch: 40, Now: now, DeferIndexes: true})
		if err == nil || len(res.Errors) != 1 || res.Errors[0].Row != 151 || res.Errors[0].Field != "category" {
			t.Fatalf("a bad row 151: %v, errors %+v", err, res.Errors)
		}
		if res.Imported != 150 || count() != 150 || asked != 151 {
			t.Fatalf("imported %d, %d in the database, %d rows asked for; want 150, 150, 151", res.Imported, count(), asked)
		}

		// The writer fails (the context ends during the third batch's check): the batches
		// written stay, the load returns the error, and no row is asked for afterwards.
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		rows[150].CategoryCode = rows[149].CategoryCode
		asked = 0
		cancelAt := 100
		res, err = f.svc.BulkLoad(ctx, f.op, func() (appeal.BulkRow, bool) {
			if asked == cancelAt {
				cancel()
			}
			return next()
		}, appeal.BulkOptions{Batch: 40, Now: now})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled load: %v", err)
		}
		stopped := asked
		if res.Imported%40 != 0 || res.Imported > cancelAt || count() != 150+res.Imported {
			t.Fatalf("imported %d (%d in the database with the first load's 150) after a cancel at row %d", res.Imported, count(), cancelAt)
		}
		if stopped >= len(rows) {
			t.Fatalf("the checking went on to row %d of %d after the writer stopped", stopped, len(rows))
		}
		if asked != stopped {
			t.Fatalf("rows asked for after the load returned: %d → %d", stopped, asked)
		}
	})
}

// A deferred load on PostgreSQL drops the foreign keys and adds them back. Should a row
// written meanwhile break one (someone used the database during the load), the key comes
// back NOT VALID — still refusing new rows that break it — and the load says so.
func TestBulkLoadBrokenKeyComesBack(t *testing.T) {
	d := dbtest.New(t, db.Postgres)
	f := newFx(t, d)
	now := f.clock.Now()
	gen, err := f.svc.NewBulkGenerator(f.ctx, appeal.GenOptions{N: 120, From: now.AddDate(-1, 0, 0), To: now, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	next := func() (appeal.BulkRow, bool) {
		asked++
		if asked == 80 { // the first batch is written, the keys are down
			if _, err := d.W.Exec(`INSERT INTO appeal_events (appeal_id, at, action, from_state, to_state) VALUES (987654321, 1, 'note', '', '')`); err != nil {
				t.Errorf("a row without its appeal during the load: %v", err)
			}
		}
		return gen.Next()
	}
	_, err = f.svc.BulkLoad(f.ctx, f.op, next, appeal.BulkOptions{Batch: 50, Now: now, DeferIndexes: true})
	if err == nil || !strings.Contains(err.Error(), "VALIDATE CONSTRAINT") {
		t.Fatalf("a load whose rows break a foreign key: %v", err)
	}
	var valid bool
	if err := d.R.QueryRow(`SELECT k.convalidated FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = 'appeal_events' AND pg_get_constraintdef(k.oid) LIKE 'FOREIGN KEY (appeal_id)%'`).Scan(&valid); err != nil {
		t.Fatalf("the timeline's key to its appeal after the load: %v", err)
	}
	if valid {
		t.Error("the key is marked valid though a row breaks it")
	}
	if _, err := d.W.Exec(`INSERT INTO appeal_events (appeal_id, at, action, from_state, to_state) VALUES (987654322, 1, 'note', '', '')`); err == nil {
		t.Error("the key does not refuse a new row without its appeal")
	}
}

// generated returns the rows a BulkGenerator makes with o.
func (f *fx) generated(o appeal.GenOptions) []appeal.BulkRow {
	f.t.Helper()
	gen, err := f.svc.NewBulkGenerator(f.ctx, o)
	if err != nil {
		f.t.Fatal(err)
	}
	var rows []appeal.BulkRow
	for r, ok := gen.Next(); ok; r, ok = gen.Next() {
		rows = append(rows, r)
	}
	return rows
}
