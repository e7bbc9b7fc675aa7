package appeal

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

// Attachment limits.
const (
	MaxAttachmentSize = 10 << 20 // 10 MB
	MaxAttachments    = 20       // per appeal
	maxFilename       = 100
)

// Attachment is a file attached to an appeal; its bytes live in the database (BLOB on
// SQLite, BYTEA on PostgreSQL) so a backup of the database is a backup of everything.
type Attachment struct {
	ID          int64
	AppealID    int64
	Filename    string
	ContentType string // sniffed from the bytes, never taken from the client
	Size        int64
	SHA256      string
	UploadedBy  int64
	UploadedOrg int64
	CreatedAt   time.Time
}

// Content types accepted (what http.DetectContentType finds, refined for Office files).
const (
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

var sniffedTypes = map[string]string{
	"image/png":                 "image/png",
	"image/jpeg":                "image/jpeg",
	"image/gif":                 "image/gif",
	"image/webp":                "image/webp",
	"application/pdf":           "application/pdf",
	"text/plain; charset=utf-8": "text/plain; charset=utf-8",
}

// sniff returns the content type of data if it is one of the accepted kinds. The name
// only tells a .docx from an .xlsx; both must really be Office Open XML packages.
func sniff(name string, data []byte) (string, bool) {
	ct := http.DetectContentType(data)
	if t, ok := sniffedTypes[ct]; ok {
		if strings.HasPrefix(t, "text/plain") && !utf8.Valid(data) {
			return "", false
		}
		return t, true
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

// canAttach reports whether the actor may add files to the appeal: operators always;
// the enterprise that owns it, or the chamber that filed it, while it is open; a
// department while it holds an open part.
func canAttach(a auth.Actor, ap Appeal, parts []Assignment) bool {
	switch {
	case a.IsSystem() || a.Has(auth.RoleOperator):
		return true
	case !ap.State.Open():
		return false
	case a.Has(auth.RoleEnterprise) && a.OrgID != 0 && a.OrgID == ap.EnterpriseOrgID,
		a.Has(auth.RoleChamber) && a.OrgID != 0 && a.OrgID == ap.ChamberOrgID:
		return true
	case a.Has(auth.RoleDepartment):
		for _, p := range parts {
			if p.OrgID == a.OrgID && p.open() {
				return true
			}
		}
	}
	return false
}

// AddAttachment stores a file on an appeal the actor may see (NotFound otherwise) and
// may attach to (Forbidden otherwise). Files above MaxAttachmentSize, of a type not on
// the allow-list (images PNG/JPEG/GIF/WebP, PDF, .docx, .xlsx, UTF-8 text; the type is
// sniffed from the bytes) or beyond MaxAttachments are refused with field errors.
func (s *Service) AddAttachment(ctx context.Context, a auth.Actor, appealID int64, filename string, data []byte) (Attachment, error) {
	if !a.ScopeAllows("appeals", true) {
		return Attachment{}, apperr.Forbidden()
	}
	ap, err := s.see(ctx, a, appealID)
	if err != nil {
		return Attachment{}, err
	}
	parts, err := s.parts(ctx, appealID)
	if err != nil {
		return Attachment{}, err
	}
	if !canAttach(a, ap, parts) {
		return Attachment{}, apperr.Forbidden()
	}
	filename = path.Base(strings.ReplaceAll(strings.TrimSpace(filename), `\`, "/"))
	var v apperr.Validation
	if filename == "" || filename == "." || filename == "/" || utf8.RuneCountInString(filename) > maxFilename || !utf8.ValidString(filename) {
		v.Add("file", "appeal.error.attachment_name", "Max", maxFilename)
	}
	var ct string
	switch {
	case len(data) == 0:
		v.Add("file", "appeal.error.attachment_empty")
	case len(data) > MaxAttachmentSize:
		v.Add("file", "appeal.error.attachment_too_large", "Max", "10 MB")
	default:
		var ok bool
		if ct, ok = sniff(filename, data); !ok {
			v.Add("file", "appeal.error.attachment_type")
		}
	}
	if err := v.Err(); err != nil {
		return Attachment{}, err
	}
	sum := sha256.Sum256(data)
	att := Attachment{AppealID: appealID, Filename: filename, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		UploadedBy: a.UserID, UploadedOrg: a.OrgID, CreatedAt: s.now()}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		var n int
		if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM appeal_attachments WHERE appeal_id = $1`, appealID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxAttachments {
			return apperr.Invalid("file", "appeal.error.attachments_too_many", "Max", MaxAttachments)
		}
		if err := s.db.Q(ctx).QueryRowContext(ctx, `INSERT INTO appeal_attachments (appeal_id, filename, content_type, size, sha256, data, uploaded_by, uploaded_org, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, appealID, att.Filename, att.ContentType, att.Size, att.SHA256, data,
			nullID(a.UserID), nullID(a.OrgID), db.Millis(att.CreatedAt)).Scan(&att.ID); err != nil {
			return fmt.Errorf("appeal: insert attachment: %w", err)
		}
		if err := s.addEvent(ctx, a, Event{AppealID: appealID, At: att.CreatedAt, Action: ActAttach, From: ap.State, To: ap.State,
			Data: map[string]any{"filename": att.Filename, "size": att.Size}, Public: enterpriseSide(a)}); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "appeal.attach", "appeal", idStr(appealID), audit.Change{After: map[string]any{
			"attachment_id": att.ID, "filename": att.Filename, "content_type": att.ContentType, "size": att.Size, "sha256": att.SHA256}})
	})
	if err != nil {
		return Attachment{}, err
	}
	return att, nil
}

const attachmentCols = `id, appeal_id, filename, content_type, size, sha256, COALESCE(uploaded_by, 0), COALESCE(uploaded_org, 0), created_at`

func scanAttachment(sc interface{ Scan(...any) error }, extra ...any) (Attachment, error) {
	var at Attachment
	var created int64
	err := sc.Scan(append([]any{&at.ID, &at.AppealID, &at.Filename, &at.ContentType, &at.Size, &at.SHA256, &at.UploadedBy, &at.UploadedOrg, &created}, extra...)...)
	at.CreatedAt = db.FromMillis(created)
	return at, err
}

// Attachments lists an appeal's files (without their bytes), oldest first.
func (s *Service) Attachments(ctx context.Context, a auth.Actor, appealID int64) ([]Attachment, error) {
	if _, err := s.see(ctx, a, appealID); err != nil {
		return nil, err
	}
	rows, err := s.db.RQGeneric(ctx).QueryContext(ctx, `SELECT `+attachmentCols+` FROM appeal_attachments WHERE appeal_id = $1 ORDER BY id`, appealID)
	if err != nil {
		return nil, fmt.Errorf("appeal: attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		at, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, rows.Err()
}

// AttachmentContent returns one file with its bytes, if its appeal is in the actor's
// scope (NotFound otherwise, also for an id of another appeal's file). The download is
// audited. Serve it with the stored ContentType, X-Content-Type-Options: nosniff and
// Content-Disposition: attachment.
func (s *Service) AttachmentContent(ctx context.Context, a auth.Actor, attachmentID int64) (Attachment, []byte, error) {
	var data []byte
	at, err := scanAttachment(s.db.RQGeneric(ctx).QueryRowContext(ctx, `SELECT `+attachmentCols+`, data FROM appeal_attachments WHERE id = $1`, attachmentID), &data)
	if db.IsNoRows(err) {
		return Attachment{}, nil, apperr.NotFound("appeal_attachment")
	}
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("appeal: attachment: %w", err)
	}
	if _, err := s.see(ctx, a, at.AppealID); err != nil {
		return Attachment{}, nil, apperr.NotFound("appeal_attachment")
	}
	if err := s.audit.Record(ctx, a, "appeal.attachment_read", "appeal", idStr(at.AppealID), audit.Change{Note: fmt.Sprintf("%d %s", at.ID, at.Filename)}); err != nil {
		return Attachment{}, nil, err
	}
	return at, data, nil
}
