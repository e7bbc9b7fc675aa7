package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"yingshang/internal/i18n"
)

// Templates are parsed once at start-up, one set per language, so `t` is bound to its
// language and a page renders without per-request template work. Layout and partials
// form the base; every other file is a page named by its path without ".html"
// (e.g. "admin/users").
//
//go:embed templates
var templatesFS embed.FS

// Templates holds the parsed pages of every language.
type Templates struct {
	pages map[string]map[string]*template.Template // lang → page → template
}

func baseFuncs(assets *Assets) template.FuncMap {
	return template.FuncMap{
		"asset":     assets.URL,
		"maskPhone": i18n.MaskPhone,
		"maskID":    i18n.MaskID,
		"number":    func(n any) string { return i18n.Number(toInt64(n)) },
		"percent":   i18n.Percent,
		"add":       func(a, b int) int { return a + b },
		"sub":       func(a, b int) int { return a - b },
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"list": func(v ...any) []any { return v },
		"join": strings.Join,
		"initial": func(name string) string {
			for _, r := range name {
				return string(r)
			}
			return "?"
		},
		"contains":  func(list []string, s string) bool { return containsStr(list, s) },
		"hasPrefix": strings.HasPrefix,
		"query":     func(v url.Values) string { return v.Encode() },
		"withParam": func(v url.Values, key, val string) string {
			c := url.Values{}
			for k, vs := range v {
				c[k] = append([]string(nil), vs...)
			}
			if val == "" {
				c.Del(key)
			} else {
				c.Set(key, val)
			}
			if key != "page" && key != "cursor" {
				c.Del("page")
				c.Del("cursor")
			}
			return "?" + c.Encode()
		},
		"isoDate": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(i18n.Shanghai).Format("2006-01-02")
		},
		"safeURL": func(s string) template.URL {
			// Only data:image URLs produced by our own code (TOTP QR codes) pass here.
			if strings.HasPrefix(s, "data:image/png;base64,") {
				return template.URL(s)
			}
			return ""
		},
	}
}

func langFuncs(cat *i18n.Catalog, lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, data ...any) string { return cat.T(lang, key, data...) },
		// tk translates a key built from a prefix and a value: tk "role." .Role
		"tk":       func(prefix string, v any) string { return cat.T(lang, prefix+fmt.Sprint(v)) },
		"money":    func(fen any) string { return i18n.Money(lang, toInt64(fen)) },
		"date":     func(t time.Time) string { return i18n.Date(lang, t) },
		"datetime": func(t time.Time) string { return i18n.DateTime(lang, t) },
		"lang":     func() string { return lang },
	}
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case float64:
		return int64(x)
	case uint64:
		return int64(x)
	}
	return 0
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	defineRE = regexp.MustCompile(`\{\{-?\s*define\s+"([^"]+)"`)
	callRE   = regexp.MustCompile(`\{\{-?\s*(?:template|block)\s+"([^"]+)"`)
)

// baseFor lists the layout and the partial files page (its source) calls, directly or
// through another partial: a page's set holds only those. html/template copies every
// tree of a set it clones, and with every partial in every set the 2 × 78 page sets held
// 35 MB of trees — most of serve's live heap, marked at every collection.
func baseFor(page string, layout string, sources map[string]string, definedIn map[string]string) []string {
	files := []string{layout}
	seen := map[string]bool{layout: true}
	var walk func(src string)
	walk = func(src string) {
		for _, m := range callRE.FindAllStringSubmatch(src, -1) {
			f, ok := definedIn[m[1]]
			if !ok || seen[f] {
				continue
			}
			seen[f] = true
			files = append(files, f)
			walk(sources[f])
		}
	}
	walk(sources[layout])
	walk(page)
	slices.Sort(files[1:])
	return files
}

// LoadTemplates parses every page for every language.
func LoadTemplates(cat *i18n.Catalog, assets *Assets) (*Templates, error) {
	var base, pages []string
	err := fs.WalkDir(templatesFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		rel := strings.TrimPrefix(p, "templates/")
		if rel == "layout.html" || strings.HasPrefix(rel, "partials/") {
			base = append(base, p)
		} else {
			pages = append(pages, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	const layout = "templates/layout.html"
	sources := map[string]string{} // the layout and the partials
	definedIn := map[string]string{}
	for _, f := range base {
		b, err := fs.ReadFile(templatesFS, f)
		if err != nil {
			return nil, err
		}
		sources[f] = string(b)
		for _, m := range defineRE.FindAllStringSubmatch(string(b), -1) {
			definedIn[m[1]] = f
		}
	}
	// A page's files are the same in every language: worked out once.
	files := make([][]string, len(pages))
	for i, p := range pages {
		src, err := fs.ReadFile(templatesFS, p)
		if err != nil {
			return nil, err
		}
		files[i] = append(baseFor(string(src), layout, sources, definedIn), p)
	}
	t := &Templates{pages: map[string]map[string]*template.Template{}}
	for _, lang := range i18n.Langs {
		t.pages[lang] = map[string]*template.Template{}
		common, own := baseFuncs(assets), langFuncs(cat, lang)
		for i, p := range pages {
			c := template.New("layout.html").Funcs(common).Funcs(own)
			if _, err := c.ParseFS(templatesFS, files[i]...); err != nil {
				return nil, fmt.Errorf("web: parse %s: %w", p, err)
			}
			name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
			t.pages[lang][name] = c
		}
	}
	return t, nil
}

// Render executes a page into a buffer, so a template error never leaves half a page.
func (t *Templates) Render(lang, page string, data any) ([]byte, error) {
	set, ok := t.pages[lang]
	if !ok {
		set = t.pages[i18n.Default]
	}
	tmpl, ok := set[page]
	if !ok {
		return nil, fmt.Errorf("web: no page %q", page)
	}
	var buf bytes.Buffer
	name := "layout.html"
	if bare, _ := data.(interface{ Bare() bool }); bare != nil && bare.Bare() {
		name = "content"
	}
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("web: render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

// Pages lists the page names (for tests that render every page).
func (t *Templates) Pages() []string {
	var out []string
	for name := range t.pages[i18n.Default] {
		out = append(out, path.Clean(name))
	}
	return out
}
