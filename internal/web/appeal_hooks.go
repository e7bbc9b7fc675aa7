package web

import (
	"net/http"

	"yingshang/internal/appeal"
	"yingshang/internal/auth"
)

// What the appeal loop adds to the shared pages: the home page's queue cards, the
// navigation's counts and the 诉求 section of an enterprise's file.

// homeQueues are the queues each role sees as home cards, in order.
var homeQueues = []appeal.Queue{appeal.QueueSubmitted, appeal.QueueAccepted, appeal.QueueReturned, appeal.QueueExtension,
	appeal.QueueReplied, appeal.QueueYellow, appeal.QueueRed, appeal.QueueSupervised,
	appeal.QueueDeptToClaim, appeal.QueueDeptHandling, appeal.QueueDeptYellow, appeal.QueueDeptRed, appeal.QueueDeptAnswered,
	appeal.QueueMine, appeal.QueueLeader}

func (s *Server) appealHomeCards(r *http.Request, a auth.Actor) []HomeCard {
	counts, err := s.Appeal.CountQueues(r.Context(), a, homeQueues...)
	if err != nil {
		s.Logger.Error("appeal home cards", "err", err)
		return nil
	}
	out := make([]HomeCard, 0, len(counts))
	for _, c := range counts {
		href := "/appeals?queue=" + string(c.Queue)
		if c.Queue == appeal.QueueMine && a.Has(auth.RoleEnterprise) {
			href = "/portal"
		}
		out = append(out, HomeCard{TitleKey: "appeal.queue." + string(c.Queue), Value: countText(c.Count, c.Capped), Href: href,
			NoteKey: "appealui.home_note"})
	}
	return out
}

// navCount is the count an entry of the navigation shows.
type navCount struct {
	Count int
	Alert bool
}

// navQueues are the queues the navigation counts (entries with ?queue=… in nav.go).
var navQueues = []appeal.Queue{appeal.QueueSubmitted, appeal.QueueAccepted, appeal.QueueReplied, appeal.QueueRed,
	appeal.QueueDeptToClaim, appeal.QueueDeptHandling, appeal.QueueDeptRed, appeal.QueueLeader}

// navCounts counts the queues the actor's navigation shows, by the entries' hrefs.
func (s *Server) navCounts(r *http.Request, a auth.Actor) map[string]navCount {
	if s.Appeal == nil || len(appeal.QueuesFor(a)) == 0 {
		return nil
	}
	counts, err := s.Appeal.CountQueues(r.Context(), a, navQueues...)
	if err != nil {
		s.Logger.Error("navigation counts", "err", err)
		return nil
	}
	out := map[string]navCount{}
	for _, c := range counts {
		out["/appeals?queue="+string(c.Queue)] = navCount{Count: c.Count,
			Alert: c.Queue == appeal.QueueRed || c.Queue == appeal.QueueDeptRed}
	}
	return out
}

type enterpriseAppealsData struct {
	Items        []appealRow
	EnterpriseID int64
	CanFile      bool
	NoScope      bool
}

// appealEnterpriseSection is the 诉求 section of an enterprise's file: its appeals the
// viewer may see, newest first, with a link to file one for operators.
func (s *Server) appealEnterpriseSection(r *http.Request, a auth.Actor, id int64) (Section, bool) {
	ctx, lang := r.Context(), langOf(r)
	d := enterpriseAppealsData{EnterpriseID: id, CanFile: a.HasAny(auth.RoleOperator, auth.RoleLeader)}
	if len(appeal.QueuesFor(a)) == 0 {
		return Section{}, false // roles without appeals (administrators, analysts, banks) see the slot's empty state
	}
	page, err := s.Appeal.EnterpriseAppeals(ctx, a, id, 10)
	if err != nil {
		s.Logger.Error("enterprise appeals", "enterprise", id, "err", err)
		return Section{}, false
	}
	if len(page.Items) == 0 && !d.CanFile {
		return Section{}, false
	}
	st, err := s.Appeal.Settings(ctx)
	if err != nil {
		return Section{}, false
	}
	cats := s.categories(ctx, a, true)
	for _, it := range page.Items {
		d.Items = append(d.Items, appealRow{ListItem: it, Category: cats.Label(lang, it.CategoryID), District: s.districtLabel(lang, it.DistrictCode, st)})
	}
	return Section{Key: "appeals", Template: "appeal/enterprise_section", Data: d, Count: page.Total}, true
}
