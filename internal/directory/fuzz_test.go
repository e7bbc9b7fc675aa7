package directory_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
	"yingshang/internal/directory"
	"yingshang/internal/directory/directorytest"
	"yingshang/internal/i18n"
)

// FuzzImportEnterprises feeds the import outside input: arbitrary bytes as the uploaded
// file, and arbitrary cell text inside a well-formed workbook with the template's
// headers (cells separated by tabs, rows by newlines). Whatever comes, reading and
// checking the workbook never panics and fails with nothing but a user's error (what the
// web shows as a message and the API as 4xx, never a 500), and every reported error is
// a row with a translated message. It drives CheckWorkbook, the import's first stage,
// which needs no database (an instrumented SQLite makes fuzzing crawl); what passes it
// reaches the database only as checked text (TestImportStoresOnlyCheckedText).
// The seed corpus is in testdata/fuzz/FuzzImportEnterprises.
func FuzzImportEnterprises(f *testing.F) {
	svc := directory.New(nil, nil, calendar.NewTestClock(time.Date(2026, 3, 2, 9, 30, 0, 0, calendar.Location())).Now)
	cat, err := i18n.Load()
	if err != nil {
		f.Fatal(err)
	}
	dirty, _ := dirtyWorkbook(directorytest.Enterprise(1))
	f.Add(dirty, "湖南某某科技有限公司\t\t91430100MA4L16JQ9D\tC\t小型\t民营\t岳麓区\t\t500万\t2018-06-01\t12\t张三\t李四\t13812345678\t地址")
	f.Add(directorytest.Workbook(directorytest.Headers(), [][]any{directorytest.Row(directorytest.Enterprise(2))}), "x\t\t\t\t\t\t\t\t\t45000\n\n\t\t9143")
	f.Add([]byte("PK\x03\x04garbage"), "\x00\t\xff")
	f.Add([]byte{}, "")
	headers := directorytest.Headers()
	check := func(t *testing.T, data []byte) {
		res, err := svc.CheckWorkbook(data)
		if err != nil {
			if _, ok := apperr.As(err); !ok || !(errors.Is(err, apperr.ErrInvalid) || errors.Is(err, apperr.ErrTooLarge)) {
				t.Fatalf("check failed with %v: that would be a 500", err)
			}
			return
		}
		if res.Imported != 0 || res.Clean+res.ErrorRows != res.Rows {
			t.Fatalf("inconsistent result %+v", res)
		}
		for _, e := range res.Errors {
			if e.Row < 1 || !cat.Has("zh-CN", e.Key) || !cat.Has("en", e.Key) {
				t.Fatalf("error %+v: bad row or untranslated key", e)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, cells string) {
		check(t, data)
		var rows [][]any
		for i, line := range strings.Split(cells, "\n") {
			if i == 50 {
				break
			}
			var r []any
			for j, c := range strings.Split(line, "\t") {
				if j == len(headers)+2 {
					break
				}
				r = append(r, c)
			}
			rows = append(rows, r)
		}
		check(t, directorytest.Workbook(headers, rows))
	})
}

// Text that no database stores as text (NUL, invalid UTF-8, control characters) is a
// field error, on both engines, in the import and in a single creation, and search
// terms with it find nothing instead of failing.
func TestImportStoresOnlyCheckedText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		op := actor(f.fic, auth.RoleOperator)
		in := directorytest.Enterprise(5)
		in.Name = "湖南\x00零字节有限公司"
		in.Address = "长沙\xff\xfe"
		_, err := f.svc.CreateEnterprise(ctx, op, in)
		if key, _ := fieldErr(t, err, "name"); key != "error.dir.bad_chars" {
			t.Errorf("name: %s", key)
		}
		fieldErr(t, err, "address")
		row := directorytest.Row(directorytest.Enterprise(6))
		row[0], row[11] = "长沙\x01控制符有限公司", "王\x7f"
		data := directorytest.Workbook(directorytest.Headers(), [][]any{row, directorytest.Row(directorytest.Enterprise(7))})
		res, err := f.svc.ImportEnterprises(ctx, op, data, directory.ImportOptions{CleanOnly: true})
		if err != nil || res.Imported != 1 || res.ErrorRows != 1 {
			t.Fatalf("import: %+v %v", res, err)
		}
		for _, q := range []string{"\x00", "湖南\xff", "'; DROP TABLE orgs; --", `%\_`} {
			if _, _, err := f.svc.ListEnterprises(ctx, op, directory.EnterpriseFilter{Q: q}); err != nil {
				t.Errorf("search %q: %v", q, err)
			}
			if _, _, err := f.svc.ListPeople(ctx, op, directory.PersonFilter{Q: q}); err != nil {
				t.Errorf("people search %q: %v", q, err)
			}
			if _, _, err := f.svc.ListOrgs(ctx, op, directory.OrgFilter{Q: q}); err != nil {
				t.Errorf("org search %q: %v", q, err)
			}
		}
		if _, err := f.svc.CreatePerson(ctx, op, directory.PersonInput{Name: "\x00"}); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("person with NUL: %v", err)
		}
	})
}
