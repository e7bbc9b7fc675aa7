package appeal_test

import (
	"bytes"
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/xlsx"
)

type cellErr struct {
	row   int
	field string
	key   string
}

func errSet(errs []appeal.BulkError) map[cellErr]bool {
	m := map[cellErr]bool{}
	for _, e := range errs {
		m[cellErr{e.Row, e.Field, e.Key}] = true
	}
	return m
}

// The file reader: headers checked first; cells it cannot read named by row and field;
// Chinese words and codes both understood.
func TestReadBulkFile(t *testing.T) {
	t.Run("headers", func(t *testing.T) {
		f, err := appeal.ReadBulkFile([]byte("类型,标题,颜色\n诉求,a,b\n"))
		if err != nil {
			t.Fatal(err)
		}
		got := errSet(f.Errors)
		for _, want := range []cellErr{{1, "", "error.import_header_unknown"}, {1, "category", "error.import_header_missing"},
			{1, "body", "error.import_header_missing"}, {1, "created_at", "error.import_header_missing"}} {
			if !got[want] {
				t.Errorf("missing %v in %v", want, f.Errors)
			}
		}
		if len(f.Rows) != 0 {
			t.Errorf("%d rows read despite header errors", len(f.Rows))
		}
	})
	csvFile := "\xef\xbb\xbf类型,分类编码,企业名称,标题,内容,登记时间,状态,答复结果,满意度,是否解决,办结时间,区县,答复内容\n" +
		"诉求,tax,湖南麓谷智造科技有限公司,出口退税慢,退税三个月未到账。,2026-01-05 10:00,已办结,已解决,满意,是,2026-01-12,岳麓区,已协调退税到账。\n" +
		"\n" +
		"愿望,tax,湖南麓谷智造科技有限公司,标题,内容,昨天,已办结,大概,很满意,也许,2026-01-12,岳麓区,已协调退税到账。\n"
	var wb bytes.Buffer
	{
		w, err := xlsx.NewWriter("诉求", []string{"类型", "分类编码", "企业名称", "标题", "内容", "登记时间", "状态", "答复结果", "满意度", "是否解决", "办结时间", "区县", "答复内容"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Row("诉求", "tax", "湖南麓谷智造科技有限公司", "出口退税慢", "退税三个月未到账。", "2026-01-05 10:00", "已办结", "已解决", "满意", "是", "2026-01-12", "岳麓区", "已协调退税到账。"); err != nil {
			t.Fatal(err)
		}
		if err := w.Row("愿望", "tax", "湖南麓谷智造科技有限公司", "标题", "内容", "昨天", "已办结", "大概", "很满意", "也许", "2026-01-12", "岳麓区", "已协调退税到账。"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteTo(&wb); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name    string
		data    []byte
		badRow  int
		goodRow int
	}{{"csv", []byte(csvFile), 4, 2}, {"xlsx", wb.Bytes(), 3, 2}} {
		t.Run(c.name, func(t *testing.T) {
			f, err := appeal.ReadBulkFile(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Rows) != 2 || f.RowNums[0] != c.goodRow || f.RowNums[1] != c.badRow {
				t.Fatalf("rows %d at %v", len(f.Rows), f.RowNums)
			}
			r := f.Rows[0]
			if r.Kind != appeal.KindAppeal || r.State != appeal.StateClosed || r.Outcome != appeal.OutcomeSolved ||
				r.Satisfaction != appeal.Satisfied || r.Solved == nil || !*r.Solved || r.DistrictCode != "430104" ||
				r.CreatedAt.Format("2006-01-02 15:04 -0700") != "2026-01-05 10:00 +0800" {
				t.Errorf("first row read as %+v", r)
			}
			got := errSet(f.Errors)
			for _, field := range []string{"kind", "outcome", "satisfaction"} {
				if !got[cellErr{c.badRow, field, "error.choice"}] {
					t.Errorf("row %d %s: no error.choice in %v", c.badRow, field, f.Errors)
				}
			}
			for _, want := range []cellErr{{c.badRow, "solved", "bulk.error.bool"}, {c.badRow, "created_at", "bulk.error.time"}} {
				if !got[want] {
					t.Errorf("missing %v in %v", want, f.Errors)
				}
			}
			if len(f.Errors) != 5 {
				t.Errorf("%d errors, want 5: %v", len(f.Errors), f.Errors)
			}
		})
	}
	// The whole contract with the database: nothing written while a row is wrong; with
	// CleanOnly the clean row is, and the reader's errors are not repeated by the checks.
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := newFx(t, d)
		if err := fx.svc.SetDefaultDepartments(fx.ctx, fx.admin, map[string]int64{"tax": fx.deptB}); err != nil {
			t.Fatal(err)
		}
		f, err := appeal.ReadBulkFile([]byte(csvFile))
		if err != nil {
			t.Fatal(err)
		}
		res, err := fx.svc.ImportAppeals(fx.ctx, fx.op, f.Rows, f.RowNums, f.Errors, appeal.BulkOptions{Now: fx.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 0 || res.ErrorRows != 1 || res.Clean != 1 {
			t.Fatalf("%+v", res)
		}
		for _, e := range res.Errors {
			if e.Row != 4 {
				t.Errorf("error on row %d: %+v", e.Row, e)
			}
			if e.Field == "created_at" && e.Key != "bulk.error.time" {
				t.Errorf("the unreadable time is reported again as %s", e.Key)
			}
		}
		res, err = fx.svc.ImportAppeals(fx.ctx, fx.op, f.Rows, f.RowNums, f.Errors, appeal.BulkOptions{Now: fx.clock.Now(), CleanOnly: true})
		if err != nil || res.Imported != 1 {
			t.Fatalf("clean only: %+v %v", res, err)
		}
		var state, number string
		if err := d.R.QueryRow(`SELECT state, number FROM appeals`).Scan(&state, &number); err != nil || state != "closed" || number != "ZQ20260105000001" {
			t.Errorf("imported appeal: %s %s %v", state, number, err)
		}
	})
}
