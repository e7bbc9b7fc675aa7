package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
)

// maxUpload bounds one multipart request: a few attachments of at most 10 MB each and
// the form's fields.
const (
	maxUploadFiles = 5
	maxUpload      = maxUploadFiles*appeal.MaxAttachmentSize + 1<<20
)

// upload is a file read from a multipart form.
type upload struct {
	Name string
	Data []byte
}

// parseUpload reads a multipart form (or a urlencoded one) with the size limit.
func parseUpload(w http.ResponseWriter, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		return r.ParseMultipartForm(2 << 20)
	}
	// A form without files has no reason to be larger than any other form.
	return parseForm(w, r)
}

// uploads reads the non-empty files of field, at most max, each up to one byte past the
// attachment limit (the service refuses it with a field error).
func uploads(r *http.Request, field string, max int) ([]upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []upload
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if len(out) == max {
			return nil, apperr.Invalid(field, "appealui.error.too_many_files", "Max", max)
		}
		data, err := readPart(fh)
		if err != nil {
			return nil, err
		}
		out = append(out, upload{Name: fh.Filename, Data: data})
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, appeal.MaxAttachmentSize+1))
}

// checkUploads checks every file before anything is filed; the first problem is the
// field's error.
func checkUploads(files []upload, field string) error {
	for _, u := range files {
		if err := appeal.CheckAttachment(u.Name, u.Data); err != nil {
			if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
				fe := e.Fields[0]
				kv := []any{}
				for k, v := range fe.Args {
					kv = append(kv, k, v)
				}
				return apperr.Invalid(field, fe.Key, kv...)
			}
			return err
		}
	}
	return nil
}

// appealAttach adds files to an appeal from its page.
func (s *Server) appealAttach(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	if err := parseUpload(w, r); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.moveFailed(w, r, "attach", apperr.Invalid("file", "appeal.error.attachment_too_large", "Max", "10 MB"))
			return
		}
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	id, err := s.Appeal.IDByNumber(ctx, a, r.PathValue("number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	files, err := uploads(r, "file", maxUploadFiles)
	if err == nil && len(files) == 0 {
		err = apperr.Invalid("file", "error.required")
	}
	if err == nil {
		err = checkUploads(files, "file")
	}
	for i := 0; err == nil && i < len(files); i++ {
		_, err = s.Appeal.AddAttachment(ctx, a, id, files[i].Name, files[i].Data)
	}
	if err != nil {
		if errors.Is(err, apperr.ErrInvalid) {
			s.moveFailed(w, r, "attach", err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, "success", "flash.appeal_attached", "N", len(files))
	redirect(w, r, "/appeals/"+r.PathValue("number")+"#attachments")
}

// appealAttachment serves one file of an appeal the actor may see. Images and PDFs open
// in the page (the appeal page shows them in an <img> or an <iframe> of this site, so the
// framing rule is relaxed to the same origin); everything else downloads.
func (s *Server) appealAttachment(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	aid, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	id, err := s.Appeal.IDByNumber(ctx, a, r.PathValue("number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	at, data, err := s.Appeal.AttachmentContent(ctx, a, aid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if at.AppealID != id {
		s.notFound(w, r)
		return
	}
	h := w.Header()
	disp := "attachment"
	if appeal.InlineType(at.ContentType) {
		disp = "inline"
		h.Set("Content-Security-Policy", "frame-ancestors 'self'")
		h.Set("X-Frame-Options", "SAMEORIGIN")
	} else {
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	}
	h.Set("Content-Type", at.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": at.Filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}
