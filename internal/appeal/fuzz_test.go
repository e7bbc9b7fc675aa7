package appeal

import (
	"strings"
	"testing"
)

// Cursors come from clients: any string is a cursor or a field error, never a panic.
func FuzzParseCursor(f *testing.F) {
	f.Add("")
	f.Add(cursor{K: 1700000000000, I: 42}.encode())
	f.Add("!!")
	f.Add("eyJpIjotMX0")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err == nil && s != "" && c.I <= 0 {
			t.Fatalf("%q accepted with id %d", s, c.I)
		}
		if err == nil && s != "" {
			if again, err := parseCursor(c.encode()); err != nil || again != c {
				t.Fatalf("%q does not round-trip", s)
			}
		}
	})
}

// Uploaded bytes are sniffed, and zip archives opened: anything is accepted as one of
// the allowed types or refused, never a panic.
func FuzzSniff(f *testing.F) {
	f.Add("a.docx", []byte("PK\x03\x04"))
	f.Add("a.txt", []byte("hello"))
	f.Add("a.pdf", []byte("%PDF-1.4"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ct, ok := sniff(name, data)
		if ok != (ct != "") {
			t.Fatalf("ok %v with type %q", ok, ct)
		}
		if ok && !strings.HasPrefix(ct, "image/") && ct != "application/pdf" && ct != typeDOCX && ct != typeXLSX && ct != "text/plain; charset=utf-8" {
			t.Fatalf("type %q is not on the allow-list", ct)
		}
	})
}
