package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"yingshang/internal/calendar"
)

// A queue page is the API's most requested answer, and encoding/json spent 17 % of the
// serving process's CPU writing them (pprof, a million appeals, 16 clients on the eleven
// queues): reflection over 50 items of 20 fields, three time stamps each going through
// MarshalJSON and then being checked and compacted again. appendAppealPage writes the same
// bytes directly (103–110 → 23–24 µs and 303 → 0 allocations a page of 50,
// BenchmarkAppealPageJSON); TestAppealPageJSONEqualsEncoder holds it to what encoding/json
// writes for random pages (a field added to AppealListItem fails it until it is written
// here too).

// pageBufs holds the buffers pages are written into (a page of 50 is about 35 KB; making
// a new one for every page was a fifth of writing it).
var pageBufs = sync.Pool{New: func() any { return new([]byte) }}

// writeAppealPage writes p with status as writeJSON would.
func writeAppealPage(w http.ResponseWriter, status int, p AppealPage) error {
	bp := pageBufs.Get().(*[]byte)
	b := appendAppealPage((*bp)[:0], p)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(b)
	if cap(b) <= 1<<20 { // a page of 200 is about 140 KB
		*bp = b
		pageBufs.Put(bp)
	}
	return err
}

// appendAppealPage appends p as encoding/json's Encoder writes it without HTML escaping
// (a newline after).
func appendAppealPage(b []byte, p AppealPage) []byte {
	b = append(b, `{"items":`...)
	if p.Items == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range p.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendListItem(b, &p.Items[i])
		}
		b = append(b, ']')
	}
	if p.NextCursor != "" {
		b = appendJSONString(append(b, `,"next_cursor":`...), p.NextCursor)
	}
	if p.Total != nil {
		b = strconv.AppendInt(append(b, `,"total":`...), int64(*p.Total), 10)
	}
	if p.TotalCapped {
		b = append(b, `,"total_capped":true`...)
	}
	return append(b, '}', '\n')
}

func appendListItem(b []byte, it *AppealListItem) []byte {
	b = appendJSONString(append(b, `{"number":`...), it.Number)
	b = appendJSONString(append(b, `,"kind":`...), string(it.Kind))
	b = appendJSONString(append(b, `,"channel":`...), string(it.Channel))
	b = strconv.AppendInt(append(b, `,"category":{"id":`...), it.Category.ID, 10)
	b = appendJSONString(append(b, `,"code":`...), it.Category.Code)
	b = appendJSONString(append(b, `,"name":`...), it.Category.Name)
	b = appendJSONString(append(b, `},"district_code":`...), it.DistrictCode)
	b = appendJSONString(append(b, `,"priority":`...), string(it.Priority))
	b = strconv.AppendBool(append(b, `,"confidential":`...), it.Confidential)
	b = appendJSONString(append(b, `,"title":`...), it.Title)
	b = appendJSONString(append(b, `,"enterprise_name":`...), it.EnterpriseName)
	b = appendJSONString(append(b, `,"contact_phone_masked":`...), it.ContactPhoneMasked)
	b = appendJSONString(append(b, `,"state":`...), string(it.State))
	b = appendJSONString(append(b, `,"lead_department_name":`...), it.LeadDepartmentName)
	b = appendJSONString(append(b, `,"sla":{"level":`...), string(it.SLA.Level))
	b = appendJSONString(append(b, `,"clock":`...), string(it.SLA.Clock))
	b = appendStamp(append(b, `,"due":`...), it.SLA.Due)
	b = strconv.AppendInt(append(b, `},"supervision_level":`...), int64(it.SupervisionLevel), 10)
	b = strconv.AppendBool(append(b, `,"escalated":`...), it.Escalated)
	b = strconv.AppendInt(append(b, `,"redo_count":`...), int64(it.RedoCount), 10)
	b = appendStamp(append(b, `,"created_at":`...), it.CreatedAt)
	b = appendStamp(append(b, `,"updated_at":`...), it.UpdatedAt)
	b = strconv.AppendInt(append(b, `,"version":`...), it.Version, 10)
	if it.Part != nil {
		b = appendJSONString(append(b, `,"part":{"role":`...), string(it.Part.Role))
		b = appendJSONString(append(b, `,"state":`...), string(it.Part.State))
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendStamp appends a stamp as JSON: the instant in +08:00, or null.
func appendStamp(b []byte, t stamp) []byte {
	tt := time.Time(t)
	if tt.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = tt.In(calendar.Location()).AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json writes a string without HTML
// escaping: quotes, backslashes and control characters escaped, invalid UTF-8 as
// U+FFFD, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}
