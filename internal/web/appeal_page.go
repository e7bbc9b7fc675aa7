package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"yingshang/internal/appeal"
	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/search"
)

// eventView is a timeline step with its words in the user's language.
type eventView struct {
	appeal.Event
	ActionLabel string
	FromLabel   string
	ToLabel     string
	Details     []string
	Text        string // a reply carried by the step (news of a merged appeal's original)
	Class       string
}

// attachmentView is a file with how the page shows it.
type attachmentView struct {
	appeal.Attachment
	Href  string
	Image bool
	PDF   bool
	Size  string
}

// partView and extView answer the template's questions about their *bool fields.
type partView struct{ appeal.Assignment }

func (p partView) ClaimedOK() bool   { return p.ClaimedOnTime != nil && *p.ClaimedOnTime }
func (p partView) ClaimedLate() bool { return p.ClaimedOnTime != nil && !*p.ClaimedOnTime }

type extView struct{ appeal.Extension }

func (e extView) IsApproved() bool { return e.Approved != nil && *e.Approved }

type appealPageData struct {
	A             appeal.Appeal
	Category      string
	District      string
	Clocks        []clockView
	Parts         []partView
	Events        []eventView
	Callbacks     []appeal.CallbackRecord
	Extensions    []extView
	Attachments   []attachmentView
	Can           map[string]bool
	Moves         bool
	Forms         map[string]*Form
	Depts         []Option
	DefaultLead   string
	Articles      []Option
	Leaders       []Option
	Outcomes      []Option
	Satisfactions []Option
	Levels        []Option
	MaxExtension  int
	// SuperviseDefault is the level the supervise form offers: the current one, or 督办.
	SuperviseDefault string
	CanAttach        bool
	MergedInto       string
	Enterprise       bool // the enterprise's side: public steps only, no staff names
	// Similar are earlier appeals like this one (staff only), for reference and merging.
	Similar []search.SimilarHit
	// Unsent is what the user typed into a form the page no longer offers (the appeal
	// moved on meanwhile), shown so that nothing typed is lost.
	Unsent []string
}

// F is the form of one action (empty unless it was just refused).
func (d appealPageData) F(name string) *Form {
	if f, ok := d.Forms[name]; ok {
		return f
	}
	return NewForm(nil)
}

// formOf names the form an action posts from.
func formOf(action string) string {
	switch action {
	case string(appeal.ActApproveExtension), string(appeal.ActRefuseExtension):
		return "extension"
	case string(appeal.ActCallbackSatisfied), string(appeal.ActCallbackUnsatisfied):
		return "callback"
	}
	return action
}

// pageForms are the forms the page can show, by the moves that open them.
func pageForms(actions []appeal.Action) map[string]bool {
	can := map[string]bool{}
	for _, a := range actions {
		can[formOf(string(a))] = true
	}
	return can
}

func (s *Server) appealPage(w http.ResponseWriter, r *http.Request) {
	s.renderAppeal(w, r, http.StatusOK, "", nil)
}

// renderAppeal shows the appeal page; failed, when set, is the form just refused (its
// values and errors kept) with status.
func (s *Server) renderAppeal(w http.ResponseWriter, r *http.Request, status int, failedForm string, failed *Form) {
	a, lang := actorOf(r), langOf(r)
	ctx := appeal.RememberSeen(r.Context(), a) // one read of the appeal for all its parts

	ap, err := s.Appeal.GetByNumber(ctx, a, r.PathValue("number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	parts, err := s.Appeal.Assignments(ctx, a, ap.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	events, err := s.Appeal.Timeline(ctx, a, ap.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	callbacks, err := s.Appeal.Callbacks(ctx, a, ap.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	atts, err := s.Appeal.Attachments(ctx, a, ap.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actions, err := s.Appeal.Actions(ctx, a, ap.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.Appeal.Settings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entSide := !a.HasAny(auth.RoleOperator, auth.RoleDepartment, auth.RoleLeader)
	var exts []appeal.Extension
	if !entSide {
		if exts, err = s.Appeal.Extensions(ctx, a, ap.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	cats := s.categories(ctx, a, true)
	d := appealPageData{A: ap, Category: cats.Label(lang, ap.CategoryID), District: s.districtLabel(lang, ap.DistrictCode, st),
		Clocks: s.clocks(lang, ap, parts, s.Now()), Callbacks: callbacks, SuperviseDefault: strconv.Itoa(max(1, ap.SupervisionLevel)),
		Can: pageForms(actions), Forms: map[string]*Form{}, MaxExtension: st.MaxExtensionDays, Enterprise: entSide,
		Outcomes:      enumOptions(s, lang, "appeal.outcome.", appeal.OutcomesFor(ap.Kind)),
		Satisfactions: enumOptions(s, lang, "appeal.satisfaction.", appeal.Satisfactions),
		Levels:        enumOptions(s, lang, "appeal.supervision.", []string{"1", "2", "3", "0"})}
	d.Moves = len(actions) > 0
	for _, p := range parts {
		d.Parts = append(d.Parts, partView{p})
	}
	for _, e := range exts {
		d.Extensions = append(d.Extensions, extView{e})
	}
	d.Events = s.eventViews(lang, events)
	for _, e := range events {
		if e.Action == appeal.ActMerge {
			if n, ok := e.Data["into"].(string); ok {
				d.MergedInto = n
			}
		}
	}
	for _, at := range atts {
		d.Attachments = append(d.Attachments, attachmentView{Attachment: at, Href: "/appeals/" + ap.Number + "/attachments/" + idStr(at.ID),
			Image: strings.HasPrefix(at.ContentType, "image/"), PDF: at.ContentType == "application/pdf", Size: sizeText(at.Size)})
	}
	d.CanAttach = canAttachHere(a, ap, parts)
	if !entSide && s.Search != nil {
		if d.Similar, err = s.Search.Similar(ctx, a, s.Appeal, ap.Title, ap.Body, ap.ID, 5, 25); err != nil {
			s.Logger.Warn("similar appeals", "appeal", ap.Number, "err", err)
		}
	}
	if d.CanAttach {
		d.Can["attach"] = true
	}
	if d.Can["dispatch"] || d.Can["reopen"] || d.Can["redispatch"] {
		d.Depts = s.deptOptions(ctx, a)
		if lead := cats.DefaultDept(ap.CategoryID); lead != 0 {
			d.DefaultLead = idStr(lead)
		}
		if d.Can["reopen"] && ap.LeadOrgID != 0 {
			d.DefaultLead = idStr(ap.LeadOrgID)
		}
	}
	if d.Can["direct_reply"] {
		d.Articles = s.articleOptions(r, ap.CategoryID, cats)
	}
	if d.Can["escalate"] {
		if leaders, err := s.Appeal.LeaderChoices(ctx, a); err == nil {
			for _, l := range leaders {
				d.Leaders = append(d.Leaders, Option{Value: idStr(l.UserID), Label: l.Name + " · " + l.OrgName})
			}
		}
	}
	if failed != nil {
		if d.Can[failedForm] {
			d.Forms[failedForm] = failed
		} else {
			for _, k := range []string{"text", "reason", "note", "into"} {
				if v := strings.TrimSpace(failed.Value(k)); v != "" {
					d.Unsent = append(d.Unsent, v)
				}
			}
		}
	}
	p := s.page(w, r, "appealui.page_title", d)
	p.Title = ap.Number + " · " + p.Title
	if failed != nil {
		p.Form = failed
	}
	s.renderStatus(w, r, status, "appeal/page", p)
}

// canAttachHere mirrors the service's rule to decide whether to offer the upload form
// (the service still decides).
func canAttachHere(a auth.Actor, ap appeal.Appeal, parts []appeal.Assignment) bool {
	switch {
	case a.Has(auth.RoleOperator):
		return true
	case !ap.State.Open():
		return false
	case a.Has(auth.RoleEnterprise) && a.OrgID != 0 && a.OrgID == ap.EnterpriseOrgID,
		a.Has(auth.RoleChamber) && a.OrgID != 0 && a.OrgID == ap.ChamberOrgID:
		return true
	case a.Has(auth.RoleDepartment):
		return slices.ContainsFunc(parts, func(p appeal.Assignment) bool {
			return p.OrgID == a.OrgID && (p.State == appeal.PartDispatched || p.State == appeal.PartClaimed || p.State == appeal.PartReturned)
		})
	}
	return false
}

// articleOptions lists the active articles of the appeal's category (and its parent)
// first, then the others.
func (s *Server) articleOptions(r *http.Request, categoryID int64, cats catTree) []Option {
	ctx, a := r.Context(), actorOf(r)
	all, err := s.Appeal.Articles(ctx, a, appeal.ArticleFilter{ActiveOnly: true, Limit: 200})
	if err != nil {
		return nil
	}
	near := map[int64]bool{categoryID: true, cats.byID[categoryID].ParentID: true}
	var first, rest []Option
	for _, ar := range all {
		o := Option{Value: idStr(ar.ID), Label: ar.Title}
		if ar.CategoryID != 0 && near[ar.CategoryID] {
			first = append(first, o)
		} else {
			rest = append(rest, o)
		}
	}
	return append(first, rest...)
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// eventViews puts the timeline into words: the move, from → to, and its facts.
func (s *Server) eventViews(lang string, events []appeal.Event) []eventView {
	T := func(k string, kv ...any) string { return s.Catalog.T(lang, k, kv...) }
	out := make([]eventView, 0, len(events))
	for i, e := range events {
		v := eventView{Event: e, ActionLabel: T("appeal.action." + string(e.Action)), Class: "is-done"}
		if e.ActorID == 0 && e.ActorName == "system" {
			v.ActorName = T("appealui.system") // the deadline sweep
		}
		if e.From != "" && e.From != e.To {
			v.FromLabel, v.ToLabel = T("appeal.state."+string(e.From)), T("appeal.state."+string(e.To))
		} else if e.From == "" && e.To != "" {
			v.ToLabel = T("appeal.state." + string(e.To))
		}
		str := func(k string) string {
			x, _ := e.Data[k].(string)
			return x
		}
		add := func(key string, kv ...any) { v.Details = append(v.Details, T(key, kv...)) }
		if x := str("lead"); x != "" {
			add("appealui.ev.lead", "Dept", x)
		} else if x := str("dept"); x != "" {
			add("appealui.ev.dept", "Dept", x)
		}
		if co, ok := e.Data["co"].([]any); ok && len(co) > 0 {
			names := make([]string, 0, len(co))
			for _, c := range co {
				names = append(names, fmt.Sprint(c))
			}
			add("appealui.ev.co", "Depts", strings.Join(names, T("appealui.name_sep")))
		}
		if x, ok := e.Data["days"].(float64); ok {
			add("appealui.ev.days", "N", int(x))
		}
		for _, k := range []string{"claim_due", "handle_due", "callback_due"} {
			if x := str(k); x != "" {
				add("appealui.ev."+k, "Due", x)
			}
		}
		if x := str("due"); x != "" {
			add("appealui.ev.due", "Clock", T("appeal.clock."+str("clock")), "Due", x)
		}
		if x := str("outcome"); x != "" {
			add("appealui.ev.outcome", "Outcome", T("appeal.outcome."+x))
		}
		if x := str("satisfaction"); x != "" {
			add("appealui.ev.satisfaction", "S", T("appeal.satisfaction."+x))
		}
		if x, ok := e.Data["solved"].(bool); ok {
			add("appealui.ev.solved", "Solved", yesNo(T, x))
		}
		if x := str("via"); x != "" {
			add("appealui.ev.via", "Via", T("appeal.via."+x))
		}
		if x, ok := e.Data["on_time"].(bool); ok {
			if x {
				add("appealui.on_time")
			} else {
				add("appealui.late")
			}
		}
		if x := str("into"); x != "" {
			add("appealui.ev.into", "Number", x)
		}
		if x := str("merged"); x != "" {
			add("appealui.ev.merged", "Number", x)
		}
		if x := str("original"); x != "" {
			add("appealui.ev.original", "Number", x, "State", T("appeal.state."+str("state")))
		}
		if x, ok := e.Data["level"].(float64); ok && e.Action == appeal.ActSupervise {
			add("appealui.ev.level", "Level", T("appeal.supervision."+strconv.Itoa(int(x))))
		}
		if x, ok := e.Data["redo_count"].(float64); ok {
			add("appealui.ev.redo", "N", int(x))
		}
		if x, ok := e.Data["paused_minutes"].(float64); ok && x > 0 {
			add("appealui.ev.paused", "N", int(x))
		}
		if x := str("filename"); x != "" {
			add("appealui.ev.file", "Name", x)
		}
		if x := str("channel"); x != "" {
			add("appealui.ev.channel", "Channel", T("appeal.channel."+x))
		}
		if x, ok := e.Data["leaders"].([]any); ok && len(x) > 0 {
			add("appealui.ev.leaders", "N", len(x))
		}
		v.Text = str("reply")
		switch e.Action {
		case appeal.ActSLAOverdue:
			v.Class = "is-danger"
		case appeal.ActSLAWarning:
			v.Class = "is-warning"
		}
		if i == len(events)-1 && v.Class == "is-done" {
			v.Class = "is-current"
		}
		out = append(out, v)
	}
	return out
}

func yesNo(T func(string, ...any) string, b bool) string {
	if b {
		return T("common.yes")
	}
	return T("common.no")
}

// maxMoveForm bounds a move's form.
const maxMoveForm = 256 << 10

// appealMove makes one move from the appeal page: POST /appeals/{number}/{action}.
func (s *Server) appealMove(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), actorOf(r)
	action := r.PathValue("action")
	r.Body = http.MaxBytesReader(w, r.Body, maxMoveForm)
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "error.page_error", "error.bad_request", "Detail", "form")
		return
	}
	id, err := s.Appeal.IDByNumber(ctx, a, r.PathValue("number"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := r.PostForm
	ver := formInt(v, "version")
	note := v.Get("note")
	svc := s.Appeal
	var ap appeal.Appeal
	switch appeal.Action(action) {
	case appeal.ActAccept:
		ap, err = svc.Accept(ctx, a, id, ver, note)
	case appeal.ActReject:
		ap, err = svc.Reject(ctx, a, id, ver, v.Get("reason"))
	case appeal.ActMerge:
		var into int64
		if n := strings.TrimSpace(v.Get("into")); n != "" {
			if into, err = svc.IDByNumber(ctx, a, n); err != nil {
				if !errors.Is(err, apperr.ErrNotFound) {
					s.fail(w, r, err)
					return
				}
				err = apperr.Invalid("into", "appeal.error.merge_target")
				break
			}
		}
		ap, err = svc.Merge(ctx, a, id, ver, into, note)
	case appeal.ActDirectReply:
		ap, err = svc.DirectReply(ctx, a, id, ver, appeal.DirectReplyInput{ArticleID: formInt(v, "article_id"), Text: v.Get("text"),
			Outcome: appeal.Outcome(v.Get("outcome"))})
	case appeal.ActDispatch:
		ap, err = svc.Dispatch(ctx, a, id, ver, dispatchInput(v))
	case appeal.ActClaim:
		ap, err = svc.Claim(ctx, a, id, ver, note)
	case appeal.ActCoClaim:
		ap, err = svc.ClaimPart(ctx, a, id, ver, note)
	case appeal.ActReturn:
		ap, err = svc.Return(ctx, a, id, ver, v.Get("reason"))
	case appeal.ActCoAnswer:
		ap, err = svc.AnswerPart(ctx, a, id, ver, v.Get("text"))
	case appeal.ActApproveReturn:
		ap, err = svc.RuleReturn(ctx, a, id, ver, appeal.ReturnRuling{Approve: true, Note: note})
	case appeal.ActRedispatch:
		in := dispatchInput(v)
		ap, err = svc.RuleReturn(ctx, a, id, ver, appeal.ReturnRuling{Approve: true, Redispatch: &in, Note: note})
	case appeal.ActRefuseReturn:
		ap, err = svc.RuleReturn(ctx, a, id, ver, appeal.ReturnRuling{Note: note})
	case appeal.ActRequestExtension:
		days, convErr := strconv.Atoi(strings.TrimSpace(v.Get("days")))
		if convErr != nil {
			days = 0 // the service answers with the range
		}
		ap, err = svc.RequestExtension(ctx, a, id, ver, appeal.ExtensionRequest{Days: days, Reason: v.Get("reason")})
	case appeal.ActApproveExtension, appeal.ActRefuseExtension:
		ap, err = svc.DecideExtension(ctx, a, id, ver, appeal.ExtensionDecision{Approve: action == string(appeal.ActApproveExtension), Note: note})
	case appeal.ActReply:
		ap, err = svc.Reply(ctx, a, id, ver, appeal.ReplyInput{Outcome: appeal.Outcome(v.Get("outcome")), Text: v.Get("text")})
	case "callback":
		ap, err = svc.Callback(ctx, a, id, ver, appeal.CallbackInput{Satisfaction: appeal.Satisfaction(v.Get("satisfaction")),
			Solved: v.Get("solved") == "1", Note: note})
	case appeal.ActReopen:
		ap, err = svc.Reopen(ctx, a, id, ver, dispatchInput(v))
	case appeal.ActClose:
		ap, err = svc.Close(ctx, a, id, ver, note)
	case appeal.ActSupervise:
		level, convErr := strconv.Atoi(v.Get("level"))
		if convErr != nil {
			level = -1
		}
		ap, err = svc.Supervise(ctx, a, id, ver, appeal.SuperviseInput{Level: level, Note: note})
	case appeal.ActEscalate:
		var ids []int64
		for _, x := range v["leader_ids"] {
			if n, e := strconv.ParseInt(x, 10, 64); e == nil {
				ids = append(ids, n)
			}
		}
		ap, err = svc.Escalate(ctx, a, id, ver, appeal.EscalateInput{LeaderIDs: ids, Note: note})
	default:
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.moveFailed(w, r, action, err)
		return
	}
	label := s.Catalog.T(langOf(r), "appeal.action."+action)
	if action == "callback" {
		label = s.Catalog.T(langOf(r), "appealui.callback")
	}
	s.flash(w, "success", "flash.appeal_moved", "Number", ap.Number, "Action", label)
	redirect(w, r, "/appeals/"+ap.Number)
}

// moveFailed shows the page again with the refused form: field errors next to their
// fields (422), a stale version (409: someone else moved first) or an illegal move
// (409) above it, everything typed kept.
func (s *Server) moveFailed(w http.ResponseWriter, r *http.Request, action string, err error) {
	lang := langOf(r)
	f := NewForm(r.PostForm)
	status := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, apperr.ErrConflict):
		status, f.Error = http.StatusConflict, s.Catalog.T(lang, "appealui.conflict")
	case errors.Is(err, apperr.ErrIllegalMove):
		status, f.Error = http.StatusConflict, s.moveMessage(lang, err)
	case errors.Is(err, apperr.ErrInvalid):
		s.Bind(f, lang, err)
	default:
		s.fail(w, r, err)
		return
	}
	s.renderAppeal(w, r, status, formOf(action), f)
}

// moveMessage localises an illegal move, its state and action named in words.
func (s *Server) moveMessage(lang string, err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return s.Catalog.T(lang, "error.internal")
	}
	args := map[string]any{}
	for k, v := range e.Args {
		args[k] = v
	}
	for k, v := range e.Args {
		if base, ok := strings.CutSuffix(k, "Key"); ok {
			if key, ok := v.(string); ok {
				args[base] = s.Catalog.T(lang, key)
			}
		}
	}
	return s.Catalog.T(lang, e.Key, args)
}

func dispatchInput(v url.Values) appeal.DispatchInput {
	in := appeal.DispatchInput{LeadOrgID: formInt(v, "lead_org_id"), Note: v.Get("note")}
	for _, x := range v["co_org_ids"] {
		if n, err := strconv.ParseInt(x, 10, 64); err == nil && n > 0 {
			in.CoOrgIDs = append(in.CoOrgIDs, n)
		}
	}
	return in
}
