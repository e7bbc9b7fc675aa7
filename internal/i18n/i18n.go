// Package i18n holds the interface's words: go-i18n JSON catalogs, one pair of files per
// part of the domain (locales/<part>.zh-CN.json and locales/<part>.en.json), Chinese first.
// A test fails when a key exists in one language and not in the other. It also formats
// what users read: dates and times in Asia/Shanghai, money in 元/万元/亿元, numbers and
// percentages.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localesFS embed.FS

// Langs are the interface languages, the default first.
var Langs = []string{"zh-CN", "en"}

// Default is the language of a visitor who has not chosen one.
const Default = "zh-CN"

// Catalog translates keys in every language.
type Catalog struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.MustParse(Default))
	files, err := fs.Glob(localesFS, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		buf, err := localesFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if _, err := b.ParseMessageFileBytes(buf, path.Base(f)); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
	}
	c := &Catalog{bundle: b, localizers: map[string]*goi18n.Localizer{}}
	for _, l := range Langs {
		c.localizers[l] = goi18n.NewLocalizer(b, l)
	}
	return c, nil
}

// Match picks the supported language for a user's choice or an Accept-Language header.
func Match(pref string) string {
	for _, l := range Langs {
		if strings.EqualFold(pref, l) {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(pref)
	if err != nil {
		return Default
	}
	for _, t := range tags {
		base, _ := t.Base()
		switch base.String() {
		case "zh":
			return "zh-CN"
		case "en":
			return "en"
		}
	}
	return Default
}

// T translates key in lang with optional data (a map, or key/value pairs). A missing key
// shows the key itself, so a gap is visible rather than blank.
func (c *Catalog) T(lang, key string, data ...any) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[Default]
	}
	var td any
	switch {
	case len(data) == 1:
		td = data[0]
	case len(data) > 1:
		m := make(map[string]any, len(data)/2)
		for i := 0; i+1 < len(data); i += 2 {
			m[fmt.Sprint(data[i])] = data[i+1]
		}
		td = m
	}
	s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: td})
	if err != nil {
		return key
	}
	return s
}

// Has reports whether key exists in lang.
func (c *Catalog) Has(lang, key string) bool {
	loc, ok := c.localizers[lang]
	if !ok {
		return false
	}
	_, tag, err := loc.LocalizeWithTag(&goi18n.LocalizeConfig{MessageID: key})
	return err == nil && tag.String() == lang
}

// Keys returns the message ids of each language's files (for the completeness test).
func Keys() (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	files, err := fs.Glob(localesFS, "locales/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		base := strings.TrimSuffix(path.Base(f), ".json")
		dot := strings.LastIndex(base, ".")
		if dot < 0 {
			return nil, fmt.Errorf("i18n: %s: name must be <part>.<lang>.json", f)
		}
		lang := base[dot+1:]
		buf, err := localesFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		msgs, err := parseFlat(buf)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		if out[lang] == nil {
			out[lang] = map[string]string{}
		}
		for k := range msgs {
			if prev, dup := out[lang][k]; dup {
				return nil, fmt.Errorf("i18n: key %q defined twice in %s (also in %s)", k, lang, prev)
			}
			out[lang][k] = path.Base(f)
		}
	}
	return out, nil
}

// Object names a kind of object for a message ("未找到该诉求"): the catalog's
// object.<what>, or a neutral word when the kind has no name of its own.
func (c *Catalog) Object(lang, what string) string {
	if c.Has(lang, "object."+what) {
		return c.T(lang, "object."+what)
	}
	return c.T(lang, "object.record")
}

// Localise translates key with args, naming an object kind in args["What"] (not-found
// errors carry the kind's identifier, not its name).
func (c *Catalog) Localise(lang, key string, args map[string]any) string {
	if w, ok := args["What"].(string); ok {
		named := make(map[string]any, len(args))
		for k, v := range args {
			named[k] = v
		}
		named["What"] = c.Object(lang, w)
		args = named
	}
	return c.T(lang, key, args)
}
