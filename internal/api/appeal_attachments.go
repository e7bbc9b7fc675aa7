package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
)

// attachmentBodyLimit bounds an upload's request: the file's 10 MB and the multipart
// envelope around it.
const attachmentBodyLimit = appeal.MaxAttachmentSize + 64<<10

func tooLargeAttachment() error {
	return apperr.New(apperr.ErrTooLarge, "error.too_large", "Max", "10 MB")
}

// uploadAttachment stores the multipart part "file" on the appeal. The type is sniffed
// from the bytes by the service (images, PDF, .docx, .xlsx, UTF-8 text); the name is kept
// for the download.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) error {
	ctx, a := r.Context(), actorOf(r)
	mr, err := r.MultipartReader()
	if err != nil {
		return apperr.New(apperr.ErrInvalid, "error.bad_request", "Detail", "Content-Type must be multipart/form-data")
	}
	var name string
	var data []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return uploadErr(err)
		}
		if p.FormName() != "file" || data != nil {
			_, _ = io.Copy(io.Discard, p)
			continue
		}
		name = p.FileName()
		data, err = io.ReadAll(io.LimitReader(p, appeal.MaxAttachmentSize+1))
		if err != nil {
			return uploadErr(err)
		}
		if len(data) > appeal.MaxAttachmentSize {
			return tooLargeAttachment()
		}
		if data == nil {
			data = []byte{}
		}
	}
	if data == nil {
		return apperr.Invalid("file", "error.required")
	}
	ap, err := s.Appeal.GetByNumber(ctx, a, r.PathValue("number"))
	if err != nil {
		return err
	}
	at, err := s.Appeal.AddAttachment(ctx, a, ap.ID, name, data)
	if err != nil {
		return err
	}
	j := attachmentJSON(ap.Number, at)
	w.Header().Set("Location", j.URL)
	return writeJSON(w, http.StatusCreated, j)
}

func uploadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLargeAttachment()
	}
	return apperr.New(apperr.ErrInvalid, "error.bad_request", "Detail", "malformed multipart body")
}

// downloadAttachment serves one file of the appeal with its sniffed type, never rendered
// inline. A file of another appeal answers 404 like one that does not exist.
func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request) error {
	ctx, a := r.Context(), actorOf(r)
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	ap, err := s.Appeal.GetByNumber(ctx, a, r.PathValue("number"))
	if err != nil {
		return err
	}
	at, data, err := s.Appeal.AttachmentContent(ctx, a, id)
	if err != nil {
		return err
	}
	if at.AppealID != ap.ID {
		return apperr.NotFound("appeal_attachment")
	}
	h := w.Header()
	h.Set("Content-Type", at.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": at.Filename}))
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data) // a client gone mid-download has nothing left to be told
	return nil
}
