package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/directory"
	"yingshang/internal/directory/creditcode"
)

type appealNewData struct {
	// Role is the role the actor files in: operator, chamber or leader.
	Role       auth.Role
	Kinds      []Option
	Categories []Option
	Districts  []Option
	Channels   []Option
	Leaders    []Option
	Members    []Option // a chamber's member enterprises
	Priorities []Option
}

// filingRole is the role the actor files in on /appeals/new (the service's order).
func filingRole(a auth.Actor) auth.Role {
	for _, r := range []auth.Role{auth.RoleOperator, auth.RoleEnterprise, auth.RoleChamber, auth.RoleLeader} {
		if a.Has(r) {
			return r
		}
	}
	return ""
}

func (s *Server) appealNewData(r *http.Request) (appealNewData, error) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	st, err := s.Appeal.Settings(ctx)
	if err != nil {
		return appealNewData{}, err
	}
	d := appealNewData{Role: filingRole(a), Kinds: enumOptions(s, lang, "appeal.kind.", appeal.Kinds),
		Categories: s.categories(ctx, a, false).Options(lang), Districts: s.districtOptions(lang, st),
		Priorities: enumOptions(s, lang, "appeal.priority.", appeal.Priorities)}
	switch d.Role {
	case auth.RoleOperator:
		d.Channels = enumOptions(s, lang, "appeal.channel.", []appeal.Channel{appeal.ChannelHotline, appeal.ChannelLeaderVisit, appeal.ChannelRoundtable})
		leaders, err := s.Appeal.LeaderChoices(ctx, a)
		if err != nil {
			return d, err
		}
		for _, l := range leaders {
			d.Leaders = append(d.Leaders, Option{Value: idStr(l.UserID), Label: l.Name + " · " + l.OrgName})
		}
	case auth.RoleChamber:
		members, _, err := s.Directory.ListEnterprises(ctx, a, directory.EnterpriseFilter{Limit: 1000, NoCount: true})
		if err != nil {
			return d, err
		}
		for _, m := range members {
			d.Members = append(d.Members, Option{Value: idStr(m.ID), Label: m.Name})
		}
	}
	return d, nil
}

func (s *Server) appealNew(w http.ResponseWriter, r *http.Request) {
	if filingRole(actorOf(r)) == auth.RoleEnterprise {
		http.Redirect(w, r, "/portal/new", http.StatusSeeOther)
		return
	}
	d, err := s.appealNewData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := NewForm(nil)
	f.Values.Set("kind", string(appeal.KindAppeal))
	f.Values.Set("priority", string(appeal.PriorityNormal))
	if q := r.URL.Query().Get("enterprise"); q != "" {
		f.Values.Set("enterprise", q)
	}
	if id := queryInt(r.URL.Query(), "enterprise_id"); id != 0 {
		if d.Role == auth.RoleChamber {
			f.Values.Set("enterprise_id", idStr(id))
		} else if e, err := s.Directory.GetEnterprise(r.Context(), actorOf(r), id); err == nil {
			f.Values.Set("enterprise", e.Name)
		}
	}
	p := s.page(w, r, "appealui.new_title", d)
	p.Form = f
	s.render(w, r, "appeal/new", p)
}

// resolveEnterprise finds the enterprise an operator typed (its name, or its credit
// code) in the directory; 0 when it is not there.
func (s *Server) resolveEnterprise(ctx context.Context, a auth.Actor, text string) (int64, string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, ""
	}
	list, _, err := s.Directory.ListEnterprises(ctx, a, directory.EnterpriseFilter{Q: text, Limit: 20, NoCount: true})
	if err != nil {
		return 0, ""
	}
	code := creditcode.Normalize(text)
	for _, e := range list {
		if e.Name == text || e.CreditCode == code || (e.ShortName != "" && e.ShortName == text) {
			return e.ID, e.Name
		}
	}
	return 0, ""
}

func (s *Server) appealCreate(w http.ResponseWriter, r *http.Request) {
	ctx, a, lang := r.Context(), actorOf(r), langOf(r)
	role := filingRole(a)
	if role == auth.RoleEnterprise {
		s.forbidden(w, r)
		return
	}
	if err := parseUpload(w, r); err != nil {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
			return
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			s.intakeFailed(w, r, NewForm(r.PostForm), apperr.New(apperr.ErrTooLarge, "error.too_large", "Max", "1 MB"))
			return
		}
		s.intakeFailed(w, r, NewForm(r.PostForm), apperr.Invalid("file", "appeal.error.attachment_too_large", "Max", "10 MB"))
		return
	}
	v := r.PostForm
	in := appeal.NewAppeal{Kind: appeal.Kind(v.Get("kind")), Channel: appeal.Channel(v.Get("channel")), CategoryID: formInt(v, "category_id"),
		Title: v.Get("title"), Body: v.Get("body"), Location: v.Get("location"), DistrictCode: v.Get("district_code"),
		Priority: appeal.Priority(v.Get("priority")), Confidential: v.Get("confidential") == "1",
		ContactName: v.Get("contact_name"), ContactPhone: v.Get("contact_phone"), CreditCode: strings.TrimSpace(v.Get("credit_code"))}
	switch role {
	case auth.RoleChamber:
		in.EnterpriseOrgID = formInt(v, "enterprise_id")
		if in.EnterpriseOrgID == 0 {
			s.intakeFailed(w, r, NewForm(v), apperr.Invalid("enterprise_id", "error.required"))
			return
		}
		// A chamber files for its current members only: the directory's chamber scope.
		if _, err := s.Directory.GetEnterprise(ctx, a, in.EnterpriseOrgID); err != nil {
			s.intakeFailed(w, r, NewForm(v), apperr.Invalid("enterprise_id", "appealui.error.not_member"))
			return
		}
	default:
		text := strings.TrimSpace(v.Get("enterprise"))
		if id, _ := s.resolveEnterprise(ctx, a, text); id != 0 {
			in.EnterpriseOrgID, in.CreditCode = id, ""
		} else if c := creditcode.Normalize(text); creditcode.Validate(c) == nil {
			in.CreditCode = c // a code the directory does not know: the name is still needed
		} else {
			in.EnterpriseName = text
		}
		if role == auth.RoleOperator && in.Channel == appeal.ChannelLeaderVisit {
			in.SupervisingLeaderID = formInt(v, "supervising_leader_id")
		}
	}
	files, err := uploads(r, "file", maxUploadFiles)
	if err == nil {
		err = checkUploads(files, "file")
	}
	if err != nil {
		s.intakeFailed(w, r, NewForm(v), err)
		return
	}
	ap, err := s.Appeal.Create(ctx, a, in)
	if err != nil {
		s.intakeFailed(w, r, NewForm(v), err)
		return
	}
	if err := s.attachAll(ctx, a, ap.ID, files); err != nil {
		s.Logger.Warn("attachment after filing", "appeal", ap.Number, "err", err)
		s.flash(w, "error", "flash.appeal_filed_without_files", "Number", ap.Number, "Error", s.Message(lang, err))
		redirect(w, r, "/appeals/"+ap.Number)
		return
	}
	s.flash(w, "success", "flash.appeal_filed", "Number", ap.Number, "Code", ap.QueryCode)
	redirect(w, r, "/appeals/"+ap.Number)
}

func (s *Server) attachAll(ctx context.Context, a auth.Actor, id int64, files []upload) error {
	for _, f := range files {
		if _, err := s.Appeal.AddAttachment(ctx, a, id, f.Name, f.Data); err != nil {
			return err
		}
	}
	return nil
}

// intakeFailed shows the form again with what was typed and the problems by their fields.
func (s *Server) intakeFailed(w http.ResponseWriter, r *http.Request, f *Form, err error) {
	lang := langOf(r)
	if !s.Bind(f, lang, err) {
		s.fail(w, r, err)
		return
	}
	// The service names the enterprise's fields; the form has one input for them.
	for _, k := range []string{"enterprise_org_id", "enterprise_name"} {
		if msg := f.Errors[k]; msg != "" {
			f.Errors["enterprise"], f.Errors["enterprise_id"] = msg, msg
		}
	}
	d, derr := s.appealNewData(r)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	p := s.page(w, r, "appealui.new_title", d)
	p.Form = f
	s.renderStatus(w, r, http.StatusUnprocessableEntity, "appeal/new", p)
}

// appealEnterpriseSuggest answers the intake form's enterprise field (htmx): enterprises
// of the directory whose name or credit code matches, as datalist options.
func (s *Server) appealEnterpriseSuggest(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("enterprise"))
	var list []directory.Enterprise
	if len([]rune(q)) >= 2 {
		var err error
		list, _, err = s.Directory.ListEnterprises(r.Context(), actorOf(r), directory.EnterpriseFilter{Q: q, Limit: 10, NoCount: true})
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p := s.page(w, r, "common.search", list)
	p.Fragment = true
	s.render(w, r, "appeal/enterprise_options", p)
}
