package web

import (
	"errors"
	"net/http"
	"strings"

	"yingshang/internal/apperr"
	"yingshang/internal/auth"
	"yingshang/internal/search"
)

// Full-text search (internal/search): the /search page for everyone who works on appeals,
// and the similar-appeal hints of the intake forms.

func (s *Server) searchRoutes() []Route {
	if s.Search == nil || s.Appeal == nil {
		return nil
	}
	return []Route{
		{"GET", "/search", appealRoles, s.searchPage},
		{"GET", "/appeals/similar", intakeRoles, s.appealSimilar},
	}
}

type searchData struct {
	Q      string
	Hits   []search.AppealHit
	Total  int
	Capped bool
	Next   string
	From   int
	Asked  bool
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := NewForm(q)
	d := searchData{Q: strings.TrimSpace(q.Get("q"))}
	status := http.StatusOK
	if d.Q != "" || q.Has("q") {
		d.Asked = true
		page, err := s.Search.Appeals(r.Context(), actorOf(r), s.Appeal, search.AppealQuery{Q: d.Q, Cursor: q.Get("cursor")})
		if err != nil {
			if !s.Bind(f, langOf(r), err) {
				s.fail(w, r, err)
				return
			}
			status = http.StatusUnprocessableEntity
		}
		d.Hits, d.Total, d.Capped, d.Next = page.Items, page.Total, page.Capped, page.Next
		if status == http.StatusOK {
			d.From = int(formInt(q, "cursor"))
		}
	}
	p := s.page(w, r, "search.title", d)
	p.Form = f
	s.renderStatus(w, r, status, "search/results", p)
}

// appealSimilar is the htmx fragment under the intake forms' title: earlier appeals like
// the one being typed (the enterprise sees its own; the hotline all).
func (s *Server) appealSimilar(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	title, body := strings.TrimSpace(q.Get("title")), strings.TrimSpace(q.Get("body"))
	var hits []search.SimilarHit
	if len([]rune(title)) >= 2 {
		var err error
		hits, err = s.Search.Similar(r.Context(), actorOf(r), s.Appeal, title, body, 0, 5, 25)
		if err != nil && !errors.Is(err, apperr.ErrForbidden) {
			s.fail(w, r, err)
			return
		}
	}
	p := s.page(w, r, "search.similar", similarData{Hits: hits, Enterprise: actorOf(r).Has(auth.RoleEnterprise)})
	p.Fragment = true
	s.render(w, r, "search/similar", p)
}

type similarData struct {
	Hits       []search.SimilarHit
	Enterprise bool
}
