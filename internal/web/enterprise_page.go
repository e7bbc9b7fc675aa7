package web

import (
	"html/template"
	"net/http"

	"yingshang/internal/auth"
	"yingshang/internal/directory"
)

// The enterprise page is THE file of an enterprise (一企一档): its directory facts, its
// chamber memberships and people, and one section per mechanism that knows something
// about it. A mechanism plugs its section in through Deps.EnterpriseSections without
// touching this page's template:
//
//	deps.EnterpriseSections = append(deps.EnterpriseSections,
//	    func(r *http.Request, a auth.Actor, id int64) (web.Section, bool) {
//	        items, n, err := appeals.ListForEnterprise(r.Context(), a, id, 5)
//	        if err != nil || n == 0 {
//	            return web.Section{}, false // the slot shows its empty state
//	        }
//	        return web.Section{Key: "appeals", Template: "appeals/enterprise_section",
//	            Data: items, Count: n, MoreHref: "/appeals?enterprise=" + strconv.FormatInt(id, 10)}, true
//	    })
//
// Template names a page file (templates/appeals/enterprise_section.html) whose "content"
// is rendered with the Section's Data as .Data (and .Actor, .Lang as on any page).
// A provider must apply the actor's scope itself, like every service call.

// Section is one part of an enterprise's page, filled by a mechanism.
type Section struct {
	// Key is the slot it fills: one of EnterpriseSlots' keys, or a new key (shown after them).
	Key string
	// TitleKey overrides the slot's title (required for a new key).
	TitleKey string
	// Template is the page template rendered for the section's body.
	Template string
	Data     any
	// Count, when positive, shows beside the title.
	Count int
	// MoreHref links to the mechanism's full list for this enterprise.
	MoreHref string
}

// EnterpriseSlot is a titled place on the enterprise page with its empty state.
type EnterpriseSlot struct {
	Key      string
	TitleKey string
	EmptyKey string
}

// EnterpriseSlots are the mechanisms' sections, in page order. Until a mechanism provides
// its section, the slot says honestly that the platform holds nothing for it yet.
var EnterpriseSlots = []EnterpriseSlot{
	{"appeals", "enterprise.sec.appeals", "enterprise.sec.appeals_empty"},
	{"liaison", "enterprise.sec.liaison", "enterprise.sec.liaison_empty"},
	{"events", "enterprise.sec.events", "enterprise.sec.events_empty"},
	{"financing", "enterprise.sec.financing", "enterprise.sec.financing_empty"},
	{"mediation", "enterprise.sec.mediation", "enterprise.sec.mediation_empty"},
	{"ipstation", "enterprise.sec.ipstation", "enterprise.sec.ipstation_empty"},
	{"projects", "enterprise.sec.projects", "enterprise.sec.projects_empty"},
}

// renderedSection is a slot as the page shows it.
type renderedSection struct {
	Key      string
	TitleKey string
	EmptyKey string
	Count    int
	MoreHref string
	HTML     template.HTML
	// Failed: the provider's template did not render (logged); the page still shows.
	Failed bool
}

type enterprisePageData struct {
	E            directory.Enterprise
	Memberships  []directory.Membership
	Posts        []directory.Post
	Sections     []renderedSection
	CanEdit      bool
	CanEditOwn   bool
	CanHistory   bool
	ContactShown bool
}

func (s *Server) enterprisePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actorOf(r)
	e, err := s.Directory.ReadEnterprise(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.Directory.MembershipsOf(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	posts, err := s.Directory.OrgPosts(r.Context(), a, id, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := enterprisePageData{E: e, Memberships: ms, Posts: posts, CanEdit: directory.CanEditDirectory(a),
		CanEditOwn: directory.CanEditContact(a, id), CanHistory: a.Can(auth.PermHistoryRead), ContactShown: !e.ContactMasked,
		Sections: s.enterpriseSections(r, a, id)}
	pg := s.page(w, r, "enterprise.file_title", d)
	pg.Title = e.Name + " · " + pg.Title
	s.render(w, r, "directory/enterprise", pg)
}

// enterpriseSections asks every provider and lays the answers into the slots.
func (s *Server) enterpriseSections(r *http.Request, a auth.Actor, id int64) []renderedSection {
	out := make([]renderedSection, 0, len(EnterpriseSlots))
	index := map[string]int{}
	for _, sl := range EnterpriseSlots {
		index[sl.Key] = len(out)
		out = append(out, renderedSection{Key: sl.Key, TitleKey: sl.TitleKey, EmptyKey: sl.EmptyKey})
	}
	lang := langOf(r)
	for _, provide := range s.EnterpriseSections {
		sec, ok := provide(r, a, id)
		if !ok {
			continue
		}
		i, known := index[sec.Key]
		if !known {
			if sec.TitleKey == "" {
				s.Logger.Error("enterprise section without a title", "key", sec.Key)
				continue
			}
			index[sec.Key] = len(out)
			i = len(out)
			out = append(out, renderedSection{Key: sec.Key, TitleKey: sec.TitleKey, EmptyKey: "enterprise.sec.other_empty"})
		}
		rs := &out[i]
		if sec.TitleKey != "" {
			rs.TitleKey = sec.TitleKey
		}
		rs.Count, rs.MoreHref = sec.Count, sec.MoreHref
		p := &Page{Lang: lang, Actor: &a, Path: r.URL.Path, Query: r.URL.Query(), Data: sec.Data, Fragment: true}
		b, err := s.tmpl.Render(lang, sec.Template, p)
		if err != nil {
			s.Logger.Error("enterprise section", "key", sec.Key, "template", sec.Template, "err", err)
			rs.Failed = true
			continue
		}
		rs.HTML = template.HTML(b) // rendered by html/template: already escaped
	}
	return out
}
