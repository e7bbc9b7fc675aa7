package liaison

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/directory"
	"yingshang/internal/directory/creditcode"
	"yingshang/internal/xlsx"
)

// LinkColumn is a column of the links workbook (import and export share the headers).
type LinkColumn struct {
	Field    string
	Header   string // as written in the workbook (Chinese)
	Required bool
}

// LinkColumns are the import workbook's columns, in the template's order.
var LinkColumns = []LinkColumn{
	{"leader", "联系领导", true},
	{"org", "联系对象", true},
	{"officer", "联络员", false},
	{"since_on", "开始日期", true},
	{"until_on", "结束日期", false},
	{"note", "备注", false},
}

// MaxImportLinks bounds one workbook.
const MaxImportLinks = 5000

// ImportError is one problem of the workbook, by row (1-based, as Excel shows it) and
// column letter; Key is a catalog key with Args.
type ImportError struct {
	Row    int
	Column string
	Header string
	Key    string
	Args   map[string]any
}

// ImportResult says what a workbook held and what was done: nothing is imported while
// any row has an error.
type ImportResult struct {
	Rows     int
	Imported int
	Errors   []ImportError
}

// WriteLinkTemplate writes an empty import workbook with the headers and one example row.
func WriteLinkTemplate(w io.Writer) error {
	headers := make([]string, len(LinkColumns))
	for i, c := range LinkColumns {
		headers[i] = c.Header
	}
	xw, err := xlsx.NewWriter("市领导联系企业和商会", headers)
	if err != nil {
		return err
	}
	if err := xw.Row("leader1", "长沙市某某科技有限公司 或 统一社会信用代码", "liaison1", "2024-01-15", "", ""); err != nil {
		return err
	}
	_, err = xw.WriteTo(w)
	return err
}

type linkRow struct {
	row int
	in  LinkInput
}

// ImportLinks reads a links workbook (administrators, operators). Leaders are named by
// username or name (a leader with a profile), the organisation by its name or, for an
// enterprise, its credit code, the officer by username or by name within the leader's
// office; dates as people type them or Excel stores them. Every row is checked like a
// link created on the page — and against the other rows, so the workbook cannot bring two
// overlapping links of one pair. Nothing is imported while any row has an error; otherwise
// every row is, in one transaction.
func (s *Service) ImportLinks(ctx context.Context, a auth.Actor, data []byte) (ImportResult, error) {
	if !CanManageLinks(a) || !a.ScopeAllows("liaison", true) {
		return ImportResult{}, apperr.Forbidden()
	}
	if err := directory.SniffXLSX(data); err != nil {
		return ImportResult{}, err
	}
	if len(data) > xlsx.MaxImportBytes {
		return ImportResult{}, apperr.New(apperr.ErrTooLarge, "error.too_large", "Max", "20 MB")
	}
	rows, res, err := s.readLinks(ctx, data)
	if err != nil || (len(res.Errors) > 0 && len(rows) == 0) {
		return res, err
	}
	// Check every row as CreateLink would, and against the workbook's other rows.
	letter := map[string]string{}
	for i, c := range LinkColumns {
		letter[c.Field] = xlsx.Column(i)
	}
	field := map[string]string{"leader_id": "leader", "org_id": "org", "officer_id": "officer", "since_on": "since_on",
		"until_on": "until_on", "note": "note"}
	header := map[string]string{}
	for _, c := range LinkColumns {
		header[c.Field] = c.Header
	}
	for i, r := range rows {
		var v apperr.Validation
		in := r.in
		if _, err := s.checkLink(ctx, &in, &v); err != nil {
			return ImportResult{}, err
		}
		for _, prev := range rows[:i] {
			if !v.Has("org_id") && prev.in.LeaderID == in.LeaderID && prev.in.OrgID == in.OrgID &&
				overlaps(in.SinceOn, in.UntilOn, prev.in.SinceOn, prev.in.UntilOn) {
				v.Add("org_id", "liaison.error.import_overlap", "Row", prev.row)
			}
		}
		rows[i].in = in
		if e, ok := apperr.As(v.Err()); ok {
			for _, fe := range e.Fields {
				col := field[fe.Field]
				res.Errors = append(res.Errors, ImportError{Row: r.row, Column: letter[col], Header: header[col], Key: fe.Key, Args: fe.Args})
			}
		}
	}
	if len(res.Errors) > 0 {
		slices.SortStableFunc(res.Errors, func(x, y ImportError) int { return x.Row - y.Row })
		return res, nil
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		for _, r := range rows {
			if _, err := s.createLink(ctx, a, r.in); err != nil {
				if e, ok := apperr.As(err); ok && isInvalid(err) && len(e.Fields) > 0 {
					col := field[e.Fields[0].Field]
					res.Errors = append(res.Errors, ImportError{Row: r.row, Column: letter[col], Header: header[col], Key: e.Fields[0].Key, Args: e.Fields[0].Args})
					return errImportRow
				}
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errImportRow) {
		return res, nil
	}
	if err != nil {
		return ImportResult{}, err
	}
	res.Imported = len(rows)
	return res, nil
}

var errImportRow = errors.New("liaison: import row refused")

// readLinks parses the workbook and resolves names to ids; problems of a cell come back as
// errors (a workbook excelize cannot read, even one that makes it panic, is refused).
func (s *Service) readLinks(ctx context.Context, data []byte) (rows []linkRow, res ImportResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			rows, res, err = nil, ImportResult{}, apperr.Invalid("file", "error.xlsx", "Detail", fmt.Sprint(p))
		}
	}()
	sh, err := xlsx.Open(bytes.NewReader(data))
	switch {
	case errors.Is(err, xlsx.ErrEmpty):
		return nil, res, apperr.Invalid("file", "error.import_empty")
	case err != nil:
		return nil, res, apperr.Invalid("file", "error.dir.not_xlsx")
	}
	defer sh.Close()
	col := map[string]int{}
	for i, h := range sh.Header {
		if h == "" {
			continue
		}
		known := false
		for _, c := range LinkColumns {
			if c.Header == h {
				known = true
				if _, dup := col[c.Field]; dup {
					res.Errors = append(res.Errors, ImportError{Row: 1, Column: xlsx.Column(i), Header: h, Key: "error.import_header_dup"})
				}
				col[c.Field] = i
			}
		}
		if !known {
			res.Errors = append(res.Errors, ImportError{Row: 1, Column: xlsx.Column(i), Header: h, Key: "error.import_header_unknown"})
		}
	}
	for _, c := range LinkColumns {
		if _, ok := col[c.Field]; !ok && c.Required {
			res.Errors = append(res.Errors, ImportError{Row: 1, Header: c.Header, Key: "error.import_header_missing"})
		}
	}
	if len(res.Errors) > 0 {
		return nil, res, nil
	}
	names, err := s.nameIndex(ctx)
	if err != nil {
		return nil, res, err
	}
	for {
		cells, n, ok, err := sh.Next()
		if err != nil {
			return nil, res, apperr.Invalid("file", "error.xlsx", "Detail", err.Error())
		}
		if !ok {
			break
		}
		res.Rows++
		if res.Rows > MaxImportLinks {
			return nil, ImportResult{}, apperr.Invalid("file", "error.import_too_many", "Max", MaxImportLinks)
		}
		get := func(f string) string {
			if i, ok := col[f]; ok && i < len(cells) {
				return cells[i]
			}
			return ""
		}
		bad := func(f, key string, kv ...any) {
			i := col[f]
			e := ImportError{Row: n, Column: xlsx.Column(i), Header: sh.Header[i], Key: key}
			if len(kv) > 0 {
				e.Args = map[string]any{}
				for j := 0; j+1 < len(kv); j += 2 {
					e.Args[fmt.Sprint(kv[j])] = kv[j+1]
				}
			}
			res.Errors = append(res.Errors, e)
		}
		r := linkRow{row: n, in: LinkInput{SinceOn: excelDate(get("since_on")), UntilOn: excelDate(get("until_on")), Note: get("note")}}
		rowOK := true
		if id, key := names.leader(get("leader")); key != "" {
			bad("leader", key, "Value", get("leader"))
			rowOK = false
		} else {
			r.in.LeaderID = id
		}
		if err := s.resolveOrgs(ctx, names, []string{get("org")}); err != nil {
			return nil, res, err
		}
		if id, key := names.org(get("org")); key != "" {
			bad("org", key, "Value", get("org"))
			rowOK = false
		} else {
			r.in.OrgID = id
		}
		if o := get("officer"); o != "" && r.in.LeaderID != 0 {
			id, key, err := s.officerByName(ctx, r.in.LeaderID, o)
			if err != nil {
				return nil, res, err
			}
			if key != "" {
				bad("officer", key, "Value", o)
				rowOK = false
			}
			r.in.OfficerID = id
		}
		if rowOK {
			rows = append(rows, r)
		}
	}
	if res.Rows == 0 {
		return nil, res, apperr.Invalid("file", "error.import_empty")
	}
	return rows, res, nil
}

// excelDate turns a date cell's serial number into YYYY-MM-DD; text stays as typed.
func excelDate(s string) string {
	if serial, err := strconv.ParseFloat(s, 64); err == nil && serial > 0 && serial < 2958466 && len(s) != 8 && !strings.ContainsAny(s, "-/") {
		if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return s
}

// nameIndex resolves the workbook's names: leaders by username and name, organisations
// by name and enterprises by credit code.
type nameIndex struct {
	leaders map[string][]int64
	orgs    map[string][]int64
	codes   map[string]int64
}

func (s *Service) nameIndex(ctx context.Context) (*nameIndex, error) {
	ix := &nameIndex{leaders: map[string][]int64{}, orgs: map[string][]int64{}, codes: map[string]int64{}}
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT u.id, u.username, u.display_name FROM liaison_leaders l JOIN users u ON u.id = l.user_id`)
	if err != nil {
		return nil, fmt.Errorf("liaison: leader names: %w", err)
	}
	for rows.Next() {
		var id int64
		var user, name string
		if err := rows.Scan(&id, &user, &name); err != nil {
			rows.Close()
			return nil, err
		}
		ix.leaders[user] = append(ix.leaders[user], id)
		if name != user {
			ix.leaders[name] = append(ix.leaders[name], id)
		}
	}
	rows.Close()
	return ix, rows.Err()
}

func (ix *nameIndex) leader(v string) (int64, string) {
	switch ids := ix.leaders[strings.TrimSpace(v)]; {
	case strings.TrimSpace(v) == "":
		return 0, "error.required"
	case len(ids) == 0:
		return 0, "liaison.error.import_leader"
	case len(ids) > 1:
		return 0, "liaison.error.import_ambiguous"
	default:
		return ids[0], ""
	}
}

// org returns the organisation named v (resolveOrgs looked it up first: there may be a
// million enterprises, so only the names the workbook uses are read).
func (ix *nameIndex) org(v string) (int64, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, "error.required"
	}
	if ids, ok := ix.orgs[v]; ok {
		switch len(ids) {
		case 0:
			return 0, "liaison.error.import_org"
		case 1:
			return ids[0], ""
		}
		return 0, "liaison.error.import_ambiguous"
	}
	return 0, "liaison.error.import_org"
}

// officerByName finds an officer by username, or by name among the leader's office.
func (s *Service) officerByName(ctx context.Context, leader int64, v string) (int64, string, error) {
	ids, err := s.ids(ctx, `SELECT u.id FROM users u JOIN users l ON l.id = $1 WHERE u.username = $2
		OR (u.display_name = $2 AND u.org_id = l.org_id) ORDER BY u.id`, leader, strings.TrimSpace(v))
	if err != nil {
		return 0, "", err
	}
	switch len(ids) {
	case 0:
		return 0, "liaison.error.import_officer", nil
	case 1:
		return ids[0], "", nil
	}
	return 0, "liaison.error.import_ambiguous", nil
}

// resolveOrgs looks up organisations by credit code (an enterprise) or exact name (an
// enterprise or a chamber), once per distinct value.
func (s *Service) resolveOrgs(ctx context.Context, ix *nameIndex, values []string) error {
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if _, done := ix.orgs[v]; done {
			continue
		}
		var ids []int64
		var err error
		if code := creditcode.Normalize(v); len(code) == 18 && creditcode.Validate(code) == nil {
			ids, err = s.ids(ctx, `SELECT org_id FROM enterprises WHERE credit_code = $1`, code)
		} else {
			ids, err = s.ids(ctx, `SELECT id FROM orgs WHERE name = $1 AND kind IN ($2, $3) ORDER BY id`, v, auth.OrgEnterprise, auth.OrgChamber)
		}
		if err != nil {
			return err
		}
		ix.orgs[v] = ids
	}
	return nil
}

// findOrgs resolves names typed in a form (an enterprise's name or credit code, a
// chamber's name) to organisation ids of the kinds given; unknown or ambiguous names are
// reported by their index.
func (s *Service) findOrgs(ctx context.Context, names []string, kinds ...string) (ids []int64, bad []string, err error) {
	ix := &nameIndex{orgs: map[string][]int64{}}
	if err := s.resolveOrgs(ctx, ix, names); err != nil {
		return nil, nil, err
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		id, key := ix.org(n)
		if key != "" {
			bad = append(bad, n)
			continue
		}
		if kind, err := s.orgKind(ctx, id); err != nil {
			return nil, nil, err
		} else if !slices.Contains(kinds, kind) {
			bad = append(bad, n)
			continue
		}
		ids = append(ids, id)
	}
	return ids, bad, nil
}
