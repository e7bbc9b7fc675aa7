package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/i18n"
)

const importAppealsUsage = `Usage: yingshang import appeals --file FILE.csv|FILE.xlsx [flags]

Imports historic appeals (finished, or open as they stand today) from a CSV file (UTF-8)
or the first sheet of an Excel workbook; the columns are described in
docs/import-appeals.md (Chinese headings 类型, 分类编码, 标题, 内容, 登记时间, …).
Every row is checked first. With any error nothing is imported and every error is
printed (row, column, problem), unless --clean-only imports the rows without errors.
Rows are written in transactions of --batch appeals; afterwards the statistics roll-up
is rebuilt and the new appeals are indexed for search.
`

func cmdImportAppeals(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("import appeals", &c)
	file := fs.String("file", "", "the .csv or .xlsx file (required)")
	cleanOnly := fs.Bool("clean-only", false, "import the rows without errors even if other rows have some")
	check := fs.Bool("check", false, "check every row and import nothing")
	batch := fs.Int("batch", 5000, "appeals per transaction")
	deferIdx := fs.Bool("defer-indexes", false, "drop the appeal tables' secondary indexes during the load and build them at the end (fast; for a database nobody uses meanwhile)")
	lang := fs.String("lang", "zh-CN", "language of the messages: zh-CN or en")
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, importAppealsUsage, "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *file == "" && fs.NArg() == 1 {
		*file = fs.Arg(0)
	}
	if *file == "" || fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	l := i18n.Match(*lang)
	f, err := appeal.ReadBulkFile(data)
	if err != nil {
		return explain(a, err)
	}
	header := map[string]string{}
	for _, col := range appeal.BulkColumns {
		header[col.Field] = col.Header
	}
	start := time.Now()
	res, after, err := a.ImportAppeals(ctx, auth.CLI(), f, appeal.BulkOptions{CleanOnly: *cleanOnly, DryRun: *check, Batch: *batch,
		DeferIndexes: *deferIdx, Filename: filepath.Base(*file),
		Progress: func(n int) { fmt.Fprintf(os.Stderr, "\r%d appeals written", n) }})
	if res.Imported > 0 {
		fmt.Fprintln(os.Stderr)
	}
	if err != nil {
		return explain(a, err)
	}
	for _, e := range res.Errors {
		col := strings.TrimSpace(f.Columns[e.Field] + " " + header[e.Field])
		fmt.Printf("row %d\t%s\t%s\n", e.Row, col, a.Catalog.T(l, e.Key, e.Args))
	}
	fmt.Printf("%d rows: %d clean, %d with errors; %d appeals imported", res.Rows, res.Clean, res.ErrorRows, res.Imported)
	if res.Imported > 0 {
		secs := res.Elapsed.Seconds()
		fmt.Printf(" in %.1f s (%.0f/s; roll-up %.1f s, search %d in %.1f s, total %.1f s)", secs, float64(res.Imported)/secs,
			after.Rollup.Seconds(), after.Indexed, after.Search.Seconds(), time.Since(start).Seconds())
	}
	fmt.Println()
	if res.ErrorRows > 0 && res.Imported == 0 && !*check {
		return errors.New("nothing imported: fix the errors above, or pass --clean-only to import the clean rows")
	}
	return nil
}
