package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
)

const importUsage = `Usage: yingshang import enterprises [flags] FILE.xlsx
       yingshang import appeals --file FILE.csv|FILE.xlsx [flags]

Imports enterprises from an Excel workbook laid out like the template of the web page
/enterprises/import (the first sheet; Chinese column headings 企业名称, 统一社会信用代码, …).
Every row is checked first. With any error nothing is imported and every error is
printed (row, column, problem), unless --clean-only imports the rows without errors.
What is imported is imported in one transaction.
`

// cmdImport runs "yingshang import enterprises FILE" and "yingshang import appeals".
func cmdImport(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "appeals" {
		return cmdImportAppeals(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "enterprises" {
		fmt.Fprint(os.Stderr, importUsage)
		return errUsage
	}
	var c common
	fs := newFlags("import enterprises", &c)
	cleanOnly := fs.Bool("clean-only", false, "import the rows without errors even if other rows have some")
	check := fs.Bool("check", false, "check every row and import nothing")
	lang := fs.String("lang", "zh-CN", "language of the messages: zh-CN or en")
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, importUsage, "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.Close()
	l := i18n.Match(*lang)
	res, err := a.Directory.ImportEnterprises(ctx, auth.CLI(), data, directory.ImportOptions{CleanOnly: *cleanOnly, DryRun: *check,
		Filename: filepath.Base(path)})
	if err != nil {
		return explain(a, err)
	}
	for _, e := range res.Errors {
		col := strings.TrimSpace(e.Column + " " + e.Header)
		fmt.Printf("row %d\t%s\t%s\n", e.Row, col, a.Catalog.T(l, e.Key, e.Args))
	}
	fmt.Printf("%d rows: %d clean, %d with errors; %d enterprises imported\n", res.Rows, res.Clean, res.ErrorRows, res.Imported)
	if len(res.Errors) > 0 && res.Imported == 0 && !*check {
		return errors.New("nothing imported: fix the errors above, or pass --clean-only to import the clean rows")
	}
	return nil
}
