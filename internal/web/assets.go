package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Static files are embedded; vendor/ is filled from npm by scripts/build-assets.sh and is
// not committed. Every URL carries the file's content hash, so a browser caches a file
// forever and still gets a new one the moment it changes (deployments are often offline:
// no CDN).
//
//go:embed all:static
var staticFS embed.FS

// Assets maps a static path to its hashed URL.
type Assets struct {
	fs     fs.FS
	hashes map[string]string
}

// LoadAssets hashes every embedded static file.
func LoadAssets() (*Assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &Assets{fs: sub, hashes: map[string]string{}}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(h[:])[:12]
		return nil
	})
	return a, err
}

// URL returns /static/<hash>/<path>, or "" when the file is missing (a template that
// links to it then links to nothing rather than to a 404).
func (a *Assets) URL(p string) string {
	h, ok := a.hashes[p]
	if !ok {
		return ""
	}
	return "/static/" + h + "/" + p
}

// Has reports whether a static file exists (the vendor files need the front-end build).
func (a *Assets) Has(p string) bool { _, ok := a.hashes[p]; return ok }

// ServeHTTP serves /static/<hash>/<path>. A current hash is cached for a year; a stale
// one (a page cached across a deployment) gets the current file, not cached.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/static/")
	hash, p, ok := strings.Cut(rest, "/")
	p = path.Clean(p)
	cur, exists := a.hashes[p]
	if !ok || !exists || strings.HasPrefix(p, "..") {
		http.NotFound(w, r)
		return
	}
	if hash == cur {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, a.fs, p)
}
