package web

import (
	"context"
	"strconv"
	"strings"
	"time"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
	"yingshang/internal/calendar"
	"yingshang/internal/directory"
	"yingshang/internal/i18n"
)

// The appeal closed loop (诉求闭环) on the web: work queues, intake, the appeal page with
// the moves the actor may make, attachments, the enterprise's phone portal, the public
// status query, and the catalogue, knowledge base and time limits. Rules and scope live
// in internal/appeal; these handlers parse, call and render.

// appealRoles have work queues and appeal pages (the service narrows each to its scope).
var appealRoles = roles(auth.RoleOperator, auth.RoleDepartment, auth.RoleEnterprise, auth.RoleChamber, auth.RoleLeader)

// intakeRoles may file: an operator (hotline), a chamber (on a member's behalf), a
// leader (a visit); an enterprise files on the portal.
var intakeRoles = roles(auth.RoleOperator, auth.RoleChamber, auth.RoleLeader, auth.RoleEnterprise)

// kbRoles keep the knowledge base (operators and administrators).
var kbRoles = roles(auth.RoleOperator, auth.RoleAdmin)

func (s *Server) appealRoutes() []Route {
	if s.Appeal == nil {
		return nil
	}
	settings := perm(auth.PermSettingsManage)
	return []Route{
		{"GET", "/appeals", appealRoles, s.appealList},
		{"GET", "/appeals/export.xlsx", appealRoles, s.appealExport},
		{"GET", "/appeals/new", intakeRoles, s.appealNew},
		{"POST", "/appeals", intakeRoles, s.appealCreate},
		{"GET", "/appeals/enterprises", roles(auth.RoleOperator, auth.RoleLeader), s.appealEnterpriseSuggest},
		{"GET", "/appeals/{number}", appealRoles, s.appealPage},
		{"POST", "/appeals/{number}/attachments", appealRoles, s.appealAttach},
		{"GET", "/appeals/{number}/attachments/{id}", appealRoles, s.appealAttachment},
		{"POST", "/appeals/{number}/{action}", appealRoles, s.appealMove},

		{"GET", "/portal", roles(auth.RoleEnterprise), s.portal},
		{"GET", "/portal/new", roles(auth.RoleEnterprise), s.portalNew},
		{"POST", "/portal/new", roles(auth.RoleEnterprise), s.portalCreate},

		{"GET", "/status", public, s.statusPage},
		{"POST", "/status", public, s.statusLookup},

		{"GET", "/admin/categories", settings, s.categoryList},
		{"GET", "/admin/categories/new", settings, s.categoryNew},
		{"POST", "/admin/categories", settings, s.categoryCreate},
		{"GET", "/admin/categories/{id}", settings, s.categoryEdit},
		{"POST", "/admin/categories/{id}", settings, s.categoryUpdate},

		{"GET", "/admin/kb", kbRoles, s.kbList},
		{"GET", "/admin/kb/new", kbRoles, s.kbNew},
		{"POST", "/admin/kb", kbRoles, s.kbCreate},
		{"GET", "/admin/kb/{id}", kbRoles, s.kbEdit},
		{"POST", "/admin/kb/{id}", kbRoles, s.kbUpdate},
		{"POST", "/admin/kb/{id}/delete", kbRoles, s.kbDelete},

		{"GET", "/admin/appeal-settings", settings, s.appealSettingsPage},
		{"POST", "/admin/appeal-settings", settings, s.appealSettingsSave},
	}
}

// catTree is the category catalogue as the pages show it: labels in the user's
// language, children indented under their parents.
type catTree struct {
	list  []appeal.Category
	byID  map[int64]appeal.Category
	depth map[int64]int
}

func (s *Server) categories(ctx context.Context, a auth.Actor, inactive bool) catTree {
	cats, err := s.Appeal.Categories(ctx, a, inactive)
	if err != nil {
		s.Logger.Error("appeal categories", "err", err)
	}
	t := catTree{list: cats, byID: map[int64]appeal.Category{}, depth: map[int64]int{}}
	for _, c := range cats {
		t.byID[c.ID] = c
	}
	for _, c := range cats {
		d := 0
		for p := c.ParentID; p != 0 && d < 8; d++ {
			p = t.byID[p].ParentID
		}
		t.depth[c.ID] = d
	}
	return t
}

// name is a category's name in lang.
func catName(lang string, c appeal.Category) string {
	if lang != "zh-CN" && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// Label is the category's name with its parent's: 水电气网 / 用电.
func (t catTree) Label(lang string, id int64) string {
	c, ok := t.byID[id]
	if !ok {
		return ""
	}
	if p, ok := t.byID[c.ParentID]; ok {
		return catName(lang, p) + " / " + catName(lang, c)
	}
	return catName(lang, c)
}

// Options is the tree as a select's options, children indented; only active ones.
func (t catTree) Options(lang string) []Option {
	out := make([]Option, 0, len(t.list))
	for _, c := range t.list {
		if !c.Active {
			continue
		}
		out = append(out, Option{Value: strconv.FormatInt(c.ID, 10), Label: strings.Repeat("\u3000", t.depth[c.ID]) + catName(lang, c)})
	}
	return out
}

// DefaultDept is the department a category (or its nearest ancestor) names.
func (t catTree) DefaultDept(id int64) int64 {
	for d := 0; id != 0 && d < 8; d++ {
		c, ok := t.byID[id]
		if !ok {
			return 0
		}
		if c.DefaultDeptID != 0 {
			return c.DefaultDeptID
		}
		id = c.ParentID
	}
	return 0
}

// districtLabel names a district in lang: the directory's words, else the settings' name.
func (s *Server) districtLabel(lang, code string, st appeal.Settings) string {
	if code == "" {
		return ""
	}
	if s.Catalog.Has(lang, "district."+code) {
		return s.Catalog.T(lang, "district."+code)
	}
	for _, d := range st.Districts {
		if d.Code == code {
			return d.Name
		}
	}
	return code
}

func (s *Server) districtOptions(lang string, st appeal.Settings) []Option {
	out := make([]Option, len(st.Districts))
	for i, d := range st.Districts {
		out[i] = Option{Value: d.Code, Label: s.districtLabel(lang, d.Code, st)}
	}
	return out
}

// enumOptions translates an enumeration with a catalog prefix.
func enumOptions[T ~string](s *Server, lang, prefix string, vals []T) []Option {
	out := make([]Option, len(vals))
	for i, v := range vals {
		out[i] = Option{Value: string(v), Label: s.Catalog.T(lang, prefix+string(v))}
	}
	return out
}

// deptOptions are the organisations that handle appeals (承办单位), by name.
func (s *Server) deptOptions(ctx context.Context, a auth.Actor) []Option {
	orgs, _, err := s.Directory.ListOrgs(ctx, a, directoryHandlerFilter())
	if err != nil {
		s.Logger.Error("appeal departments", "err", err)
		return nil
	}
	out := make([]Option, len(orgs))
	for i, o := range orgs {
		out[i] = Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name}
	}
	return out
}

// countText shows a count, "10,000+" when the count stopped at the cap.
func countText(n int, capped bool) string {
	s := i18n.Number(int64(n))
	if capped {
		s += "+"
	}
	return s
}

// clockView is one SLA clock as the page shows it.
type clockView struct {
	Clock     appeal.Clock
	Level     string // green, yellow, red, paused, done
	Due       time.Time
	Remaining string
	Overdue   bool
	Pct       int // 0 … 100 in steps of 5
	Done      bool
	DoneAt    time.Time
	OnTimeOK  bool // done in time
	Late      bool // done after the deadline
}

// workingText says a working duration in words: 1.5 个工作日, 3 小时 20 分钟.
func (s *Server) workingText(lang string, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	day := s.Appeal.Calendar().OfficeHours().DayLength()
	if day > 0 && d >= day {
		days := float64(d) / float64(day)
		return s.Catalog.T(lang, "appealui.working_days", "N", strconv.FormatFloat(float64(int(days*10+0.5))/10, 'f', -1, 64))
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if h == 0 {
		return s.Catalog.T(lang, "appealui.minutes", "M", max(m, 1))
	}
	return s.Catalog.T(lang, "appealui.hours_minutes", "H", h, "M", m)
}

func pct5(f float64) int {
	p := int(f*100 + 0.5)
	p = min(100, max(0, p))
	return min(100, (p+2)/5*5)
}

// clocks builds the appeal's clocks: claim and handle from the dispatch, callback from
// the reply; each running, paused, or done (with its result).
func (s *Server) clocks(lang string, ap appeal.Appeal, parts []appeal.Assignment, now time.Time) []clockView {
	cal := s.Appeal.Calendar()
	var out []clockView
	running := func(c appeal.Clock, sla calendar.SLA, paused bool) clockView {
		v := clockView{Clock: c, Due: sla.Due, Pct: pct5(cal.SLAProgress(sla, now)), Level: string(cal.SLALevel(sla, now))}
		rem := cal.SLARemaining(sla, now)
		v.Overdue = rem < 0 || now.After(sla.Due) && !paused
		switch {
		case v.Overdue && rem > -time.Minute:
			// Past the deadline in real time, but no office time has passed since.
			v.Remaining = s.Catalog.T(lang, "appeal.level.red")
		case v.Overdue:
			v.Remaining = s.Catalog.T(lang, "appealui.clock_overdue", "T", s.workingText(lang, rem))
		default:
			v.Remaining = s.Catalog.T(lang, "appealui.clock_left", "T", s.workingText(lang, rem))
		}
		if paused {
			v.Level = "paused"
			v.Remaining = s.Catalog.T(lang, "appealui.clock_paused", "T", v.Remaining)
		}
		return v
	}
	var lead *appeal.Assignment
	for i := range parts {
		if parts[i].Round == ap.Round && parts[i].Role == appeal.RoleLead {
			lead = &parts[i]
		}
	}
	if !ap.Claim.Due.IsZero() {
		switch {
		case ap.State == appeal.StateDispatched:
			out = append(out, running(appeal.ClockClaim, ap.Claim, false))
		case ap.State == appeal.StateReturned && ap.ReturnFrom == appeal.StateDispatched:
			out = append(out, running(appeal.ClockClaim, ap.Claim, true))
		case lead != nil && !lead.ClaimedAt.IsZero():
			out = append(out, clockView{Clock: appeal.ClockClaim, Due: ap.Claim.Due, Done: true, DoneAt: lead.ClaimedAt, Level: "done", Pct: 100,
				OnTimeOK: isTrue(lead.ClaimedOnTime), Late: isFalse(lead.ClaimedOnTime)})
		}
	}
	if !ap.Handle.Due.IsZero() {
		switch ap.State {
		case appeal.StateDispatched, appeal.StateInProgress, appeal.StateExtensionRequested:
			out = append(out, running(appeal.ClockHandle, ap.Handle, false))
		case appeal.StateReturned:
			out = append(out, running(appeal.ClockHandle, ap.Handle, true))
		default:
			if !ap.RepliedAt.IsZero() {
				out = append(out, clockView{Clock: appeal.ClockHandle, Due: ap.Handle.Due, Done: true, DoneAt: ap.RepliedAt, Level: "done", Pct: 100,
					OnTimeOK: isTrue(ap.HandledOnTime), Late: isFalse(ap.HandledOnTime)})
			}
		}
	}
	if !ap.Callback.Due.IsZero() {
		if ap.State == appeal.StateReplied && ap.CallbackAt.Before(ap.RepliedAt) {
			out = append(out, running(appeal.ClockCallback, ap.Callback, false))
		} else if !ap.CallbackAt.IsZero() && !ap.CallbackAt.Before(ap.RepliedAt) {
			onTime := !ap.CallbackAt.After(ap.Callback.Due)
			out = append(out, clockView{Clock: appeal.ClockCallback, Due: ap.Callback.Due, Done: true, DoneAt: ap.CallbackAt, Level: "done", Pct: 100,
				OnTimeOK: onTime, Late: !onTime})
		}
	}
	return out
}

// parseDay reads a YYYY-MM-DD date as the start of that day in Shanghai.
func parseDay(v string) (time.Time, error) {
	d, err := calendar.ParseDate(strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, err
	}
	return d.Start(), nil
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// directoryHandlerFilter lists the organisations that handle appeals (承办单位).
func directoryHandlerFilter() directory.OrgFilter {
	return directory.OrgFilter{Kinds: []string{auth.OrgGovernment, auth.OrgFederation, auth.OrgCourt, auth.OrgProcuratorate,
		auth.OrgPolice, auth.OrgLegal}, Limit: 500}
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }
