package directory

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
	"yingshang/internal/xlsx"
)

// ImportColumn is one column of the enterprise import workbook.
type ImportColumn struct {
	// Header is the exact text of the column's first cell.
	Header string
	// Field is the input field it fills (and the field validation errors name).
	Field    string
	Required bool
	// Note explains the format (shown on the import page and in the template).
	Note string
}

// ImportColumns are the columns of the enterprise import workbook, in template order.
// Headers are Chinese whatever the user's language: the workbook is a Chinese form that
// is passed around offices.
var ImportColumns = []ImportColumn{
	{"企业名称", "name", true, "企业全称，与营业执照一致，不超过 100 字；同名企业不能重复登记。"},
	{"企业简称", "short_name", false, "不超过 30 字。"},
	{"统一社会信用代码", "credit_code", true, "18 位，按 GB 32100-2015 校验；已登记的代码不能重复导入。"},
	{"所属行业", "industry", true, "国民经济行业分类（GB/T 4754-2017）门类：填字母（如 C）或门类名称（如 制造业）。"},
	{"企业规模", "size", true, "大型、中型、小型、微型（也可写 大/中/小/微）。"},
	{"经济类型", "ownership", true, "民营、国有、外资。"},
	{"所属区县", "district", true, "长沙市区县（市）名称（如 岳麓区）或行政区划代码（如 430104）。"},
	{"产业链", "chain", false, "全市重点产业链名称（如 工程机械），可留空。"},
	{"注册资本", "registered_capital", false, "单位元，可写 500万、1.2亿 或 5000000。"},
	{"成立日期", "founded_on", false, "如 2018-06-01、2018/6/1 或 Excel 日期单元格。"},
	{"从业人数", "employees", false, "整数。"},
	{"法定代表人", "legal_rep", false, "不超过 50 字。"},
	{"联系人", "contact_name", false, "不超过 50 字。"},
	{"联系电话", "contact_phone", false, "11 位手机号或带区号的固定电话（如 0731-84567890）。"},
	{"地址", "address", false, "不超过 200 字。"},
}

// ImportOptions say what to do with a workbook.
type ImportOptions struct {
	// CleanOnly imports the rows without errors even when other rows have some. Without
	// it, one error anywhere imports nothing.
	CleanOnly bool
	// DryRun checks every row and imports nothing.
	DryRun bool
	// Filename is recorded in the audit log.
	Filename string
}

// ImportError is one problem: a cell (Row and Column as Excel shows them), or a whole
// row or the header row when Column is empty.
type ImportError struct {
	Row    int
	Column string
	Header string
	Field  string
	Key    string
	Args   map[string]any
}

// ImportResult reports what a workbook held and what was done with it.
type ImportResult struct {
	// Rows is the number of data rows (blank rows are skipped); Clean of them have no error.
	Rows  int
	Clean int
	// ErrorRows is the number of rows with at least one error.
	ErrorRows int
	// Imported is the number of enterprises created (0 when nothing was imported).
	Imported int
	// IDs are the created enterprises, in row order.
	IDs    []int64
	Errors []ImportError
}

// MaxImportRows bounds one workbook.
const MaxImportRows = 200_000

// errNotXLSX is a file that is not an Excel workbook.
func errNotXLSX() error { return apperr.Invalid("file", "error.dir.not_xlsx") }

// SniffXLSX checks that data really is an .xlsx workbook (a zip holding a workbook
// part), whatever its name or declared type says.
func SniffXLSX(data []byte) error {
	if len(data) < 4 || !bytes.Equal(data[:4], []byte("PK\x03\x04")) {
		return errNotXLSX()
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return errNotXLSX()
	}
	var types, workbook bool
	for _, f := range zr.File {
		switch f.Name {
		case "[Content_Types].xml":
			types = true
		case "xl/workbook.xml":
			workbook = true
		}
	}
	if !types || !workbook {
		return errNotXLSX()
	}
	return nil
}

type importRow struct {
	row    int
	in     EnterpriseInput
	errors int
}

// readWorkbook parses the first sheet into inputs and the problems of each cell found
// without the database. A workbook excelize cannot read, even one that makes it panic,
// is refused as not a workbook.
func (s *Service) readWorkbook(data []byte) (rows []importRow, letters map[string]string, errs []ImportError, err error) {
	if err := SniffXLSX(data); err != nil {
		return nil, nil, nil, err
	}
	if len(data) > xlsx.MaxImportBytes {
		return nil, nil, nil, apperr.New(apperr.ErrTooLarge, "error.too_large", "Max", "20 MB")
	}
	defer func() {
		if p := recover(); p != nil {
			rows, letters, errs, err = nil, nil, nil, apperr.Invalid("file", "error.xlsx", "Detail", fmt.Sprint(p))
		}
	}()
	sh, err := openSheet(data)
	if err != nil {
		return nil, nil, nil, err
	}
	defer sh.Close()
	letters = map[string]string{}
	// Map headers to columns: every known header once, every required one present.
	col := map[string]int{}
	for i, h := range sh.Header {
		if h == "" {
			continue
		}
		known := false
		for _, c := range ImportColumns {
			if c.Header == h {
				known = true
				if _, dup := col[c.Field]; dup {
					errs = append(errs, ImportError{Row: 1, Column: xlsx.Column(i), Header: h, Key: "error.import_header_dup"})
				}
				col[c.Field] = i
				letters[c.Field] = xlsx.Column(i)
			}
		}
		if !known {
			errs = append(errs, ImportError{Row: 1, Column: xlsx.Column(i), Header: h, Key: "error.import_header_unknown"})
		}
	}
	for _, c := range ImportColumns {
		if _, ok := col[c.Field]; !ok && c.Required {
			errs = append(errs, ImportError{Row: 1, Header: c.Header, Field: c.Field, Key: "error.import_header_missing"})
		}
	}
	if len(errs) > 0 {
		return nil, nil, errs, nil
	}
	for {
		cells, n, ok, err := sh.Next()
		if err != nil {
			return nil, nil, nil, apperr.Invalid("file", "error.xlsx", "Detail", err.Error())
		}
		if !ok {
			break
		}
		if len(rows) >= MaxImportRows {
			return nil, nil, nil, apperr.Invalid("file", "error.import_too_many", "Max", MaxImportRows)
		}
		get := func(field string) string {
			if i, ok := col[field]; ok && i < len(cells) {
				return cells[i]
			}
			return ""
		}
		founded := get("founded_on")
		if serial, err := strconv.ParseFloat(founded, 64); err == nil && serial > 0 && serial < 2958466 && !strings.ContainsAny(founded, "-/") && len(founded) != 8 {
			if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
				founded = t.Format("2006-01-02")
			}
		}
		rows = append(rows, importRow{row: n, in: EnterpriseInput{
			Name: get("name"), ShortName: get("short_name"), CreditCode: get("credit_code"), Industry: get("industry"),
			Size: get("size"), Ownership: get("ownership"), District: get("district"), Chain: get("chain"),
			CapitalText: get("registered_capital"), FoundedOn: founded, EmployeesText: get("employees"),
			LegalRep: get("legal_rep"), ContactName: get("contact_name"), ContactPhone: get("contact_phone"), Address: get("address"),
		}})
	}
	if len(rows) == 0 {
		return nil, nil, nil, apperr.Invalid("file", "error.import_empty")
	}
	return rows, letters, nil, nil
}

func openSheet(data []byte) (*xlsx.Sheet, error) {
	sh, err := xlsx.Open(bytes.NewReader(data))
	switch {
	case errors.Is(err, xlsx.ErrEmpty):
		return nil, apperr.Invalid("file", "error.import_empty")
	case err != nil:
		return nil, errNotXLSX()
	}
	return sh, nil
}

// checked is a workbook read and checked without the database.
type checked struct {
	res        ImportResult
	rows       []importRow
	letters    map[string]string
	headerErrs []ImportError
	// codes and names map each credit code and name to the first row that has it.
	codes, names map[string]int
}

func (c *checked) addErr(r *importRow, fe apperr.FieldError) {
	c.res.Errors = append(c.res.Errors, ImportError{Row: r.row, Column: c.letters[fe.Field], Header: headerOf(fe.Field),
		Field: fe.Field, Key: fe.Key, Args: fe.Args})
	r.errors++
}

// result counts the rows with errors and orders the errors by row and column.
func (c *checked) result() ImportResult {
	res := c.res
	slices.SortStableFunc(res.Errors, func(a, b ImportError) int {
		return cmp.Or(cmp.Compare(a.Row, b.Row), cmp.Compare(len(a.Column), len(b.Column)), strings.Compare(a.Column, b.Column))
	})
	res.ErrorRows = 0
	for _, r := range c.rows {
		if r.errors > 0 {
			res.ErrorRows++
		}
	}
	res.Clean = res.Rows - res.ErrorRows
	return res
}

// checkWorkbook reads a workbook and checks every row on its own and against the
// other rows of the file; it does not touch the database.
func (s *Service) checkWorkbook(data []byte) (*checked, error) {
	rows, letters, headerErrs, err := s.readWorkbook(data)
	c := &checked{rows: rows, letters: letters, headerErrs: headerErrs, codes: map[string]int{}, names: map[string]int{}}
	if err != nil || len(headerErrs) > 0 {
		return c, err
	}
	c.res.Rows = len(rows)
	for i := range c.rows {
		r := &c.rows[i]
		var v apperr.Validation
		s.checkEnterprise(&r.in, &v)
		if e, ok := v.Err().(*apperr.Error); ok {
			for _, fe := range e.Fields {
				c.addErr(r, fe)
			}
		}
		if r.in.CreditCode != "" && !v.Has("credit_code") {
			if first, dup := c.codes[r.in.CreditCode]; dup {
				c.addErr(r, apperr.FieldError{Field: "credit_code", Key: "error.import_dup_code", Args: map[string]any{"Row": first}})
			} else {
				c.codes[r.in.CreditCode] = r.row
			}
		}
		if r.in.Name != "" && !v.Has("name") {
			if first, dup := c.names[r.in.Name]; dup {
				c.addErr(r, apperr.FieldError{Field: "name", Key: "error.import_dup_name", Args: map[string]any{"Row": first}})
			} else {
				c.names[r.in.Name] = r.row
			}
		}
	}
	return c, nil
}

// CheckWorkbook reports what ImportEnterprises would find in a workbook before it looks
// at the database: the header, every row's fields, and codes or names repeated within
// the file. It needs no database (the fuzz target drives it).
func (s *Service) CheckWorkbook(data []byte) (ImportResult, error) {
	c, err := s.checkWorkbook(data)
	if err != nil {
		return ImportResult{}, err
	}
	if len(c.headerErrs) > 0 {
		return ImportResult{Errors: c.headerErrs}, nil
	}
	return c.result(), nil
}

// headerOf is the column header of an input field.
func headerOf(field string) string {
	for _, c := range ImportColumns {
		if c.Field == field {
			return c.Header
		}
	}
	return ""
}

// ImportEnterprises reads a workbook of enterprises (see ImportColumns), checks EVERY row
// against the rules and the database and reports every problem by row and column. With
// no problem it imports all rows; with problems it imports nothing unless CleanOnly asks
// for the clean rows. What is imported is imported in one transaction: never half a file.
// Only directory editors import.
func (s *Service) ImportEnterprises(ctx context.Context, a auth.Actor, data []byte, o ImportOptions) (ImportResult, error) {
	if !CanEditDirectory(a) {
		return ImportResult{}, apperr.Forbidden()
	}
	// 1 and 2: each row on its own and against the rest of the file (no database yet).
	c, err := s.checkWorkbook(data)
	if err != nil {
		return ImportResult{}, err
	}
	if len(c.headerErrs) > 0 {
		return ImportResult{Errors: c.headerErrs}, nil
	}
	rows, codes, names, addErr := c.rows, c.codes, c.names, c.addErr
	var res ImportResult
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		// 3. Against the database, in batches, in the transaction that imports.
		takenCodes, err := s.existing(ctx, `SELECT e.credit_code, o.name FROM enterprises e JOIN orgs o ON o.id = e.org_id WHERE e.credit_code IN `, keys(codes), nil)
		if err != nil {
			return err
		}
		takenNames, err := s.existing(ctx, `SELECT name, name FROM orgs WHERE kind = $1 AND name IN `, keys(names), []any{auth.OrgEnterprise})
		if err != nil {
			return err
		}
		for i := range rows {
			r := &rows[i]
			if name, ok := takenCodes[r.in.CreditCode]; ok && codes[r.in.CreditCode] == r.row {
				addErr(r, apperr.FieldError{Field: "credit_code", Key: "error.credit_code_taken", Args: map[string]any{"Name": name}})
			}
			if _, ok := takenNames[r.in.Name]; ok && names[r.in.Name] == r.row {
				addErr(r, apperr.FieldError{Field: "name", Key: "error.enterprise_name_taken"})
			}
		}
		res = c.result()
		if o.DryRun || (res.ErrorRows > 0 && !o.CleanOnly) || res.Clean == 0 {
			return nil
		}
		// 4. Import the clean rows, each audited, and the import itself.
		q := s.db.Q(ctx)
		for i := range rows {
			r := &rows[i]
			if r.errors > 0 {
				continue
			}
			id, err := s.insertEnterprise(ctx, r.in, q)
			if err != nil {
				return s.uniqueError(ctx, err, r.in)
			}
			if err := s.audit.Record(ctx, a, "enterprise.create", "org", strconv.FormatInt(id, 10),
				audit.Change{After: r.in, Note: fmt.Sprintf("import %s row %d", o.Filename, r.row)}); err != nil {
				return err
			}
			res.IDs = append(res.IDs, id)
		}
		res.Imported = len(res.IDs)
		return s.audit.Record(ctx, a, "enterprise.import", "org", "", map[string]any{"file": o.Filename, "sha256": digest(data),
			"rows": res.Rows, "imported": res.Imported, "error_rows": res.ErrorRows, "clean_only": o.CleanOnly})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// existing looks values up in batches: query ends with "IN " and selects (value, label).
func (s *Service) existing(ctx context.Context, query string, values []string, pre []any) (map[string]string, error) {
	out := map[string]string{}
	const batch = 500
	for start := 0; start < len(values); start += batch {
		part := values[start:min(start+batch, len(values))]
		args := append([]any(nil), pre...)
		ph := make([]string, len(part))
		for i, v := range part {
			args = append(args, v)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		rows, err := s.db.RQ(ctx).QueryContext(ctx, query+"("+strings.Join(ph, ", ")+")", args...)
		if err != nil {
			return nil, fmt.Errorf("directory: import lookup: %w", err)
		}
		for rows.Next() {
			var v, label string
			if err := rows.Scan(&v, &label); err != nil {
				rows.Close()
				return nil, err
			}
			out[v] = label
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// WriteImportTemplate writes the import template: the header row on the first sheet (fill
// it in), and a second sheet explaining every column with the allowed values.
func WriteImportTemplate(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet, help = "企业", "填写说明"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": codes and phones stay text
	if err != nil {
		return err
	}
	for i, c := range ImportColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, cell, c.Header); err != nil {
			return err
		}
		col := xlsx.Column(i)
		width := float64(max(12, 2*len([]rune(c.Header))+6))
		if c.Field == "name" || c.Field == "address" {
			width = 36
		}
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
		if c.Field == "credit_code" || c.Field == "contact_phone" {
			if err := f.SetColStyle(sheet, col, text); err != nil {
				return err
			}
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(ImportColumns), 1)
	if err := f.SetCellStyle(sheet, "A1", last, bold); err != nil {
		return err
	}
	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	rows := [][]any{{"列名", "是否必填", "填写说明"}}
	for _, c := range ImportColumns {
		req := "否"
		if c.Required {
			req = "是"
		}
		rows = append(rows, []any{c.Header, req, c.Note})
	}
	rows = append(rows, []any{}, []any{"所属行业可选值"})
	for _, code := range Industries {
		rows = append(rows, []any{code, IndustryNameZH(code)})
	}
	rows = append(rows, []any{}, []any{"所属区县可选值"})
	for _, code := range Districts {
		rows = append(rows, []any{code, DistrictNameZH(code)})
	}
	rows = append(rows, []any{}, []any{"产业链可选值"})
	for _, code := range Chains {
		rows = append(rows, []any{ChainNameZH(code)})
	}
	rows = append(rows, []any{}, []any{"导入规则：先逐行校验全部数据；任何一行有误则整个文件不导入，并列出全部错误（行号、列、原因）。可修改后重新上传，或选择“仅导入无误的行”。"})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(help, cell, &r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(help, "A", "A", 18); err != nil {
		return err
	}
	if err := f.SetColWidth(help, "C", "C", 80); err != nil {
		return err
	}
	if err := f.SetCellStyle(help, "A1", "C1", bold); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// Uploads: a workbook with errors waits here for the user's "import only the clean rows",
// so the user need not choose the file again. It belongs to the user who uploaded it and
// is removed once used; uploads older than a day are removed on the next upload.

// uploadTTL is how long an upload waits.
const uploadTTL = 24 * time.Hour

// SaveUpload keeps a workbook for the actor and returns its id.
func (s *Service) SaveUpload(ctx context.Context, a auth.Actor, filename string, data []byte) (int64, error) {
	if !CanEditDirectory(a) {
		return 0, apperr.Forbidden()
	}
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		if _, err := q.ExecContext(ctx, `DELETE FROM directory_uploads WHERE created_at < $1`, db.Millis(s.now().Add(-uploadTTL))); err != nil {
			return fmt.Errorf("directory: expire uploads: %w", err)
		}
		return q.QueryRowContext(ctx, `INSERT INTO directory_uploads (user_id, filename, sha256, data, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, a.UserID, filename, digest(data), data, db.Millis(s.now())).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("directory: save upload: %w", err)
	}
	return id, nil
}

// ImportUpload imports a saved workbook with o and removes it (whatever the outcome,
// unless the database failed). Another user's upload is not found.
func (s *Service) ImportUpload(ctx context.Context, a auth.Actor, id int64, o ImportOptions) (ImportResult, error) {
	if !CanEditDirectory(a) {
		return ImportResult{}, apperr.Forbidden()
	}
	var data []byte
	var name string
	err := s.db.RQ(ctx).QueryRowContext(ctx, `SELECT filename, data FROM directory_uploads WHERE id = $1 AND user_id = $2 AND created_at >= $3`,
		id, a.UserID, db.Millis(s.now().Add(-uploadTTL))).Scan(&name, &data)
	if db.IsNoRows(err) {
		return ImportResult{}, apperr.NotFound("upload")
	}
	if err != nil {
		return ImportResult{}, fmt.Errorf("directory: upload: %w", err)
	}
	if o.Filename == "" {
		o.Filename = name
	}
	res, err := s.ImportEnterprises(ctx, a, data, o)
	var ae *apperr.Error
	if err != nil && !errors.As(err, &ae) {
		return res, err
	}
	if _, derr := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM directory_uploads WHERE id = $1`, id); derr != nil {
		return res, fmt.Errorf("directory: remove upload: %w", derr)
	}
	return res, err
}
