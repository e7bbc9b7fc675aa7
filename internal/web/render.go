package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/i18n"
)

// Page is what every template receives.
type Page struct {
	Lang  string
	Langs []string
	Actor *auth.Actor
	Title string
	// NavGroups is the side navigation (empty for visitors and half-signed-in sessions).
	NavGroups []NavGroup
	// Nav is true when the navigation shows.
	Nav    bool
	Flash  *Flash
	Path   string
	Query  url.Values
	Form   *Form
	Data   any
	Unread int
	// Charts asks the layout to load ECharts.
	Charts bool
	// Narrow pages (login, forms) use a centred column.
	Narrow bool
	// Fragment renders only the page's "content" template (htmx swaps, datalists).
	Fragment bool
}

// Bare tells the template engine to render the content without the layout.
func (p *Page) Bare() bool { return p.Fragment }

// Flash is a one-time message shown after a redirect.
type Flash struct {
	Level string         `json:"l"` // success, error, info
	Key   string         `json:"k"`
	Args  map[string]any `json:"a,omitempty"`
	Text  string         `json:"-"`
}

// page builds the common part of a Page.
func (s *Server) page(w http.ResponseWriter, r *http.Request, titleKey string, data any) *Page {
	lang := langOf(r)
	p := &Page{Lang: lang, Langs: i18n.Langs, Title: s.Catalog.T(lang, titleKey), Path: r.URL.Path, Query: r.URL.Query(), Data: data}
	if sess := sessionOf(r); sess != nil {
		a := sess.Actor
		p.Actor = &a
		if sess.Full() {
			p.NavGroups = s.navFor(r, a)
			p.Nav = len(p.NavGroups) > 0
			if s.Notify != nil {
				p.Unread, _ = s.Notify.Unread(r.Context(), a.UserID)
			}
		}
	}
	return p
}

// render writes a page with status 200, or the error page if the template fails.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *Page) {
	s.renderStatus(w, r, http.StatusOK, name, p)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	// The flash is shown by the layout: a fragment (an htmx answer such as the similar
	// appeals while a title is typed) leaves it for the page it was set for, which may
	// load after the fragment's request.
	if !p.Bare() && p.Flash == nil {
		p.Flash = s.takeFlash(w, r)
	}
	b, err := s.tmpl.Render(p.Lang, name, p)
	if err != nil {
		s.Logger.Error("render", "page", name, "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "error.page_error", "error.internal")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type errorData struct {
	Status  int
	Message string
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, titleKey, msgKey string, args ...any) {
	lang := langOf(r)
	p := &Page{Lang: lang, Langs: i18n.Langs, Title: s.Catalog.T(lang, titleKey), Path: r.URL.Path,
		Data: errorData{Status: status, Message: s.Catalog.T(lang, msgKey, args...)}}
	if sess := sessionOf(r); sess != nil && sess.Full() {
		a := sess.Actor
		p.Actor = &a
		p.NavGroups = s.navFor(r, a)
		p.Nav = len(p.NavGroups) > 0
	}
	b, err := s.tmpl.Render(lang, "errors/error", p)
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		s.Logger.Error("render error page", "err", err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "error.page_not_found", "error.not_found", "What", s.Catalog.T(langOf(r), "error.page_word"))
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusForbidden, "error.page_forbidden", "error.forbidden")
}

// fail maps a service error to a page: not found 404, forbidden 403, conflict 409,
// anything unexpected 500 (logged, never shown).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	lang := langOf(r)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		what := s.Catalog.T(lang, "object.record")
		if e, ok := apperr.As(err); ok {
			if w, ok := e.Args["What"].(string); ok {
				what = s.Catalog.Object(lang, w)
			}
		}
		s.errorPage(w, r, http.StatusNotFound, "error.page_not_found", "error.not_found", "What", what)
	case errors.Is(err, apperr.ErrForbidden):
		s.forbidden(w, r)
	case errors.Is(err, apperr.ErrInvalid):
		key, args := s.invalidMessage(err)
		s.errorPage(w, r, http.StatusUnprocessableEntity, "error.page_error", key, args...)
	case errors.Is(err, apperr.ErrConflict), errors.Is(err, apperr.ErrIllegalMove):
		s.errorPage(w, r, http.StatusConflict, "error.page_error", s.errKey(err), s.errArgs(err)...)
	case errors.Is(err, apperr.ErrTooMany):
		s.errorPage(w, r, http.StatusTooManyRequests, "error.page_error", s.errKey(err), s.errArgs(err)...)
	default:
		s.Logger.Error("handler", "path", r.URL.Path, "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "error.page_error", "error.internal")
	}
}

// invalidMessage is the key of the first field's problem, for a page that has no form to
// show it next to (a button whose only input was its URL).
func (s *Server) invalidMessage(err error) (string, []any) {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return "error.invalid", nil
	}
	var kv []any
	for k, v := range e.Fields[0].Args {
		kv = append(kv, k, v)
	}
	return e.Fields[0].Key, kv
}

func (s *Server) errKey(err error) string {
	if e, ok := apperr.As(err); ok && e.Key != "" {
		return e.Key
	}
	return "error.internal"
}

func (s *Server) errArgs(err error) []any {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var kv []any
	for k, v := range e.Args {
		kv = append(kv, k, v)
	}
	return kv
}

// Message localises a service error for the user.
func (s *Server) Message(lang string, err error) string {
	if e, ok := apperr.As(err); ok && e.Key != "" {
		return s.Catalog.Localise(lang, e.Key, e.Args)
	}
	return s.Catalog.T(lang, "error.internal")
}

// flash sets a message for the next page.
func (s *Server) flash(w http.ResponseWriter, level, key string, kv ...any) {
	f := Flash{Level: level, Key: key}
	if len(kv) > 0 {
		f.Args = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Args[kv[i].(string)] = kv[i+1]
		}
	}
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies, MaxAge: 60})
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *Flash {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	s.clearCookie(w, flashCookie)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var f Flash
	if json.Unmarshal(b, &f) != nil || !strings.HasPrefix(f.Key, "flash.") {
		return nil
	}
	switch f.Level {
	case "success", "error", "info":
	default:
		f.Level = "info"
	}
	f.Text = s.Catalog.T(langOf(r), f.Key, f.Args)
	return &f
}

// redirect answers a POST with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// safeNext keeps a ?next= target on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// pathID parses a numeric path value; a malformed id is simply not found.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}
