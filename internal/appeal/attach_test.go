package appeal_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"strings"
	"testing"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/db"
	"yingshang/internal/db/dbtest"
)

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipBytes(t *testing.T, names ...string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = f.Write([]byte("<xml/>"))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAttachments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		ap := f.dispatched()
		docx := zipBytes(t, "[Content_Types].xml", "word/document.xml")
		xlsx := zipBytes(t, "[Content_Types].xml", "xl/workbook.xml")
		for _, c := range []struct {
			name, file string
			data       []byte
			ctype      string // "" = refused
		}{
			{"png named .txt", "照片.txt", pngBytes(t), "image/png"},
			{"pdf", "营业执照.pdf", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), "application/pdf"},
			{"jpeg", "现场.jpg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 64)...), "image/jpeg"},
			{"docx", "情况说明.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
			{"xlsx", "欠款明细.xlsx", xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
			{"text", "说明.txt", []byte("欠款合同编号：HT-2025-001"), "text/plain; charset=utf-8"},
			{"docx renamed from xlsx", "明细.docx", xlsx, ""},
			{"plain zip", "资料.zip", zipBytes(t, "a.txt"), ""},
			{"html", "x.html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), ""},
			{"exe", "setup.exe", append([]byte("MZ"), make([]byte, 100)...), ""},
			{"gbk text", "旧.txt", []byte{0xC4, 0xE3, 0xBA, 0xC3, 0xA3, 0xAC}, ""},
		} {
			at, err := s.AddAttachment(ctx, f.e1, ap.ID, c.file, c.data)
			if c.ctype == "" {
				if !fieldErr(err, "file", "appeal.error.attachment_type") {
					t.Errorf("%s: %v, want refused", c.name, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			sum := sha256.Sum256(c.data)
			if at.ContentType != c.ctype || at.Size != int64(len(c.data)) || at.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: %+v", c.name, at)
			}
			got, data, err := s.AttachmentContent(ctx, f.a1, at.ID)
			if err != nil || !bytes.Equal(data, c.data) || got.Filename != c.file {
				t.Errorf("%s read back: %v", c.name, err)
			}
		}
		big := append(pngBytes(t), make([]byte, appeal.MaxAttachmentSize)...)
		if _, err := s.AddAttachment(ctx, f.e1, ap.ID, "大图.png", big); !fieldErr(err, "file", "appeal.error.attachment_too_large") {
			t.Errorf("11 MB: %v", err)
		}
		if _, err := s.AddAttachment(ctx, f.e1, ap.ID, "空.txt", nil); !fieldErr(err, "file", "appeal.error.attachment_empty") {
			t.Errorf("empty: %v", err)
		}
		if _, err := s.AddAttachment(ctx, f.e1, ap.ID, "../../etc/passwd", []byte("root")); err != nil {
			t.Errorf("path in the name: %v", err)
		} else if list, _ := s.Attachments(ctx, f.op, ap.ID); list[len(list)-1].Filename != "passwd" {
			t.Errorf("stored name %q", list[len(list)-1].Filename)
		}
		// Scope: another enterprise and an unrelated department see nothing; the
		// co-handler may attach, an unrelated department may not even find it.
		list, _ := s.Attachments(ctx, f.op, ap.ID)
		if _, _, err := s.AttachmentContent(ctx, f.e2, list[0].ID); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("e2 reads: %v", err)
		}
		if _, err := s.Attachments(ctx, f.c1, ap.ID); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("C lists: %v", err)
		}
		if _, err := s.AddAttachment(ctx, f.c1, ap.ID, "x.txt", []byte("x")); !isErr(err, apperr.ErrNotFound, "") {
			t.Errorf("C attaches: %v", err)
		}
		if _, err := s.AddAttachment(ctx, f.b1, ap.ID, "协办意见.txt", []byte("意见")); err != nil {
			t.Errorf("co-handler attaches: %v", err)
		}
		// Files are capped per appeal.
		for i := len(list) + 1; i < appeal.MaxAttachments; i++ {
			if _, err := s.AddAttachment(ctx, f.op, ap.ID, "n.txt", []byte("n")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.AddAttachment(ctx, f.op, ap.ID, "n.txt", []byte("n")); !fieldErr(err, "file", "appeal.error.attachments_too_many") {
			t.Errorf("attachment %d: %v", appeal.MaxAttachments+1, err)
		}
		// The enterprise may not add files once the appeal is finished.
		done := f.inState(appeal.StateClosed)
		if _, err := s.AddAttachment(ctx, f.e1, done.ID, "迟到.txt", []byte("x")); !isErr(err, apperr.ErrForbidden, "") {
			t.Errorf("attach to a closed appeal: %v", err)
		}
	})
}

// The public query shows state and dates, never who, what or a phone number.
func TestPublicStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFx(t, d)
		ctx, s := f.ctx, f.svc
		ap := f.inProgress()
		v, err := s.PublicStatus(ctx, " "+strings.ToLower(ap.Number)+" ", strings.ToLower(ap.QueryCode))
		if err != nil {
			t.Fatal(err)
		}
		if v.Number != ap.Number || v.State != appeal.StateInProgress || v.CategoryCode != "utilities.power" || v.HandleDue.IsZero() || len(v.Steps) != 4 {
			t.Errorf("view %+v", v)
		}
		b, _ := json.Marshal(v)
		for _, secret := range []string{ap.ContactPhone, ap.ContactName, ap.EnterpriseName, ap.Title, ap.Body, ap.QueryCode, "工业和信息化局", "用户"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("public view contains %q: %s", secret, b)
			}
		}
		wrong := "AAAAAA"
		if wrong == ap.QueryCode {
			wrong = "BBBBBB"
		}
		for _, c := range [][2]string{{ap.Number, wrong}, {ap.Number, ""}, {"ZQ20990101000001", ap.QueryCode}, {"", ""}} {
			if _, err := s.PublicStatus(ctx, c[0], c[1]); !isErr(err, apperr.ErrNotFound, "") {
				t.Errorf("%v: %v", c, err)
			}
		}
		for _, r := range ap.QueryCode {
			if strings.ContainsRune("01OIL", r) {
				t.Errorf("ambiguous character in %s", ap.QueryCode)
			}
		}
	})
}
