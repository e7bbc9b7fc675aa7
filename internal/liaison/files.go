package liaison

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"yingshang/internal/apperr"
	"yingshang/internal/audit"
	"yingshang/internal/auth"
	"yingshang/internal/db"
)

// File limits of a visit.
const (
	MaxFileSize    = 10 << 20 // 10 MB
	MaxVisitFiles  = 20
	maxFilenameLen = 100
)

// File is a photo or document of a visit; its bytes live in the database.
type File struct {
	ID          int64
	VisitID     int64
	Filename    string
	ContentType string // sniffed from the bytes, never taken from the client
	Size        int64
	SHA256      string
	UploadedBy  int64
	CreatedAt   time.Time
}

// IsImage reports whether the file is a photo (shown as a thumbnail).
func (f File) IsImage() bool { return strings.HasPrefix(f.ContentType, "image/") }

// FileInput is an uploaded file.
type FileInput struct {
	Name string
	Data []byte
}

const (
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

var sniffedTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "application/pdf": true}

// Sniff returns the content type of data when it is an accepted kind: photos (PNG, JPEG,
// GIF, WebP), PDF, and Word or Excel files that really are Office Open XML packages. What
// the browser or the name claims does not count, except to tell a .docx from an .xlsx.
func Sniff(name string, data []byte) (string, bool) {
	ct := http.DetectContentType(data)
	if sniffedTypes[ct] {
		return ct, true
	}
	if ct != "application/zip" {
		return "", false
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", false
	}
	var types, word, xl bool
	for _, f := range zr.File {
		switch {
		case f.Name == "[Content_Types].xml":
			types = true
		case strings.HasPrefix(f.Name, "word/"):
			word = true
		case strings.HasPrefix(f.Name, "xl/"):
			xl = true
		}
	}
	switch ext := strings.ToLower(path.Ext(name)); {
	case types && word && ext == ".docx":
		return typeDOCX, true
	case types && xl && ext == ".xlsx":
		return typeXLSX, true
	}
	return "", false
}

// cleanFilename keeps the base name, without control characters, at most 100 characters.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" {
		name = ""
	}
	if utf8.RuneCountInString(name) > maxFilenameLen {
		name = string([]rune(name)[:maxFilenameLen])
	}
	return name
}

// checkFiles validates uploads: field is the form field ("files"), have the visit's
// files already stored. It returns the sniffed types.
func checkFiles(files []FileInput, have int, v *apperr.Validation, field string) []string {
	types := make([]string, len(files))
	if have+len(files) > MaxVisitFiles {
		v.Add(field, "liaison.error.files_too_many", "Max", MaxVisitFiles)
		return types
	}
	for i, f := range files {
		name := cleanFilename(f.Name)
		switch {
		case len(f.Data) == 0:
			v.Add(field, "liaison.error.file_empty", "Name", name)
		case len(f.Data) > MaxFileSize:
			v.Add(field, "liaison.error.file_too_large", "Name", name, "Max", "10 MB")
		default:
			ct, ok := Sniff(name, f.Data)
			if !ok {
				v.Add(field, "liaison.error.file_type", "Name", name)
			}
			types[i] = ct
		}
	}
	return types
}

// storeFiles writes checked files of a visit inside the caller's transaction.
func (s *Service) storeFiles(ctx context.Context, a auth.Actor, visitID int64, files []FileInput, types []string) error {
	now := db.Millis(s.now())
	for i, f := range files {
		sum := sha256.Sum256(f.Data)
		name := cleanFilename(f.Name)
		if name == "" {
			name = "file"
		}
		var id int64
		err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO liaison_visit_files (visit_id, filename, content_type, size, sha256, data,
			uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			visitID, name, types[i], len(f.Data), hex.EncodeToString(sum[:]), f.Data, nullID(a.UserID), now).Scan(&id)
		if err != nil {
			return fmt.Errorf("liaison: store file: %w", err)
		}
		if err := s.record(ctx, a, "liaison_visit.file", "liaison_visit", visitID, audit.Change{After: map[string]any{
			"file_id": id, "filename": name, "type": types[i], "size": len(f.Data), "sha256": hex.EncodeToString(sum[:])}}); err != nil {
			return err
		}
	}
	return nil
}

const fileCols = `id, visit_id, filename, content_type, size, sha256, COALESCE(uploaded_by, 0), created_at`

func scanFile(sc interface{ Scan(...any) error }, extra ...any) (File, error) {
	var f File
	var created int64
	err := sc.Scan(append([]any{&f.ID, &f.VisitID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &created}, extra...)...)
	f.CreatedAt = db.FromMillis(created)
	return f, err
}

func (s *Service) visitFiles(ctx context.Context, visitID int64) ([]File, error) {
	rows, err := s.db.RQ(ctx).QueryContext(ctx, `SELECT `+fileCols+` FROM liaison_visit_files WHERE visit_id = $1 ORDER BY id`, visitID)
	if err != nil {
		return nil, fmt.Errorf("liaison: files: %w", err)
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// AddVisitFiles stores more photos or documents on a visit: its leader (and their
// officers), operators, and whoever recorded it. Size, count and type (sniffed) are
// checked; field errors name "files".
func (s *Service) AddVisitFiles(ctx context.Context, a auth.Actor, visitID int64, files []FileInput) error {
	if !a.ScopeAllows("liaison", true) {
		return apperr.Forbidden()
	}
	vh, err := s.visitHead(ctx, visitID)
	if err != nil {
		return err
	}
	vw, err := s.visitView(ctx, a, vh)
	if err != nil {
		return err
	}
	if vw == viewNone {
		return apperr.NotFound("liaison_visit")
	}
	if ok, err := s.canEditVisit(ctx, a, vh); err != nil {
		return err
	} else if !ok {
		return apperr.Forbidden()
	}
	if len(files) == 0 {
		return apperr.Invalid("files", "liaison.error.files_missing")
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		var have int
		if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM liaison_visit_files WHERE visit_id = $1`, visitID).Scan(&have); err != nil {
			return fmt.Errorf("liaison: count files: %w", err)
		}
		var v apperr.Validation
		types := checkFiles(files, have, &v, "files")
		if err := v.Err(); err != nil {
			return err
		}
		return s.storeFiles(ctx, a, visitID, files, types)
	})
}

// VisitFile returns a file with its bytes, to those who see the whole visit.
func (s *Service) VisitFile(ctx context.Context, a auth.Actor, fileID int64) (File, []byte, error) {
	if !a.ScopeAllows("liaison", false) {
		return File{}, nil, apperr.Forbidden()
	}
	var data []byte
	f, err := scanFile(s.db.RQ(ctx).QueryRowContext(ctx, `SELECT `+fileCols+`, data FROM liaison_visit_files WHERE id = $1`, fileID), &data)
	if db.IsNoRows(err) {
		return File{}, nil, apperr.NotFound("liaison_file")
	}
	if err != nil {
		return File{}, nil, fmt.Errorf("liaison: file %d: %w", fileID, err)
	}
	vh, err := s.visitHead(ctx, f.VisitID)
	if err != nil {
		return File{}, nil, err
	}
	if vw, err := s.visitView(ctx, a, vh); err != nil {
		return File{}, nil, err
	} else if vw != viewFull {
		return File{}, nil, apperr.NotFound("liaison_file")
	}
	return f, data, nil
}
