package appeal

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/calendar"
	"yingshang/internal/xlsx"
)

// BulkColumn is one column of the appeal import file (docs/import-appeals.md).
type BulkColumn struct {
	Header   string
	Field    string
	Required bool
}

// BulkColumns are the columns of an appeal import file (.csv in UTF-8, or the first sheet
// of an .xlsx workbook), in template order. Headers are Chinese, as in every import form
// of the platform.
var BulkColumns = []BulkColumn{
	{"诉求编号", "number", false},
	{"类型", "kind", true},
	{"渠道", "channel", false},
	{"分类编码", "category", true},
	{"区县", "district", false},
	{"紧急程度", "priority", false},
	{"统一社会信用代码", "credit_code", false},
	{"企业名称", "enterprise_name", false},
	{"联系人", "contact_name", false},
	{"联系电话", "contact_phone", false},
	{"标题", "title", true},
	{"内容", "body", true},
	{"登记时间", "created_at", true},
	{"状态", "state", false},
	{"承办单位", "lead_dept", false},
	{"答复结果", "outcome", false},
	{"答复内容", "reply_text", false},
	{"答复时间", "replied_at", false},
	{"满意度", "satisfaction", false},
	{"是否解决", "solved", false},
	{"办结时间", "closed_at", false},
}

// BulkFile is an import file read into rows: the rows and their numbers as the file
// shows them, the problems found without the database, and each field's column letter.
type BulkFile struct {
	Rows    []BulkRow
	RowNums []int
	Errors  []BulkError
	Columns map[string]string // field → column letter
}

// MaxBulkFileRows bounds one file.
const MaxBulkFileRows = 1_000_000

// The words a file may use for each enumeration, besides the codes themselves.
var (
	kindWords = map[string]Kind{"诉求": KindAppeal, "投诉": KindComplaint, "咨询": KindConsultation, "建议": KindSuggestion}
	chanWords = map[string]Channel{"热线": ChannelHotline, "12345-1": ChannelHotline, "网站": ChannelPortal, "企业自助": ChannelPortal,
		"商会": ChannelChamber, "领导走访": ChannelLeaderVisit, "政企恳谈": ChannelRoundtable, "接口": ChannelAPI}
	prioWords  = map[string]Priority{"一般": PriorityNormal, "普通": PriorityNormal, "紧急": PriorityUrgent}
	stateWords = map[string]State{"待受理": StateSubmitted, "已受理": StateAccepted, "待派单": StateAccepted, "已派单": StateDispatched,
		"待签收": StateDispatched, "办理中": StateInProgress, "已答复": StateReplied, "待回访": StateReplied, "已办结": StateClosed,
		"不予受理": StateRejected}
	outcomeWords = map[string]Outcome{"已解决": OutcomeSolved, "部分解决": OutcomePartly, "未解决并说明": OutcomeUnsolvedExplained,
		"未解决": OutcomeUnsolvedExplained, "政策解释": OutcomePolicyExplained}
	satWords  = map[string]Satisfaction{"满意": Satisfied, "基本满意": Basically, "不满意": Unsatisfied}
	boolWords = map[string]bool{"是": true, "否": false, "true": true, "false": false, "1": true, "0": false, "已解决": true, "未解决": false}
)

func word[T ~string](m map[string]T, v string) (T, bool) {
	if v == "" {
		return "", true
	}
	if t, ok := m[v]; ok {
		return t, true
	}
	for _, t := range m {
		if strings.EqualFold(string(t), v) {
			return t, true
		}
	}
	return T(v), false
}

var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02", "2006/1/2 15:04:05",
	"2006/1/2 15:04", "2006/1/2", "20060102"}

// parseBulkTime reads a time in Shanghai time, an RFC 3339 instant, or an Excel serial.
func parseBulkTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, v, calendar.Location()); err == nil {
			return t, true
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 2958466 {
		// Excel's day 0 is 1899-12-30; the fraction is the time of day.
		days, frac := math.Modf(f)
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, calendar.Location()).AddDate(0, 0, int(days))
		return base.Add(time.Duration(math.Round(frac*86400)) * time.Second), true
	}
	return time.Time{}, false
}

// ReadBulkFile reads an import file: .xlsx when it is a workbook, else CSV (UTF-8, an
// optional byte-order mark). Header problems come back as errors of row 1 and no rows.
func ReadBulkFile(data []byte) (BulkFile, error) {
	out := BulkFile{Columns: map[string]string{}}
	var header []string
	var next func() ([]string, int, bool, error)
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		sh, err := xlsx.Open(bytes.NewReader(data))
		if err != nil {
			return out, apperr.Invalid("file", "error.xlsx", "Detail", err.Error())
		}
		defer sh.Close()
		header = sh.Header
		next = sh.Next
	} else {
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		h, err := r.Read()
		if err != nil {
			return out, apperr.Invalid("file", "bulk.error.not_file")
		}
		for i := range h {
			h[i] = strings.TrimSpace(h[i])
		}
		header = h
		next = func() ([]string, int, bool, error) {
			for {
				rec, err := r.Read()
				if errors.Is(err, io.EOF) {
					return nil, 0, false, nil
				}
				if err != nil {
					return nil, 0, false, err
				}
				row, _ := r.FieldPos(0) // the line it starts on: blank lines are skipped
				empty := true
				for i := range rec {
					rec[i] = strings.TrimSpace(rec[i])
					if rec[i] != "" {
						empty = false
					}
				}
				if !empty {
					return rec, row, true, nil
				}
			}
		}
	}
	col := map[string]int{}
	for i, h := range header {
		if h == "" {
			continue
		}
		known := false
		for _, c := range BulkColumns {
			if c.Header == h {
				known = true
				if _, dup := col[c.Field]; dup {
					out.Errors = append(out.Errors, BulkError{Row: 1, Field: c.Field, Key: "error.import_header_dup"})
				}
				col[c.Field], out.Columns[c.Field] = i, xlsx.Column(i)
			}
		}
		if !known {
			out.Errors = append(out.Errors, BulkError{Row: 1, Field: "", Key: "error.import_header_unknown", Args: map[string]any{"Header": h}})
		}
	}
	for _, c := range BulkColumns {
		if _, ok := col[c.Field]; !ok && c.Required {
			out.Errors = append(out.Errors, BulkError{Row: 1, Field: c.Field, Key: "error.import_header_missing", Args: map[string]any{"Header": c.Header}})
		}
	}
	if len(out.Errors) > 0 {
		return out, nil
	}
	districts := map[string]string{}
	for _, d := range DefaultSettings().Districts {
		districts[d.Name] = d.Code
	}
	for {
		cells, n, ok, err := next()
		if err != nil {
			return out, apperr.Invalid("file", "error.xlsx", "Detail", err.Error())
		}
		if !ok {
			break
		}
		if len(out.Rows) >= MaxBulkFileRows {
			return out, apperr.Invalid("file", "error.import_too_many", "Max", MaxBulkFileRows)
		}
		get := func(field string) string {
			if i, ok := col[field]; ok && i < len(cells) {
				return cells[i]
			}
			return ""
		}
		bad := func(field, key string) {
			out.Errors = append(out.Errors, BulkError{Row: n, Field: field, Key: key})
		}
		var r BulkRow
		var ok2 bool
		r.Number, r.CategoryCode, r.CreditCode, r.EnterpriseName = get("number"), get("category"), get("credit_code"), get("enterprise_name")
		r.ContactName, r.ContactPhone, r.Title, r.Body = get("contact_name"), get("contact_phone"), get("title"), get("body")
		r.LeadDept, r.ReplyText = get("lead_dept"), get("reply_text")
		r.DistrictCode = get("district")
		if c, ok := districts[r.DistrictCode]; ok {
			r.DistrictCode = c
		}
		if r.Kind, ok2 = word(kindWords, get("kind")); !ok2 {
			bad("kind", "error.choice")
		}
		if r.Channel, ok2 = word(chanWords, get("channel")); !ok2 {
			bad("channel", "error.choice")
		}
		if r.Priority, ok2 = word(prioWords, get("priority")); !ok2 {
			bad("priority", "error.choice")
		}
		if r.State, ok2 = word(stateWords, get("state")); !ok2 {
			bad("state", "error.choice")
		}
		if r.Outcome, ok2 = word(outcomeWords, get("outcome")); !ok2 {
			bad("outcome", "error.choice")
		}
		if r.Satisfaction, ok2 = word(satWords, get("satisfaction")); !ok2 {
			bad("satisfaction", "error.choice")
		}
		if v := get("solved"); v != "" {
			b, ok := boolWords[strings.ToLower(v)]
			if !ok {
				bad("solved", "bulk.error.bool")
			}
			r.Solved = &b
		}
		for _, f := range []struct {
			field string
			dst   *time.Time
		}{{"created_at", &r.CreatedAt}, {"replied_at", &r.RepliedAt}, {"closed_at", &r.ClosedAt}} {
			t, ok := parseBulkTime(get(f.field))
			if !ok {
				bad(f.field, "bulk.error.time")
			}
			*f.dst = t
		}
		out.Rows, out.RowNums = append(out.Rows, r), append(out.RowNums, n)
	}
	return out, nil
}
