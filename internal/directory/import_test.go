package directory_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory"
	"yingshang/internal/directory/directorytest"
)

// dirtyWorkbook has rows 2-8: three clean (2, 5, 8) and four with problems.
func dirtyWorkbook(existing directory.EnterpriseInput) ([]byte, []directory.ImportError) {
	rows := [][]any{}
	add := func(n int, edit func(r []any)) {
		r := directorytest.Row(directorytest.Enterprise(n))
		if edit != nil {
			edit(r)
		}
		rows = append(rows, r)
	}
	add(101, nil)            // row 2
	add(102, func(r []any) { // row 3: check character wrong, capital unreadable, size missing
		r[2] = "91430100MA4L16JQ9B"
		r[8] = "五百万"
		r[4] = ""
	})
	add(103, func(r []any) { r[2] = existing.CreditCode }) // row 4: registered already
	add(104, nil)                                          // row 5
	add(105, func(r []any) {                               // row 6: same code as row 2, future founding date
		r[2] = directorytest.Code(101)
		r[9] = "2030-01-01"
	})
	add(106, func(r []any) { r[0] = existing.Name; r[13] = "12345" }) // row 7: name taken, phone
	add(107, nil)                                                     // row 8
	want := []directory.ImportError{
		{Row: 3, Column: "C", Header: "统一社会信用代码", Key: "creditcode.check"},
		{Row: 3, Column: "E", Header: "企业规模", Key: "error.required"},
		{Row: 3, Column: "I", Header: "注册资本", Key: "error.money"},
		{Row: 4, Column: "C", Header: "统一社会信用代码", Key: "error.credit_code_taken"},
		{Row: 6, Column: "C", Header: "统一社会信用代码", Key: "error.import_dup_code"},
		{Row: 6, Column: "J", Header: "成立日期", Key: "error.dir.date_future"},
		{Row: 7, Column: "A", Header: "企业名称", Key: "error.enterprise_name_taken"},
		{Row: 7, Column: "N", Header: "联系电话", Key: "error.phone_format"},
	}
	return directorytest.Workbook(directorytest.Headers(), rows), want
}

func sortErrors(es []directory.ImportError) []directory.ImportError {
	out := slices.Clone(es)
	slices.SortFunc(out, func(a, b directory.ImportError) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		if a.Column < b.Column {
			return -1
		}
		if a.Column > b.Column {
			return 1
		}
		return 0
	})
	return out
}

// Every row is checked and every error reported by row and column; nothing is imported
// from a file with errors unless the clean rows are asked for, and then exactly those.
func TestImportReportsEveryErrorAndImportsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		existing := directorytest.Enterprise(1)
		existing.Name = "湖南已登记科技有限公司"
		f.enterprise(existing)
		data, want := dirtyWorkbook(existing)
		op := actor(f.fic, auth.RoleOperator)
		res, err := f.svc.ImportEnterprises(ctx, op, data, directory.ImportOptions{Filename: "dirty.xlsx"})
		if err != nil {
			t.Fatal(err)
		}
		got := sortErrors(res.Errors)
		if len(got) != len(want) {
			t.Fatalf("%d errors, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			g := got[i]
			if g.Row != want[i].Row || g.Column != want[i].Column || g.Header != want[i].Header || g.Key != want[i].Key {
				t.Errorf("error %d: %+v, want %+v", i, g, want[i])
			}
		}
		if res.Rows != 7 || res.Clean != 3 || res.ErrorRows != 4 || res.Imported != 0 {
			t.Errorf("counts %+v", res)
		}
		if n := f.count("enterprises"); n != 1 {
			t.Fatalf("%d enterprises after a dirty import, want 1", n)
		}
		// The messages read well: the duplicate names the holder, the position is named.
		for _, e := range res.Errors {
			if e.Key == "error.credit_code_taken" && f.cat.T("zh-CN", e.Key, e.Args) != "该信用代码已登记为 湖南已登记科技有限公司。" {
				t.Errorf("taken: %s", f.cat.T("zh-CN", e.Key, e.Args))
			}
			if e.Key == "error.import_dup_code" && f.cat.T("zh-CN", e.Key, e.Args) != "与第 2 行的统一社会信用代码重复。" {
				t.Errorf("dup: %s", f.cat.T("zh-CN", e.Key, e.Args))
			}
		}
		// A dry run of the clean rows writes nothing either.
		if res, err := f.svc.ImportEnterprises(ctx, op, data, directory.ImportOptions{CleanOnly: true, DryRun: true}); err != nil || res.Imported != 0 || f.count("enterprises") != 1 {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		res, err = f.svc.ImportEnterprises(ctx, op, data, directory.ImportOptions{CleanOnly: true, Filename: "dirty.xlsx"})
		if err != nil || res.Imported != 3 || len(res.IDs) != 3 {
			t.Fatalf("clean only: %+v %v", res, err)
		}
		var names []string
		for _, id := range res.IDs {
			e, _ := f.svc.GetEnterprise(ctx, op, id)
			names = append(names, e.Name)
			if f.auditCount("enterprise.create", fmt.Sprint(id)) != 1 {
				t.Errorf("import of %d not audited", id)
			}
		}
		wantNames := []string{directorytest.Enterprise(101).Name, directorytest.Enterprise(104).Name, directorytest.Enterprise(107).Name}
		if !slices.Equal(names, wantNames) {
			t.Errorf("imported %v, want %v", names, wantNames)
		}
		if n := f.count("enterprises"); n != 4 {
			t.Errorf("%d enterprises, want 4", n)
		}
		// Values were read the way people write them: 500万 is 5,000,000.00 元.
		e, _ := f.svc.GetEnterprise(ctx, op, res.IDs[0])
		if e.RegisteredCapital != 5_000_000_00 || e.Industry != "I" || e.Size != "small" || e.District != "430104" || e.FoundedOn != "2018-06-01" {
			t.Errorf("imported %+v", e)
		}
		// Only editors import.
		if _, err := f.svc.ImportEnterprises(ctx, actor(f.fic, auth.RoleAnalyst), data, directory.ImportOptions{}); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("analyst import: %v", err)
		}
	})
}

func TestImportRefusesWhatIsNotTheTemplate(t *testing.T) {
	zipWithout := func() []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create("word/document.xml")
		w.Write([]byte("<doc/>"))
		zw.Close()
		return b.Bytes()
	}()
	headers := directorytest.Headers()
	tests := []struct {
		name   string
		data   []byte
		field  string // a file-level refusal
		header []string
	}{
		{"empty", nil, "file", nil},
		{"text", []byte("企业名称,统一社会信用代码\n"), "file", nil},
		{"docx-like zip", zipWithout, "file", nil},
		{"only headers", directorytest.Workbook(headers, nil), "file", nil},
		{"missing column", directorytest.Workbook(slices.Delete(slices.Clone(headers), 3, 4), [][]any{{"x"}}), "", []string{"error.import_header_missing"}},
		{"unknown column", directorytest.Workbook(append(slices.Clone(headers), "备注"), [][]any{{"x"}}), "", []string{"error.import_header_unknown"}},
		{"repeated column", directorytest.Workbook(append(slices.Clone(headers), "地址"), [][]any{{"x"}}), "", []string{"error.import_header_dup"}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		op := actor(f.fic, auth.RoleOperator)
		for _, tt := range tests {
			res, err := f.svc.ImportEnterprises(ctx, op, tt.data, directory.ImportOptions{})
			if tt.field != "" {
				fieldErr(t, err, tt.field)
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			var keys []string
			for _, e := range res.Errors {
				keys = append(keys, e.Key)
				if e.Row != 1 {
					t.Errorf("%s: header error on row %d", tt.name, e.Row)
				}
			}
			if !slices.Equal(keys, tt.header) || res.Imported != 0 {
				t.Errorf("%s: %v, want %v", tt.name, keys, tt.header)
			}
		}
	})
}

// Spreadsheet programs store dates as serial numbers and amounts as numbers.
func TestImportReadsExcelDatesAndNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		fx := excelize.NewFile()
		for i, h := range directorytest.Headers() {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			fx.SetCellStr("Sheet1", cell, h)
		}
		row := directorytest.Row(directorytest.Enterprise(9))
		for i, v := range row {
			cell, _ := excelize.CoordinatesToCellName(i+1, 2)
			fx.SetCellValue("Sheet1", cell, v)
		}
		dateStyle, _ := fx.NewStyle(&excelize.Style{NumFmt: 14})
		fx.SetCellValue("Sheet1", "J2", 43252) // 2018-06-01 as an Excel serial
		fx.SetCellStyle("Sheet1", "J2", "J2", dateStyle)
		fx.SetCellValue("Sheet1", "I2", 12_000_000) // 1,200万元 as a plain number of 元
		fx.SetCellValue("Sheet1", "K2", 88)
		var b bytes.Buffer
		fx.WriteTo(&b)
		res, err := f.svc.ImportEnterprises(ctx, actor(f.fic, auth.RoleOperator), b.Bytes(), directory.ImportOptions{})
		if err != nil || res.Imported != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		e, _ := f.svc.GetEnterprise(ctx, auth.System(), res.IDs[0])
		if e.FoundedOn != "2018-06-01" || e.RegisteredCapital != 12_000_000_00 || e.Employees != 88 {
			t.Errorf("read %s, %d fen, %d employees", e.FoundedOn, e.RegisteredCapital, e.Employees)
		}
	})
}

// A large clean file goes in whole, in one transaction.
func TestImportFiveThousandRows(t *testing.T) {
	rows := make([][]any, 5000)
	for i := range rows {
		rows[i] = directorytest.Row(directorytest.Enterprise(1000 + i))
	}
	data := directorytest.Workbook(directorytest.Headers(), rows)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		res, err := f.svc.ImportEnterprises(ctx, actor(f.fic, auth.RoleOperator), data, directory.ImportOptions{Filename: "big.xlsx"})
		if err != nil || res.Rows != 5000 || res.Imported != 5000 || len(res.Errors) != 0 {
			t.Fatalf("%d rows, %d imported, %d errors: %v", res.Rows, res.Imported, len(res.Errors), err)
		}
		if n := f.count("enterprises"); n != 5000 {
			t.Errorf("%d enterprises", n)
		}
		// The same file again: every row is a duplicate, nothing is imported.
		res, err = f.svc.ImportEnterprises(ctx, actor(f.fic, auth.RoleOperator), data, directory.ImportOptions{})
		if err != nil || res.ErrorRows != 5000 || res.Imported != 0 || f.count("enterprises") != 5000 {
			t.Errorf("again: %d error rows, %d imported: %v", res.ErrorRows, res.Imported, err)
		}
	})
}

// A workbook kept for "import only the clean rows" belongs to its uploader and is used once.
func TestUploadsBelongToTheirUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		existing := directorytest.Enterprise(1)
		f.enterprise(existing)
		data, _ := dirtyWorkbook(existing)
		op, other := actor(f.fic, auth.RoleOperator), actor(f.fic, auth.RoleAdmin)
		id, err := f.svc.SaveUpload(ctx, op, "dirty.xlsx", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ImportUpload(ctx, other, id, directory.ImportOptions{CleanOnly: true}); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("another user's upload: %v", err)
		}
		res, err := f.svc.ImportUpload(ctx, op, id, directory.ImportOptions{CleanOnly: true})
		if err != nil || res.Imported != 3 {
			t.Fatalf("%+v %v", res, err)
		}
		if _, err := f.svc.ImportUpload(ctx, op, id, directory.ImportOptions{CleanOnly: true}); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("used twice: %v", err)
		}
		// Uploads older than a day are gone.
		id, _ = f.svc.SaveUpload(ctx, op, "dirty.xlsx", data)
		f.clock.Advance(25 * 3600e9)
		if _, err := f.svc.ImportUpload(ctx, op, id, directory.ImportOptions{CleanOnly: true}); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("expired upload: %v", err)
		}
	})
}

func TestImportTemplateHasTheHeaders(t *testing.T) {
	var b bytes.Buffer
	if err := directory.WriteImportTemplate(&b); err != nil {
		t.Fatal(err)
	}
	if err := directory.SniffXLSX(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	fx, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := fx.GetRows(fx.GetSheetList()[0])
	if len(rows) != 1 || !slices.Equal(rows[0], directorytest.Headers()) {
		t.Errorf("template rows %v", rows)
	}
	if sheets := fx.GetSheetList(); len(sheets) != 2 || sheets[1] != "填写说明" {
		t.Errorf("sheets %v", sheets)
	}
}
