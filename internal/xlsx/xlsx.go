// Package xlsx writes and reads the Excel files users exchange with the platform. Exports
// stream rows through excelize's StreamWriter, so a list of a million rows never sits in
// memory as cells; imports read rows one by one and report every problem by row and column.
package xlsx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// ContentType is the MIME type of .xlsx files.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// MaxRows bounds an export; Excel itself stops at 1,048,576 rows.
const MaxRows = 1_000_000

// Writer streams one sheet.
type Writer struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
}

// NewWriter starts a workbook whose first sheet is called sheet, with a bold header row.
func NewWriter(sheet string, headers []string) (*Writer, error) {
	f := excelize.NewFile()
	if sheet == "" {
		sheet = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	if err != nil {
		return nil, err
	}
	for i := range headers {
		width := float64(max(10, min(40, 2*len([]rune(headers[i]))+6)))
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return nil, err
		}
	}
	cells := make([]any, len(headers))
	for i, h := range headers {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return nil, err
	}
	return &Writer{f: f, sw: sw, row: 1}, nil
}

// Row appends a row. time.Time values are written as text in Asia/Shanghai so they read
// the same in every spreadsheet program.
func (w *Writer) Row(values ...any) error {
	if w.row > MaxRows {
		return fmt.Errorf("xlsx: more than %d rows", MaxRows)
	}
	w.row++
	for i, v := range values {
		if t, ok := v.(time.Time); ok {
			if t.IsZero() {
				values[i] = ""
			} else {
				values[i] = t.In(shanghai).Format("2006-01-02 15:04")
			}
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	return w.sw.SetRow(cell, values)
}

// Rows is how many data rows were written.
func (w *Writer) Rows() int { return w.row - 1 }

// WriteTo finishes the workbook into out.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	if err := w.sw.Flush(); err != nil {
		return 0, err
	}
	defer w.f.Close()
	return w.f.WriteTo(out)
}

// Serve finishes the workbook as a download named filename (UTF-8 names allowed).
func (w *Writer) Serve(rw http.ResponseWriter, filename string) error {
	rw.Header().Set("Content-Type", ContentType)
	rw.Header().Set("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+url.PathEscape(filename))
	rw.Header().Set("Cache-Control", "no-store")
	_, err := w.WriteTo(rw)
	return err
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// Sheet is a workbook opened for reading. Cells come back with their raw values: a date
// cell gives its serial number (not "06-01-18", whose two-digit year is ambiguous), a
// number its digits without grouping; importers interpret them.
type Sheet struct {
	f    *excelize.File
	rows *excelize.Rows
	// Header is the first row, trimmed.
	Header []string
	row    int
}

// Errors of Open, for importers to name in the user's language.
var (
	ErrNotWorkbook = errors.New("xlsx: not an Excel workbook")
	ErrEmpty       = errors.New("xlsx: the workbook has no rows")
)

// MaxImportBytes bounds an uploaded workbook.
const MaxImportBytes = 20 << 20

var raw = excelize.Options{RawCellValue: true}

// Open reads the first sheet of a workbook from r.
func Open(r io.Reader) (*Sheet, error) {
	f, err := excelize.OpenReader(io.LimitReader(r, MaxImportBytes+1), excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 50 << 20})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotWorkbook, err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, ErrEmpty
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %v", ErrNotWorkbook, err)
	}
	s := &Sheet{f: f, rows: rows}
	if !rows.Next() {
		s.Close()
		return nil, ErrEmpty
	}
	h, err := rows.Columns(raw)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%w: %v", ErrNotWorkbook, err)
	}
	for i := range h {
		h[i] = strings.TrimSpace(h[i])
	}
	s.Header, s.row = h, 1
	return s, nil
}

// Next returns the next non-blank row's trimmed cells (padded to the header's width) and
// its 1-based row number as Excel shows it; ok is false at the end.
func (s *Sheet) Next() (cells []string, rowNum int, ok bool, err error) {
	for s.rows.Next() {
		s.row++
		c, err := s.rows.Columns(raw)
		if err != nil {
			return nil, s.row, false, err
		}
		empty := true
		for i := range c {
			c[i] = strings.TrimSpace(c[i])
			if c[i] != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		for len(c) < len(s.Header) {
			c = append(c, "")
		}
		return c, s.row, true, nil
	}
	return nil, s.row, false, s.rows.Error()
}

// Close releases the workbook.
func (s *Sheet) Close() error {
	if s.rows != nil {
		s.rows.Close()
	}
	return s.f.Close()
}

// Column returns the Excel column letter of a 0-based index (0 → A).
func Column(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return "?"
	}
	return name
}
