package web

import (
	"errors"
	"io"
	"net/http"

	"yingshang/internal/apperr"
	"yingshang/internal/directory"
	"yingshang/internal/xlsx"
)

// maxShownImportErrors bounds the error table of one upload page; the counts above it
// always cover every error.
const maxShownImportErrors = 1000

type importErrorView struct {
	Row     int
	Column  string
	Header  string
	Message string
}

type importColumnView struct {
	directory.ImportColumn
	Letter string
}

func importColumns() []importColumnView {
	out := make([]importColumnView, len(directory.ImportColumns))
	for i, c := range directory.ImportColumns {
		out[i] = importColumnView{ImportColumn: c, Letter: xlsx.Column(i)}
	}
	return out
}

type importPageData struct {
	Columns []importColumnView
	Result  *directory.ImportResult
	Errors  []importErrorView
	// Hidden is how many errors the table leaves out.
	Hidden   int
	UploadID int64
	Filename string
}

func (s *Server) enterpriseImportPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(w, r, "import.title", importPageData{Columns: importColumns()})
	p.Form = NewForm(nil)
	s.render(w, r, "directory/import", p)
}

func (s *Server) enterpriseImportTemplate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", xlsx.ContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="enterprise-import-template.xlsx"; filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx`)
	w.Header().Set("Cache-Control", "no-store")
	if err := directory.WriteImportTemplate(w); err != nil {
		s.Logger.Error("import template", "err", err)
	}
}

// enterpriseImport takes an uploaded workbook (multipart, size-limited, checked to really
// be an .xlsx) or, with upload=ID&mode=clean, the workbook kept from the previous attempt.
func (s *Server) enterpriseImport(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, xlsx.MaxImportBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.importFailed(w, r, apperr.Invalid("file", "error.dir.file_too_large", "Max", "20 MB"))
			return
		}
		// A urlencoded form (the clean-rows button) has no multipart body.
		if err := r.ParseForm(); err != nil {
			s.importFailed(w, r, apperr.Invalid("file", "error.dir.file_missing"))
			return
		}
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if up := formInt(r.Form, "upload"); up > 0 && r.Form.Get("mode") == "clean" {
		res, err := s.Directory.ImportUpload(r.Context(), a, up, directory.ImportOptions{CleanOnly: true})
		if err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				s.importFailed(w, r, apperr.Invalid("file", "error.dir.upload_gone"))
				return
			}
			s.importFailed(w, r, err)
			return
		}
		if res.Imported == 0 {
			s.renderImportResult(w, r, res, 0, "")
			return
		}
		s.flash(w, "success", "flash.import_clean", "Imported", res.Imported, "Skipped", res.ErrorRows)
		redirect(w, r, "/enterprises/import")
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.importFailed(w, r, apperr.Invalid("file", "error.dir.file_missing"))
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, xlsx.MaxImportBytes+1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(data) > xlsx.MaxImportBytes {
		s.importFailed(w, r, apperr.Invalid("file", "error.dir.file_too_large", "Max", "20 MB"))
		return
	}
	res, err := s.Directory.ImportEnterprises(r.Context(), a, data, directory.ImportOptions{Filename: hdr.Filename})
	if err != nil {
		s.importFailed(w, r, err)
		return
	}
	if len(res.Errors) == 0 {
		s.flash(w, "success", "flash.import_done", "Imported", res.Imported)
		redirect(w, r, "/enterprises/import")
		return
	}
	var upload int64
	if res.Clean > 0 {
		if upload, err = s.Directory.SaveUpload(r.Context(), a, hdr.Filename, data); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.renderImportResult(w, r, res, upload, hdr.Filename)
}

func (s *Server) renderImportResult(w http.ResponseWriter, r *http.Request, res directory.ImportResult, upload int64, filename string) {
	lang := langOf(r)
	d := importPageData{Columns: importColumns(), Result: &res, UploadID: upload, Filename: filename}
	for i, e := range res.Errors {
		if i == maxShownImportErrors {
			d.Hidden = len(res.Errors) - i
			break
		}
		d.Errors = append(d.Errors, importErrorView{Row: e.Row, Column: e.Column, Header: e.Header, Message: s.Catalog.T(lang, e.Key, e.Args)})
	}
	p := s.page(w, r, "import.title", d)
	p.Form = NewForm(nil)
	status := http.StatusOK
	if len(res.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.renderStatus(w, r, status, "directory/import", p)
}

func (s *Server) importFailed(w http.ResponseWriter, r *http.Request, err error) {
	f := NewForm(nil)
	if !s.Bind(f, langOf(r), err) {
		s.fail(w, r, err)
		return
	}
	p := s.page(w, r, "import.title", importPageData{Columns: importColumns()})
	p.Form = f
	status := http.StatusUnprocessableEntity
	if e, ok := apperr.As(err); errors.Is(err, apperr.ErrTooLarge) || (ok && len(e.Fields) == 1 && e.Fields[0].Key == "error.dir.file_too_large") {
		status = http.StatusRequestEntityTooLarge
	}
	s.renderStatus(w, r, status, "directory/import", p)
}
