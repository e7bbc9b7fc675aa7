package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/httpx"
	"yingshang/internal/i18n"
)

// Cookie names.
const (
	SessionCookie = "ys_session"
	langCookie    = "ys_lang"
	flashCookie   = "ys_flash"
)

type ctxKey int

const (
	sessionKey ctxKey = iota + 1
	langKey
)

// withSession resolves the session cookie (if any) and the language for every request.
func (s *Server) withSession(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		lang := ""
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			sess, err := s.Auth.Authenticate(ctx, c.Value, httpx.ClientIP(r))
			switch {
			case err == nil:
				ctx = context.WithValue(ctx, sessionKey, &sess)
				lang = sess.Actor.Lang
			case errors.Is(err, apperr.ErrUnauthorized):
				s.clearCookie(w, SessionCookie)
			default:
				s.Logger.Error("session", "err", err)
			}
		}
		if lang == "" {
			// Chinese first: a visitor sees 简体中文 until they choose English, whatever the
			// browser's language (officials often run English-language browsers).
			lang = i18n.Default
			if c, err := r.Cookie(langCookie); err == nil {
				lang = i18n.Match(c.Value)
			}
		}
		ctx = context.WithValue(ctx, langKey, lang)
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func sessionOf(r *http.Request) *auth.Session {
	s, _ := r.Context().Value(sessionKey).(*auth.Session)
	return s
}

// actorOf returns the signed-in actor (the zero Actor for visitors).
func actorOf(r *http.Request) auth.Actor {
	if s := sessionOf(r); s != nil {
		return s.Actor
	}
	return auth.Actor{IP: httpx.ClientIP(r)}
}

func langOf(r *http.Request) string {
	if l, ok := r.Context().Value(langKey).(string); ok {
		return l
	}
	return i18n.Default
}

// guard applies a route's access rule before its handler.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r)
		if httpx.BadInput(r) {
			s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "URL")
			return
		}
		if rt.Access.Public {
			rt.Handler(w, r)
			return
		}
		sess := sessionOf(r)
		if sess == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			} else {
				s.errorPage(w, r, http.StatusUnauthorized, "error.page_forbidden", "error.unauthorized")
			}
			return
		}
		if !sess.Full() && !rt.Access.Partial {
			switch {
			case sess.MFAPending || sess.EnrollPending:
				http.Redirect(w, r, "/login/mfa", http.StatusSeeOther)
			default:
				http.Redirect(w, r, "/account/password", http.StatusSeeOther)
			}
			return
		}
		a := sess.Actor
		if len(rt.Access.Roles) > 0 && !a.HasAny(rt.Access.Roles...) {
			s.forbidden(w, r)
			return
		}
		if rt.Access.Perm != "" && !a.Can(rt.Access.Perm) {
			s.forbidden(w, r)
			return
		}
		rt.Handler(w, r)
	})
}

// setSessionCookie sets the session cookie with a relative lifetime (Max-Age): the
// server's clock, not the browser's, decides when a session ends.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	maxAge := int(expires.Sub(s.Now()).Seconds())
	if maxAge < 1 {
		maxAge = 1
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies, MaxAge: maxAge})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, MaxAge: -1,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
}
