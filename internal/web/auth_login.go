package web

import (
	"errors"
	"net/http"
	"net/url"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/httpx"
	"yingshang/internal/i18n"
)

func (s *Server) authRoutes() []Route {
	return []Route{
		{"GET", "/login", public, s.loginForm},
		{"POST", "/login", public, s.login},
		{"GET", "/login/mfa", partial, s.mfaForm},
		{"POST", "/login/mfa", partial, s.mfa},
		{"POST", "/logout", partial, s.logout},
		{"GET", "/lang/{lang}", public, s.setLang},
		{"GET", "/account", signedIn, s.account},
		{"GET", "/account/password", partial, s.passwordForm},
		{"POST", "/account/password", partial, s.changePassword},
	}
}

type loginData struct {
	Next string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if sess := sessionOf(r); sess != nil && sess.Full() {
		redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	p := s.page(w, r, "login.title", loginData{Next: safeNext(r.URL.Query().Get("next"))})
	p.Form = NewForm(nil)
	p.Narrow = true
	s.render(w, r, "auth/login", p)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	res, err := s.Auth.Login(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		f := NewForm(r.PostForm)
		f.Values.Del("password")
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		p := s.page(w, r, "login.title", loginData{Next: next})
		p.Form, p.Narrow = f, true
		s.renderStatus(w, r, http.StatusUnauthorized, "auth/login", p)
		return
	}
	s.setSessionCookie(w, res.Token, res.Session.ExpiresAt)
	s.setLangCookie(w, res.Session.Actor.Lang)
	switch {
	case res.Session.MFAPending || res.Session.EnrollPending:
		redirect(w, r, "/login/mfa?next="+url.QueryEscape(next))
	case res.Session.PasswordExpired:
		redirect(w, r, "/account/password")
	default:
		redirect(w, r, next)
	}
}

type mfaData struct {
	Enroll     bool
	Enrollment auth.Enrollment
	Next       string
}

func (s *Server) mfaForm(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if sess.Full() || (!sess.MFAPending && !sess.EnrollPending) {
		redirect(w, r, "/")
		return
	}
	s.renderMFA(w, r, sess, NewForm(nil), http.StatusOK)
}

func (s *Server) renderMFA(w http.ResponseWriter, r *http.Request, sess *auth.Session, f *Form, status int) {
	d := mfaData{Enroll: sess.EnrollPending, Next: safeNext(r.URL.Query().Get("next"))}
	if d.Enroll {
		enr, err := s.Auth.BeginEnroll(r.Context(), *sess)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Enrollment = enr
	}
	p := s.page(w, r, "mfa.title", d)
	p.Form, p.Narrow = f, true
	s.renderStatus(w, r, status, "auth/mfa", p)
}

func (s *Server) mfa(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	res, err := s.Auth.CompleteMFA(r.Context(), *sess, r.PostForm.Get("code"), httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		f := NewForm(nil)
		if !s.Bind(f, langOf(r), err) {
			s.fail(w, r, err)
			return
		}
		if errors.Is(err, apperr.ErrTooMany) {
			// Locked out: the pending session was ended; start again at the login page.
			s.clearCookie(w, SessionCookie)
			p := s.page(w, r, "login.title", loginData{Next: "/"})
			p.Form, p.Narrow = f, true
			s.renderStatus(w, r, http.StatusTooManyRequests, "auth/login", p)
			return
		}
		s.renderMFA(w, r, sess, f, http.StatusUnprocessableEntity)
		return
	}
	s.setSessionCookie(w, res.Token, res.Session.ExpiresAt)
	if res.Session.PasswordExpired {
		redirect(w, r, "/account/password")
		return
	}
	redirect(w, r, safeNext(r.PostForm.Get("next")))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.Logout(r.Context(), actorOf(r)); err != nil {
		s.Logger.Error("logout", "err", err)
	}
	s.clearCookie(w, SessionCookie)
	s.flash(w, "info", "flash.logged_out")
	redirect(w, r, "/login")
}

func (s *Server) setLangCookie(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies})
}

// setLang switches the interface language (a preference, so a plain link) and returns to
// the page the user was on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Match(r.PathValue("lang"))
	if sess := sessionOf(r); sess != nil {
		if err := s.Auth.SetLang(r.Context(), sess.Actor, lang); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.setLangCookie(w, lang)
	redirect(w, r, safeNext(r.URL.Query().Get("next")))
}

type accountData struct {
	User   auth.User
	Tokens []auth.Token
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, nil, http.StatusOK)
}

// renderAccount shows the account page; f is the notification form coming back with
// errors (nil: filled from the saved preferences).
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, f *Form, status int) {
	a := actorOf(r)
	u, err := s.Auth.GetUser(r.Context(), a, a.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	toks, err := s.Auth.ListTokens(r.Context(), auth.Actor{UserID: a.UserID, Via: "session"}, a.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f == nil {
		if f, err = s.notifyPrefsForm(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p := s.page(w, r, "account.title", accountData{User: u, Tokens: toks})
	p.Form = f
	s.renderStatus(w, r, status, "account/account", p)
}

func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if sess.MFAPending || sess.EnrollPending {
		redirect(w, r, "/login/mfa")
		return
	}
	p := s.page(w, r, "password.title", sess.PasswordExpired)
	p.Form, p.Narrow = NewForm(nil), true
	s.render(w, r, "account/password", p)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r)
	if sess.MFAPending || sess.EnrollPending {
		redirect(w, r, "/login/mfa")
		return
	}
	if err := parseForm(w, r); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	f := NewForm(nil)
	lang := langOf(r)
	next := r.PostForm.Get("password")
	var err error
	if next != r.PostForm.Get("password2") {
		f.Errors["password2"] = s.Catalog.T(lang, "error.password_mismatch")
		f.Error = s.Catalog.T(lang, "error.invalid")
	} else {
		err = s.Auth.ChangeOwnPassword(r.Context(), sess.Actor, r.PostForm.Get("current_password"), next)
		if err != nil && !s.Bind(f, lang, err) {
			s.fail(w, r, err)
			return
		}
	}
	if f.Error != "" {
		p := s.page(w, r, "password.title", sess.PasswordExpired)
		p.Form, p.Narrow = f, true
		s.renderStatus(w, r, http.StatusUnprocessableEntity, "account/password", p)
		return
	}
	s.flash(w, "success", "flash.password_changed")
	redirect(w, r, "/")
}
