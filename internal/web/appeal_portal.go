package web

import (
	"errors"
	"net/http"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
)

// The enterprise's portal, made for a phone: its appeals as cards, and a form that files
// one in under a minute.

type portalCard struct {
	appeal.ListItem
	Category string
	// Rate: the appeal was answered and waits for the enterprise's verdict.
	Rate bool
}

type portalData struct {
	Cards    []portalCard
	Total    string
	NextHref string
	IsFirst  bool
}

func (s *Server) portal(w http.ResponseWriter, r *http.Request) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	cursor := r.URL.Query().Get("cursor")
	page, err := s.Appeal.List(ctx, a, appeal.QueueMine, appeal.Filter{Cursor: cursor, Limit: 20, SkipCount: cursor != ""})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats := s.categories(ctx, a, true)
	d := portalData{IsFirst: cursor == ""}
	if cursor == "" {
		d.Total = countText(page.Total, page.TotalCapped)
	}
	for _, it := range page.Items {
		d.Cards = append(d.Cards, portalCard{ListItem: it, Category: cats.Label(lang, it.CategoryID),
			Rate: it.State == appeal.StateReplied && it.SLAClock == appeal.ClockCallback})
	}
	if page.NextCursor != "" {
		d.NextHref = "/portal?cursor=" + page.NextCursor
	}
	s.render(w, r, "portal/list", s.page(w, r, "appealui.portal_title", d))
}

type portalNewData struct {
	Kinds      []Option
	Categories []Option
	Districts  []Option
}

func (s *Server) portalNewData(r *http.Request) (portalNewData, error) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	st, err := s.Appeal.Settings(ctx)
	if err != nil {
		return portalNewData{}, err
	}
	return portalNewData{Kinds: enumOptions(s, lang, "appeal.kind.", appeal.Kinds), Categories: s.categories(ctx, a, false).Options(lang),
		Districts: s.districtOptions(lang, st)}, nil
}

func (s *Server) portalNew(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	d, err := s.portalNewData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := NewForm(nil)
	f.Values.Set("kind", string(appeal.KindAppeal))
	if u, err := s.Auth.GetUser(ctx, a, a.UserID); err == nil {
		f.Values.Set("contact_phone", u.Phone)
	}
	p := s.page(w, r, "appealui.portal_new_title", d)
	p.Form = f
	s.render(w, r, "portal/new", p)
}

func (s *Server) portalCreate(w http.ResponseWriter, r *http.Request) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	if err := parseUpload(w, r); err != nil {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
			return
		}
		s.portalFailed(w, r, NewForm(r.PostForm), apperr.Invalid("photo", "appeal.error.attachment_too_large", "Max", "10 MB"))
		return
	}
	v := r.PostForm
	files, err := uploads(r, "photo", 1)
	if err == nil {
		err = checkUploads(files, "photo")
	}
	if err != nil {
		s.portalFailed(w, r, NewForm(v), err)
		return
	}
	ap, err := s.Appeal.Create(ctx, a, appeal.NewAppeal{Kind: appeal.Kind(v.Get("kind")), Channel: appeal.ChannelPortal,
		CategoryID: formInt(v, "category_id"), Title: v.Get("title"), Body: v.Get("body"), ContactPhone: v.Get("contact_phone"),
		DistrictCode: v.Get("district_code")})
	if err != nil {
		s.portalFailed(w, r, NewForm(v), err)
		return
	}
	if err := s.attachAll(ctx, a, ap.ID, files); err != nil {
		s.Logger.Warn("photo after filing", "appeal", ap.Number, "err", err)
		s.flash(w, "error", "flash.appeal_filed_without_files", "Number", ap.Number, "Error", s.Message(lang, err))
		redirect(w, r, "/appeals/"+ap.Number)
		return
	}
	s.flash(w, "success", "flash.appeal_filed", "Number", ap.Number, "Code", ap.QueryCode)
	redirect(w, r, "/appeals/"+ap.Number)
}

func (s *Server) portalFailed(w http.ResponseWriter, r *http.Request, f *Form, err error) {
	if !s.Bind(f, langOf(r), err) {
		s.fail(w, r, err)
		return
	}
	d, derr := s.portalNewData(r)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	p := s.page(w, r, "appealui.portal_new_title", d)
	p.Form = f
	s.renderStatus(w, r, http.StatusUnprocessableEntity, "portal/new", p)
}
